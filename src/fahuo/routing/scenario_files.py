"""Allocation scenario files: a CSV directory read into typed, validated tables (:class:`Scenario`).

A scenario directory holds (UTF-8, with or without BOM; extra columns are ignored):

``warehouses.csv``  code, province [, name, city, max_parcels]
``carriers.csv``    carrier, cold_chain (0/1), insured (0/1), volumetric_divisor, max_weight_g
                    [, name, max_parcels]
``rates.csv``       carrier, origin_province, dest_province, first_weight_g, first_price_fen,
                    step_weight_g, step_price_fen, transit_hours
``capacity.csv``    carrier, warehouse, max_parcels
``orders.csv``      order_id, warehouse, dest_province, weight_g, length_mm, width_mm, height_mm,
                    traits, promise_hours [, dest_city, declared_value_fen]
``slots.csv``       optional: carrier, warehouse, slot, depart_hours [, max_parcels]

Validation is strict and all-or-nothing: every file is read and checked before anything is
built, and a problem raises :class:`fahuo.kit.errors.InvalidInput` whose message names the
file, the **line number in the file (the header is line 1, so the first data row is line
2)** and the column; ``detail`` carries the same as data plus up to 50 further errors.

Semantics (docs/allocation.md): no rate row = no service on that lane; a missing
capacity row = no cap for that carrier × warehouse (``max_parcels`` 0 closes it); blank
order warehouse = the optimiser chooses; billable weight rounds the volumetric weight up to
the gram (exactly equivalent to pricing the rational weight).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

import numpy as np
import numpy.typing as npt

from fahuo.carriers.pricing import FREIGHT_FIELDS
from fahuo.kit.errors import InvalidInput

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

TRAIT_COLD = "cold"
TRAIT_VALUABLE = "valuable"
ALLOCATION_COLUMNS = ("order_id", "carrier", "warehouse", "freight_fen", "reason")
FILE_ORDER = ("warehouses.csv", "carriers.csv", "rates.csv", "capacity.csv", "slots.csv", "orders.csv")
_MAX_ERRORS = 50


# --- tables ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Warehouse:
    code: str
    province: str
    name: str = ""
    city: str = ""
    max_parcels: int | None = None  # total parcels out of this warehouse; None = no cap


@dataclass(frozen=True)
class Carrier:
    code: str
    cold_chain: bool
    insured: bool
    volumetric_divisor: int
    max_weight_g: int
    name: str = ""
    max_parcels: int | None = None  # total parcels over all warehouses; None = no cap


@dataclass(frozen=True)
class Rate:
    carrier: str
    origin_province: str
    dest_province: str
    first_weight_g: int
    first_price_fen: int
    step_weight_g: int
    step_price_fen: int
    transit_hours: int


@dataclass(frozen=True)
class Capacity:
    carrier: str
    warehouse: str
    max_parcels: int


@dataclass(frozen=True)
class Slot:
    """A pickup of ``carrier`` at ``warehouse`` leaving ``depart_hours`` after the run starts."""

    carrier: str
    warehouse: str
    slot: str
    depart_hours: int
    max_parcels: int | None = None


@dataclass(frozen=True)
class Order:
    order_id: str
    dest_province: str
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int
    warehouse: str = ""  # "" = optimiser chooses
    traits: frozenset[str] = frozenset()
    promise_hours: int | None = None


@dataclass(frozen=True, eq=False)
class OrderTable:
    """Orders, column-wise (100k orders are arrays, not objects)."""

    order_id: list[str]
    warehouse: list[str]  # "" = optimiser chooses
    dest_province: list[str]
    weight_g: IntArray
    length_mm: IntArray
    width_mm: IntArray
    height_mm: IntArray
    cold: BoolArray
    valuable: BoolArray
    promise_hours: IntArray  # -1 = no promise
    traits: list[str]  # raw "|"-joined traits, for display

    def __len__(self) -> int:
        return len(self.order_id)

    @classmethod
    def from_orders(cls, orders: Iterable[Order]) -> OrderTable:
        rows = list(orders)

        def ints(attr: str) -> IntArray:
            return np.fromiter((getattr(o, attr) for o in rows), dtype=np.int64, count=len(rows))

        return cls(
            order_id=[o.order_id for o in rows],
            warehouse=[o.warehouse for o in rows],
            dest_province=[o.dest_province for o in rows],
            weight_g=ints("weight_g"),
            length_mm=ints("length_mm"),
            width_mm=ints("width_mm"),
            height_mm=ints("height_mm"),
            cold=np.array([TRAIT_COLD in o.traits for o in rows], dtype=bool),
            valuable=np.array([TRAIT_VALUABLE in o.traits for o in rows], dtype=bool),
            promise_hours=np.fromiter(
                (-1 if o.promise_hours is None else o.promise_hours for o in rows),
                dtype=np.int64,
                count=len(rows),
            ),
            traits=["|".join(sorted(o.traits)) for o in rows],
        )


@dataclass(frozen=True, eq=False)
class Scenario:
    warehouses: Sequence[Warehouse]
    carriers: Sequence[Carrier]
    rates: Sequence[Rate]
    capacities: Sequence[Capacity]
    orders: OrderTable
    slots: Sequence[Slot] = ()


# --- CSV reading -------------------------------------------------------------------------------


@dataclass
class _Err:
    file: str
    line: int
    column: str
    message: str

    def text(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class _Errors:
    def __init__(self) -> None:
        self.items: list[_Err] = []

    def add(self, file: str, line: int, column: str, message: str) -> None:
        self.items.append(_Err(file, line, column, message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        rank = {f: k for k, f in enumerate(FILE_ORDER)}  # causes first: warehouses before orders
        items = sorted(self.items, key=lambda e: (rank.get(e.file, len(rank)), e.line))
        first = items[0]
        more = f" (and {len(items) - 1} more)" if len(items) > 1 else ""
        raise InvalidInput(
            first.text() + more,
            detail={
                "file": first.file,
                "line": first.line,
                "column": first.column,
                "line_numbering": "line in the file; the header is line 1",
                "errors": [e.__dict__ for e in items[:_MAX_ERRORS]],
            },
        )


# whitespace (incl. the ideographic space) next to a field boundary, quoted or not: only then
# do cells need stripping, which saves a pass over every column of a clean 100k-row file
_PADDED = re.compile(r'(?:^|,)"?[^\S\r\n]|[^\S\r\n]"?(?:,|\r?$)', re.MULTILINE)


@dataclass
class _Table:
    file: str
    header: dict[str, int]
    lines: list[int]
    rows: list[list[str]]
    padded: bool = True

    def has(self, column: str) -> bool:
        return column in self.header

    def col(self, column: str) -> list[str]:
        values = list(map(itemgetter(self.header[column]), self.rows))
        return list(map(str.strip, values)) if self.padded else values


def _read_csv(
    directory: Path,
    file: str,
    required: Sequence[str],
    optional: Sequence[str],
    errors: _Errors,
    *,
    must_exist: bool = True,
) -> _Table | None:
    path = directory / file
    if not path.is_file():
        if must_exist:
            errors.add(file, 0, "", f"file missing in {directory}")
        return None
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        errors.add(file, line, "", "not valid UTF-8 (save the file as UTF-8 CSV)")
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header_row = next(reader)
    except StopIteration:
        errors.add(file, 1, "", "empty file, expected a header line")
        return None
    except csv.Error as exc:
        errors.add(file, 1, "", f"malformed CSV: {exc}")
        return None
    header = {name.strip(): j for j, name in enumerate(header_row)}
    missing = [c for c in required if c not in header]
    for c in missing:
        errors.add(file, 1, c, "required column missing from the header")
    if missing:
        return None
    width = len(header_row)
    keep = {c: header[c] for c in (*required, *optional) if c in header}
    try:
        rows = list(reader)
    except csv.Error as exc:
        errors.add(file, reader.line_num, "", f"malformed CSV: {exc}")
        return None
    padded = _PADDED.search(text) is not None
    if reader.line_num == len(rows) + 1 and set(map(len, rows)) <= {width}:
        return _Table(file, keep, list(range(2, len(rows) + 2)), rows, padded)  # one line per row
    # blank lines, quoted line breaks or ragged rows: walk again for exact line numbers
    lines: list[int] = []
    kept: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != width:
            errors.add(file, reader.line_num, "", f"expected {width} fields like the header, got {len(row)}")
            continue
        lines.append(reader.line_num)
        kept.append(row)
    return _Table(file, keep, lines, kept, padded)


def _ints(t: _Table, column: str, errors: _Errors, *, blank: int | None = None, minimum: int = 0) -> IntArray:
    """A whole-number column (ASCII digits). ``blank`` = value for empty cells (None: required)."""
    values = t.col(column)
    joined = "".join(values)
    if all(values) and joined.isascii() and joined.isdigit():  # fast path: all plain digits
        arr = np.fromiter(map(int, values), dtype=np.int64, count=len(values))
        if minimum > 0 and np.any(arr < minimum):
            for k in np.flatnonzero(arr < minimum)[:_MAX_ERRORS]:
                errors.add(t.file, t.lines[k], column, f"must be at least {minimum}, got {values[k]}")
        return arr
    out = np.zeros(len(values), dtype=np.int64)
    for k, v in enumerate(values):
        if v.isascii() and v.isdigit():
            out[k] = int(v)
            if out[k] < minimum:
                errors.add(t.file, t.lines[k], column, f"must be at least {minimum}, got {v}")
        elif v == "":
            if blank is None:
                errors.add(t.file, t.lines[k], column, "empty; a whole number is required")
            out[k] = blank if blank is not None else 0
        elif v.startswith("-") and v[1:].isascii() and v[1:].isdigit():
            errors.add(t.file, t.lines[k], column, f"must not be negative, got {v}")
        else:
            errors.add(t.file, t.lines[k], column, f"not a whole number: {v!r}")
    return out


def _flags(t: _Table, column: str, errors: _Errors) -> list[bool]:
    out: list[bool] = []
    for k, v in enumerate(t.col(column)):
        if v not in ("0", "1"):
            errors.add(t.file, t.lines[k], column, f"must be 0 or 1, got {v!r}")
        out.append(v == "1")
    return out


def _texts(t: _Table, column: str, errors: _Errors, *, required: bool = True) -> list[str]:
    values = t.col(column)
    if required and not all(values):
        for k, v in enumerate(values):
            if not v:
                errors.add(t.file, t.lines[k], column, "empty; a value is required")
    return values


def _unique(t: _Table, keys: Sequence[object], columns: str, errors: _Errors, what: str) -> None:
    if len(set(keys)) == len(keys):
        return
    seen: dict[object, int] = {}
    for k, key in enumerate(keys):
        if key in seen:
            errors.add(t.file, t.lines[k], columns, f"duplicate {what} {key!r} (first on line {seen[key]})")
        else:
            seen[key] = t.lines[k]


def _known(
    t: _Table, values: Sequence[str], known: set[str], column: str, errors: _Errors, what: str
) -> None:
    if set(values) <= known | {""}:
        return
    for k, v in enumerate(values):
        if v and v not in known:
            errors.add(t.file, t.lines[k], column, f"unknown {what} {v!r}")


# file → (required columns, optional columns)
_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "warehouses.csv": (("code", "province"), ("name", "city", "max_parcels")),
    "carriers.csv": (
        ("carrier", "cold_chain", "insured", "volumetric_divisor", "max_weight_g"),
        ("name", "max_parcels"),
    ),
    "rates.csv": (("carrier", "origin_province", "dest_province", *FREIGHT_FIELDS, "transit_hours"), ()),
    "capacity.csv": (("carrier", "warehouse", "max_parcels"), ()),
    "slots.csv": (("carrier", "warehouse", "slot", "depart_hours"), ("max_parcels",)),
    "orders.csv": (
        (
            "order_id",
            "warehouse",
            "dest_province",
            "weight_g",
            "length_mm",
            "width_mm",
            "height_mm",
            "traits",
            "promise_hours",
        ),
        ("dest_city", "declared_value_fen"),
    ),
}


def _optional_cap(t: _Table, errors: _Errors) -> list[int | None]:
    if not t.has("max_parcels"):
        return [None] * len(t.rows)
    return [None if v < 0 else v for v in _ints(t, "max_parcels", errors, blank=-1).tolist()]


def _optional_text(t: _Table, column: str) -> list[str]:
    return t.col(column) if t.has(column) else [""] * len(t.rows)


def _warehouses(t: _Table, errors: _Errors) -> list[Warehouse]:
    code, province = _texts(t, "code", errors), _texts(t, "province", errors)
    _unique(t, code, "code", errors, "warehouse")
    rows = zip(
        code,
        province,
        _optional_text(t, "name"),
        _optional_text(t, "city"),
        _optional_cap(t, errors),
        strict=True,
    )
    return [Warehouse(*row) for row in rows]


def _carriers(t: _Table, errors: _Errors) -> list[Carrier]:
    code = _texts(t, "carrier", errors)
    _unique(t, code, "carrier", errors, "carrier")
    rows = zip(
        code,
        _flags(t, "cold_chain", errors),
        _flags(t, "insured", errors),
        _ints(t, "volumetric_divisor", errors, minimum=1).tolist(),
        _ints(t, "max_weight_g", errors, minimum=1).tolist(),
        _optional_text(t, "name"),
        _optional_cap(t, errors),
        strict=True,
    )
    return [Carrier(*row) for row in rows]


def _rates(t: _Table, errors: _Errors, carriers: set[str]) -> list[Rate]:
    keys = [_texts(t, c, errors) for c in ("carrier", "origin_province", "dest_province")]
    _known(t, keys[0], carriers, "carrier", errors, "carrier")
    _unique(t, list(zip(*keys, strict=True)), "carrier,origin_province,dest_province", errors, "lane")
    numbers = [
        _ints(t, c, errors, minimum=1 if c == "step_weight_g" else 0).tolist()
        for c in _COLUMNS["rates.csv"][0][3:]
    ]
    return [Rate(*row) for row in zip(*keys, *numbers, strict=True)]


def _capacities(t: _Table, errors: _Errors, carriers: set[str], warehouses: set[str]) -> list[Capacity]:
    car, wh = _texts(t, "carrier", errors), _texts(t, "warehouse", errors)
    _known(t, car, carriers, "carrier", errors, "carrier")
    _known(t, wh, warehouses, "warehouse", errors, "warehouse")
    _unique(t, list(zip(car, wh, strict=True)), "carrier,warehouse", errors, "capacity row")
    return [Capacity(*row) for row in zip(car, wh, _ints(t, "max_parcels", errors).tolist(), strict=True)]


def _slot_rows(t: _Table, errors: _Errors, carriers: set[str], warehouses: set[str]) -> list[Slot]:
    car, wh, label = (_texts(t, c, errors) for c in ("carrier", "warehouse", "slot"))
    _known(t, car, carriers, "carrier", errors, "carrier")
    _known(t, wh, warehouses, "warehouse", errors, "warehouse")
    _unique(t, list(zip(car, wh, label, strict=True)), "carrier,warehouse,slot", errors, "slot")
    rows = zip(
        car, wh, label, _ints(t, "depart_hours", errors).tolist(), _optional_cap(t, errors), strict=True
    )
    return [Slot(*row) for row in rows]


def _orders(t: _Table, errors: _Errors, warehouses: set[str]) -> OrderTable:
    order_id = _texts(t, "order_id", errors)
    _unique(t, order_id, "order_id", errors, "order_id")
    warehouse = _texts(t, "warehouse", errors, required=False)
    _known(t, warehouse, warehouses, "warehouse", errors, "warehouse")
    if t.has("declared_value_fen"):
        _ints(t, "declared_value_fen", errors, blank=0)  # validated, not used for allocation
    raw_traits = t.col("traits")
    distinct: dict[str, int] = {}  # few distinct trait strings: parse each once
    code = np.fromiter((distinct.setdefault(x, len(distinct)) for x in raw_traits), dtype=np.int64)
    parsed = [{x.strip().lower() for x in traits.split("|")} for traits in distinct]
    return OrderTable(
        order_id=order_id,
        warehouse=warehouse,
        dest_province=_texts(t, "dest_province", errors),
        weight_g=_ints(t, "weight_g", errors),
        length_mm=_ints(t, "length_mm", errors),
        width_mm=_ints(t, "width_mm", errors),
        height_mm=_ints(t, "height_mm", errors),
        cold=np.array([TRAIT_COLD in x for x in parsed], dtype=bool)[code],
        valuable=np.array([TRAIT_VALUABLE in x for x in parsed], dtype=bool)[code],
        promise_hours=_ints(t, "promise_hours", errors, blank=-1),
        traits=raw_traits,
    )


def read_scenario(directory: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario directory; raises ``InvalidInput`` naming every problem."""
    d = Path(directory)
    if not d.is_dir():
        raise InvalidInput(f"scenario directory not found: {d}", detail={"file": str(d)})
    errors = _Errors()
    tables = {
        file: _read_csv(d, file, required, optional, errors, must_exist=file != "slots.csv")
        for file, (required, optional) in _COLUMNS.items()
    }
    errors.raise_if_any()  # structure first: missing files and columns, ragged rows
    tw, tc, tr, tk, ts, to = (tables[f] for f in FILE_ORDER)
    assert tw is not None and tc is not None and tr is not None and tk is not None and to is not None
    warehouses = _warehouses(tw, errors)
    carriers = _carriers(tc, errors)
    known_w, known_c = {w.code for w in warehouses}, {c.code for c in carriers}
    result = Scenario(
        warehouses=warehouses,
        carriers=carriers,
        rates=_rates(tr, errors, known_c),
        capacities=_capacities(tk, errors, known_c, known_w),
        orders=_orders(to, errors, known_w),
        slots=_slot_rows(ts, errors, known_c, known_w) if ts is not None else [],
    )
    errors.raise_if_any()
    return result


# --- problem building --------------------------------------------------------------------------
