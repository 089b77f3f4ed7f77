"""A parcel's page does not contradict itself (issue #15, item 7)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fahuo.tracking.models import TrackStatus
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.django_db


def page(user: Any, track: Any) -> str:
    client = Client()
    assert client.login(username=user.username, password="fahuo-test-pw")
    response = client.get(reverse("tracking:track_detail", args=[track.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_lost_parcel_with_no_scans_does_not_say_the_carrier_never_scanned_it(
    operator: Any, shop: Any
) -> None:
    f.carrier("ZTO", "中通快递")
    now = f.now()
    lost = f.track(shop, status=TrackStatus.LOST, picked_up_at=now - dt.timedelta(days=3), status_at=now)

    html = page(operator, lost)

    assert "丢失" in html
    assert "暂无轨迹" not in html and "还没有扫描" not in html
    assert "上方状态是快递公司最近一次报告的状态" in html


def test_a_parcel_not_picked_up_yet_says_no_trace_yet(operator: Any, shop: Any) -> None:
    f.carrier("ZTO", "中通快递")
    waiting = f.track(shop, status=TrackStatus.AWAITING_PICKUP)

    assert "暂无轨迹：快递公司还没有扫描这个包裹" in page(operator, waiting)
