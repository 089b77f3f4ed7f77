"""Order files: reading CSV/XLSX into rows of text, recognising the layout, and parsing cell values.

Two layouts are known: the 抖店 order export (one row per 子订单) and the documented fahuo template
(docs/import.md). Row numbers are those a spreadsheet shows: the header is row 1.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from fahuo.kit import sheets
from fahuo.kit.errors import InvalidInput
from fahuo.kit.privacy import scrub

SHANGHAI = ZoneInfo("Asia/Shanghai")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # gb18030 is a superset of GBK and GB2312
XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xls")


class CellError(ValueError):
    """A cell whose value cannot be read; the message is safe to show (no personal data)."""


@dataclass(frozen=True, slots=True)
class Column:
    field: str  # our name for the value
    label: str  # the column title (what the seller sees in the file)
    aliases: tuple[str, ...] = ()  # other titles accepted for the same column
    required: bool = False


@dataclass(frozen=True, slots=True)
class Layout:
    key: str  # stored in ImportBatch.file_format
    title: str
    columns: tuple[Column, ...]

    def match(self, header: list[str]) -> tuple[dict[str, int], list[Column]]:
        """Map fields to column positions; also return the required columns that are missing."""
        positions: dict[str, int] = {}
        by_title: dict[str, int] = {}
        for i, title in enumerate(header):
            by_title.setdefault(_norm_title(title), i)
        for col in self.columns:
            for title in (col.label, *col.aliases):
                if _norm_title(title) in by_title:
                    positions[col.field] = by_title[_norm_title(title)]
                    break
        missing = [c for c in self.columns if c.required and c.field not in positions]
        return positions, missing


DOUYIN = Layout(
    key="douyin",
    title="抖店订单导出",
    columns=(
        Column("order_id", "主订单编号", ("订单编号", "主订单号"), required=True),
        Column("line_id", "子订单编号", ("子订单号",), required=True),
        Column("title", "选购商品", ("商品名称",), required=True),
        Column("spec", "商品规格"),
        Column("quantity", "商品数量", ("数量",), required=True),
        Column("product_id", "商品ID"),
        Column("sku_code", "商家编码", ("商品编码",)),
        # The older 标准报表 calls the unit price 商品单价; today's export calls it 商品金额.
        Column("unit_price", "商品单价", ("单价", "商品金额"), required=True),
        Column("order_total", "订单应付金额", ("应付金额",)),
        Column("freight", "运费"),
        Column("name", "收件人", ("收货人",), required=True),
        Column("phone", "收件人手机号", ("收件人电话", "收货人手机号", "联系电话"), required=True),
        Column("province", "省"),
        Column("city", "市"),
        Column("district", "区"),
        Column("street", "街道"),
        Column("detail", "详细地址", ("收货地址",), required=True),
        Column("buyer_note", "买家留言"),
        Column("ordered_at", "订单提交时间", ("下单时间",)),
        Column("paid_at", "支付完成时间", ("支付时间", "付款时间")),
        Column("promised_at", "承诺发货时间"),
        Column("scheduled_at", "预约发货时间"),
        Column("platform_status", "订单状态"),
        Column("after_sale", "售后状态"),
        Column("order_type", "订单类型"),
        Column("seller_note", "商家备注"),
        Column("address_changed", "是否修改过地址"),
        Column("logistics", "快递信息"),
        Column("influencer", "达人昵称"),
    ),
)

# The fahuo template: English column keys, or the Chinese labels below (either is accepted).
FAHUO = Layout(
    key="fahuo",
    title="fahuo 模板",
    columns=(
        Column("order_id", "order_id", ("订单号",), required=True),
        Column("line_id", "line_id", ("子订单号",)),
        Column("sku_code", "sku_code", ("商家编码",)),
        Column("title", "title", ("商品名称",), required=True),
        Column("spec", "spec", ("规格",)),
        Column("quantity", "quantity", ("数量",), required=True),
        Column("unit_price", "unit_price", ("单价",)),
        Column("name", "recipient_name", ("收件人姓名",)),
        Column("phone", "recipient_phone", ("收件人手机",)),
        Column("province", "province", ("省份",)),
        Column("city", "city", ("城市",)),
        Column("district", "district", ("区县",)),
        Column("address", "address", ("地址",), required=True),
        Column("buyer_note", "buyer_note", ("备注",)),
        Column("paid_at", "paid_at", ("付款时间",)),
        Column("channel", "channel", ("渠道",)),
        Column("promise_hours", "promise_hours", ("承诺发货小时",)),
        Column("door_delivery", "door_delivery", ("送货上门",)),
    ),
)

LAYOUTS = (DOUYIN, FAHUO)


def _norm_title(title: str) -> str:
    return re.sub(r"\s+", "", str(title)).lower()


@dataclass(slots=True)
class Table:
    header: list[str]
    header_row: int  # 1-based
    rows: list[tuple[int, list[str]]]  # (row number, cells), blank rows left out

    def columns_of(self, names: Mapping[str, Collection[str]]) -> dict[str, int]:
        """Key -> position of the first header cell that is one of the key's names (spaces and case
        ignored); a key none of whose names is there is left out."""
        titles = [_norm_title(h) for h in self.header]
        found: dict[str, int] = {}
        for key, accepted in names.items():
            for i, title in enumerate(titles):
                if title in accepted:
                    found[key] = i
                    break
        return found


def cell_text(value: Any) -> str:
    """A cell as text: integral floats lose their ``.0``; dates use the export's own format."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        # Beyond 2**53 a float no longer holds every integer: keep the scientific form so that an
        # order number mangled by a spreadsheet is reported rather than silently changed.
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    return str(value).strip()


