"""The contracts walk in a real browser (Playwright + Debian chromium): contract terms edited → a week
of parcels → Monday statement → carrier bill with an overcharge → dispute list exported.

Screenshots: test-results/contracts-*.png. Run: ``.venv/bin/pytest -m browser src/fahuo/contracts``.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from fahuo.contracts import settlement as st
from fahuo.contracts.tests.factories import contracted_carrier, parcel
from fahuo.desk.tests.test_browser import SHOTS, browser, desk, log_in  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
WEEK = dt.date(2026, 11, 9)
START = dt.datetime(2026, 11, 9, tzinfo=st.SHANGHAI)


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"contracts-{name}.png"), full_page=True)


def _a_week_of_parcels(shop: Any) -> tuple[Any, list[int]]:
    weights: list[int] = []
    carrier, _, _ = contracted_carrier(min_daily=20, shortfall_fen=400, peak=500, tiers=((50, -50),))
    n = 0
    for day, count in enumerate([30, 25, 18, 22, 0, 27, 24]):
        for k in range(count):
            ready = START + dt.timedelta(days=day, hours=9, minutes=7 * k)
            slow = (k % 9) == 4  # a few picked up after 24 h
            picked = ready + dt.timedelta(hours=26 if slow else 3)
            parcel(shop, carrier, ready_at=ready, picked_up_at=picked, departed_at=picked + dt.timedelta(hours=5),
                   weight_g=600 + 50 * (k % 10), tracking_no=f"YT2611{n:05d}")  # fmt: skip
            weights.append(600 + 50 * (k % 10))
            n += 1
    return carrier, weights


def test_terms_statement_bill_and_dispute_list(
    browser: Any,  # noqa: F811
    desk: str,  # noqa: F811
    owner: Any,
    shop: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    carrier, weights = _a_week_of_parcels(shop)
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    try:
        log_in(page, desk, "owner")
        page.get_by_role("link", name="快递合同").click()
        expect(page.get_by_role("heading", name="快递合同与周结对账")).to_be_visible()
        row = page.locator("#contract-carriers tr[data-carrier='YTO']")
        expect(row).to_contain_text("24小时揽收≥98%")
        shot(page, "01-home")

        # 1. Terms: the late penalty goes to 25% of freight, pickup target to 99%.
        row.get_by_role("link", name="条款").click()
        page.get_by_label("揽收率目标（%）").fill("99")
        page.get_by_label("超时违约金（运费的 %）").fill("25")
        shot(page, "02-terms-edit")
        page.get_by_role("button", name="保存为新版本").click()
        expect(page.locator(".messages")).to_contain_text("已保存合同条款第 2 版")
        expect(page.locator("#versions")).to_contain_text("第 2 版")
        shot(page, "03-terms-saved")

        # 2. Monday statement for the week.
        page.get_by_role("link", name="返回合同列表").click()
        page.locator("#generate").get_by_label("快递公司").select_option("YTO")
        page.get_by_label("结算周（周一）").fill("2026-11-09")
        page.get_by_role("button", name="生成对账单").click()
        statement = page.locator("#statement")
        expect(statement).to_contain_text("146 件，日均 20.86")
        expect(statement).to_contain_text("¥88.00")  # minimum 20/day at ¥4.00: empty Friday 20, Wednesday 2
        expect(statement).to_contain_text("−¥16.25")  # 13 late × 25% of ¥5.00
        expect(page.locator("#late")).to_contain_text("YT261100004")
        shot(page, "04-statement")

        # 3. The carrier's bill: 圆通 headers, one parcel overcharged by ¥2.00, one unknown number.
        lines = ["运单号码,扫描时间,计费重量（kg）,计费省份,快递费,加收"]
        for i, grams in enumerate(weights):
            fee = "7.00" if i == 3 else ("7.00" if grams > 1000 else "5.00")
            lines.append(f"YT2611{i:05d},2026-11-10 08:00,{grams / 1000},上海,{fee},")
        lines.append("YT9999999999,2026-11-10 08:00,1.0,上海,4.00,")
        bill = tmp_path / "圆通11月第2周账单.csv"
        bill.write_text("\n".join(lines), encoding="utf-8-sig")
        page.get_by_role("link", name="导入本周快递账单").click()
        page.get_by_label("账单周（周一）").fill("2026-11-09")
        page.get_by_label("账单文件（Excel/CSV）").set_input_files(str(bill))
        page.get_by_role("button", name="预览").click()
        expect(page.locator("#bill-preview")).to_contain_text("YT261100003")
        expect(page.get_by_label("运费")).to_have_value("快递费")
        shot(page, "05-bill-preview")
        page.get_by_role("button", name="确认导入并核对").click()
        audit = page.locator("#bill-audit")
        expect(audit).to_contain_text("多收 1")
        expect(audit).to_contain_text("非我方运单 1")
        expect(audit).to_contain_text("重量超差 0")
        expect(page.locator("#disputes")).to_contain_text("YT261100003")
        shot(page, "06-bill-audited")

        # 4. The dispute list to send back.
        with page.expect_download() as info:
            page.locator("#dispute-export").click()
        path = tmp_path / "disputes.xlsx"
        info.value.save_as(path)
        sheet = load_workbook(io.BytesIO(path.read_bytes())).active
        assert sheet is not None
        rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
        assert ["多收运费", "YT261100003", 750, 750, "5.00", "7.00", "2.00"] in rows
        assert rows[-1][6] == "6.00"  # ¥2.00 overcharge + ¥4.00 unknown

        page.locator("input[name=note]").fill("")
        page.get_by_role("button", name="标记为已发送").click()
        expect(page.locator("#statement-status")).to_have_text("已发送")
        shot(page, "07-statement-sent")
        assert carrier.statements.get().status == "sent"
    finally:
        context.close()
