"""The files sellers really download from 抖店: what a file is, and what its cells mean.

* Both generations of the order export — today's (75 columns, 商品金额 is the unit price) and the
  older 标准报表 (65 columns, 商品单价) — and both layouts: 商品维度 (a row per 子订单) and 订单维度
  (a row per 主订单, 子订单编号/选购商品/商家编码 joined with ``;``). Columns are found by title.
* Cell conventions: a leading tab or ``'`` (text markers) is dropped, ``-`` is empty everywhere.
* A ``.zip`` export is unpacked (bounded); a 售后 export or a settlement/bill file is refused with a
  sentence saying what it is.
* Receivers exported as platform ciphertext (``#…#``, ``$…$``) or masked (``1********35``, ``测**``)
  are recognised so that they are never stored as a name/address and never printed.

Reading the cells of one file is ``formats.read_table`` (the one spreadsheet reader path).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from fahuo.kit import sheets
from fahuo.kit.errors import FahuoError, InvalidInput
from fahuo.orders.formats import DOUYIN, SHANGHAI, Layout, Table, read_table

# A .zip export is unpacked in memory; these bound what one upload can make us hold.
ZIP_MAX_MEMBERS = 20
ZIP_MAX_BYTES = 200 * 1024 * 1024  # uncompressed, all parts together
ZIP_MAX_RATIO = 200  # a CSV compresses ~10x; far beyond that is a zip bomb
ZIP_MAGIC = b"PK\x03\x04"
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls")
EMPTY_MARKS = frozenset({"-", "--", "—"})


@dataclass(slots=True)
class Sheet:
    """A table with the file each row came from (parts of a .zip keep their own names)."""

    header: list[str]
    rows: list[tuple[str, int, list[str]]]  # (file, row number with the header as row 1, cells)
    filename: str


def clean(value: str) -> str:
    """A cell as the seller means it: text markers (leading tab, ``'``) dropped, ``-`` empty."""
    text = value.strip()
    if text.startswith("'"):
        text = text[1:].strip()
    return "" if text in EMPTY_MARKS else text


# --- reading -------------------------------------------------------------------------------------


def read_export(*, fileobj: BinaryIO, filename: str) -> Sheet:
    """The rows of an uploaded file: CSV/XLSX, or a .zip of them (parts with the same header)."""
    data = sheets.read_upload(fileobj)  # at most FAHUO_MAX_UPLOAD_MB, never the whole stream
    if not data.strip():
        raise InvalidInput(f"{filename}：文件是空的（0 字节），未导入任何订单")
    if data[:4] == ZIP_MAGIC and not _is_xlsx(data):
        return _zip_sheet(data, filename)
    table = _one_table(data, filename)
    return Sheet(header=table.header, rows=[(filename, n, c) for n, c in table.rows], filename=filename)


def _is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "[Content_Types].xml" in zf.namelist()
    except zipfile.BadZipFile:
        return True  # let the Excel reader say what is wrong


def _one_table(data: bytes, filename: str) -> Table:
    if data[:4] != ZIP_MAGIC and not filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        check_encoding(data, filename)
    try:
        return read_table(fileobj=io.BytesIO(data), filename=filename)
    except FahuoError as exc:
        if exc.message.startswith(filename):
            raise
        raise type(exc)(f"{filename}：{exc.message}", detail=exc.detail) from None


def _zip_sheet(data: bytes, filename: str) -> Sheet:
    """The order files inside a .zip export, read as one sheet (every part must have the same header)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InvalidInput(f"{filename}：压缩包已损坏，无法解压；未导入任何订单") from None
    with archive:
        infos = [
            i
            for i in archive.infolist()
            if not i.is_dir()
            and not i.filename.startswith("__MACOSX/")
            and i.filename.lower().endswith(TABLE_SUFFIXES)
        ]
        if not infos:
            raise InvalidInput(f"{filename}：压缩包里没有 CSV 或 Excel 文件；未导入任何订单")
        if len(infos) > ZIP_MAX_MEMBERS:
            raise InvalidInput(f"{filename}：压缩包里有 {len(infos)} 个文件，最多 {ZIP_MAX_MEMBERS} 个")
        total = sum(i.file_size for i in infos)
        if total > ZIP_MAX_BYTES or any(i.file_size > ZIP_MAX_RATIO * max(i.compress_size, 1) for i in infos):
            raise InvalidInput(
                f"{filename}：解压后过大或压缩比异常（{total // 1024 // 1024} MB，上限 "
                f"{ZIP_MAX_BYTES // 1024 // 1024} MB），疑似压缩炸弹，已拒绝；未导入任何订单"
            )
        parts: list[tuple[str, bytes]] = []
        for info in sorted(infos, key=lambda i: i.filename):
            with archive.open(info) as member:
                part = member.read(info.file_size + 1)  # the directory's sizes may lie
            if len(part) > info.file_size:
                raise InvalidInput(f"{filename}：压缩包内文件大小与目录不符，已拒绝")
            parts.append((f"{filename}/{info.filename.rsplit('/', 1)[-1]}", part))
    tables = [(name, _one_table(part, name)) for name, part in parts if part.strip()]
    if not tables:
        raise InvalidInput(f"{filename}：压缩包里的文件都是空的；未导入任何订单")
    first_name, first = tables[0]
    titles = [_norm(t) for t in first.header]
    for name, table in tables[1:]:
        if [_norm(t) for t in table.header] != titles:
            raise InvalidInput(f"{name}：表头与 {first_name} 不同，不能合并导入；未导入任何订单")
    rows = [(name, n, cells) for name, table in tables for n, cells in table.rows]
    return Sheet(header=first.header, rows=rows, filename=filename)


def check_encoding(data: bytes, filename: str) -> None:
    """A CSV that is neither UTF-8 nor GBK is refused, naming the row and column where it breaks."""
    try:
        data.decode("utf-8-sig")
        return
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")  # a superset of GBK and GB2312 (what Excel saves in China)
    except UnicodeDecodeError as exc:
        raise InvalidInput(_bad_byte_message(data, exc, filename)) from None


def _bad_byte_message(data: bytes, exc: UnicodeDecodeError, filename: str) -> str:
    import csv

    before = data[: exc.start].decode("gb18030", errors="replace")
    lines = before.split("\n")
    header = next(csv.reader(io.StringIO(lines[0])), [])
    row = len(lines)
    column = len(next(csv.reader(io.StringIO(lines[-1])), [""])) or 1
    title = header[column - 1].strip() if row > 1 and column <= len(header) else f"第 {column} 列"
    return (
        f"{filename}：第 {row} 行「{title}」列有无法识别的字节（0x{data[exc.start]:02X}）——文件既不是 "
        "UTF-8 也不是 GBK 编码，可能已损坏。请从抖店重新导出，或在 Excel 中另存为「CSV UTF-8」。未导入任何订单"
    )


# --- what the file is ----------------------------------------------------------------------------

# Files sellers download from 抖店 that are not order exports, by titles only they carry.
_AFTER_SALE_TITLES = frozenset({"售后单号", "售后类型", "售后申请时间", "退商品金额（元）", "退商品金额(元)"})
_SETTLEMENT_TITLES = frozenset(
    {"结算单号", "结算时间", "结算金额", "实际结算金额", "动账流水号", "动账金额", "动账时间", "账单日期"}
)


def _norm(title: str) -> str:
    return re.sub(r"\s+", "", str(title)).lower()


def refuse_other_exports(header: list[str], filename: str) -> None:
    """A 售后 export or a settlement/bill file is said to be what it is, not a broken order export."""
    titles = {_norm(t) for t in header}
    columns = sum(1 for t in header if t.strip())
    if len(titles & {_norm(t) for t in _AFTER_SALE_TITLES}) >= 2:
        raise InvalidInput(
            f"{filename}：这是抖店「售后单」导出（{columns} 列，含 售后单号、售后类型），不是订单导出。"
            "售后单请在 售后 页面「导入售后单」或用 fahuo aftersales import 导入；订单请在 抖店后台 → 订单 → "
            "订单管理 → 批量导出 下载后在这里导入。未导入任何订单",
            detail={"recognised": "douyin_after_sale", "columns": columns},
        )
    if titles & {_norm(t) for t in _SETTLEMENT_TITLES} and "收件人" not in titles:
        raise InvalidInput(
            f"{filename}：这是结算/账单文件（{columns} 列，含结算或动账金额），不是订单导出；"
            "fahuo 不从账单导入订单。未导入任何订单",
            detail={"recognised": "settlement", "columns": columns},
        )


@dataclass(frozen=True, slots=True)
class Recognition:
    """What the file was recognised as, for the report: 识别为：抖店订单导出（75 列，商品维度）."""

    layout: Layout
    columns: int
    dimension: str = ""  # 商品维度 (a row per 子订单) or 订单维度 (a row per 主订单)
    price_title: str = ""  # 商品金额 (today's export) or 商品单价 (the older 标准报表)
    exported_at: dt.datetime | None = None  # a 10-digit export time at the start of the file name

    @property
    def full_export(self) -> bool:
        """One of 抖店's own export generations (65/75 columns): amounts are per 子订单."""
        return self.layout is DOUYIN and self.columns >= FULL_EXPORT_COLUMNS

    @property
    def sentence(self) -> str:
        parts = [f"{self.columns} 列"]
        if self.dimension:
            parts.append(self.dimension)
        text = f"识别为：{self.layout.title}（{'，'.join(parts)}）"
        if self.exported_at is not None:
            text += f"，导出于 {self.exported_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
        return text


FULL_EXPORT_COLUMNS = 60  # the 标准报表 has 65 columns, today's export 75; other tools' files far fewer
_EXPORT_TIME = re.compile(r"^(1\d{9})(?!\d)")


def recognise(*, sheet: Sheet, layout: Layout, positions: dict[str, int]) -> Recognition:
    columns = sum(1 for t in sheet.header if t.strip())
    if layout is not DOUYIN:
        return Recognition(layout=layout, columns=columns)
    line_col = positions["line_id"]
    joined = any(";" in cells[line_col] for _, _, cells in sheet.rows if line_col < len(cells))
    match = _EXPORT_TIME.match(sheet.filename.replace("\\", "/").rsplit("/", 1)[-1])
    exported = dt.datetime.fromtimestamp(int(match.group(1)), tz=dt.UTC) if match else None
    return Recognition(
        layout=layout,
        columns=columns,
        dimension="订单维度" if joined else "商品维度",
        price_title=sheet.header[positions["unit_price"]].strip(),
        exported_at=exported,
    )


# --- what the cells mean -------------------------------------------------------------------------

# 订单状态 of a 子订单 that still needs shipping; anything else (已发货, 已完成, 已关闭, 待支付 …) does not.
SHIPPABLE_STATES = frozenset({"", "待发货", "备货中"})
_AFTER_SALE_NONE = frozenset({"", "无"})
# A request that ended without taking the goods back: nothing in progress, the line ships.
_AFTER_SALE_ENDED = ("关闭", "撤销", "取消", "拒绝", "失败")
# A request that ended with the money or the goods settled another way (换货成功, 补寄成功 …).
_AFTER_SALE_DONE = ("成功", "完成")


def after_sale_state(text: str) -> str:
    """``none``, ``refunded`` (the 子订单 is not to ship), ``ended`` (finished) or ``open`` (in progress)."""
    text = clean(text or "")
    if text in _AFTER_SALE_NONE:
        return "none"
    if "退款成功" in text or text in ("售后成功", "订单取消成功", "逆向交易已完成"):
        return "refunded"
    if any(word in text for word in _AFTER_SALE_ENDED + _AFTER_SALE_DONE):
        return "ended"
    return "open"


def line_fate(*, status: str, after_sale: str, logistics: str) -> tuple[str, str]:
    """What happens to one 子订单: (``ship`` | ``elsewhere`` | ``skip``, reason for the report)."""
    if status not in SHIPPABLE_STATES:
        return "skip", f"订单状态「{status}」，不是待发货"
    if after_sale_state(after_sale) == "refunded":
        return "skip", f"售后状态「{after_sale}」，已退款，不发货"
    if logistics:
        return "elsewhere", "已有快递信息：已在别处发货，记录但不再打单"
    return "ship", ""


_CIPHER = re.compile(r"^([#$~]).+\1$", re.S)


def is_platform_cipher(text: str) -> bool:
    """抖店 ciphertext: ``#…#…#1##`` (names, addresses), ``$…$…*CgkI…$1$$`` (phones), ``~…~``."""
    return bool(_CIPHER.match((text or "").strip()))


def is_masked(text: str) -> bool:
    """A masked value as exported without plaintext permission: 1********35, 测**, 文一西路****."""
    return "*" in (text or "") or "＊" in (text or "")


WITHHELD_REASONS = {
    "encrypted": (
        "收件信息为平台密文：导出的收件人/手机号/地址是抖店加密后的密文，不能打单；"
        "请从抖店接口补全（解密），或用抖音电子面单打印"
    ),
    "masked": (
        "收件信息已脱敏：导出的收件人/手机号/地址只有部分字符（如 1********35、测**），不能打单；"
        "请从抖店接口补全（解密）后再打单"
    ),
}


def withheld(*, name: str, phone: str, detail: str) -> str:
    """``encrypted``, ``masked`` or ``""``: whether the exported receiver can be used at all."""
    values = (name, phone, detail)
    if any(is_platform_cipher(v) for v in values):
        return "encrypted"
    # A name or phone never holds a star; an address may ("A*座"), a mask there is a run of them.
    if is_masked(name) or is_masked(phone) or "**" in (detail or "").replace("＊", "*"):
        return "masked"
    return ""


PRESALE_REASON = "预售订单：导出中没有承诺发货时间，请按预售约定的发货日期确认后再打单"


@dataclass(slots=True)
class Skip:
    """An order (or one 子订单 of it) left out of the import, with the reason a seller reads."""

    order_id: str
    rows: list[int]
    reason: str
    line_id: str = ""
    file: str = ""

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"order_id": self.order_id, "rows": self.rows, "reason": self.reason}
        if self.line_id:
            out["line_id"] = self.line_id
        return out