def read_table(*, fileobj: BinaryIO, filename: str) -> Table:
    """Read the first sheet of an XLSX file, or a CSV file in UTF-8 (with or without BOM) or GB18030."""
    raw_rows = sheets.read_rows(fileobj=fileobj, filename=filename)  # size/bomb/grid limits
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    header_row = 0
    for number, raw in enumerate(raw_rows, start=1):
        cells = [cell_text(v) for v in raw]
        if not any(cells):
            continue
        if header is None:
            header, header_row = cells, number
            continue
        rows.append((number, cells))
    if header is None:
        raise InvalidInput("文件是空的：没有表头行")
    return Table(header=header, header_row=header_row, rows=rows)


def detect_layout(header: list[str]) -> tuple[Layout, dict[str, int]]:
    """The layout whose required columns are all present; otherwise InvalidInput naming what is missing."""
    misses: list[tuple[float, Layout, list[Column]]] = []
    for layout in LAYOUTS:
        positions, missing = layout.match(header)
        if not missing:
            return layout, positions
        required = sum(1 for c in layout.columns if c.required)
        misses.append((1 - len(missing) / required, layout, missing))
    misses.sort(key=lambda m: m[0], reverse=True)
    # A file that is mostly one layout gets that layout's missing columns; otherwise name them all.
    if misses[0][0] >= 0.5:
        misses = misses[:1]
    parts = [
        f"按「{layout.title}」缺少必需列 {'、'.join(_column_name(c) for c in missing)}"
        for _, layout, missing in misses
    ]
    raise InvalidInput(
        f"无法识别的表格格式：{'；'.join(parts)}。支持抖店订单导出和 fahuo 模板（见 docs/import.md）",
        detail={"missing": {layout.key: [c.label for c in missing] for _, layout, missing in misses}},
    )


def _column_name(col: Column) -> str:
    return f"{col.label}（{col.aliases[0]}）" if col.label.isascii() and col.aliases else col.label


# --- cell values ---------------------------------------------------------------------------------

_NUMBER_LIKE_ID = re.compile(r"^\d+(\.\d+)?[eE][+-]?\d+$")


def parse_id(value: str, what: str) -> str:
    """An order or line number; rejects numbers a spreadsheet turned into 6.93E+18."""
    value = value.strip().lstrip("'").strip()
    if _NUMBER_LIKE_ID.match(value):
        raise CellError(
            f"{what}「{value}」被表格软件转成了科学计数法，号码已丢失；请将该列设为文本后重新导出"
        )
    if len(value) > 64:
        raise CellError(f"{what}过长（超过 64 个字符）")
    return value


def parse_quantity(value: str) -> int:
    value = value.strip()
    if not value:
        raise CellError("商品数量为空")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CellError(f"商品数量「{_short(value)}」不是正整数")
    if not number.is_finite() or number != number.to_integral_value() or not 1 <= number <= 1_000_000:
        raise CellError(f"商品数量「{_short(value)}」不是正整数")
    return int(number)


def parse_yuan(value: str, what: str, *, default: int | None = None) -> int:
    """Yuan text (59.90, ¥59.9, 1,299.00) to integer fen, through Decimal."""
    text = value.strip().replace("¥", "").replace("￥", "").replace(",", "").replace("元", "").strip()
    if not text:
        if default is not None:
            return default
        raise CellError(f"{what}为空")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellError(f"{what}「{_short(value)}」不是有效金额")
    if not amount.is_finite() or amount < 0 or amount >= Decimal(10) ** 10:
        raise CellError(f"{what}「{_short(value)}」不是有效金额")
    return yuan_to_fen(amount)


def yuan_to_fen(amount: Decimal) -> int:
    """Yuan to integer fen, half-up (a third decimal only comes from a spreadsheet's rounding)."""
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
    "%Y/%m/%d",
)


def parse_local_time(value: str, what: str) -> dt.datetime | None:
    """Export times are Beijing time without a zone; empty means unknown."""
    text = value.strip()
    if not text or text in ("-", "--"):
        return None
    parsed = _parse_time(text)
    if parsed is None:
        raise CellError(f"{what}「{_short(value)}」无法识别（应为 2026-11-10 20:05:34 格式）")
    return parsed


@lru_cache(maxsize=4096)  # a live-stream export repeats the same few thousand timestamps
def _parse_time(text: str) -> dt.datetime | None:
    for fmt in _TIME_FORMATS:
        try:
            naive = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return naive.replace(tzinfo=SHANGHAI)
    return None


def parse_int(value: str, what: str) -> int | None:
    text = value.strip()
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) <= 24 * 60:
        raise CellError(f"{what}「{_short(value)}」不是有效的小时数")
    return int(text)


_TRUE = frozenset({"1", "true", "yes", "y", "是", "需要", "送货上门"})


def parse_flag(value: str) -> bool:
    return value.strip().lower() in _TRUE


def _short(value: str) -> str:
    """A cell value for a message: cut short, and never a phone number."""
    text = scrub(value.strip())
    return text if len(text) <= 20 else text[:20] + "…"
