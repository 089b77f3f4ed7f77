"""Plan → peak notice → review of one stream, and the live board, in a real browser (screenshots
live-walk-*.png and live-review-*.png in test-results/).

Run: ``.venv/bin/pytest -m browser src/fahuo/livestream``. Uses Debian's chromium, never a download.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from fahuo.carriers.models import Contract
from fahuo.kit.testing import shooter
from fahuo.livestream import review
from fahuo.livestream.tests import helpers as h
from fahuo.orders.models import OrderStatus, Shop
from fahuo.tracking.models import TrackStatus

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[4] / "test-results"
PROVINCES = ["浙江省", "江苏省", "广东省", "上海市", "四川省", "新疆维吾尔自治区"]


# ``browser``: the root conftest's chromium fixture.


shot = shooter("live-review-")


def finished_session(shop: Shop, start: dt.datetime, orders: int, rng: random.Random) -> Any:
    """A demo-like finished stream: most parcels picked up in time, some late, Xinjiang breaks."""
    s = h.session(
        shop,
        title=f"{start:%m-%d} 美妆专场",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        forecast_orders=int(orders * rng.uniform(0.8, 1.2)),
        forecast_hourly=[orders // 2, orders // 3, orders // 6],
    )
    for i in range(orders):
        paid = start + dt.timedelta(minutes=rng.triangular(0, 200, 30))
        code = rng.choice(["ZTO", "ZTO", "YTO", "SF"])
        issued = paid + dt.timedelta(minutes=rng.uniform(20, 300))
        late = rng.random() < (0.25 if code == "YTO" else 0.06)
        picked = issued + dt.timedelta(hours=rng.uniform(26, 60) if late else rng.uniform(1, 20))
        province = PROVINCES[i % len(PROVINCES)]
        t = h.parcel(
            shop,
            code=code,
            paid=paid,
            issued=issued,
            picked=picked,
            province=province,
            status=TrackStatus.LOST if rng.random() < 0.01 else TrackStatus.DELIVERED,
        )
        if rng.random() < (0.3 if province == "新疆维吾尔自治区" else 0.02):
            h.damage(t)
    return s


def test_review_and_live_board(
    browser: Any, live_server: Any, transactional_db: Any, owner: Any, shop: Any
) -> None:
    from playwright.sync_api import expect

    rng = random.Random(618)
    now = timezone.now()
    for code, name in (("ZTO", "中通快递"), ("YTO", "圆通速递"), ("SF", "顺丰速运")):
        h.carrier(code, name)
    Contract.objects.create(
        carrier=h.carrier("ZTO"),
        name="直播合作",
        starts_on=dt.date(2024, 1, 1),
        peak_capacity_per_stream=150,
        pickup_capacity_per_hour=120,
    )
    Contract.objects.create(
        carrier=h.carrier("YTO"), name="直播合作", starts_on=dt.date(2024, 1, 1), peak_capacity_per_stream=200
    )
    past = [
        finished_session(shop, now - dt.timedelta(days=d, hours=3), n, rng)
        for d, n in ((30, 90), (23, 120), (16, 110))
    ]
    for s in past:
        review.compute_review(session=s, kind="24h")
        review.compute_review(session=s, kind="7d")
    target = finished_session(shop, now - dt.timedelta(days=9), 160, rng)

    live = h.session(
        shop,
        title="今晚 新品直播",
        status="live",
        starts_at=now - dt.timedelta(minutes=45),
        ends_at=now + dt.timedelta(minutes=75),
        forecast_orders=300,
        forecast_hourly=[150, 100, 50],
    )
    for i in range(140):
        paid = live.starts_at + dt.timedelta(minutes=rng.uniform(0, 44.5))
        status = rng.choice(
            [OrderStatus.READY, OrderStatus.READY, OrderStatus.NEEDS_REVIEW, OrderStatus.PRINTED]
        )
        carrier = (
            h.carrier(rng.choice(["ZTO", "ZTO", "YTO"]))
            if status != OrderStatus.NEEDS_REVIEW and i % 5
            else None
        )
        h.order(shop, paid, status=status, carrier=carrier, ship_by=paid + dt.timedelta(hours=48))
    for i in range(25):
        paid = live.starts_at + dt.timedelta(minutes=rng.uniform(0, 20))
        h.parcel(
            shop,
            code="ZTO",
            paid=paid,
            issued=paid + dt.timedelta(minutes=15),
            picked=paid + dt.timedelta(minutes=30) if i % 2 else None,
        )

    base = str(live_server.url)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        page.goto(base + "/login/")
        page.get_by_label("用户名").fill("owner")
        page.get_by_label("密码").fill("fahuo-test-pw")
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(base + "/")

        page.goto(base + f"/live/review/{target.pk}/")
        expect(page.get_by_role("heading", name=f"复盘 · {target.title}")).to_be_visible()
        expect(page.locator("#review-carriers tbody tr")).to_have_count(3)
        expect(page.locator("#review-advice")).to_contain_text("新疆维吾尔自治区")
        page.wait_for_selector("#chart-history canvas")
        expect(page.locator("#review-history tbody tr")).to_have_count(4)
        shot(page, "01-review")

        page.goto(base + "/live/board/current/")
        expect(page.get_by_role("heading", name="直播看板 · 今晚 新品直播")).to_be_visible()
        page.wait_for_selector("#chart-orders canvas")
        expect(page.locator('#board-alerts [data-alert-kind="capacity"]')).to_contain_text("ZTO")
        shot(page, "02-board")
        # htmx refresh swaps the panel and the chart is drawn again.
        before = page.locator("#board-panel").get_attribute("data-updated")
        # (no wait_for_function with a string: Playwright evals it, which the page's CSP forbids)
        expect(page.locator("#board-panel")).not_to_have_attribute(
            "data-updated", before or "", timeout=15000
        )
        page.wait_for_selector("#chart-orders canvas")
        shot(page, "03-board-refreshed")
    finally:
        context.close()


# --- plan → notice → review of one stream -------------------------------------------------------------

WALK_PRICES = {  # fen, first kilo from 浙江省; YTO does not serve Xinjiang
    "ZTO": {
        "浙江省": 300,
        "江苏省": 380,
        "上海市": 380,
        "广东省": 520,
        "四川省": 560,
        "新疆维吾尔自治区": 1500,
    },
    "YTO": {"浙江省": 320, "江苏省": 360, "上海市": 370, "广东省": 480, "四川省": 600},
    "SF": {
        "浙江省": 900,
        "江苏省": 1000,
        "上海市": 1000,
        "广东省": 1300,
        "四川省": 1400,
        "新疆维吾尔自治区": 2600,
    },
}


def walk_shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"live-walk-{name}.png"), full_page=True)


def walk_world(shop: Shop, warehouse: Any, start: dt.datetime) -> Any:
    """Three carriers with rate cards from Hangzhou, stream contracts, a cold SKU only SF carries,
    the shop's past orders for the destinations, and the stream itself (planned, not yet notified)."""
    from fahuo.carriers.models import Capacity, Carrier, RateLine
    from fahuo.catalog.models import Sku
    from fahuo.inventory.models import Stock
    from fahuo.livestream.models import FeaturedSku

    names = {"ZTO": "中通快递", "YTO": "圆通速递", "SF": "顺丰速运"}
    for code, prices in WALK_PRICES.items():
        c = Carrier.objects.create(code=code, name=names[code], cold_chain=code == "SF", insured=code == "SF")
        RateLine.objects.bulk_create(
            RateLine(carrier=c, origin_province="浙江省", dest_province=dest, first_weight_g=1000,
                     first_price_fen=fen, step_weight_g=1000, step_price_fen=200)
            for dest, fen in prices.items()
        )  # fmt: skip
    for code, peak, hourly in (("ZTO", 60, 15), ("YTO", 50, 20)):
        Contract.objects.create(carrier=Carrier.objects.get(code=code), name="直播合作", starts_on=dt.date(2024, 1, 1),
                                peak_capacity_per_stream=peak, pickup_capacity_per_hour=hourly,
                                pickup_window="08:00-20:00")  # fmt: skip
    Capacity.objects.create(carrier=Carrier.objects.get(code="SF"), warehouse=warehouse, max_parcels=200,
                            max_parcels_per_hour=30)  # fmt: skip
    for k in range(90):
        h.order(shop, start - dt.timedelta(days=5, minutes=k), province=PROVINCES[k % len(PROVINCES)])
    s = h.session(
        shop, title="双12 美妆专场", status="planned", starts_at=start, ends_at=start + dt.timedelta(hours=2),
        forecast_orders=None, forecast_hourly=[], expected_orders=120, packers=4,
        pickup_address="杭州市余杭区文一西路1000号", contact="小雨 13800001111",
    )  # fmt: skip
    for code, grams, traits, units in (("MASK-10", 300, [], 400), ("ICE-1", 900, ["cold"], 40)):
        sku = Sku.objects.create(code=code, name=code, weight_g=grams, traits=traits)
        Stock.objects.create(warehouse=warehouse, sku=sku, on_hand=1000)
        FeaturedSku.objects.create(session=s, sku=sku, planned_units=units)
    return s