@dataclass(slots=True)
class JoinedRow:
    """An 订单维度 row split back into its 子订单 (``error`` says why it cannot be)."""

    line_ids: list[str]
    titles: list[str]
    sku_codes: list[str]
    prices: list[str]
    error: str = ""


def split_joined(*, line_ids: str, titles: str, sku_codes: str, prices: str, quantity: str) -> JoinedRow:
    """The 子订单 of an 订单维度 row. Its quantity is the order's sum, so only 1 each can be split."""
    ids = [p.strip() for p in line_ids.split(";") if p.strip()]
    n = len(ids)
    names = [p.strip() for p in titles.split(";")] if n > 1 else [titles]
    codes = [p.strip() for p in sku_codes.split(";")] if n > 1 and sku_codes else [sku_codes] * n
    amounts = [p.strip() for p in prices.split(";")] if n > 1 else [prices]
    row = JoinedRow(line_ids=ids, titles=names, sku_codes=codes, prices=amounts)
    if n <= 1:
        return row
    if quantity.strip() != str(n) or len(amounts) != n or len(names) != n or len(codes) != n:
        row.error = (
            f"订单维度导出把 {n} 个子订单合并成了一行（商品数量合计「{quantity.strip()}」），"
            "无法得知每个子订单的件数和单价；请在抖店按「商品维度」重新导出"
        )
    return row
