"""Builders of hostile spreadsheets for the security tests (synthetic; nothing is read from disk)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import Workbook

HEADER = ["订单号", "收件人", "手机号", "省", "市", "区", "详细地址", "商品编码", "数量", "单价"]


def far_cell_xlsx() -> bytes:
    """A ~5 KB workbook whose only cell is XFD1048576 (calamine would allocate 17 billion cells)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["XFD1048576"] = "x"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bomb_xlsx(unpacked_mb: int = 200) -> bytes:
    """A small workbook whose sheet XML unpacks to ``unpacked_mb`` MB (empty padding rows)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, data)
                continue
            head, _, tail = data.partition(b"</sheetData>")
            with dst.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
                part.write(head)
                block = b" " * (1 << 20)
                for _ in range(unpacked_mb):
                    part.write(block)
                part.write(b"</sheetData>" + tail)
    return out.getvalue()


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path
