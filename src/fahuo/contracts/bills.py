"""Carrier bill import (Excel/CSV, one row per waybill) with a remembered column mapping, and the
dispute list (对账异议清单) from the bill audit.

Bills differ by carrier and outlet: 圆通 运单号码 / 计费重量（kg） / 快递费 + 加收, 申通 运单号 / 结算重量,
中通 运单号 / 结算重量, others 运单号 / 计费重量 / 总金额 (or 应付). A mapping says which header holds
each field; :func:`guess_mapping` proposes one (the carrier's confirmed mapping first, then known
aliases), :func:`preview` shows the first rows parsed with it, :func:`import_bill` reads every row
and stores the bill only when no row has a problem (errors name the file, the row and the column).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fahuo.carriers.models import Carrier
from fahuo.contracts.models import BillMapping, CarrierBill
from fahuo.kit.errors import InvalidInput
from fahuo.kit.money import yuan_to_fen
from fahuo.kit.sheets import rows_of

# field → known headers, most specific first. Weights are kg unless the header says grams; money is
# yuan unless the header says fen (the offline scenario's own columns).
ALIASES: dict[str, tuple[str, ...]] = {
    "tracking_no": ("运单号码", "运单号", "运单编号", "快递单号", "tracking_no"),
    "billed_weight": ("计费重量（kg）", "计费重量(kg)", "计费重量", "结算重量", "重量", "billed_weight_g"),
    "fee": ("快递费", "总计运费", "总金额", "应付", "运费", "金额", "billed_fen"),
    "surcharge": ("加收", "附加费"),
    "scanned_at": ("扫描时间", "业务时间"),
    "dest_province": ("计费省份", "目的地省", "订单目的省份", "目的地"),
}
REQUIRED = ("tracking_no", "billed_weight", "fee")
FIELD_LABELS: dict[str, Any] = {
    "tracking_no": gettext_lazy("Waybill number"),
    "billed_weight": gettext_lazy("Billed weight"),
    "fee": gettext_lazy("Freight"),
    "surcharge": gettext_lazy("Surcharge"),
    "scanned_at": gettext_lazy("Scanned at"),
    "dest_province": gettext_lazy("Destination province"),
}
GRAM_HEADERS = {"billed_weight_g"}
FEN_HEADERS = {"billed_fen"}
PREVIEW_ROWS = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ERRORS = 50


@dataclass
class Parsed:
    headers: list[str]
    mapping: dict[str, str]
    lines: list[tuple[str, int, int]] = field(default_factory=list)  # tracking_no, grams, fen
    errors: list[dict[str, Any]] = field(default_factory=list)


def _norm(header: Any) -> str:
    return str(header or "").strip().replace(" ", "")


def guess_mapping(*, headers: Sequence[str], carrier: Carrier | None = None) -> dict[str, str]:
    """The carrier's remembered mapping when its headers are all present, else the known aliases."""
    present = {_norm(h) for h in headers}
    if carrier is not None:
        remembered = BillMapping.objects.filter(carrier=carrier).values_list("mapping", flat=True).first()
        if remembered and all(_norm(h) in present for h in remembered.values()):
            return dict(remembered)
    out: dict[str, str] = {}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            if _norm(alias) in present:
                out[name] = next(h for h in headers if _norm(h) == _norm(alias))
                break
    return out


def _weight_g(text: Any, header: str) -> int:
    value = Decimal(str(text).strip())
    if not value.is_finite():
        raise InvalidOperation
    if value < 0:
        raise ValueError(_("Weight cannot be negative"))
    grams = value if _norm(header) in GRAM_HEADERS else value * 1000
    return int(grams.quantize(Decimal(1)))


def _money_fen(text: Any, header: str) -> int:
    raw = str(text).strip().replace("¥", "").replace("￥", "").replace(",", "")
    value = Decimal(raw)
    if not value.is_finite():
        raise InvalidOperation
    if value < 0:
        raise ValueError(_("Amount cannot be negative"))
    return int(value) if _norm(header) in FEN_HEADERS else yuan_to_fen(value)


