"""The session page's notices, forecast and channels say the same as the plan above them
(issue #15, items 7 and 8)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fahuo.livestream.models import LiveSession, SessionStatus
from fahuo.livestream.notices import create_notices, mark_sent
from fahuo.livestream.tests.test_forecast import make_session
from fahuo.livestream.tests.test_planning import carrier

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def planned(shop: Any, warehouse: Any) -> dict[str, Any]:
    from datetime import timedelta

    carrier("ZTO", "中通快递", per_stream=300, per_hour=100)
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    return {"session": make_session(shop, start, 0, status=SessionStatus.PLANNED, expected_orders=400)}


def page(user: Any, session: LiveSession) -> str:
    client = Client()
    assert client.login(username=user.username, password="fahuo-test-pw")
    response = client.get(reverse("live:session_detail", args=[session.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_notices_written_from_an_older_plan_are_flagged_with_the_plans_number(
    owner: Any, planned: Any
) -> None:
    session = planned["session"]
    made = create_notices(session=session)
    assert made
    html = page(owner, session)
    assert 'id="notices-stale"' not in html and "data-stale" not in html  # fresh: they agree

    first = made[0]
    told = first.expected_parcels
    type(first).objects.filter(pk=first.pk).update(expected_parcels=told + 7)  # the plan moved on
    html = page(owner, session)

    assert 'id="notices-stale"' in html and "请先重新生成通知再发送" in html
    assert f"计划现为 {told} 件" in html


def test_a_sent_notice_names_its_channel_in_chinese(owner: Any, planned: Any) -> None:
    session = planned["session"]
    [notice, *_] = create_notices(session=session)
    mark_sent(notice=notice, user=owner, via="wechat")

    html = page(owner, session)

    assert "（微信）" in html and "（wechat）" not in html
    assert '<option value="manual">手动</option>' in html and ">email<" not in html