def ship_as_planned(session: Any, warehouse: Any, rng: random.Random) -> None:
    """The stream happened: 90 % of each carrier's planned parcels, labelled, most picked up in time."""
    from fahuo.fulfilment.models import Parcel

    session.refresh_from_db()
    for line in session.plan["carriers"]:
        served = [p for p in PROVINCES if p in WALK_PRICES[line["code"]]]
        for k in range(round(line["parcels"] * 0.9)):
            paid = session.starts_at + dt.timedelta(minutes=rng.uniform(0, 150))
            issued = paid + dt.timedelta(minutes=rng.uniform(20, 200))
            late = rng.random() < 0.08
            h.parcel(session.shop, code=line["code"], paid=paid, issued=issued,
                     picked=issued + dt.timedelta(hours=rng.uniform(30, 50) if late else rng.uniform(2, 18)),
                     province=served[k % len(served)], status=TrackStatus.DELIVERED)  # fmt: skip
    Parcel.objects.filter(order__shop=session.shop, warehouse__isnull=True).update(
        warehouse=warehouse, weight_g=380
    )
    type(session).objects.filter(pk=session.pk).update(status="finished")


def test_walk_plan_notice_review(
    browser: Any, live_server: Any, transactional_db: Any, owner: Any, shop: Any, warehouse: Any
) -> None:
    from playwright.sync_api import expect

    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=3), dt.time(20)))
    s = walk_world(shop, warehouse, start)
    base = str(live_server.url)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        page.goto(base + "/login/")
        page.get_by_label("用户名").fill("owner")
        page.get_by_label("密码").fill("fahuo-test-pw")
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(base + "/")

        # 1. The plan: the optimiser's split, its freight against cheapest-first, pickups per hour.
        page.goto(base + f"/live/{s.pk}/")
        expect(page.get_by_role("heading", name="双12 美妆专场")).to_be_visible()
        expect(page.locator("#plan-optimiser")).to_contain_text("优化")
        expect(page.locator("#carrier-split tbody tr")).to_have_count(3)
        page.wait_for_selector("#chart-pickups canvas")
        zto_parcels = int(
            page.locator('#carrier-split tr[data-carrier="ZTO"] [data-col="parcels"]').inner_text()
        )
        sf_freight = page.locator('#carrier-split tr[data-carrier="SF"] [data-col="freight"]').inner_text()
        assert zto_parcels > 0 and float(sf_freight) > 0  # the cold SKU goes with SF, priced
        walk_shot(page, "01-plan")

        # 2. The notices, written from the plan: the same numbers; one marked as sent.
        page.locator("#write-notices").click()
        expect(page.locator("[data-notice]")).to_have_count(3)
        zto = page.locator('[data-notice="ZTO"]')
        expect(zto.locator("textarea")).to_contain_text(f"预计交给贵司约{zto_parcels}单")
        expect(zto.locator("textarea")).to_contain_text("每小时最多15单")
        zto.locator("select").select_option("wechat")
        zto.get_by_role("button", name="标记已发送").click()
        expect(page.locator('[data-notice="ZTO"] .badge')).to_contain_text("微信")
        walk_shot(page, "02-notices")

        # 3. The stream happens; its review compares the actual freight with the plan's.
        ship_as_planned(s, warehouse, random.Random(1212))
        page.goto(base + f"/live/review/{s.pk}/")
        expect(page.get_by_role("heading", name=f"复盘 · {s.title}")).to_be_visible()
        row = page.locator('#review-carriers tr[data-carrier="ZTO"]')
        expect(row.locator('[data-col="planned-freight"]')).not_to_have_text("—")
        expect(row.locator('[data-col="actual-freight"]')).not_to_have_text("—")
        expect(row.locator('[data-col="freight-diff"]')).to_contain_text("%")
        expect(page.locator('[data-stat="freight"]')).to_contain_text("运费")
        page.wait_for_selector("#chart-history canvas")
        walk_shot(page, "03-review")
    finally:
        context.close()
