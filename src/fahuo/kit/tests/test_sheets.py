"""The one spreadsheet reader refuses hostile files before calamine allocates anything."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pytest
from openpyxl import Workbook

from fahuo.kit.errors import InvalidInput
from fahuo.kit.sheets import FileTooLarge, check_xlsx, read_rows
from fahuo.kit.tests.hostile_files import HEADER, bomb_xlsx, far_cell_xlsx


def _xlsx(rows: Sequence[Sequence[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_sheet_whose_only_cell_is_xfd1048576_is_refused_before_reading() -> None:
    data = far_cell_xlsx()
    assert len(data) < 10_000
    with pytest.raises(FileTooLarge) as err:
        list(read_rows(fileobj=io.BytesIO(data), filename="orders.xlsx"))
    assert err.value.status == 413
    assert "行" in err.value.message or "列" in err.value.message


def test_a_zip_bomb_of_200_mb_is_refused() -> None:
    data = bomb_xlsx(200)
    assert len(data) < 2_500_000
    with pytest.raises(FileTooLarge) as err:
        check_xlsx(data)
    assert "压缩炸弹" in err.value.message


def test_a_file_over_the_upload_limit_is_refused_without_reading_it_all(settings: object) -> None:
    settings.FAHUO_MAX_UPLOAD_MB = 1  # type: ignore[attr-defined]

    class Endless(io.RawIOBase):
        read_sizes: list[int] = []

        def read(self, size: int = -1) -> bytes:
            self.read_sizes.append(size)
            return b"a" * size

    with pytest.raises(FileTooLarge) as err:
        read_rows(fileobj=Endless(), filename="big.csv")  # type: ignore[arg-type]
    assert "FAHUO_MAX_UPLOAD_MB" in err.value.message
    assert Endless.read_sizes == [1024 * 1024 + 1]


def test_rows_beyond_the_limit_are_refused_in_csv_and_xlsx(settings: object) -> None:
    settings.FAHUO_MAX_IMPORT_ROWS = 5  # type: ignore[attr-defined]
    csv_data = ("\n".join(",".join(HEADER) for _ in range(7)) + "\n").encode()
    with pytest.raises(InvalidInput, match="FAHUO_MAX_IMPORT_ROWS"):
        list(read_rows(fileobj=io.BytesIO(csv_data), filename="a.csv"))
    with pytest.raises(FileTooLarge):
        read_rows(fileobj=io.BytesIO(_xlsx([HEADER] * 7)), filename="a.xlsx")
    assert len(list(read_rows(fileobj=io.BytesIO(_xlsx([HEADER] * 5)), filename="a.xlsx"))) == 5


def test_an_ordinary_workbook_reads_with_its_row_numbers() -> None:
    rows = list(read_rows(fileobj=io.BytesIO(_xlsx([HEADER, [], ["A1", "张三"]])), filename="a.xlsx"))
    assert rows[0][:2] == ["订单号", "收件人"] and rows[2][:2] == ["A1", "张三"]


def test_legacy_xls_and_broken_zips_get_a_sentence() -> None:
    with pytest.raises(InvalidInput, match=r"另存为 \.xlsx"):
        read_rows(fileobj=io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\0" * 600), filename="a.xls")
    with pytest.raises(InvalidInput, match=r"不是有效的 \.xlsx"):
        read_rows(fileobj=io.BytesIO(b"PK\x03\x04garbage"), filename="a.xlsx")
