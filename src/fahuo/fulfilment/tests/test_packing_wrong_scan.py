"""A wrong scan at the packing station keeps the open parcel and its scan progress (issue #15, item 4)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fahuo.desk.tests.test_browser import browser, desk, shot  # noqa: F401 (fixtures)
from fahuo.fulfilment.models import Parcel
from fahuo.fulfilment.tests.packing_helpers import make_order, make_parcel, make_sku

PASSWORD = "fahuo-test-pw"


@pytest.fixture
def two_parcels(shop: Any, warehouse: Any, sandbox_carrier: Any) -> dict[str, Any]:
    vase = make_sku("SKU-3620", name="玻璃香薰瓶", spec="200ml", size=(90, 90, 180))
    mask = make_sku("SKU-3401", name="补水面膜", spec="10片装")
    scarf = make_sku("SKU-7700", name="真丝围巾", spec="米白")
    order = make_order(shop, [(vase, 1), (mask, 2)], warehouse=warehouse)
    other = make_order(shop, [(scarf, 1)], warehouse=warehouse)
    return {
        "order": order,
        "parcel": make_parcel(order, sandbox_carrier, tracking="SB0001112223"),
        "other": make_parcel(other, sandbox_carrier, tracking="SB0009998887"),
    }


def test_a_sku_of_another_order_is_named_as_a_product_not_a_missing_number(
    packer: Any, two_parcels: dict[str, Any]
) -> None:
    client = Client()
    assert client.login(username=packer.username, password=PASSWORD)
    got = client.get(reverse("fulfilment:packing_lookup"), {"code": "sku-7700"}, HTTP_HX_REQUEST="true")
    assert got.status_code == 404
    text = got.content.decode()
    assert "商品 sku-7700 不在这个包裹的订单里" in text and "未找到面单号" not in text


@pytest.mark.browser
def test_a_wrong_scan_keeps_the_open_parcel_and_its_progress(
    browser: Any,  # noqa: F811
    desk: str,  # noqa: F811
    packer: Any,
    two_parcels: dict[str, Any],
) -> None:
    from playwright.sync_api import expect

    order = two_parcels["order"]
    mask_line = order.lines.get(sku__code="SKU-3401")
    vase_line = order.lines.get(sku__code="SKU-3620")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        page.goto(desk + reverse("fulfilment:packing_scan"))
        page.get_by_label("用户名").fill(packer.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        scan = page.locator("#scan-code")
        expect(scan).to_be_focused()
        scan.fill("SB0001112223")
        scan.press("Enter")
        card = page.locator("[data-scan-state='found']")
        expect(card).to_contain_text(order.platform_order_id)
        scan.fill("SKU-3401")
        scan.press("Enter")
        mask_row = page.locator(f"tr[data-line='{mask_line.pk}']")
        expect(mask_row.locator("[data-scanned]")).to_have_text("1")

        # a real SKU of another order: the parcel stays, with the count scanned so far
        scan.fill("SKU-7700")
        scan.press("Enter")
        flash = page.locator("#scan-flash")
        expect(flash).to_contain_text("商品 SKU-7700 不在这个包裹的订单里")
        expect(flash).to_contain_text("当前包裹保留")
        expect(card).to_contain_text(order.platform_order_id)
        expect(mask_row.locator("[data-scanned]")).to_have_text("1")
        expect(scan).to_have_value("")
        expect(scan).to_be_focused()
        shot(page, "packing-wrong-scan-1-other-sku")

        # an unknown code: same
        scan.fill("XX-NOT-A-CODE")
        scan.press("Enter")
        expect(flash).to_contain_text("未找到面单号或订单号：XX-NOT-A-CODE")
        expect(card).to_be_visible()
        expect(mask_row.locator("[data-scanned]")).to_have_text("1")
        shot(page, "packing-wrong-scan-2-unknown")

        # the packer carries on where they were and finishes the parcel
        scan.fill("SKU-3401")
        scan.press("Enter")
        scan.fill("SKU-3620")
        scan.press("Enter")
        expect(page.locator(f"tr[data-line='{vase_line.pk}']")).to_have_class(re.compile(r"\bdone\b"))
        scan.fill("SB0001112223")
        scan.press("Enter")
        expect(page.locator("[data-scan-state='done']")).to_be_visible()
        shot(page, "packing-wrong-scan-3-packed")
        assert Parcel.objects.get(pk=two_parcels["parcel"].pk).packed_at is not None
    finally:
        context.close()
