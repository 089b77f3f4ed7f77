"""The rates pages in a real browser (Playwright driving Debian's chromium; set-up as in the desk's test).

Screenshots go to test-results/rates-*.png. Run: ``.venv/bin/pytest -m browser src/fahuo/carriers``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from fahuo.carriers.tests.factories import CarrierFactory, card, contract_with_tiers
from fahuo.desk.tests.test_browser import SHOTS, browser, desk, log_in  # noqa: F401  (fixtures)
from fahuo.kit.testing import shooter

pytestmark = pytest.mark.browser

DATA = Path(__file__).parent / "data"


shot = shooter("rates-")


def _carriers_with_a_week_of_parcels(shop: Any, warehouse: Any) -> None:
    from fahuo.fulfilment.models import Parcel, Waybill
    from fahuo.orders.models import Order

    zto = CarrierFactory.create(code="ZTO", name="中通快递", insured=False, door_delivery=False)
    sf = CarrierFactory.create(
        code="SF", name="顺丰速运", cold_chain=True, volumetric_divisor=6000, max_weight_g=50000
    )
    CarrierFactory.create(code="YTO", name="圆通速递", insured=False)
    card(zto, {"浙江省": (300, 100), "上海市": (350, 150), "江苏省": (350, 150), "广东省": (420, 200)})
    card(zto, {"新疆维吾尔自治区": (1500, 1200)}, remote_surcharge_fen=500, transit_hours=96)
    card(sf, {"浙江省": (1200, 300), "上海市": (1250, 500), "广东省": (1400, 800)}, transit_hours=24)
    today = timezone.localdate()
    card(zto, {"上海市": (380, 150), "广东省": (450, 200)}, effective_from=today + dt.timedelta(days=35),
         announced_on=today - dt.timedelta(days=2))  # fmt: skip
    contract_with_tiers(
        zto,
        [(50, -30), (100, -50)],
        name="直播合作 2026",
        starts_on=dt.date(2020, 1, 1),
        min_daily_parcels=10,
        pickup_capacity_per_hour=100,
        pickup_window="08:00-22:00",
        peak_capacity_per_stream=500,
    )
    n = 0
    for back, count in enumerate([6, 11, 9, 15, 0, 4, 12]):
        day = today - dt.timedelta(days=back)
        for _ in range(count):
            n += 1
            order = Order.objects.create(shop=shop, platform_order_id=f"B{n:06d}", province="上海市")
            parcel = Parcel.objects.create(
                order=order, carrier=zto, warehouse=warehouse, weight_g=800 + 97 * n % 1500
            )
            waybill = Waybill.objects.create(
                parcel=parcel, carrier=zto, provider="sandbox", tracking_no=f"ZT{n:08d}", request_id=f"rq{n}"
            )
            issued = timezone.make_aware(dt.datetime.combine(day, dt.time(15, 0)))
            Waybill.objects.filter(pk=waybill.pk).update(issued_at=issued)


def test_rates_quote_and_rate_card_upload(
    browser: Any,  # noqa: F811
    desk: str,  # noqa: F811
    owner: Any,
    shop: Any,
    warehouse: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    _carriers_with_a_week_of_parcels(shop, warehouse)
    bad = tmp_path / "圆通运价-有错.csv"
    bad.write_text(
        "目的省份,首重(kg),首重价格(元),续重(kg),续重价格(元),时效(小时)\n"
        "浙江,1,3,1,1,24\n上海,1,-3.5,1,1.5,24\n浙江省,1,3,1,1,24\n火星,1,4,1,2,48\n",
        encoding="utf-8",
    )
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        # 1. 运价 from the top bar: carriers with their services and contract.
        log_in(page, desk, "owner")
        page.get_by_role("link", name="运价", exact=True).click()
        expect(page.get_by_role("heading", name="运价", exact=True)).to_be_visible()
        expect(page.locator('tr[data-carrier="ZTO"]')).to_contain_text("直播合作 2026")
        expect(page.locator('tr[data-carrier="SF"] [data-flag="cold_chain"]')).to_have_class(
            re.compile(r"\bon\b")
        )
        shot(page, "01-overview")

        # 2. Quote every carrier for a bulky parcel to 上海 (htmx swaps the result in place).
        page.evaluate("window.__samePage = true")
        page.locator("#quote_dest").select_option("上海市")
        page.get_by_label("重量（kg）").fill("0.8")
        page.get_by_label("长（cm）").fill("40")
        page.get_by_label("宽（cm）").fill("30")
        page.get_by_label("高（cm）").fill("20")
        page.get_by_label("日均单量（阶梯价）").fill("60")
        page.get_by_role("button", name="计算运费").click()
        expect(page.locator("#quote-best .total")).to_have_text("¥6.20")  # 3.50 + 2 × 1.50 − 0.30
        expect(page.locator("#quote-compare tbody tr")).to_have_count(3)
        expect(page.locator('#quote-compare tr[data-carrier="YTO"]')).to_contain_text("该线路无价格")
        assert page.evaluate("window.__samePage === true")
        shot(page, "02-quote")

        # 3. A bad rate card: every problem listed with its row and column, nothing applied.
        page.locator("#upload_carrier").select_option("YTO")
        page.get_by_label("运价表（CSV 或 XLSX）").set_input_files(str(bad))
        page.get_by_role("button", name="上传", exact=True).click()
        expect(page.locator("#upload-error")).to_contain_text("未写入任何价格")
        expect(page.locator("#upload-errors tbody tr")).to_have_count(3)
        expect(page.locator("#upload-errors")).to_contain_text("火星")
        expect(page.locator('tr[data-carrier="YTO"] td.num').first).to_have_text("0")
        shot(page, "03-upload-errors")

        # 4. The corrected card: the carrier's page shows it with its contract and billing preview.
        page.locator("#upload_carrier").select_option("YTO")
        page.get_by_label("运价表（CSV 或 XLSX）").set_input_files(str(DATA / "rates_cn.csv"))
        page.get_by_role("button", name="上传", exact=True).click()
        expect(page.locator(".msg-success")).to_contain_text("运价表已导入")
        expect(page.locator("#rate-lines tbody tr")).to_have_count(7)
        expect(page.locator('#rate-lines tr[data-dest="新疆维吾尔自治区"]')).to_contain_text("¥15.00")
        shot(page, "04-uploaded-card")

        # 5. ZTO: rate card, contract and a week of printed parcels with the 保底 shortfall.
        page.get_by_role("link", name="全部快递").click()
        page.get_by_role("link", name="中通快递").click()
        expect(page.locator("#contract")).to_contain_text("每天 10 单")
        expect(page.locator('#rate-lines tr[data-dest="上海市"] .upcoming')).to_contain_text("¥3.80")
        expect(page.locator("#billing-days tbody tr")).to_have_count(8)
        expect(page.locator("#billing-total")).to_contain_text("57")
        shot(page, "05-carrier-contract-billing")
    finally:
        context.close()
