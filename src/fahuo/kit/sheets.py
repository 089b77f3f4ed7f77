"""Reading uploaded spreadsheets (CSV, XLSX) safely: the one reader every import goes through.

An XLSX file is a zip of XML parts, and calamine builds a dense grid from the first to the last
cell of a sheet: a 1.5 KB file whose only cell is XFD1048576 asks for 17 billion cells (the process
aborts), and a 2 MB zip can unpack to gigabytes. So before calamine reads anything this module
checks, from the file itself:

* the upload's size (``settings.FAHUO_MAX_UPLOAD_MB``, default 50);
* the zip's declared uncompressed sizes (total and per part) and each part's compression ratio;
* every worksheet's cell references (streamed, in bounded memory): rows at most
  ``settings.FAHUO_MAX_IMPORT_ROWS``, columns at most ``MAX_COLUMNS``, and the grid calamine would
  allocate at most ``MAX_CELLS``.

Anything over a limit is an ``InvalidInput`` (``FileTooLarge`` for size) with a message a seller can
act on; nothing is allocated for it.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings

from fahuo.kit.errors import InvalidInput

CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # gb18030 is a superset of GBK and GB2312
XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xls")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls (BIFF) and encrypted workbooks
MAX_COLUMNS = 512
MAX_CELLS = 20_000_000  # ~0.6 GB of calamine cells at worst
MAX_RATIO = 50  # uncompressed / compressed, per part over 1 MB (real sheets compress 5-30x)
UNPACKED_FACTOR = 10  # total unpacked size at most 10x the upload limit (a 50k-order export: ~150 MB)
_CHUNK = 1 << 20
_MAX_TAG = 1 << 16
_TAG = re.compile(rb"<(?:\w+:)?(c|row|dimension)(?=[\s/>])([^>]*)>")
_REF_ATTR = re.compile(rb"\b(?:r|ref)=\"(?:[A-Z]*\d*:)?([A-Z]{0,4})(\d{0,8})\"")


class FileTooLarge(InvalidInput):
    status = 413
    code = "too_large"


def max_upload_bytes() -> int:
    return int(getattr(settings, "FAHUO_MAX_UPLOAD_MB", 50)) * 1024 * 1024


def max_rows() -> int:
    return int(getattr(settings, "FAHUO_MAX_IMPORT_ROWS", 200_000))


def read_upload(fileobj: IO[bytes]) -> bytes:
    """The upload's bytes, refusing (without reading it all) a file over the size limit."""
    limit = max_upload_bytes()
    data = fileobj.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(
            f"文件超过 {limit // (1024 * 1024)} MB 上限（FAHUO_MAX_UPLOAD_MB）：请拆分后分批导入",
            detail={"max_bytes": limit},
        )
    return data


def read_rows(*, fileobj: IO[bytes], filename: str) -> Iterator[list[Any]]:
    """Rows of the first sheet of an XLSX file, or of a CSV in UTF-8 (BOM or not) or GB18030.

    Row numbers are kept: empty rows come back as empty lists, so the n-th row is the file's row n.
    """
    return rows_of(data=read_upload(fileobj), filename=filename)


def rows_of(*, data: bytes, filename: str) -> Iterator[list[Any]]:
    """``read_rows`` for bytes already read (e.g. one part of a .zip export)."""
    if len(data) > max_upload_bytes():
        raise FileTooLarge(f"文件超过 {max_upload_bytes() // (1024 * 1024)} MB 上限（FAHUO_MAX_UPLOAD_MB）")
    if data[:4] == OLE_MAGIC:
        raise InvalidInput("不支持旧版 .xls 或加密的 Excel 文件：请在 Excel 中另存为 .xlsx 或 CSV（UTF-8）")
    if data[:4] == ZIP_MAGIC or (filename.lower().endswith(XLSX_SUFFIXES) and data):
        check_xlsx(data)
        return _xlsx_rows(data)
    return _csv_rows(data)


def _csv_rows(data: bytes) -> Iterator[list[Any]]:
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return _bounded(csv.reader(io.StringIO(text, newline="")))
    raise InvalidInput("无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV，或 XLSX")


