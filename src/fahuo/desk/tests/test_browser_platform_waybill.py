"""A seller ships a held encrypted 抖店 order with 抖音电子面单 from its order page, in a real browser.

Screenshots go to test-results/platform-waybill-*.png.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from fahuo.desk.tests.test_browser import browser  # noqa: F401  (the module-scoped chromium)
from fahuo.kit.testing import log_in, shooter
from fahuo.orders.importing import import_orders_file
from fahuo.orders.models import Order, OrderStatus
from fahuo.orders.tests import douyin_files as df

pytestmark = pytest.mark.browser
shot = shooter("platform-waybill-")
OID = "6926000000000000902"


@pytest.fixture
def desk(browser: Any, live_server: Any, transactional_db: Any, settings: Any, tmp_path: Path) -> str:  # noqa: F811
    settings.FAHUO_OUTPUT_DIR = tmp_path / "output"
    return str(live_server.url)


def test_the_held_order_is_released_to_douyin_e_waybill_and_says_what_comes_next(
    browser: Any,  # noqa: F811
    desk: str,
    owner: Any,
    shop: Any,
) -> None:
    from playwright.sync_api import expect

    row = df.order(OID, name=df.ENCRYPTED_NAME, phone=df.ENCRYPTED_PHONE, detail=df.ENCRYPTED_DETAIL)
    import_orders_file(
        fileobj=io.BytesIO(df.to_csv(df.export_rows([row]))), filename="1762776334_订单导出.csv", shop=shop
    )
    order = Order.objects.get(platform_order_id=OID)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860})
    page = context.new_page()
    try:
        log_in(page, desk, "owner")
        page.goto(f"{desk}/orders/{order.pk}/")
        expect(page.locator("#review-reasons")).to_contain_text("收件信息为平台密文")
        button = page.get_by_role("button", name="用抖音电子面单发货（不解密）")
        expect(button).to_be_visible()
        shot(page, "01-held")
        button.click()
        expect(page.locator("#platform-waybill-state")).to_contain_text("面单发送到抖音打印组件打印")
        expect(page.locator("#review-reasons")).to_contain_text("仅限抖音电子面单")
        expect(page.get_by_role("button", name="用抖音电子面单发货（不解密）")).to_have_count(0)
        expect(page.locator("body")).to_contain_text("改用抖音电子面单发货（不解密）")  # the audit line
        expect(page.locator("body")).not_to_contain_text("AgAAAA")
        shot(page, "02-released")
    finally:
        context.close()
    order.refresh_from_db()
    assert order.status == OrderStatus.READY
