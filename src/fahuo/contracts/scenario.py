"""Settlement scenarios: a directory of CSV/JSON files (the shared offline format) → :class:`Week`.

Files (UTF-8, with or without BOM; extra columns ignored): ``contract.json``, ``rates.csv``,
``shipments.csv``, and optionally ``incidents.csv``, ``claims.csv``, ``carrier_bill.csv``. Reading is
all-or-nothing: a problem raises :class:`~fahuo.kit.errors.InvalidInput` naming the file, the line
(header = line 1) and the column; ``detail`` lists up to 50 problems.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from fahuo.contracts.settlement import (
    RESPONSIBILITIES,
    BillLine,
    Claim,
    Incident,
    Lane,
    Shipment,
    Terms,
    Tier,
    Week,
)
from fahuo.kit.errors import InvalidInput

T = TypeVar("T")
_MAX_ERRORS = 50

SHIPMENT_COLUMNS = (
    "tracking_no", "order_id", "session_id", "dest_province", "weight_g", "length_mm", "width_mm",
    "height_mm", "ready_at", "picked_up_at", "departed_at",
)  # fmt: skip
RATE_COLUMNS = (
    "dest_province", "first_weight_g", "first_price_fen", "step_weight_g", "step_price_fen",
    "remote_surcharge_fen",
)  # fmt: skip
INCIDENT_COLUMNS = ("tracking_no", "kind", "occurred_at", "carrier_fault")
CLAIM_COLUMNS = (
    "claim_id", "tracking_no", "kind", "reported_at", "verified_at", "paid_at", "amount_fen", "responsibility",
)  # fmt: skip
BILL_COLUMNS = ("tracking_no", "billed_weight_g", "billed_fen")


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, file: str, line: int | None, column: str, message: str) -> None:
        self.items.append({"file": file, "line": line, "column": column, "message": message})

    def raise_if_any(self) -> None:
        if not self.items:
            return
        first = self.items[0]
        where = f"{first['file']}" + (f" line {first['line']}" if first["line"] else "")
        more = f" (and {len(self.items) - 1} more)" if len(self.items) > 1 else ""
        raise InvalidInput(
            f"{where}, column {first['column']}: {first['message']}{more}", detail=self.items[:_MAX_ERRORS]
        )


def parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("needs a UTC offset, e.g. +08:00")
    return value


def _not_negative(value: int) -> int:
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _nonneg_int(text: str) -> int:
    return _not_negative(int(text))


def _read_csv(
    directory: Path, name: str, columns: tuple[str, ...], errors: _Errors, *, required: bool = True
) -> list[tuple[int, dict[str, str]]]:
    path = directory / name
    if not path.exists():
        if required:
            errors.add(name, None, "-", "file is missing")
        return []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in columns if c not in header]
        if missing:
            errors.add(name, 1, ",".join(missing), "missing column(s)")
            return []
        reader.fieldnames = header
        return [
            (i, {k: (v or "").strip() for k, v in row.items() if k}) for i, row in enumerate(reader, start=2)
        ]


def _cell(
    errors: _Errors, file: str, line: int, row: dict[str, str], column: str, parse: Callable[[str], T],
    *, optional: bool = False,
) -> T | None:  # fmt: skip
    text = row.get(column, "")
    if text == "":
        if not optional:
            errors.add(file, line, column, "is empty")
        return None
    try:
        return parse(text)
    except (ValueError, InvalidOperation) as exc:
        errors.add(file, line, column, f"{text!r} is not valid ({exc})")
        return None


def _terms(directory: Path, errors: _Errors) -> Terms | None:
    path = directory / "contract.json"
    if not path.exists():
        errors.add("contract.json", None, "-", "file is missing")
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"), parse_float=Decimal)
    except ValueError as exc:
        errors.add("contract.json", None, "-", f"not valid JSON ({exc})")
        return None
    if not isinstance(raw, dict):
        errors.add("contract.json", None, "-", "must be a JSON object")
        return None
    return terms_from_mapping(raw, errors=errors, file="contract.json")


def terms_from_mapping(
    raw: dict[str, Any], *, errors: _Errors | None = None, file: str = "contract"
) -> Terms | None:
    """Validate contract numbers given as a mapping (contract.json or a form)."""
    own = errors is None
    errs = errors or _Errors()
    out: dict[str, Any] = {}

    def take(key: str, conv: Callable[[Any], Any], *, optional: bool = False) -> None:
        if key not in raw:
            if not optional:
                errs.add(file, None, key, "is missing")
            return
        try:
            out[key] = conv(raw[key])
        except (ValueError, TypeError, InvalidOperation) as exc:
            errs.add(file, None, key, f"{raw[key]!r} is not valid ({exc})")

    def week_start(v: Any) -> date:
        d = date.fromisoformat(str(v))
        if d.weekday() != 0:
            raise ValueError(f"{d.isoformat()} is a {d.strftime('%A')}, not a Monday")
        return d

    def ends_on(v: Any) -> date | None:
        return date.fromisoformat(str(v)) if v not in ("", None) else None

    def whole(v: Any) -> int:
        if isinstance(v, bool) or Decimal(str(v)) != int(Decimal(str(v))):
            raise ValueError("must be a whole number")
        return int(Decimal(str(v)))

    def nonneg(v: Any) -> int:
        return _not_negative(whole(v))

    def positive(v: Any) -> int:
        i = whole(v)
        if i <= 0:
            raise ValueError("must be positive")
        return i

    def pct(v: Any) -> Decimal:
        d = Decimal(str(v))
        if not 0 <= d <= 100:
            raise ValueError("must be between 0 and 100")
        return d

    def tiers(v: Any) -> tuple[Tier, ...]:
        if not isinstance(v, list):
            raise ValueError("must be a list")
        return tuple(
            Tier(
                min_daily_avg=Decimal(str(x["min_daily_avg"])),
                first_price_delta_fen=whole(x["first_price_delta_fen"]),
            )
            for x in v
        )

    take("carrier", lambda v: str(v).strip() or (_ for _ in ()).throw(ValueError("is empty")))
    take("week_start", week_start)
    take("as_of", lambda v: parse_time(str(v)))
    take("origin_province", str, optional=True)
    take("volumetric_divisor", positive)
    take("tiers", tiers, optional=True)
    for key in ("min_daily_parcels", "shortfall_price_fen", "peak_capacity_per_stream", "late_before_week",
                "terminate_after_late", "privacy_fine_fen", "deposit_fen", "weight_tolerance_g"):  # fmt: skip
        take(key, nonneg)
    for key in ("pickup_hours", "ship_hours", "verify_hours", "pay_hours"):
        take(key, positive)
    for key in ("pickup_target_pct", "ship_target_pct", "late_penalty_pct"):
        take(key, pct)
    take("ends_on", ends_on, optional=True)
    if own:
        errs.raise_if_any()
    if len(errs.items):
        return None
    return Terms(**out)


def _read_lanes(directory: Path, errors: _Errors) -> dict[str, Lane]:
    lanes: dict[str, Lane] = {}
    for line, row in _read_csv(directory, "rates.csv", RATE_COLUMNS, errors):
        vals = {c: _cell(errors, "rates.csv", line, row, c, _nonneg_int) for c in RATE_COLUMNS[1:5]}
        remote = _cell(errors, "rates.csv", line, row, "remote_surcharge_fen", _nonneg_int, optional=True)
        if vals["step_weight_g"] == 0:
            errors.add("rates.csv", line, "step_weight_g", "must be positive")
            continue
        if row["dest_province"] in lanes:
            errors.add("rates.csv", line, "dest_province", f"{row['dest_province']} appears twice")
        if None not in vals.values():
            lanes[row["dest_province"]] = Lane(**vals, remote_surcharge_fen=remote or 0)  # type: ignore[arg-type]
    return lanes


def _read_shipments(directory: Path, errors: _Errors, lanes: dict[str, Lane]) -> list[Shipment]:
    shipments: list[Shipment] = []
    seen: set[str] = set()
    f = "shipments.csv"
    for line, row in _read_csv(directory, f, SHIPMENT_COLUMNS, errors):
        no = row["tracking_no"]
        if not no:
            errors.add(f, line, "tracking_no", "is empty")
        elif no in seen:
            errors.add(f, line, "tracking_no", f"{no} appears twice")
        seen.add(no)
        if row["dest_province"] not in lanes and not any(e["file"] == "rates.csv" for e in errors.items):
            errors.add(f, line, "dest_province", f"no rate for {row['dest_province'] or '(empty)'}")
        dims = {
            c: _cell(errors, f, line, row, c, _nonneg_int)
            for c in ("weight_g", "length_mm", "width_mm", "height_mm")
        }
        ready = _cell(errors, f, line, row, "ready_at", parse_time)
        picked = _cell(errors, f, line, row, "picked_up_at", parse_time, optional=True)
        departed = _cell(errors, f, line, row, "departed_at", parse_time, optional=True)
        if ready is None or None in dims.values():
            continue
        shipments.append(
            Shipment(
                tracking_no=no, order_id=row["order_id"], session_id=row["session_id"],
                dest_province=row["dest_province"], ready_at=ready, picked_up_at=picked,
                departed_at=departed, **dims,  # type: ignore[arg-type]
            )
        )  # fmt: skip
    return shipments


def _read_incidents(directory: Path, errors: _Errors) -> list[Incident]:
    incidents: list[Incident] = []
    f = "incidents.csv"
    for line, row in _read_csv(directory, f, INCIDENT_COLUMNS, errors, required=False):
        at = _cell(errors, f, line, row, "occurred_at", parse_time)
        if row["carrier_fault"] not in ("0", "1"):
            errors.add(f, line, "carrier_fault", f"{row['carrier_fault']!r} is not 0 or 1")
            continue
        if at is not None:
            incidents.append(Incident(row["tracking_no"], row["kind"], at, row["carrier_fault"] == "1"))
    return incidents


def _read_claims(directory: Path, errors: _Errors) -> list[Claim]:
    claims: list[Claim] = []
    f = "claims.csv"
    for line, row in _read_csv(directory, f, CLAIM_COLUMNS, errors, required=False):
        reported = _cell(errors, f, line, row, "reported_at", parse_time)
        verified = _cell(errors, f, line, row, "verified_at", parse_time, optional=True)
        paid = _cell(errors, f, line, row, "paid_at", parse_time, optional=True)
        amount = _cell(errors, f, line, row, "amount_fen", _nonneg_int)
        if row["responsibility"] not in RESPONSIBILITIES:
            errors.add(
                f,
                line,
                "responsibility",
                f"{row['responsibility']!r} is not one of {', '.join(RESPONSIBILITIES)}",
            )
            continue
        if row["kind"] not in ("damage", "loss"):
            errors.add(f, line, "kind", f"{row['kind']!r} is not damage or loss")
            continue
        if reported is not None and amount is not None:
            claims.append(
                Claim(
                    row["claim_id"],
                    row["tracking_no"],
                    row["kind"],
                    reported,
                    verified,
                    paid,
                    amount,
                    row["responsibility"],
                )
            )
    return claims


def _read_bill(directory: Path, errors: _Errors) -> list[BillLine] | None:
    bill: list[BillLine] | None = None
    f = "carrier_bill.csv"
    if (directory / f).exists():
        bill = []
        for line, row in _read_csv(directory, f, BILL_COLUMNS, errors):
            w = _cell(errors, f, line, row, "billed_weight_g", _nonneg_int)
            fen = _cell(errors, f, line, row, "billed_fen", _nonneg_int)
            if not row["tracking_no"]:
                errors.add(f, line, "tracking_no", "is empty")
            elif w is not None and fen is not None:
                bill.append(BillLine(row["tracking_no"], w, fen))
    return bill


def read_scenario(directory: Path) -> Week:
    """Read and validate a whole scenario directory (nothing is returned if any row is bad)."""
    directory = Path(directory)
    errors = _Errors()
    if not directory.is_dir():
        raise InvalidInput(f"{directory}: not a directory")
    terms = _terms(directory, errors)
    lanes = _read_lanes(directory, errors)
    shipments = _read_shipments(directory, errors, lanes)
    incidents = _read_incidents(directory, errors)
    claims = _read_claims(directory, errors)
    bill = _read_bill(directory, errors)
    errors.raise_if_any()
    assert terms is not None
    return Week(terms=terms, lanes=lanes, shipments=shipments, incidents=incidents, claims=claims, bill=bill)
