"""A seller uploads a big export: the page shows the import's progress, can cancel it, then shows
the report when the worker is done — in a real browser. Screenshots: test-results/import-progress-*.png.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fahuo.desk.tests.test_browser import browser  # noqa: F401  (the module-scoped chromium)
from fahuo.kit.testing import log_in, shooter
from fahuo.orders import import_runs
from fahuo.orders.import_runs import run_import
from fahuo.orders.models import ImportBatch, Order
from fahuo.orders.tests.douyin_files import Line, export_rows, order, to_csv

pytestmark = pytest.mark.browser
shot = shooter("import-progress-")


@pytest.fixture
def desk(
    browser: Any,  # noqa: F811
    live_server: Any,
    transactional_db: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    # No worker yet: the upload stays queued until the test plays the worker.
    monkeypatch.setattr(import_runs, "enqueue_import", lambda batch_id: None)
    return str(live_server.url)


def _export(tmp_path: Path, name: str, n: int) -> Path:
    path = tmp_path / name
    rows = export_rows([order(f"69265500{i:08d}", Line(sub_id=f"69265500{i:08d}1")) for i in range(n)])
    path.write_bytes(to_csv(rows))
    return path


def test_the_upload_shows_progress_then_the_report_and_a_second_one_can_be_cancelled(
    browser: Any,  # noqa: F811
    desk: str,
    operator: Any,
    shop: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860})
    page = context.new_page()
    try:
        log_in(page, desk, "operator")
        page.goto(f"{desk}/import/")
        page.set_input_files("input[name=file]", str(_export(tmp_path, "1765000000_订单导出.csv", 300)))
        page.get_by_role("button", name="导入").click()
        expect(page.locator("#import-progress")).to_be_visible()
        expect(page.locator("#import-state")).to_contain_text("fahuo worker")
        expect(page.get_by_role("button", name="取消导入")).to_be_visible()
        shot(page, "01-queued")

        run_import(batch_id=ImportBatch.objects.get().pk)  # the worker
        expect(page.locator("#import-counts")).to_be_visible(timeout=10_000)  # the poll reloaded the page
        expect(page.locator('[data-count="orders_created"] b')).to_have_text("300")
        expect(page.locator("#import-progress")).to_have_count(0)
        shot(page, "02-report")

        page.goto(f"{desk}/import/")
        page.set_input_files("input[name=file]", str(_export(tmp_path, "1765000001_订单导出.csv", 5)))
        page.get_by_role("button", name="导入").click()
        page.get_by_role("button", name="取消导入").click()
        expect(page.locator("#import-ended")).to_contain_text("导入已取消")
        shot(page, "03-cancelled")
        assert Order.objects.count() == 300
    finally:
        context.close()
