"""The seller's night shift in a real browser (Playwright driving Debian's chromium).

Screenshots of every step go to test-results/ so a person can look at them.
Run: ``.venv/bin/pytest -m browser src/fahuo/desk``. Never lets Playwright download a browser.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from fahuo.desk.tests.conftest import make_order, sample_csv
from fahuo.kit.testing import (
    log_in,
    shooter,
)

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[4]
SHOTS = REPO_ROOT / "test-results"


shot = shooter("")


@pytest.fixture(scope="module")
def browser(browser: Any) -> Any:
    """The root conftest's chromium, kept under this name here: other test modules import it from here."""
    return browser


@pytest.fixture
def desk(browser: Any, live_server: Any, transactional_db: Any, settings: Any, tmp_path: Path) -> str:
    settings.FAHUO_OUTPUT_DIR = tmp_path / "output"
    SHOTS.mkdir(exist_ok=True)
    return str(live_server.url)


def test_import_fix_and_print_a_night_of_orders(browser: Any, desk: str, owner: Any, shop: Any) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 860}, accept_downloads=True
    )
    page = context.new_page()
    try:
        # 1. Log in: the desk speaks Chinese.
        page.goto(desk + "/")
        expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
        expect(page.get_by_role("heading", name="登录发货台")).to_be_visible()
        shot(page, "01-login")
        log_in(page, desk, "owner")
        expect(page.get_by_role("link", name="工作台")).to_be_visible()
        expect(page.locator(".role")).to_have_text("店主")
        shot(page, "02-dashboard-empty")

        # 2. Import the 抖店 export: the row report names the unreadable rows.
        page.get_by_role("link", name="导入", exact=True).click()
        page.get_by_label("订单导出文件（CSV 或 XLSX）").set_input_files(str(sample_csv()))
        shot(page, "03-import-form")
        page.get_by_role("button", name="导入", exact=True).click()
        expect(page.get_by_role("heading", name="导入报告")).to_be_visible()
        counts = page.locator("#import-counts")
        expect(counts.locator('[data-count="orders_created"] b')).to_have_text("25")
        expect(counts.locator('[data-count="order_lines"] b')).to_have_text("41")
        expect(counts.locator('[data-count="needs_review"] b')).to_have_text("6")
        expect(counts.locator('[data-count="errors"] b')).to_have_text("2")
        expect(page.locator("#row-errors tbody tr")).to_have_count(2)
        expect(page.locator("#row-errors")).to_contain_text("两件")
        shot(page, "04-import-report")

        # 3. The flagged orders of this import, with their reasons.
        page.locator("#review-link").click()
        expect(page.locator("tr[data-order]")).to_have_count(6)
        expect(page.locator("table.orders")).to_contain_text("手机号无效")
        expect(page.locator("table.orders")).not_to_contain_text("13178932879")
        shot(page, "05-flagged-orders")

        # 4. Fix a wrong phone number: the order verifies and becomes 待打单.
        page.get_by_role("link", name="6930000000001100126").click()
        expect(page.locator("#review-reasons")).to_contain_text("手机号无效")
        shot(page, "06-order-flagged")
        page.get_by_label("手机号").fill("13912345678")
        page.get_by_role("button", name="保存并重新校验").click()
        expect(page.locator(".msg-success")).to_contain_text("收件信息已通过校验")
        expect(page.locator(".page-head .badge")).to_have_text("待打单")
        expect(page.locator("#recipient")).to_contain_text("139****5678")
        shot(page, "07-order-fixed")

        # 5. Reveal the full recipient (owner only): swapped in place, recorded in the audit trail.
        page.get_by_role("button", name="查看完整信息").click()
        expect(page.locator("#recipient")).to_contain_text("13912345678")
        expect(page.locator("#recipient")).to_contain_text("本次查看已记录")
        page.reload()
        expect(page.locator("#audit-trail")).to_contain_text("查看了完整个人信息")
        expect(page.locator("#recipient")).not_to_contain_text("13912345678")
        shot(page, "08-order-audit-trail")

        # 6. Fix an address the import could not place.
        page.goto(desk + "/orders/?status=needs_review&reason=address")
        page.get_by_role("link", name="6930000000001100014").click()
        page.get_by_label("省").fill("上海市")
        page.get_by_label("市", exact=True).fill("上海市")
        page.get_by_label("区/县").fill("徐汇区")
        shot(page, "09-address-form")
        page.get_by_role("button", name="保存并重新校验").click()
        expect(page.locator(".page-head .badge")).to_have_text("待打单")

        # 7. Filter the list (htmx, the URL follows), select the page, print one PDF. Nothing prints
        # without a carrier (no silent sandbox): the orders go to a test carrier the seller added on
        # purpose (the allocation itself is walked in routing/tests/test_browser.py).
        from fahuo.carriers.models import Carrier
        from fahuo.orders.models import Order

        test_carrier = Carrier.objects.create(
            code="TEST", name="测试快递", provider="sandbox", test_mode=True
        )
        Order.objects.filter(status="ready").update(carrier=test_carrier)
        page.get_by_role("link", name="订单", exact=True).click()
        page.get_by_label("状态").select_option("ready")
        expect(page).to_have_url(re.compile(r"status=ready"))
        expect(page.locator("tr[data-order]")).to_have_count(21)
        page.get_by_label("本页全选").check()
        expect(page.locator("[data-selected-count]")).to_have_text("21")
        shot(page, "10-ready-selected")
        with page.expect_download() as download_info:
            page.get_by_role("button", name="打印面单").click()
        download = download_info.value
        pdf = Path(download.path()).read_bytes()
        assert pdf.startswith(b"%PDF")
        assert download.suggested_filename.endswith(".pdf")
        expect(page.get_by_role("heading", name="面单")).to_be_visible()
        expect(page.locator(".counts")).to_contain_text("21")
        shot(page, "11-print-result")

        # 8. Everything printed: the dashboard agrees.
        page.get_by_role("link", name="工作台").click()
        expect(page.locator('[data-stat="ready"] .n')).to_have_text("0")
        expect(page.locator('[data-stat="printed"] .n')).to_have_text("21")
        expect(page.locator('[data-stat="needs_review"] .n')).to_have_text("4")
        shot(page, "12-dashboard-after")

        # 9. One click to English, and back.
        page.get_by_role("button", name="EN").click()
        expect(page.get_by_role("link", name="Dashboard")).to_be_visible()
        shot(page, "13-dashboard-english")
        page.get_by_role("button", name="中文").click()
        expect(page.get_by_role("link", name="工作台")).to_be_visible()
    finally:
        context.close()


