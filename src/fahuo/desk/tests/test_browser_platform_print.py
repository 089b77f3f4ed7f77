"""The desk page prints a batch's 抖音电子面单 labels on the print component of the PC it is open on:
the browser opens the websocket to the component (the print-component simulator on loopback),
sends the tasks fahuo prepared, and reports the component's notifyPrintResult; each label is
recorded printed or failed. The component address comes from the shop's account, and a desk can
point at another one (remembered in the browser).

Screenshots go to test-results/platform-print-*.png.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from fahuo.carriers.models import Carrier, ProviderAccount
from fahuo.catalog.models import Sku
from fahuo.desk.tests.test_browser import browser  # noqa: F401  (the module-scoped chromium)
from fahuo.fulfilment.batches.services import create_batch, run_batch
from fahuo.fulfilment.models import PlatformPrint, PlatformPrintStatus, Waybill
from fahuo.integrations.douyin import print_component, sim_orders
from fahuo.integrations.douyin.simulator import DouyinSimulator
from fahuo.integrations.simserver import serve
from fahuo.kit.testing import log_in, shooter
from fahuo.orders.importing import import_orders_file
from fahuo.orders.models import Order, OrderStatus
from fahuo.orders.platform_waybill import release_to_platform_waybill
from fahuo.orders.tests import douyin_files as df

pytestmark = pytest.mark.browser
shot = shooter("platform-print-")
APP_KEY, APP_SECRET, TOKEN = "6839207088506275336", "sim-secret-1", "sim-token-1"
PEOPLE = {
    "6926000000000000811": {"name": "欧阳明月", "phone": "13712345678", "detail": "天河北路 233 号 5208"},
    "6926000000000000812": {"name": "司马青云", "phone": "13987654321", "detail": "体育东路 8 号 1702"},
}
REGION = {"province": "广东省", "city": "广州市", "town": "天河区", "street": "林和街道"}


@pytest.fixture
def desk(browser: Any, live_server: Any, transactional_db: Any, settings: Any, tmp_path: Path) -> str:  # noqa: F811
    settings.FAHUO_OUTPUT_DIR = tmp_path / "output"
    return str(live_server.url)


def _export(sim: DouyinSimulator) -> bytes:
    rows = []
    for oid, person in PEOPLE.items():
        rows.append(
            df.order(
                oid,
                df.Line(sim.orders[oid].line_ids[0], title="龙井", sku="TEA"),
                name=sim_orders.cipher(oid, person["name"], sim_orders.DATA_NAME),
                phone=sim_orders.cipher(oid, person["phone"], sim_orders.DATA_PHONE),
                detail=sim_orders.cipher(oid, person["detail"], sim_orders.DATA_ADDRESS),
                province="广东省",
                city="广州市",
                district="天河区",
                street="林和街道",
            )
        )
    return df.to_csv(df.export_rows(rows))


def test_the_desk_page_prints_a_batch_on_the_component_and_records_each_label(
    browser: Any,  # noqa: F811
    desk: str,
    owner: Any,
    shop: Any,
) -> None:
    from playwright.sync_api import expect

    sim = DouyinSimulator.with_app(APP_KEY, APP_SECRET, TOKEN)
    sim.add_netsite("shunfeng", amount=10)
    for oid, person in PEOPLE.items():
        sim.add_synthetic_order(oid, recipient={**REGION, **person})
    component = print_component.PrintComponentSimulator()
    if hasattr(shop, "shipback_at"):
        shop.shipback_at = "print"
        shop.save(update_fields=["shipback_at"])
    Sku.objects.create(code="TEA", name="龙井", weight_g=400)
    sf = Carrier.objects.create(code="SF", name="顺丰速运", provider="douyin_waybill")
    with serve(sim) as base_url, print_component.serve_component(component) as ws_url:
        creds = {"app_key": APP_KEY, "app_secret": APP_SECRET, "access_token": TOKEN, "backoff_s": 0.01}
        ProviderAccount.objects.create(
            provider="douyin", name="抖店", shop=shop, base_url=base_url, credentials=json.dumps(creds)
        )
        ProviderAccount.objects.create(
            provider="douyin_waybill",
            name="抖音电子面单",
            shop=shop,
            base_url=base_url,
            # the shop's setting names a port nothing listens on: this desk's own setting fixes it
            credentials=json.dumps({**creds, "print_component_url": "ws://127.0.0.1:9"}),
        )
        import_orders_file(fileobj=io.BytesIO(_export(sim)), filename="1762776334_订单导出.csv", shop=shop)
        orders = list(Order.objects.filter(platform_order_id__in=list(PEOPLE)).order_by("platform_order_id"))
        for order in orders:
            release_to_platform_waybill(order=order, user=owner)
        Order.objects.filter(pk__in=[o.pk for o in orders]).update(carrier=sf)
        (batch,) = create_batch(orders=[o.pk for o in orders], user=owner, enqueue=False)
        run_batch(batch_id=batch.pk)
        numbers = dict(Waybill.objects.values_list("parcel__order__platform_order_id", "tracking_no"))
        jammed = numbers["6926000000000000812"]
        component.jams[jammed] = "打印机缺纸"

        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = context.new_page()
        blocked: list[str] = []
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        try:
            log_in(page, desk, "owner")
            page.goto(f"{desk}/fulfilment/batches/{batch.pk}/")
            expect(page.locator("#batch-platform")).to_contain_text("2 张待打印")
            shot(page, "01-batch")
            page.get_by_role("link", name="用抖音打印组件打印").click()
            expect(page.locator("#component-url")).to_have_value("ws://127.0.0.1:9")
            page.locator("#platform-print-go").click()
            expect(page.locator("#platform-print-status")).to_contain_text("无法连接抖音电子面单打印组件")
            shot(page, "02-no-component")
            assert component.tasks == []
            page.wait_for_load_state("load")
            page.goto(f"{desk}/labels/platform/?batch={batch.pk}")
            expect(page.locator("#platform-print-rows")).to_contain_text("打印失败")

            page.locator("#component-url").fill(ws_url)  # this desk's print component
            page.locator("#component-url").dispatch_event("change")
            page.locator("#platform-print-go").click()
            expect(page.locator("#platform-print-status")).to_contain_text("已打印 1 张，失败 1 张")
            shot(page, "03-printed-one-jammed")
            page.goto(f"{desk}/labels/platform/?batch={batch.pk}")
            expect(page.locator(f"tr[data-tracking='{jammed}']")).to_contain_text("打印机缺纸")
            expect(page.locator("#component-url")).to_have_value(ws_url)  # remembered on this desk
            shot(page, "04-rows")
        finally:
            context.close()
    assert blocked == []
    first, second = orders
    assert Order.objects.get(pk=first.pk).status == OrderStatus.PRINTED
    assert Order.objects.get(pk=second.pk).status == OrderStatus.READY
    row = PlatformPrint.objects.get(waybill__tracking_no=jammed)
    assert (row.status, row.error) == (PlatformPrintStatus.FAILED, "打印机缺纸")
    assert component.printed() == [numbers["6926000000000000811"]]
    frames = "".join(component.frames)
    assert '"notifyType": ["print"]' in frames or '"notifyType":["print"]' in frames
    for person in PEOPLE.values():
        for text in person.values():
            assert text not in frames
