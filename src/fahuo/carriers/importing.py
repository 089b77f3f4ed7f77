"""Rate card files (CSV in UTF-8/GB18030, or XLSX) into dated rate lines — every row checked, all or nothing.

One file is one carrier's card from one origin province: a row per destination province.
Columns are found by header (English or Chinese, see docs/pricing.md); row numbers are those a
spreadsheet shows (the header is row 1). Money is read as Decimal yuan and stored as integer fen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, BinaryIO

from fahuo.carriers.models import Carrier
from fahuo.carriers.pricing import FREIGHT_FIELDS
from fahuo.carriers.services import RateChange, RateDraft, normalize_province, schedule_rate_change
from fahuo.kit.errors import FahuoError, InvalidInput

MAX_ERRORS = 50
MAX_ROWS = 5000


@dataclass(frozen=True, slots=True)
class Field:
    key: str  # the RateDraft field it fills
    unit: str  # g, kg, yuan, hours, province
    headers: tuple[str, ...]
    required: bool = True


def _norm(title: str) -> str:
    text = re.sub(r"\s+", "", str(title)).lower()
    return text.replace("（", "(").replace("）", ")").replace("公斤", "kg").replace("千克", "kg")


# Several headers may fill one field (grams or kilograms); the first one present wins.
FIELDS: tuple[Field, ...] = (
    Field("dest_province", "province", ("dest_province", "目的省份", "目的地", "省份")),
    Field("first_weight_g", "g", ("first_weight_g", "首重(g)", "首重(克)")),
    Field("first_weight_g", "kg", ("first_weight_kg", "first_weight", "首重(kg)", "首重")),
    Field(
        "first_price_fen", "yuan", ("first_price", "first_price_yuan", "首重价格(元)", "首重价格", "首重运费")
    ),
    Field("step_weight_g", "g", ("step_weight_g", "续重(g)", "续重(克)")),
    Field("step_weight_g", "kg", ("step_weight_kg", "step_weight", "续重(kg)", "续重")),
    Field(
        "step_price_fen", "yuan", ("step_price", "step_price_yuan", "续重价格(元)", "续重价格", "续重运费")
    ),
    Field("transit_hours", "hours", ("transit_hours", "时效(小时)", "时效")),
    Field(
        "remote_surcharge_fen",
        "yuan",
        ("remote_surcharge", "remote_surcharge_yuan", "偏远附加费(元)", "偏远附加费"),
        required=False,
    ),
)
REQUIRED = ("dest_province", *FREIGHT_FIELDS, "transit_hours")
DISPLAY = {
    "dest_province": "dest_province / 目的省份",
    "first_weight_g": "first_weight_g / 首重(kg)",
    "first_price_fen": "first_price / 首重价格(元)",
    "step_weight_g": "step_weight_g / 续重(kg)",
    "step_price_fen": "step_price / 续重价格(元)",
    "transit_hours": "transit_hours / 时效(小时)",
}


@dataclass(frozen=True, slots=True)
class RowError:
    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.row:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"列「{self.column}」")
        return f"{'，'.join(parts)}：{self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "column": self.column, "message": self.message}


class RateFileError(InvalidInput):
    """A rate file that cannot be applied; ``errors`` lists every problem found (up to MAX_ERRORS)."""

    def __init__(self, errors: list[RowError], *, total: int | None = None) -> None:
        total = total if total is not None else len(errors)
        more = f"（另有 {total - 1} 处错误 / and {total - 1} more）" if total > 1 else ""
        self.errors = errors
        super().__init__(
            f"{errors[0]}{more}",
            detail={
                "file": errors[0].file,
                "row": errors[0].row,
                "column": errors[0].column,
                "row_numbering": "header is row 1",
                "error_count": total,
                "errors": [e.as_dict() for e in errors],
            },
        )


@dataclass(frozen=True, slots=True)
class RateImport:
    filename: str
    origin_province: str
    rows: int
    change: RateChange

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.filename,
            "origin": self.origin_province,
            "rows": self.rows,
            **self.change.as_dict(),
        }


class _CellError(ValueError):
    pass


def _decimal(text: str) -> Decimal:
    cleaned = text.strip().replace("¥", "").replace("￥", "").replace("元", "").replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise _CellError(f"不是数字 (not a number)：「{text[:20]}」")
    if not value.is_finite():
        raise _CellError(f"不是数字 (not a number)：「{text[:20]}」")
    if value < 0:
        raise _CellError(f"不能为负数 (must not be negative)：{text}")
    if value >= Decimal(10) ** 8:
        raise _CellError(f"数值过大 (too large)：{text}")
    return value


def _whole(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _parse(field: Field, text: str) -> Any:
    if field.unit == "province":
        try:
            return normalize_province(text)
        except InvalidInput as exc:
            raise _CellError(exc.message)
    if not text.strip():
        if not field.required:
            return 0
        raise _CellError("不能为空 (empty)")
    value = _decimal(text)
    if field.unit == "yuan":
        return _whole(value * 100)  # yuan to fen, half-up: a third decimal is a spreadsheet's rounding
    if field.unit == "kg":
        grams = _whole(value * 1000)
    elif value != value.to_integral_value():
        raise _CellError(f"必须是整数 (not a whole number)：{text}")
    else:
        grams = int(value)
    if field.unit in ("g", "kg") and grams < 1:
        raise _CellError(f"重量必须大于 0 (weight must be positive)：{text}")
    return grams


def _columns(header: list[str], filename: str, header_row: int) -> dict[str, tuple[Field, int, str]]:
    found: dict[str, tuple[Field, int, str]] = {}
    positions = {_norm(title): i for i, title in reversed(list(enumerate(header))) if title}
    for f in FIELDS:
        if f.key in found:
            continue
        for alias in f.headers:
            i = positions.get(_norm(alias))
            if i is not None:
                found[f.key] = (f, i, header[i])
                break
    missing = [key for key in REQUIRED if key not in found]
    if missing:
        raise RateFileError(
            [
                RowError(filename, header_row, DISPLAY[key], "缺少必需列 (required column missing)")
                for key in missing
            ]
        )
    return found


def read_rate_file(*, fileobj: BinaryIO, filename: str, origin_province: str) -> tuple[str, list[RateDraft]]:
    """Parse and check every row; RateFileError names the file, row and column of every problem."""
    from fahuo.orders.formats import read_table

    try:
        origin = normalize_province(origin_province)
    except InvalidInput as exc:
        raise RateFileError([RowError(filename, 0, "origin / 始发省份", exc.message)])
    try:
        table = read_table(fileobj=fileobj, filename=filename)
    except InvalidInput as exc:
        raise RateFileError([RowError(filename, 0, "", exc.message)])
    columns = _columns(table.header, filename, table.header_row)
    if not table.rows:
        raise RateFileError([RowError(filename, table.header_row + 1, "", "没有运价行 (no rate rows)")])
    if len(table.rows) > MAX_ROWS:
        raise RateFileError([RowError(filename, 0, "", f"行数超过 {MAX_ROWS} (too many rows)")])

    errors: list[RowError] = []
    drafts: list[RateDraft] = []
    first_row: dict[str, int] = {}
    for number, cells in table.rows:
        values: dict[str, Any] = {}
        for key, (f, i, title) in columns.items():
            text = cells[i] if i < len(cells) else ""
            try:
                values[key] = _parse(f, text)
            except _CellError as exc:
                errors.append(RowError(filename, number, title, str(exc)))
        dest = values.get("dest_province")
        if dest is not None:
            if dest in first_row:
                title = columns["dest_province"][2]
                errors.append(
                    RowError(
                        filename,
                        number,
                        title,
                        f"省份重复 (duplicate province)：{dest}，已在第 {first_row[dest]} 行",
                    )
                )
            else:
                first_row[dest] = number
        if len(values) == len(columns):
            values.setdefault("remote_surcharge_fen", 0)
            drafts.append(RateDraft(origin_province=origin, **values))
    if errors:
        raise RateFileError(errors[:MAX_ERRORS], total=len(errors))
    return origin, drafts


def import_rate_file(
    *,
    fileobj: BinaryIO,
    filename: str,
    carrier_code: str,
    origin_province: str,
    effective_from: date | None = None,
    announced_on: date | None = None,
    today: date,
) -> RateImport:
    """Read a rate file and schedule its lines; without dates the card is announced and in force ``today``.

    Nothing is stored unless every row is valid and the notice period is kept (the edge wraps the call
    in one transaction; ``schedule_rate_change`` writes atomically as well).
    """
    carrier = Carrier.objects.filter(code__iexact=carrier_code.strip()).first()
    if carrier is None:
        known = ", ".join(Carrier.objects.values_list("code", flat=True)) or "—"
        message = f"快递公司不存在 (unknown carrier)：{carrier_code}。已有 (known)：{known}"
        raise RateFileError([RowError(filename, 0, "carrier / 快递公司", message)])
    origin, drafts = read_rate_file(fileobj=fileobj, filename=filename, origin_province=origin_province)
    announced = announced_on or today
    effective = effective_from or announced
    try:
        change = schedule_rate_change(
            carrier=carrier, lines=drafts, effective_from=effective, announced_on=announced
        )
    except FahuoError as exc:
        raise InvalidInput(f"{filename}：{exc.message}", detail=exc.detail)
    return RateImport(filename=filename, origin_province=origin, rows=len(drafts), change=change)