def _bounded(rows: Iterator[list[str]]) -> Iterator[list[Any]]:
    limit = max_rows()
    try:
        for number, row in enumerate(rows, start=1):
            if number > limit:
                raise InvalidInput(_too_many_rows(limit))
            yield row
    except csv.Error as exc:
        raise InvalidInput(f"CSV 格式错误：{exc}") from None


def _too_many_rows(limit: int) -> str:
    return f"文件超过 {limit} 行上限（FAHUO_MAX_IMPORT_ROWS）：请拆分后分批导入"


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        # skip_empty_area=False keeps row numbers equal to the spreadsheet's own
        return iter(sheet.to_python(skip_empty_area=False))
    except (CalamineError, ValueError, OSError, IndexError) as exc:
        raise InvalidInput(f"无法读取 Excel 文件：{type(exc).__name__}") from None


def check_xlsx(data: bytes) -> None:
    """Refuse an XLSX whose parts unpack too far or whose sheets span too large a grid."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InvalidInput("无法读取 Excel 文件：不是有效的 .xlsx（zip）文件") from None
    with archive:
        infos = archive.infolist()
        total = sum(i.file_size for i in infos)
        limit = max_upload_bytes() * UNPACKED_FACTOR
        if total > limit:
            raise FileTooLarge(
                f"Excel 文件解压后超过 {limit // (1024 * 1024)} MB，疑似压缩炸弹，已拒绝",
                detail={"unpacked_bytes": total},
            )
        for info in infos:
            if info.file_size > _CHUNK and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise FileTooLarge(
                    f"Excel 文件中的 {info.filename[:60]} 压缩比异常（{info.file_size // max(info.compress_size, 1)} 倍），"
                    "疑似压缩炸弹，已拒绝",
                    detail={"part": info.filename[:200]},
                )
        # Every part, not only xl/worksheets/: the workbook's relationships may point a sheet anywhere.
        for info in infos:
            if not info.is_dir():
                _check_sheet(archive, info)


def _check_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Stream the sheet XML and find its largest row and column without building anything."""
    max_row = max_col = 0
    rows_seen = cells_seen = 0
    tail = b""
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                buf = tail + chunk
                # Keep an unfinished tag for the next round so no reference is split in two.
                cut = buf.rfind(b"<")
                cut = len(buf) if cut < 0 or b">" in buf[cut:] else cut
                for match in _TAG.finditer(buf, 0, cut):
                    kind = match.group(1)
                    ref = _REF_ATTR.search(match.group(2))
                    letters, digits = ref.groups() if ref else (b"", b"")
                    if kind == b"row":
                        rows_seen += 1
                    elif kind == b"c":
                        cells_seen += 1
                    if digits:
                        max_row = max(max_row, int(digits))
                    if letters and kind != b"row":
                        max_col = max(max_col, _column_number(letters))
                tail = buf[cut:]
                if len(tail) > _MAX_TAG:
                    raise InvalidInput("无法读取 Excel 文件：XML 标签过长")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise InvalidInput("无法读取 Excel 文件：压缩内容已损坏") from None
    max_row = max(max_row, rows_seen)
    _check_grid(max_row, max_col, info.filename)
    if cells_seen > MAX_CELLS:
        raise FileTooLarge(f"工作表的单元格超过 {MAX_CELLS} 个：请拆分后分批导入")


def _check_grid(rows: int, columns: int, part: str) -> None:
    where = part.rsplit("/", 1)[-1]
    if rows > max_rows():
        raise FileTooLarge(_too_many_rows(max_rows()), detail={"sheet": where, "rows": rows})
    if columns > MAX_COLUMNS:
        raise FileTooLarge(
            f"工作表 {where} 有 {columns} 列，超过 {MAX_COLUMNS} 列上限：请删除多余的列后再导入",
            detail={"sheet": where, "columns": columns},
        )
    if rows * max(columns, 1) > MAX_CELLS:
        raise FileTooLarge(
            f"工作表 {where} 的范围（{rows} 行 × {columns} 列）过大：请删除多余的行列后再导入",
            detail={"sheet": where, "rows": rows, "columns": columns},
        )


def _column_number(letters: bytes) -> int:
    number = 0
    for byte in letters:
        number = number * 26 + (byte - 64)
    return number
