"""The live board and a finished session's review in a real browser (screenshots live-review-*.png).

Run: ``.venv/bin/pytest -m browser src/fahuo/livestream``. Uses Debian's chromium, never a download.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from fahuo.carriers.models import Contract
from fahuo.livestream import review
from fahuo.livestream.tests import helpers as h
from fahuo.orders.models import OrderStatus, Shop
from fahuo.tracking.models import TrackStatus

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]
SHOTS = Path(__file__).resolve().parents[4] / "test-results"
PROVINCES = ["浙江省", "江苏省", "广东省", "上海市", "四川省", "新疆维吾尔自治区"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = "BROWSER TESTS NOT RUN: /usr/bin/chromium is missing (apt-get install -y chromium)."
        if os.environ.get("CI"):
            pytest.fail(message)
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"live-review-{name}.png"), full_page=True)


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
        page.wait_for_function(
            f"document.querySelector('#board-panel').dataset.updated !== '{before}'", timeout=15000
        )
        page.wait_for_selector("#chart-orders canvas")
        shot(page, "03-board-refreshed")
    finally:
        context.close()
