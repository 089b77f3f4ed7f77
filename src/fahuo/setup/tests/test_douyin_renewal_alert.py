"""A refused token renewal is an alert on the owner's dashboard (issue #13), until a renewal works."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from fahuo.integrations.douyin.simulator import DouyinSimulator
from fahuo.orders import platform_auth
from fahuo.orders.models import Shop
from fahuo.orders.tests.test_platform_auth import (  # noqa: F401 (fixtures)
    Clock,
    _connect,
    _expires,
    clock,
    sim,
    sim_url,
)

pytestmark = pytest.mark.django_db


def dashboard(user: Any) -> str:
    page = Client()
    page.force_login(user)
    html = page.get("/").content.decode()
    start = html.find('id="douyin-auth-alerts"')
    return "" if start < 0 else html[start : html.index("</section>", start)]


def test_a_refused_renewal_is_shown_on_the_owners_dashboard_until_a_renewal_works(
    shop: Shop,
    owner: Any,
    operator: Any,
    sim: DouyinSimulator,  # noqa: F811
    sim_url: str,  # noqa: F811
    clock: Clock,  # noqa: F811
) -> None:
    account = _connect(shop, sim, sim_url)
    assert dashboard(owner) == ""
    later = _expires(account) - dt.timedelta(minutes=50)
    clock.now = later.timestamp()
    sim.tokens.refuse_refresh = 1  # the platform answers token.refresh with an error
    result = platform_auth.renew_due(now=later)
    assert result.failed == [{"shop": "demo", "error": "抖店授权失败：refresh_token无效，请重新授权"}]
    alert = dashboard(owner)
    assert "抖店授权续期失败" in alert and shop.name in alert and "refresh_token无效" in alert
    assert f"/setup/shops/{shop.code}/douyin/" in alert  # straight to re-authorising
    assert dashboard(operator) == ""  # the owner fixes it; an operator cannot
    # The next run (ten minutes on) renews: the alert is gone.
    assert platform_auth.renew_due(now=later + dt.timedelta(minutes=10)).renewed == ["demo"]
    assert dashboard(owner) == ""
