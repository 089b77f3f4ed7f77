"""Carrier bill import: header aliases per carrier, units, remembered mapping, row-level errors,
all-or-nothing; the dispute list adds up to the audit's dispute amount."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from fahuo.carriers.models import Carrier
from fahuo.contracts import bills
from fahuo.contracts.models import BillMapping, CarrierBill
from fahuo.contracts.scenario import read_scenario
from fahuo.contracts.settlement import settle
from fahuo.kit.errors import InvalidInput

MONDAY = dt.date(2026, 11, 9)
SAMPLE = Path(__file__).parent / "data" / "settlement-scenario"


def csv_bytes(rows: list[list[Any]]) -> bytes:
    return "\n".join(",".join(str(c) for c in r) for r in rows).encode("utf-8-sig")


@pytest.fixture
def yto(db: Any) -> Carrier:
    return Carrier.objects.create(code="YTO", name="圆通速递", provider="sandbox")


YTO_BILL = [
    ["运单号码", "扫描时间", "计费重量（kg）", "计费省份", "计费目的地名称", "物料类型", "加收", "快递费"],
    ["YT1", "2026-11-09 10:00", "0.82", "上海", "上海市", "文件", "0.5", "4.10"],
    ["YT2", "2026-11-09 11:00", "1.5", "新疆", "乌鲁木齐", "包裹", "", "12"],
]


def test_yto_headers_kg_and_surcharge(yto: Carrier) -> None:
    bill = bills.import_bill(
        carrier=yto, week_start=MONDAY, data=csv_bytes(YTO_BILL), filename="圆通11月.csv"
    )
    assert bill.lines == [["YT1", 820, 460], ["YT2", 1500, 1200]]
    assert BillMapping.objects.get(carrier=yto).mapping["billed_weight"] == "计费重量（kg）"


@pytest.mark.parametrize(
    ("headers", "row"),
    [
        (
            ["业务时间", "运单号", "订单目的省份", "订单目的城市", "结算重量", "总金额"],
            ["2026-11-09", "ST9", "浙江", "杭州", "2", "5.00"],
        ),
        (
            ["扫描时间", "运单号", "目的地", "目的地市", "结算重量", "应付"],
            ["2026-11-09", "ST9", "浙江", "杭州", "2.000", "5"],
        ),
        (
            ["运单号", "扫描时间", "计费重量", "总金额", "预付", "应付"],
            ["ST9", "2026-11-09", "2", "5.00", "0", "5.00"],
        ),
        (["运单编号", "重量", "目的地省", "总计运费"], ["ST9", "2", "浙江", "¥5.00"]),
    ],
)
def test_other_carriers_headers_are_recognised(yto: Carrier, headers: list[str], row: list[str]) -> None:
    parsed = bills.parse(data=csv_bytes([headers, row]), filename="b.csv")
    assert parsed.errors == [] and parsed.lines == [("ST9", 2000, 500)]


def test_xlsx_bill_reads_the_same(yto: Carrier) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in YTO_BILL:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    bill = bills.import_bill(carrier=yto, week_start=MONDAY, data=buf.getvalue(), filename="圆通.xlsx")
    assert bill.lines[0] == ["YT1", 820, 460]


def test_the_confirmed_mapping_is_remembered_for_the_carrier(yto: Carrier) -> None:
    odd = [["单号", "称重", "费用"], ["YT1", "1", "5"]]
    with pytest.raises(InvalidInput):
        bills.import_bill(carrier=yto, week_start=MONDAY, data=csv_bytes(odd), filename="x.csv")
    mapping = {"tracking_no": "单号", "billed_weight": "称重", "fee": "费用"}
    bills.import_bill(carrier=yto, week_start=MONDAY, data=csv_bytes(odd), filename="x.csv", mapping=mapping)
    assert bills.guess_mapping(headers=["单号", "称重", "费用"], carrier=yto) == mapping


@pytest.mark.parametrize(
    ("rows", "row", "column", "text"),
    [
        ([["单号", "称重", "费用"], ["YT1", "1", "5"]], 1, "运单号、计费重量、运费", "找不到列"),
        ([YTO_BILL[0], YTO_BILL[1], ["YT3", "", "1", "", "", "", "", "五元"]], 3, "快递费", "五元"),
        ([YTO_BILL[0], ["YT3", "", "-1", "", "", "", "", "4"]], 2, "计费重量（kg）", "负数"),
    ],
)
def test_bad_bills_name_file_row_and_column_and_store_nothing(
    yto: Carrier, rows: list[list[str]], row: int, column: str, text: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        bills.import_bill(carrier=yto, week_start=MONDAY, data=csv_bytes(rows), filename="坏账单.csv")
    first = err.value.detail[0]  # type: ignore[index]
    assert (first["file"], first["row"], first["column"]) == ("坏账单.csv", row, column)
    assert text in first["message"] and "坏账单.csv" in err.value.message
    assert not CarrierBill.objects.exists() and not BillMapping.objects.exists()


def test_a_bill_week_that_is_not_a_monday_is_refused(yto: Carrier) -> None:
    with pytest.raises(InvalidInput, match="不是周一"):
        bills.import_bill(
            carrier=yto, week_start=MONDAY + dt.timedelta(days=2), data=csv_bytes(YTO_BILL), filename="b.csv"
        )
    assert not CarrierBill.objects.exists()


def test_dispute_list_adds_up_to_the_audit_and_neutralises_formulas() -> None:
    week = read_scenario(SAMPLE)
    result = settle(week)
    data = result.as_json()
    parcels = {p.tracking_no: (p.billable_g, p.freight_fen) for p in result.parcels}
    lines = [[b.tracking_no, b.billed_weight_g, b.billed_fen] for b in week.bill or []]
    rows = bills.dispute_rows(statement_data=data, parcels=parcels, bill=lines)
    total = sum(round(float(r[6]) * 100) for r in rows if r[6])
    assert total == json.loads((SAMPLE / "expected.json").read_text())["bill"]["dispute_fen"] == 4350
    rows.append(["多收运费", '=HYPERLINK("http://x")', "", "", "", "", ""])
    sheet = load_workbook(io.BytesIO(bills.dispute_xlsx(title="t", rows=rows, total_fen=4350))).active
    assert sheet is not None
    values = [c.value for c in sheet["B"]]
    assert '\'=HYPERLINK("http://x")' in values and "YT4074578226569" in values
