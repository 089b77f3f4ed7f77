"""After-sales in a real browser (Playwright + Debian chromium): 售后 list → approve a return → receive
and restock → download the order's dispute pack and read its timeline.

Screenshots: test-results/aftersales-*.png. Run: ``.venv/bin/pytest -m browser src/fahuo/aftersales``.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from fahuo.aftersales.models import Rma, RmaKind, RmaSource, RmaStatus
from fahuo.catalog.models import Sku
from fahuo.desk.tests.test_browser import SHOTS, browser, desk, log_in  # noqa: F401  (fixtures)
from fahuo.inventory.models import Stock
from fahuo.orders.models import OrderLine
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.browser


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"aftersales-{name}.png"), full_page=True)


def test_approve_receive_and_download_the_dispute_pack(
    browser: Any,  # noqa: F811
    desk: str,  # noqa: F811
    owner: Any,
    shop: Any,
    warehouse: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    track = f.track(shop)
    order = track.order
    assert order is not None
    order.warehouse = warehouse
    order.save(update_fields=["warehouse"])
    sku = Sku.objects.create(code="MASK-10", name="补水面膜")
    OrderLine.objects.create(
        order=order, platform_line_id="L1", sku=sku, sku_code="MASK-10", title="补水面膜", quantity=2
    )
    rma = Rma.objects.create(shop=shop, order=order, platform_order_id=order.platform_order_id,
                             source=RmaSource.MANUAL, kind=RmaKind.RETURN_REFUND, reason="七天无理由",
                             refund_amount_fen=11980)  # fmt: skip
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 860}, accept_downloads=True
    )
    page = context.new_page()
    try:
        log_in(page, desk, "owner")
        page.get_by_role("link", name="售后", exact=True).click()
        expect(page.get_by_role("heading", name="售后单")).to_be_visible()
        expect(page.locator("#rma-list")).to_contain_text(order.platform_order_id)
        expect(page.locator("#rma-list")).to_contain_text("¥119.80")
        shot(page, "01-list")

        page.get_by_role("link", name=f"#{rma.pk}").click()
        page.locator("#rma-decide").get_by_role("button", name="同意").click()
        expect(page.locator(".messages")).to_contain_text("已同意售后")
        expect(page.locator("#rma-facts")).not_to_contain_text("上门取件截止 -")
        shot(page, "02-approved")

        form = page.locator("#rma-receive")
        form.get_by_label("验货结果").select_option("good")
        form.get_by_label("备注").fill("吊牌完好")
        form.get_by_role("button", name="登记收货").click()
        expect(page.locator(".messages")).to_contain_text("已登记收货验货")
        expect(page.locator("#rma-steps")).to_contain_text("入库 MASK-10×2")
        shot(page, "03-received")

        with page.expect_download() as info:
            page.locator("#dispute-pack").click()
        path = tmp_path / "pack.zip"
        info.value.save_as(path)
    finally:
        context.close()
    rma.refresh_from_db()
    assert rma.status == RmaStatus.RECEIVED
    assert Stock.objects.get(warehouse=warehouse, sku=sku).on_hand == 2
    pack = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    rows = json.loads(pack.read("timeline.json"))["rows"]
    steps = [r["text"] for r in rows if r["kind"] == "售后"]
    assert len(steps) == 2 and "已同意" in steps[0] and "吊牌完好" in steps[1]


def test_seller_offers_choices_and_the_buyer_chooses_to_wait(
    browser: Any,  # noqa: F811
    desk: str,  # noqa: F811
    owner: Any,
    shop: Any,
    warehouse: Any,
) -> None:
    import datetime as dt

    from django.utils import timezone
    from playwright.sync_api import expect

    from fahuo.aftersales.models import StockChoice, StockChoiceStatus
    from fahuo.inventory.reservations import reserve_orders
    from fahuo.orders.models import OrderStatus

    red = Sku.objects.create(code="LIP-RED", name="丝绒口红", spec="正红")
    pink = Sku.objects.create(code="LIP-PINK", name="丝绒口红", spec="豆沙粉")
    Stock.objects.create(warehouse=warehouse, sku=red, on_hand=0)
    Stock.objects.create(warehouse=warehouse, sku=pink, on_hand=5)
    order = f.order(shop, status=OrderStatus.READY)
    OrderLine.objects.create(order=order, platform_line_id="L1", sku=red, sku_code="LIP-RED", title="丝绒口红",
                             spec="正红", quantity=1)  # fmt: skip
    reserve_orders(orders=[order])
    restock = timezone.localdate() + dt.timedelta(days=4)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860})
    page = context.new_page()
    try:
        log_in(page, desk, "owner")
        page.goto(desk + "/aftersales/")
        page.get_by_role("link", name="缺货处理").click()
        row = page.locator(f"#stockout-{order.pk}")
        expect(row).to_contain_text("LIP-RED 需 1 件")
        row.get_by_label("预计到货日期").fill(restock.isoformat())
        row.get_by_label("可换的款（商家编码，逗号分隔）").fill("LIP-PINK")
        row.get_by_label("退款补偿优惠券").fill("SORRY10")
        row.get_by_role("button", name="生成买家选择链接").click()
        expect(page.locator(".messages")).to_contain_text("缺货选择链接")
        link = page.locator(f"#stockout-{order.pk} .choice-link").input_value()
        shot(page, "11-stockout-offered")

        buyer = context.new_page()
        buyer.set_viewport_size({"width": 400, "height": 800})
        buyer.goto(link)
        expect(buyer.get_by_role("heading", name="抱歉，您订单中的部分商品暂时缺货")).to_be_visible()
        expect(buyer.locator("body")).not_to_contain_text("张三丰")
        buyer.get_by_label(f"等待补货：预计 {restock:%m-%d} 前到货，到货后立即发出").check()
        shot(buyer, "12-buyer-choice")
        buyer.get_by_role("button", name="确认选择").click()
        expect(buyer.locator("#choice-done")).to_contain_text("等待补货")
        shot(buyer, "13-buyer-chose-wait")
        buyer.goto(link)
        expect(buyer.locator("#choice-form")).to_have_count(0)
    finally:
        context.close()
    choice = StockChoice.objects.get(order=order)
    assert choice.status == StockChoiceStatus.ANSWERED and choice.action == "wait"
    assert choice.wait_until == restock and choice.coupon_code == "SORRY10"


def test_policy_form_manual_request_and_inspection_photo(
    browser: Any,  # noqa: F811
    desk: str,  # noqa: F811
    owner: Any,
    shop: Any,  # a second shop: the policy page offers a shop switcher
    warehouse: Any,
    tmp_path: Path,
    settings: Any,
) -> None:
    from PIL import Image
    from playwright.sync_api import expect

    from fahuo.aftersales.models import AfterSalePolicy, Evidence
    from fahuo.orders.models import Shop

    settings.DATA_DIR = tmp_path
    private = Shop.objects.create(code="wx", name="微信私域", platform="private")
    order = f.order(private, total_fen=12800, warehouse=warehouse)
    photo = tmp_path / "box.jpg"
    Image.new("RGB", (400, 300), "brown").save(photo, "JPEG")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        log_in(page, desk, "owner")
        page.goto(desk + "/aftersales/")
        page.get_by_role("link", name="售后政策").click()
        page.locator("#policy-shop select").select_option("wx")
        page.locator("#policy-shop").get_by_role("button", name="切换").click()
        form = page.locator("#policy-form")
        form.get_by_label("无理由退货天数（0 为不支持）").fill("15")
        form.get_by_label("售后原因（每行一个）").fill("七天无理由\n尺码不合适\n质量问题")
        form.get_by_label("退货入库").select_option("never")
        form.get_by_role("button", name="保存").click()
        expect(page.locator(".messages")).to_contain_text("已保存「微信私域」的售后政策")
        shot(page, "21-policy")

        page.goto(desk + "/aftersales/")
        page.get_by_role("link", name="登记私域售后").click()
        new = page.locator("#rma-new")
        new.get_by_label("订单号").fill(order.platform_order_id)
        new.get_by_label("售后类型").select_option("return_refund")
        new.get_by_label("原因").fill("尺码不合适")
        new.get_by_label("退款金额（元）").fill("128.00")
        new.get_by_role("button", name="登记").click()
        expect(page.locator(".messages")).to_contain_text("已登记售后单")
        page.locator("#rma-decide").get_by_role("button", name="同意").click()
        receive = page.locator("#rma-receive")
        receive.get_by_label("验货结果").select_option("opened")
        receive.get_by_label("验货照片").set_input_files(str(photo))
        receive.get_by_role("button", name="登记收货").click()
        expect(page.locator(".messages")).to_contain_text("保存验货照片 1 张")
        expect(page.locator("#rma-evidence")).to_contain_text("退货验货照片")
        shot(page, "22-received-with-photo")
    finally:
        context.close()
    assert AfterSalePolicy.objects.get(shop=private).reasons == ["七天无理由", "尺码不合适", "质量问题"]
    rma = Rma.objects.get(order=order)
    assert rma.refund_amount_fen == 12800 and rma.disposition == "written_off"  # the policy: never restock
    assert Evidence.objects.get(rma=rma).content_type == "image/jpeg"
