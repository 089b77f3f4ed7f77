"""A seller imports a zipped 抖店 export in a real browser and reads what was left out and held.

Screenshots go to test-results/real-exports-*.png.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fahuo.desk.tests.test_browser import browser  # noqa: F401  (the module-scoped chromium)
from fahuo.kit.testing import log_in, shooter
from fahuo.orders.tests import douyin_files as df
from fahuo.orders.tests.douyin_files import Line, order

pytestmark = pytest.mark.browser
shot = shooter("real-exports-")


@pytest.fixture
def desk(browser: Any, live_server: Any, transactional_db: Any, settings: Any, tmp_path: Path) -> str:  # noqa: F811
    settings.FAHUO_OUTPUT_DIR = tmp_path / "output"
    return str(live_server.url)


def test_a_zipped_export_shows_the_recognised_format_and_every_skipped_and_held_order(
    browser: Any,  # noqa: F811
    desk: str,
    owner: Any,
    shop: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    closed = "6926000000000000100"
    rows = df.export_rows(
        [
            order(
                "6926000000000000101",
                Line("69260000000000001011", amount="39.90"),
                Line("69260000000000001012", title="玻尿酸补水面膜", qty=2, price="41.40", amount="82.80"),
            ),
            order(closed, Line(f"{closed}1", status="已关闭"), Line(f"{closed}2", after_sale="退款成功")),
            order(
                "6926000000000000102",
                name=df.ENCRYPTED_NAME,
                phone=df.ENCRYPTED_PHONE,
                detail=df.ENCRYPTED_DETAIL,
            ),
            order("6926000000000000103", name="测**", phone="1********35", detail="文一西路****"),
        ]
    )
    path = tmp_path / "1762776334_订单导出.zip"
    path.write_bytes(df.zipped("1762776334_订单导出.csv", df.to_csv(rows)))
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860})
    page = context.new_page()
    try:
        log_in(page, desk, "owner")
        page.get_by_role("link", name="导入", exact=True).click()
        page.locator('input[type="file"]').set_input_files(str(path))
        page.get_by_role("button", name="导入", exact=True).click()
        expect(page.get_by_role("heading", name="导入报告")).to_be_visible()
        expect(page.locator("#recognised")).to_contain_text("识别为：抖店订单导出（75 列，商品维度）")
        expect(page.locator('#import-counts [data-count="orders_created"] b')).to_have_text("3")
        expect(page.locator("#held-orders tbody tr")).to_have_count(2)
        expect(page.locator("#held-orders")).to_contain_text("收件信息为平台密文")
        expect(page.locator("#held-orders")).to_contain_text("收件信息已脱敏")
        expect(page.locator("#skipped-orders tbody tr")).to_have_count(1)
        expect(page.locator("#skipped-orders")).to_contain_text("订单状态「已关闭」")
        expect(page.get_by_role("heading", name="暂扣待审核的订单")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("AgAAAA")
        shot(page, "01-import-report")
    finally:
        context.close()