def test_the_order_list_works_without_javascript(browser: Any, desk: str, packer: Any, shop: Any) -> None:
    from playwright.sync_api import expect

    make_order(shop)
    make_order(shop, phone="177148540")
    context = browser.new_context(
        locale="zh-CN", java_script_enabled=False, viewport={"width": 1366, "height": 700}
    )
    page = context.new_page()
    try:
        log_in(page, desk, "packer")
        page.get_by_role("link", name="订单", exact=True).click()
        expect(page.locator("tr[data-order]")).to_have_count(2)
        expect(page.get_by_role("link", name="导入", exact=True)).to_have_count(0)
        page.get_by_label("状态").select_option("needs_review")
        page.get_by_role("button", name="筛选").click()
        expect(page).to_have_url(re.compile(r"status=needs_review"))
        expect(page.locator("tr[data-order]")).to_have_count(1)
        shot(page, "20-packer-no-js-filtered")
        page.locator("tr[data-order] a").first.click()
        expect(page.get_by_role("button", name="查看完整信息")).to_have_count(0)
        expect(page.get_by_role("button", name="保存并重新校验")).to_have_count(0)
        shot(page, "21-packer-order-detail")
    finally:
        context.close()


def test_a_file_of_unknown_layout_is_explained_not_a_crash(
    browser: Any, desk: str, operator: Any, shop: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    bad = tmp_path / "微信接龙.csv"
    bad.write_text("名字,电话,地址\n张三,13800000000,杭州\n", encoding="utf-8")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 700})
    page = context.new_page()
    try:
        log_in(page, desk, "operator")
        page.get_by_role("link", name="导入", exact=True).click()
        page.get_by_label("订单导出文件（CSV 或 XLSX）").set_input_files(str(bad))
        page.get_by_role("button", name="导入", exact=True).click()
        expect(page.locator("#import-error")).to_contain_text("无法识别的表格格式")
        shot(page, "30-import-unknown-layout")
    finally:
        context.close()


def test_paging_swaps_the_results_in_place_and_back_returns(
    browser: Any, desk: str, operator: Any, shop: Any
) -> None:
    from playwright.sync_api import expect

    for _ in range(55):
        make_order(shop)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        log_in(page, desk, "operator")
        page.goto(desk + "/orders/")
        expect(page.locator("tr[data-order]")).to_have_count(50)
        page.evaluate("window.__samePage = true")
        page.locator(".pager").get_by_role("link", name="2", exact=True).click()
        expect(page).to_have_url(re.compile(r"/orders/\?page=2$"))
        expect(page.locator("tr[data-order]")).to_have_count(5)
        assert page.evaluate("window.__samePage === true")  # swapped by htmx, not reloaded
        expect(page.locator(".pager .cur")).to_have_text("2")
        shot(page, "22-list-page-2")
        page.go_back()
        expect(page).to_have_url(re.compile(r"/orders/$"))
        expect(page.locator("tr[data-order]")).to_have_count(50)
    finally:
        context.close()
