"""The alert queue in a real browser: filter, assign, resolve, open a trace (screenshots alerts-*.png).

Run: ``.venv/bin/pytest -m browser src/fahuo/tracking``. Uses Debian's chromium, never a download.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from fahuo.kit.testing import shooter
from fahuo.orders.models import OrderStatus, Shop
from fahuo.tracking.ingest import ingest_events
from fahuo.tracking.models import Track, TrackStatus
from fahuo.tracking.sweep import sweep
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[4] / "test-results"


# ``browser``: the root conftest's chromium fixture.


shot = shooter("alerts-")


def _trace(t: Track, steps: list[tuple[str, float, str, str]], now: dt.datetime) -> None:
    ingest_events(
        [f.event(t, s, now - dt.timedelta(hours=h), text, location=loc) for s, h, text, loc in steps]
    )


def seed(shop: Shop) -> Track:
    """A night's worth of trouble, like the demo's: returns the problem parcel."""
    now = f.now()
    tea = Shop.objects.create(code="tea", name="云南茶叶私域", platform="wechat")
    for code, name in (("ZTO", "中通快递"), ("YTO", "圆通速递"), ("SF", "顺丰速运"), ("YD", "韵达快递")):
        f.carrier(code, name)
    for hours in (2, 5):
        f.order(shop, status=OrderStatus.READY, ship_by=now + dt.timedelta(hours=hours), province="广东省")
    f.order(tea, status=OrderStatus.NEEDS_REVIEW, ship_by=now - dt.timedelta(hours=3), province="云南省")
    for i in range(3):
        f.track(shop, carrier_code="YD", issued_at=now - dt.timedelta(hours=26 + i))
    problem = f.track(shop, carrier_code="ZTO", promised_hours=48, issued_at=now - dt.timedelta(hours=33))
    _trace(
        problem,
        [
            ("picked_up", 30, "【杭州市】【杭州余杭仓前】已揽收", "杭州市"),
            ("in_transit", 22, "【杭州市】快件离开【杭州中心】已发往【苏州中心】", "杭州市"),
            ("in_transit", 14, "【苏州市】快件已到达【苏州中心】", "苏州市"),
            ("exception", 3, "【苏州市】派件异常：收件地址不详，联系不上收件人", "苏州市"),
        ],
        now,
    )
    stalled = f.track(
        tea,
        carrier_code="YTO",
        order_obj=f.order(tea, province="新疆维吾尔自治区"),
        issued_at=now - dt.timedelta(hours=132),
    )
    _trace(
        stalled,
        [
            ("picked_up", 130, "【昆明市】圆通速递 已揽收", "昆明市"),
            ("in_transit", 110, "【兰州市】到达兰州转运中心", "兰州市"),
        ],
        now,
    )
    refused = f.track(shop, carrier_code="SF", issued_at=now - dt.timedelta(hours=52))
    _trace(
        refused,
        [("picked_up", 50, "顺丰速运已收取快件", "深圳市"), ("refused", 4, "客户拒收，快件退回中", "广州市")],
        now,
    )
    locker = f.track(
        shop,
        carrier_code="ZTO",
        order_obj=f.order(shop, door_delivery=True),
        issued_at=now - dt.timedelta(hours=42),
    )
    _trace(
        locker,
        [
            ("picked_up", 40, "【杭州市】已揽收", "杭州市"),
            ("in_locker", 2, "快件已放入【丰巢柜】，请凭取件码领取", "上海市"),
        ],
        now,
    )
    for _ in range(4):  # parcels doing fine
        ok = f.track(shop, carrier_code="ZTO", issued_at=now - dt.timedelta(hours=22))
        _trace(ok, [("picked_up", 20, "已揽收", "杭州市"), ("in_transit", 6, "运输中", "南京市")], now)
    sweep()
    return problem


def test_work_the_alert_queue(
    browser: Any, live_server: Any, transactional_db: Any, owner: Any, shop: Any
) -> None:
    from playwright.sync_api import expect

    problem = seed(shop)
    base = str(live_server.url)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        page.goto(base + "/login/")
        page.get_by_label("用户名").fill("owner")
        page.get_by_label("密码").fill("fahuo-test-pw")
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(base + "/")

        # 1. The dashboard counts alerts per kind.
        expect(page.locator("#dashboard-alerts")).to_be_visible()
        expect(page.locator('[data-alert-kind="no_pickup"] b')).to_have_text("3")
        shot(page, "01-dashboard")

        # 2. The queue: every unresolved alert, counts per kind.
        page.get_by_role("link", name="异常", exact=True).click()
        expect(page.get_by_role("heading", name="异常")).to_be_visible()
        rows = page.locator("tr[data-alert]")
        expect(rows).to_have_count(11)  # the Xinjiang parcel is both stalled and late
        expect(page.locator('#alert-counts [data-kind="all"] b')).to_have_text("11")
        shot(page, "02-queue")

        # 3. Filter by kind and carrier (htmx, the URL follows).
        page.get_by_label("类型").select_option("problem")
        expect(page).to_have_url(re.compile(r"kind=problem"))
        expect(rows).to_have_count(1)
        page.get_by_label("类型").select_option("")
        page.get_by_label("快递公司").select_option("YD")
        expect(rows).to_have_count(3)
        expect(page.locator("tr[data-alert] td.kind").first).to_contain_text("出单后未揽收")
        shot(page, "03-filtered")
        page.get_by_label("快递公司").select_option("")
        expect(rows).to_have_count(11)

        # 4. Take the problem parcel, note what was done, resolve it.
        row = page.locator(f'tr[data-alert]:has(a:text("{problem.tracking_no}"))')
        row.get_by_role("button", name="指派给我").click()
        expect(row).to_contain_text("处理中")
        expect(row).to_contain_text("owner")
        row.get_by_placeholder("处理情况…").fill("已联系苏州网点，改约明天派送")
        row.get_by_role("button", name="保存").click()
        expect(row.locator(".flash")).to_have_text("备注已保存。")
        shot(page, "04-assigned")
        row.get_by_role("button", name="解决").click()
        expect(row).to_have_class(re.compile("resolved"))
        expect(page.locator('#alert-counts [data-kind="all"] b')).to_have_text("10")
        shot(page, "05-resolved")

        # 5. The parcel's whole trace, in Beijing time.
        row.get_by_role("link", name=problem.tracking_no).click()
        expect(page.get_by_role("heading", name=problem.tracking_no)).to_be_visible()
        expect(page.locator("#trace li")).to_have_count(4)
        expect(page.locator("#trace li").first).to_contain_text("派件异常")
        expect(page.locator("#parcel-alerts")).to_contain_text("已联系苏州网点")
        shot(page, "06-trace")
    finally:
        context.close()
    assert Track.objects.get(pk=problem.pk).status == TrackStatus.EXCEPTION
