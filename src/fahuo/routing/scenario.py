"""Allocation scenarios: CSV directory ⇄ typed tables ⇄ solver :class:`~fahuo.routing.solver.Problem`.

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
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

import numpy as np
import numpy.typing as npt

from fahuo.carriers.pricing import billable_weight_g_np, freight_fen_np
from fahuo.kit.errors import InvalidInput
from fahuo.kit.exports import CsvWriter
from fahuo.routing.pickup import PickupSlots, slot_options, too_late
from fahuo.routing.solver import (
    RULE_COLD_CHAIN,
    RULE_INSURANCE,
    RULE_NO_LANE,
    RULE_PROMISE,
    RULE_WAREHOUSE,
    RULE_WEIGHT,
    Problem,
    Solution,
)

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
    "rates.csv": (
        (
            "carrier",
            "origin_province",
            "dest_province",
            "first_weight_g",
            "first_price_fen",
            "step_weight_g",
            "step_price_fen",
            "transit_hours",
        ),
        (),
    ),
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


@dataclass(frozen=True, eq=False)
class _Lanes:
    """Rate cards as (destination, carrier, warehouse) tables; ``lane`` False = no service."""

    lane: BoolArray
    first_weight_g: IntArray
    first_price_fen: IntArray
    step_weight_g: IntArray
    step_price_fen: IntArray
    transit_hours: IntArray


def _lanes(sc: Scenario, c_index: dict[str, int], dest_index: dict[str, int], nw: int) -> _Lanes:
    shape = (len(dest_index), len(c_index), nw)
    t = _Lanes(*(np.zeros(shape, dtype=bool if k == 0 else np.int64) for k in range(6)))
    t.step_weight_g[...] = 1  # keeps the vectorised division defined where there is no lane
    wh_of_prov: dict[str, list[int]] = {}
    for k, wh in enumerate(sc.warehouses):
        wh_of_prov.setdefault(wh.province, []).append(k)
    for r in sc.rates:
        if r.carrier not in c_index:
            raise InvalidInput(f"rates: unknown carrier {r.carrier!r}")
        if (
            min(r.first_weight_g, r.first_price_fen, r.step_price_fen, r.transit_hours) < 0
            or r.step_weight_g <= 0
        ):
            raise InvalidInput(
                f"rates: invalid numbers on lane {r.carrier} {r.origin_province}→{r.dest_province}"
            )
        d = dest_index.get(r.dest_province)
        if d is None:
            continue  # no order goes there
        c = c_index[r.carrier]
        for w in wh_of_prov.get(r.origin_province, ()):
            if t.lane[d, c, w]:
                raise InvalidInput(f"rates: duplicate lane {r.carrier} {r.origin_province}→{r.dest_province}")
            t.lane[d, c, w] = True
            t.first_weight_g[d, c, w] = r.first_weight_g
            t.first_price_fen[d, c, w] = r.first_price_fen
            t.step_weight_g[d, c, w] = r.step_weight_g
            t.step_price_fen[d, c, w] = r.step_price_fen
            t.transit_hours[d, c, w] = r.transit_hours
    return t


def _capacity(sc: Scenario, c_index: dict[str, int], w_index: dict[str, int]) -> IntArray:
    capacity = np.full((len(c_index), len(w_index)), -1, dtype=np.int64)  # no row = no cap
    for cap in sc.capacities:
        if cap.carrier not in c_index or cap.warehouse not in w_index or cap.max_parcels < 0:
            raise InvalidInput(f"capacity: invalid row {cap.carrier}/{cap.warehouse}/{cap.max_parcels}")
        capacity[c_index[cap.carrier], w_index[cap.warehouse]] = cap.max_parcels
    return capacity


def _slots(sc: Scenario, c_index: dict[str, int], w_index: dict[str, int]) -> PickupSlots:
    labels = sorted({s.slot for s in sc.slots})
    s_index = {s: k for k, s in enumerate(labels)}
    shape = (len(c_index), len(w_index), len(labels))
    capacity = np.full(shape, -1, dtype=np.int64)
    depart = np.full(shape, -1, dtype=np.int64)
    for s in sc.slots:
        if s.carrier not in c_index or s.warehouse not in w_index:
            raise InvalidInput(f"slots: unknown carrier/warehouse {s.carrier}/{s.warehouse}")
        at = (c_index[s.carrier], w_index[s.warehouse], s_index[s.slot])
        depart[at] = s.depart_hours
        capacity[at] = -1 if s.max_parcels is None else s.max_parcels
    offered = np.where(depart >= 0, depart, np.iinfo(np.int64).max)
    earliest = offered.min(axis=2, initial=np.iinfo(np.int64).max)
    earliest = np.where(earliest == np.iinfo(np.int64).max, 0, earliest)
    return PickupSlots(labels, capacity, depart, earliest)


def _rules(
    o: OrderTable,
    carriers: Sequence[Carrier],
    billable: IntArray,
    lane: BoolArray,
    transit: IntArray,
    fixed: IntArray,
    earliest: IntArray,
) -> npt.NDArray[np.uint8]:
    """Rule code per order × carrier × warehouse: the first check it fails, 0 when allowed."""
    n, nc, nw = lane.shape
    max_w = np.array([c.max_weight_g for c in carriers], dtype=np.int64)
    cold = np.array([c.cold_chain for c in carriers], dtype=bool)
    insured = np.array([c.insured for c in carriers], dtype=bool)

    def per_carrier(mask: BoolArray) -> BoolArray:  # (n, C) → (n, C, W)
        return np.broadcast_to(mask[:, :, None], (n, nc, nw))

    rule = np.zeros((n, nc, nw), dtype=np.uint8)
    # assigned from the last check to the first, so the earliest failing check wins
    rule[too_late(transit, o.promise_hours, earliest)] = RULE_PROMISE
    rule[per_carrier(billable > max_w[None, :])] = RULE_WEIGHT
    rule[per_carrier(o.valuable[:, None] & ~insured[None, :])] = RULE_INSURANCE
    rule[per_carrier(o.cold[:, None] & ~cold[None, :])] = RULE_COLD_CHAIN
    rule[~lane] = RULE_NO_LANE
    wrong_wh = (fixed[:, None] >= 0) & (fixed[:, None] != np.arange(nw)[None, :])  # (n, W)
    rule[np.broadcast_to(wrong_wh[:, None, :], (n, nc, nw))] = RULE_WAREHOUSE
    return rule


def build_problem(sc: Scenario) -> Problem:
    """Evaluate every order × carrier × warehouse (vectorised) into a solver :class:`Problem`.

    Per candidate, checks in this order (the first failure is its rule code): fixed
    warehouse, lane exists, cold chain, insurance, billable weight ≤ max, promise ≥
    (slot departure +) transit.
    """
    carriers, warehouses, o = list(sc.carriers), list(sc.warehouses), sc.orders
    c_index = {c.code: k for k, c in enumerate(carriers)}
    w_index = {wh.code: k for k, wh in enumerate(warehouses)}
    if len(c_index) != len(carriers) or len(w_index) != len(warehouses):
        raise InvalidInput("duplicate carrier or warehouse code")
    nc, nw, n = len(carriers), len(warehouses), len(o)
    unknown = set(o.warehouse) - set(w_index) - {""}
    if unknown:
        raise InvalidInput(f"orders: unknown warehouse {sorted(unknown)[0]!r}")
    fixed_of = {"": -1, **w_index}  # "" = the optimiser chooses
    fixed = np.fromiter(map(fixed_of.__getitem__, o.warehouse), dtype=np.int64, count=n)
    dest_index = {d: k for k, d in enumerate(dict.fromkeys(o.dest_province))}
    dest = np.fromiter(map(dest_index.__getitem__, o.dest_province), dtype=np.int64, count=n)
    t = _lanes(sc, c_index, dest_index, nw)
    slots = _slots(sc, c_index, w_index)
    divisors = np.array([c.volumetric_divisor for c in carriers], dtype=np.int64)
    billable = billable_weight_g_np(
        o.weight_g[:, None],
        o.length_mm[:, None],
        o.width_mm[:, None],
        o.height_mm[:, None],
        divisors[None, :],
    )  # (n, C)
    lane, transit = t.lane[dest], t.transit_hours[dest]  # (n, C, W)
    price = freight_fen_np(
        billable[:, :, None],
        t.first_weight_g[dest],
        t.first_price_fen[dest],
        t.step_weight_g[dest],
        t.step_price_fen[dest],
    )
    price = np.where(lane, price, -1)
    rule = _rules(o, carriers, billable, lane, transit, fixed, slots.earliest)

    ok = rule == 0
    if slots.labels:
        opt_order, opt_c, opt_w, opt_slot = slot_options(ok, transit, o.promise_hours, slots.depart)
    else:
        opt_order, cw = np.nonzero(ok.reshape(n, nc * nw))
        opt_c, opt_w, opt_slot = cw // nw, cw % nw, np.full(cw.shape[0], -1)
    w_caps = np.array([-1 if wh.max_parcels is None else wh.max_parcels for wh in warehouses], dtype=np.int64)
    c_caps = np.array([-1 if c.max_parcels is None else c.max_parcels for c in carriers], dtype=np.int64)
    return Problem(
        order_ids=o.order_id,
        carriers=[c.code for c in carriers],
        warehouses=[wh.code for wh in warehouses],
        opt_order=opt_order,
        opt_carrier=opt_c,
        opt_warehouse=opt_w,
        opt_cost=price[opt_order, opt_c, opt_w],
        capacity=_capacity(sc, c_index, w_index),
        opt_slot=opt_slot,
        slots=slots.labels,
        slot_capacity=slots.capacity if slots.labels else None,
        carrier_capacity=c_caps if np.any(c_caps >= 0) else None,
        warehouse_capacity=w_caps if np.any(w_caps >= 0) else None,
        candidate_price=price,
        candidate_rule=rule,
    )


def load_problem(directory: str | os.PathLike[str]) -> Problem:
    """``build_problem(read_scenario(directory))``."""
    return build_problem(read_scenario(directory))


# --- writing -------------------------------------------------------------------------------------


def allocation_rows(problem: Problem, solution: Solution) -> list[list[str]]:
    """Rows of the allocation CSV (without header), in order input order."""
    carriers = list(problem.carriers)
    warehouses = list(problem.warehouses)
    slots = list(problem.slots)
    with_slot = bool(slots)
    rows: list[list[str]] = []
    for oid, c, w, s, fen, reason in zip(
        problem.order_ids,
        solution.carrier.tolist(),
        solution.warehouse.tolist(),
        solution.slot.tolist(),
        solution.cost_fen.tolist(),
        solution.reason.tolist(),
        strict=True,
    ):
        if c >= 0:
            row = [oid, carriers[c], warehouses[w], str(fen), ""]
        else:
            row = [oid, "", "", "", reason]
        if with_slot:
            row.append(slots[s] if c >= 0 and s >= 0 else "")
        rows.append(row)
    return rows


def write_allocation(path: str | os.PathLike[str], problem: Problem, solution: Solution) -> None:
    """Write ``order_id,carrier,warehouse,freight_fen,reason`` (+ ``slot`` when slots exist).

    UTF-8 without BOM. Written to a temporary file next to ``path`` and renamed into place,
    so a crash never leaves a half-written allocation.
    """
    target = Path(path)
    header = [*ALLOCATION_COLUMNS, *(["slot"] if problem.slots else [])]
    rows = allocation_rows(problem, solution)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = CsvWriter(fh, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