def _header_problem(filename: str, headers: list[str], chosen: dict[str, str]) -> dict[str, Any] | None:
    """Unknown or missing columns: one error on the header row, listing the file's own columns."""
    unknown = [
        f"{FIELD_LABELS.get(k, k)}→{v}" for k, v in chosen.items() if v not in headers or k not in ALIASES
    ]
    missing = [str(FIELD_LABELS[k]) for k in REQUIRED if k not in chosen]
    if not (unknown or missing):
        return None
    parts = []
    if missing:
        parts.append(_("Columns not found: %(columns)s") % {"columns": "、".join(missing)})
    if unknown:
        parts.append(_("Mapped columns not in the file: %(columns)s") % {"columns": "、".join(unknown)})
    columns = "、".join(h for h in headers if h)
    return {"file": filename, "row": 1, "column": "、".join(missing) or _("header row"),
            "message": "；".join(parts) + _("(file columns: %(columns)s)") % {"columns": columns}}  # fmt: skip


def _why(exc: Exception, value: Any, what: str) -> str:
    return (
        str(exc)
        if isinstance(exc, ValueError) and str(exc)
        else _("“%(value)s” is not a %(what)s") % {"value": value, "what": what}
    )


def _parse_row(
    row: list[Any], index: dict[str, int], chosen: dict[str, str]
) -> tuple[tuple[str, int, int] | None, list[tuple[str, str]]]:
    """One bill row → (tracking no, grams, fen) or the problems as (field, message)."""

    def cell(name: str) -> Any:
        i = index.get(name)
        return row[i] if i is not None and i < len(row) else None

    problems: list[tuple[str, str]] = []
    number = str(cell("tracking_no") or "").strip()
    if not number:
        problems.append(("tracking_no", _("Waybill number is empty")))
    grams = fen = None
    try:
        grams = _weight_g(cell("billed_weight"), chosen["billed_weight"])
    except (InvalidOperation, ValueError) as exc:
        problems.append(("billed_weight", _why(exc, cell("billed_weight"), _("weight"))))
    try:
        fen = _money_fen(cell("fee"), chosen["fee"])
    except (InvalidOperation, ValueError) as exc:
        problems.append(("fee", _why(exc, cell("fee"), _("amount"))))
    if "surcharge" in index and str(cell("surcharge") or "").strip():
        try:
            extra = _money_fen(cell("surcharge"), chosen["surcharge"])
            fen = fen + extra if fen is not None else None
        except (InvalidOperation, ValueError) as exc:
            problems.append(("surcharge", _why(exc, cell("surcharge"), _("amount"))))
    if problems or grams is None or fen is None:
        return None, problems
    return (number, grams, fen), []


def parse(*, data: bytes, filename: str, mapping: Mapping[str, str] | None = None, carrier: Carrier | None = None,
          limit: int | None = None) -> Parsed:  # fmt: skip
    """Read a bill with a mapping (guessed when not given); every bad cell becomes an error."""
    rows = rows_of(data=data, filename=filename)
    header_row = next(rows, None)
    if not header_row:
        raise InvalidInput(_("%(file)s: the file is empty (row 1 should be the header)") % {"file": filename})
    headers = [_norm(h) for h in header_row]
    chosen = dict(mapping) if mapping else guess_mapping(headers=headers, carrier=carrier)
    chosen = {k: _norm(v) for k, v in chosen.items() if v}
    result = Parsed(headers=headers, mapping=chosen)
    problem = _header_problem(filename, headers, chosen)
    if problem is not None:
        result.errors.append(problem)
        return result
    index = {k: headers.index(v) for k, v in chosen.items()}
    for row_no, row in enumerate(rows, start=2):
        if (limit is not None and len(result.lines) >= limit) or len(result.errors) >= MAX_ERRORS:
            break
        if not any(str(c or "").strip() for c in row):
            continue
        line, problems = _parse_row(row, index, chosen)
        if line is not None:
            result.lines.append(line)
        result.errors += [
            {"file": filename, "row": row_no, "column": chosen[f], "message": m} for f, m in problems
        ]
    return result


def preview(
    *, data: bytes, filename: str, carrier: Carrier, mapping: Mapping[str, str] | None = None
) -> Parsed:
    return parse(data=data, filename=filename, mapping=mapping, carrier=carrier, limit=PREVIEW_ROWS)


def import_bill(
    *,
    carrier: Carrier,
    week_start: dt.date,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str] | None = None,
) -> CarrierBill:
    """Store the week's bill (all rows or none) and remember the mapping for this carrier."""
    if week_start.weekday() != 0:
        raise InvalidInput(
            _("%(file)s: bill week %(week)s is not a Monday")
            % {"file": filename, "week": week_start.isoformat()},
            detail=[{"file": filename, "row": None, "column": "week", "message": "not a Monday"}],
        )
    parsed = parse(data=data, filename=filename, mapping=mapping, carrier=carrier)
    if parsed.errors:
        first = parsed.errors[0]
        more = _("(%(n)d more problems)") % {"n": len(parsed.errors) - 1} if len(parsed.errors) > 1 else ""
        raise InvalidInput(
            _("%(file)s row %(row)s, column “%(column)s”: %(message)s%(more)s")
            % {
                "file": first["file"],
                "row": first["row"],
                "column": first["column"],
                "message": first["message"],
                "more": more,
            },
            detail=parsed.errors,
        )
    if not parsed.lines:
        raise InvalidInput(_("%(file)s: the bill has no data rows") % {"file": filename})
    BillMapping.objects.update_or_create(carrier=carrier, defaults={"mapping": parsed.mapping})
    return CarrierBill.objects.create(
        carrier=carrier, week_start=week_start, filename=filename[:200], mapping=parsed.mapping,
        lines=[list(x) for x in parsed.lines],
    )  # fmt: skip


# --- the dispute list -----------------------------------------------------------------------------

DISPUTE_HEADER = (
    gettext_lazy("Kind"),
    gettext_lazy("Waybill number"),
    gettext_lazy("Our billable weight (g)"),
    gettext_lazy("Billed chargeable weight (g)"),
    gettext_lazy("Our freight (yuan)"),
    gettext_lazy("Billed amount (yuan)"),
    gettext_lazy("Disputed amount (yuan)"),
)
KIND_LABELS: dict[str, Any] = {
    "overcharged": gettext_lazy("Overcharged freight"),
    "weight_disputed": gettext_lazy("Weight beyond tolerance"),
    "unknown": gettext_lazy("Not our waybill"),
    "duplicates": gettext_lazy("Billed twice"),
    "missing": gettext_lazy("Missing from the bill"),
}


def dispute_rows(*, statement_data: Mapping[str, Any], parcels: Mapping[str, tuple[int, int]],
                 bill: Sequence[Sequence[Any]]) -> list[list[Any]]:  # fmt: skip
    """One row per disputed waybill; ``parcels`` maps tracking no → (our billable g, our freight fen)."""
    audit = statement_data.get("bill") or {}
    first: dict[str, tuple[int, int]] = {}
    repeats: dict[str, list[int]] = {}
    for number, grams, fen in bill:
        if number in first:
            repeats.setdefault(number, []).append(int(fen))
        else:
            first[number] = (int(grams), int(fen))
    rows: list[list[Any]] = []

    def yuan(fen: int | None) -> str:
        return "" if fen is None else f"{Decimal(fen) / 100:.2f}"

    for kind in ("overcharged", "weight_disputed", "unknown", "duplicates", "missing"):
        for number in audit.get(kind, []):
            ours = parcels.get(number)
            billed = first.get(number)
            if kind == "overcharged" and ours and billed:
                diff: int | None = billed[1] - ours[1]
            elif kind == "unknown" and billed:
                diff = billed[1] + sum(repeats.get(number, []))
            elif kind == "duplicates":
                diff = sum(repeats.get(number, [])) if number not in audit.get("unknown", []) else 0
            else:
                diff = None
            rows.append([
                str(KIND_LABELS[kind]), number, ours[0] if ours else "", billed[0] if billed else "",
                yuan(ours[1]) if ours else "", yuan(billed[1]) if billed else "", yuan(diff),
            ])  # fmt: skip
    return rows


def dispute_xlsx(*, title: str, rows: Sequence[Sequence[Any]], total_fen: int) -> bytes:
    """The dispute list as an Excel file (cells neutralised by the project's export writer)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from fahuo.kit.exports import append_row

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("Bill disputes")
    append_row(ws, [title])
    ws["A1"].font = Font(bold=True, size=13)
    append_row(ws, [str(h) for h in DISPUTE_HEADER])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(ws, row)
    append_row(ws, [_("Total disputed (yuan)"), "", "", "", "", "", f"{Decimal(total_fen) / 100:.2f}"])
    for col, width in zip("ABCDEFG", (14, 20, 16, 16, 14, 14, 14), strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
