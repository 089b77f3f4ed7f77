"""Cost-optimal allocation of orders to (carrier, warehouse[, pickup slot]) — pure, DB-free.

The input is a :class:`Problem` of plain arrays: for every order its *feasible* options
(carrier, warehouse, optional pickup slot, price in fen) plus parcel caps per
(carrier, warehouse), optionally per (carrier, warehouse, slot), per carrier and per
warehouse. Building the options (lanes, cold chain, insurance, weight, promise, fixed
warehouse) is :mod:`fahuo.routing.scenario`'s job; the solver only sees the result.

Objective, lexicographic: first serve as many orders as the caps allow, then minimise the
total freight. An order is left unassigned with reason ``capacity`` only when no optimal
allocation can fit it. No big-M penalty is needed: the flow engine computes a maximum flow
of minimum cost, the HiGHS engines solve "max served" and then "min cost at that count".

Algorithm (docs/allocation.md):

1. **Class aggregation.** Orders with identical option sets (same columns, same prices)
   are interchangeable and merge into one class with a multiplicity: 100k orders × 18
   lanes collapse to a few thousand classes.
2. **Min-cost flow.** source → class (cap = multiplicity) → [slot cap] → [carrier ×
   warehouse cap] → [carrier *or* warehouse total] → sink. Nested (laminar) caps make a
   network matrix, totally unimodular, so OR-Tools'
   ``SimpleMinCostFlow.solve_max_flow_with_min_cost`` returns an integral optimum in exact
   integer arithmetic. Where OR-Tools cannot load beside highspy (see ``_hs``), the same
   network is solved by HiGHS' simplex, whose vertex optimum is integral for the same reason.
3. **MIP fallback.** Carrier *and* warehouse totals at once cross each other, break total
   unimodularity, and go to HiGHS branch-and-bound on the class-level model.
4. **Disaggregation.** Each class's flow per option goes to its orders in input order.

Also here: :func:`greedy_cheapest_first` (the baseline the desk compares against),
:func:`lp_lower_bound` (HiGHS LP relaxation) and :func:`explain` (per-order candidates,
prices, rules and the binding reason).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

# highspy is imported first on purpose. highspy 1.15 ships its own ``libhighs.so.1`` and
# OR-Tools 9.15 ships an older one under the same soname: in one process, whichever loads
# second fails to import (highspy ≤ 1.14 links HiGHS statically, and both coexist).
try:
    import highspy as _highspy_module
except ImportError as exc:  # pragma: no cover - OR-Tools loaded its libhighs first
    _HIGHSPY: ModuleType | None = None
    _HIGHSPY_ERROR = str(exc)
else:
    _HIGHSPY = _highspy_module
    _HIGHSPY_ERROR = ""


def _hs() -> Any:
    """The highspy module, or a clear error when this process cannot load it."""
    if _HIGHSPY is None:  # pragma: no cover
        raise RuntimeError(
            "HiGHS (highspy) cannot be loaded in this process, most likely because OR-Tools was "
            f"imported first with a different libhighs.so.1 ({_HIGHSPY_ERROR}); pin highspy<1.15"
        )
    return _HIGHSPY


@functools.cache
def _ortools_min_cost_flow() -> Any | None:
    """OR-Tools' min-cost flow module, or None when it cannot be loaded beside highspy."""
    try:
        from ortools.graph.python import min_cost_flow
    except ImportError:
        return None
    return min_cost_flow


IntArray = npt.NDArray[np.int64]
U8Array = npt.NDArray[np.uint8]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]

# --- rule codes -------------------------------------------------------------------------------
# A candidate (order, carrier, warehouse) is checked in this order; its code is the first check
# it fails (0 = allowed). An order without any feasible option is reported with the *largest*
# code among its candidates: the candidate that got furthest ("a lane, cold chain, insured, but
# over the weight limit" → weight).
RULE_OK = 0
RULE_WAREHOUSE = 1  # the order is fixed to another warehouse
RULE_NO_LANE = 2  # no rate row for carrier × origin province × destination province
RULE_COLD_CHAIN = 3  # trait "cold", carrier without cold chain
RULE_INSURANCE = 4  # trait "valuable", carrier without insurance
RULE_WEIGHT = 5  # billable weight over the carrier's max_weight_g
RULE_PROMISE = 6  # promise_hours < (pickup departure +) transit_hours
RULE_NAMES: tuple[str, ...] = ("", "warehouse", "no_lane", "cold_chain", "insurance", "weight", "promise")

REASON_CAPACITY = "capacity"  # had options, but the caps could not take it
REASON_NO_OPTION = "no_option"  # no options, and the problem carries no candidate rules
UNSERVED_REASONS: tuple[str, ...] = (*RULE_NAMES[2:], REASON_CAPACITY, REASON_NO_OPTION)

# Why an assigned order got its option rather than a cheaper candidate.
BINDING_CHEAPEST = "cheapest"  # no candidate, feasible or not, is cheaper
BINDING_CAPACITY = "capacity"  # a cheaper feasible option exists; its cap is full
BINDING_PROMISE = "promise"  # cheaper candidates are excluded, one of them by the promise
BINDING_RULE = "rule"  # cheaper candidates are excluded by warehouse/cold/insurance/weight

Method = Literal["auto", "flow", "lp", "mip"]


def _int64(value: object, name: str, shape: tuple[int, ...] | None = None) -> IntArray:
    arr = np.ascontiguousarray(value, dtype=np.int64)
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    return arr


def _limited(arr: IntArray | None) -> bool:
    return arr is not None and bool(np.any(arr >= 0))


@dataclass(frozen=True, eq=False)
class Problem:
    """An allocation instance as arrays.

    Options in COO form, one entry per feasible (order, carrier, warehouse[, slot]) with its
    price in fen, grouped by order (``opt_order`` non-decreasing). Caps: ``-1`` = no cap.

    ``candidate_price`` / ``candidate_rule`` (both ``(n, C, W)``) are optional explanation
    data: every carrier × warehouse's tariff price for every order (``-1``: no lane) and the
    rule excluding it (:data:`RULE_OK` when allowed). Without them unservable orders get reason
    ``no_option`` and explanations list the feasible options only.
    """

    order_ids: Sequence[str]
    carriers: Sequence[str]
    warehouses: Sequence[str]
    opt_order: IntArray
    opt_carrier: IntArray
    opt_warehouse: IntArray
    opt_cost: IntArray
    capacity: IntArray  # (C, W)
    opt_slot: IntArray | None = None  # (m,), -1 = not slot-bound; None = no slots at all
    slots: Sequence[str] = ()
    slot_capacity: IntArray | None = None  # (C, W, S)
    carrier_capacity: IntArray | None = None  # (C,)
    warehouse_capacity: IntArray | None = None  # (W,)
    candidate_price: IntArray | None = None  # (n, C, W)
    candidate_rule: U8Array | None = None  # (n, C, W)

    def __post_init__(self) -> None:
        n, nc, nw, ns = len(self.order_ids), len(self.carriers), len(self.warehouses), len(self.slots)
        m = len(self.opt_order)
        arrays: dict[str, object] = {
            "opt_order": _int64(self.opt_order, "opt_order", (m,)),
            "opt_carrier": _int64(self.opt_carrier, "opt_carrier", (m,)),
            "opt_warehouse": _int64(self.opt_warehouse, "opt_warehouse", (m,)),
            "opt_cost": _int64(self.opt_cost, "opt_cost", (m,)),
            "opt_slot": _int64(np.full(m, -1) if self.opt_slot is None else self.opt_slot, "opt_slot", (m,)),
            "capacity": _int64(self.capacity, "capacity", (nc, nw)),
        }
        for name, shape in (
            ("slot_capacity", (nc, nw, ns)),
            ("carrier_capacity", (nc,)),
            ("warehouse_capacity", (nw,)),
        ):
            value = getattr(self, name)
            arrays[name] = None if value is None else _int64(value, name, shape)
        for name, value in arrays.items():
            object.__setattr__(self, name, value)
        if m:
            if np.any(np.diff(self.opt_order) < 0):
                raise ValueError("options must be grouped by order (opt_order non-decreasing)")
            for name, hi in (("opt_order", n), ("opt_carrier", nc), ("opt_warehouse", nw), ("opt_slot", ns)):
                arr = getattr(self, name)
                if arr.min() < (-1 if name == "opt_slot" else 0) or arr.max() >= hi:
                    raise ValueError(f"{name} out of range")
            if self.opt_cost.min() < 0 or self.opt_cost.max() > np.iinfo(np.int32).max:
                raise ValueError("option costs must be between 0 and 2^31 fen")
        if (self.candidate_price is None) != (self.candidate_rule is None):
            raise ValueError("candidate_price and candidate_rule go together")
        if self.candidate_price is not None:
            object.__setattr__(
                self, "candidate_price", _int64(self.candidate_price, "candidate_price", (n, nc, nw))
            )
            rule = np.asarray(self.candidate_rule, dtype=np.uint8)
            if rule.shape != (n, nc, nw):
                raise ValueError(f"candidate_rule must have shape {(n, nc, nw)}")
            object.__setattr__(self, "candidate_rule", rule)

    @property
    def n_orders(self) -> int:
        return len(self.order_ids)

    @property
    def n_options(self) -> int:
        return int(self.opt_order.shape[0])

    @property
    def option_slot(self) -> IntArray:
        """Slot per option (-1 = not slot-bound); always an array after construction."""
        assert self.opt_slot is not None
        return self.opt_slot

    @property
    def laminar(self) -> bool:
        """True when the caps nest (flow-solvable): not both carrier and warehouse totals."""
        return not (_limited(self.carrier_capacity) and _limited(self.warehouse_capacity))


@dataclass(frozen=True, eq=False)
class Solution:
    """Per order: the chosen option (index into the problem's ``opt_*`` arrays) or -1.

    ``reason``: "" for assigned orders, one of :data:`UNSERVED_REASONS` otherwise.
    ``binding``: why the chosen option (``cheapest`` / ``capacity`` / ``promise`` / ``rule``),
    "" for unassigned orders.
    """

    option: IntArray
    carrier: IntArray
    warehouse: IntArray
    slot: IntArray
    cost_fen: IntArray
    reason: StrArray
    binding: StrArray
    total_fen: int
    served: int
    method: str
    n_classes: int
    seconds: float
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def unserved(self) -> int:
        return int(self.option.shape[0]) - self.served

    def reason_counts(self) -> dict[str, int]:
        values, counts = np.unique(self.reason[self.option < 0], return_counts=True)
        return {str(v): int(c) for v, c in zip(values, counts, strict=True)}


@dataclass(frozen=True)
class OptionExplanation:
    carrier: str
    warehouse: str
    slot: str | None
    price_fen: int | None  # None: no lane
    allowed: bool
    rule: str  # "" when allowed, else a RULE_NAMES entry
    full: bool  # a cap containing this option is exhausted in the solution
    chosen: bool


@dataclass(frozen=True)
class OrderExplanation:
    order_id: str
    carrier: str | None
    warehouse: str | None
    slot: str | None
    price_fen: int | None
    reason: str  # unserved reason, "" when assigned
    binding: str  # binding reason, "" when unassigned
    options: list[OptionExplanation]  # allowed first, then by price


# --- columns, classes, caps -------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Columns:
    """Distinct (carrier, warehouse, slot) triples used by options, and each option's column."""

    carrier: IntArray  # (J,)
    warehouse: IntArray
    slot: IntArray
    opt_col: IntArray  # (m,)


def _columns(p: Problem) -> _Columns:
    nw, ns1 = len(p.warehouses), len(p.slots) + 1
    key = (p.opt_carrier * nw + p.opt_warehouse) * ns1 + (p.option_slot + 1)
    present = np.zeros(len(p.carriers) * nw * ns1, dtype=bool)  # small key space: no sort
    present[key] = True
    used = np.flatnonzero(present)
    cw = used // ns1
    return _Columns(cw // nw, cw % nw, used % ns1 - 1, (np.cumsum(present) - 1)[key])


@dataclass(frozen=True, eq=False)
class _Caps:
    """Finite caps as rows; ``chain[j]`` lists column j's rows from innermost to outermost.

    Levels: pickup slot, carrier × warehouse, carrier total, warehouse total (-1 where a
    column has no finite cap at that level). Every engine, the greedy baseline, the final
    check and the explanation read capacity from here.
    """

    limit: IntArray  # (R,)
    chain: IntArray  # (J, levels)

    def usage(self, cols: IntArray) -> IntArray:
        """Parcels per cap row when one parcel rides each of ``cols``."""
        rows = self.chain[cols].reshape(-1)
        return np.bincount(rows[rows >= 0], minlength=self.limit.shape[0]).astype(np.int64)


def _caps(p: Problem, cols: _Columns) -> _Caps:
    nw, ns = len(p.warehouses), max(len(p.slots), 1)
    c, w, s = cols.carrier, cols.warehouse, cols.slot
    levels: list[tuple[IntArray, IntArray]] = []  # (group key per column, cap per column)
    if p.slot_capacity is not None and p.slots:
        s0 = np.maximum(s, 0)
        levels.append(((c * nw + w) * ns + s0, np.where(s >= 0, p.slot_capacity[c, w, s0], -1)))
    levels.append((c * nw + w, p.capacity[c, w]))
    if p.carrier_capacity is not None:
        levels.append((c, p.carrier_capacity[c]))
    if p.warehouse_capacity is not None:
        levels.append((w, p.warehouse_capacity[w]))
    chain = np.full((c.shape[0], len(levels)), -1, dtype=np.int64)
    limits: list[IntArray] = []
    base = 0
    for level, (group, cap) in enumerate(levels):
        finite = cap >= 0
        keys, inv = np.unique(group[finite], return_inverse=True)
        limit = np.zeros(keys.shape[0], dtype=np.int64)
        limit[inv] = cap[finite]
        chain[finite, level] = base + inv
        limits.append(limit)
        base += keys.shape[0]
    return _Caps(np.concatenate(limits), chain)


@dataclass(frozen=True, eq=False)
class _Classes:
    cols: _Columns
    caps: _Caps
    key: IntArray  # (m,) order × J + column, ascending
    option: IntArray  # (m,) option index at each key
    inverse: IntArray  # (n,) class of each order, -1 without options
    count: IntArray  # (K,) multiplicity
    arc_class: IntArray  # (A,) class of each class → column arc, grouped by class
    arc_col: IntArray
    arc_cost: IntArray

    def option_of(self, orders: IntArray, cols: IntArray) -> IntArray:
        """Option index of each (order, column) pair; every pair must be an option."""
        wanted = orders * self.cols.carrier.shape[0] + cols
        at = np.minimum(np.searchsorted(self.key, wanted), max(self.key.shape[0] - 1, 0))
        if wanted.size and not np.array_equal(self.key[at], wanted):
            raise RuntimeError("disaggregation hit an order without that option")
        return self.option[at]


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64 finaliser, vectorised (wrapping uint64 arithmetic)."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _classes(p: Problem) -> _Classes:
    """Merge orders with identical option sets (columns and prices) into classes.

    Sparse, O(options) memory: options are sorted by (order, column), each order's segment is
    hashed (sum of mixed (column, price) pairs and its length), groups are verified element by
    element, and an exact grouping takes over on the (unlikely) hash collision.
    """
    cols = _columns(p)
    n, m, ncols = p.n_orders, p.n_options, int(cols.carrier.shape[0])
    key = p.opt_order * ncols + cols.opt_col
    order = np.arange(m) if np.all(np.diff(key) > 0) else np.argsort(key, kind="stable")
    key = key[order]
    if np.any(np.diff(key) == 0):
        raise ValueError("duplicate option for the same order, carrier, warehouse and slot")
    col, cost, who = cols.opt_col[order], p.opt_cost[order], p.opt_order[order]
    starts = np.flatnonzero(np.diff(who, prepend=-1))
    length = np.diff(starts, append=m)
    inverse = np.full(n, -1, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    if m == 0:
        return _Classes(cols, _caps(p, cols), key, order, inverse, empty, empty, empty, empty)
    h = _mix((col * (2**31) + cost).astype(np.uint64))
    seg_hash = np.add.reduceat(h, starts) ^ _mix(length.astype(np.uint64))
    _, first, inv = np.unique(seg_hash, return_index=True, return_inverse=True)
    inv = inv.reshape(-1)
    offset = np.arange(m) - np.repeat(starts, length)  # position inside its order's segment
    rep_pos = np.repeat(starts[first[inv]], length) + offset
    same = np.array_equal(length, length[first[inv]]) and np.array_equal(
        np.stack([col, cost]), np.stack([col, cost])[:, np.minimum(rep_pos, m - 1)]
    )
    if not same:  # a hash collision: group exactly
        segments = [
            (col[a:b].tobytes(), cost[a:b].tobytes()) for a, b in zip(starts, starts + length, strict=True)
        ]
        ids: dict[tuple[bytes, bytes], int] = {}
        inv = np.fromiter(
            (ids.setdefault(x, len(ids)) for x in segments), dtype=np.int64, count=len(segments)
        )
        first = np.unique(inv, return_index=True)[1]
    inverse[who[starts]] = inv
    rep_start, rep_len = starts[first], length[first]
    arc_class = np.repeat(np.arange(first.shape[0]), rep_len)
    arc_pos = (
        np.repeat(rep_start, rep_len)
        + np.arange(arc_class.shape[0])
        - np.repeat(np.cumsum(rep_len) - rep_len, rep_len)
    )
    return _Classes(
        cols=cols,
        caps=_caps(p, cols),
        key=key,
        option=order.astype(np.int64),
        inverse=inverse,
        count=np.bincount(inv, minlength=first.shape[0]).astype(np.int64),
        arc_class=arc_class,
        arc_col=col[arc_pos],
        arc_cost=cost[arc_pos],
    )


# --- engines ----------------------------------------------------------------------------------


def _solve_flow(cl: _Classes) -> IntArray:
    """OR-Tools max-flow-min-cost on the class network (laminar caps); flow per class arc."""
    mcf_module = _ortools_min_cost_flow()
    assert mcf_module is not None
    k_n, r_n = cl.count.shape[0], cl.caps.limit.shape[0]
    source, sink, class0, row0 = 0, 1, 2, 2 + k_n
    # walk each column's cap chain from the outside in: a row's parent is the next finite
    # cap outside it (or the sink); a column's flow enters at its innermost finite cap
    parent = np.full(r_n, sink, dtype=np.int64)
    entry = np.full(cl.cols.carrier.shape[0], sink, dtype=np.int64)
    for level in reversed(range(cl.caps.chain.shape[1])):
        rows = cl.caps.chain[:, level]
        has = rows >= 0
        parent[rows[has]] = entry[has]
        entry = np.where(has, row0 + rows, entry)
    mcf = mcf_module.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([np.full(k_n, source), class0 + cl.arc_class, row0 + np.arange(r_n)]),
        np.concatenate([class0 + np.arange(k_n), entry[cl.arc_col], parent]),
        np.concatenate([cl.count, cl.count[cl.arc_class], cl.caps.limit]),
        np.concatenate([np.zeros(k_n, dtype=np.int64), cl.arc_cost, np.zeros(r_n, dtype=np.int64)]),
    )
    total = int(cl.count.sum())
    mcf.set_node_supply(source, total)
    mcf.set_node_supply(sink, -total)
    status = mcf.solve_max_flow_with_min_cost()
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    return np.asarray(mcf.flows(np.arange(k_n, k_n + cl.arc_class.shape[0])), dtype=np.int64)


def _class_lp(cl: _Classes, *, integer: bool, served: int | None) -> Any:
    """HiGHS model over the class arcs, built column-wise in numpy.

    Rows: one per class (≤ multiplicity), one per finite cap. ``served=None``: maximise the
    number served; otherwise add ``Σx ≥ served`` and minimise the freight.
    """
    hs = _hs()
    a_n, k_n = cl.arc_class.shape[0], cl.count.shape[0]
    r_cap = cl.caps.limit.shape[0]
    chain = cl.caps.chain[cl.arc_col]
    idx = np.concatenate([cl.arc_class[:, None], np.where(chain >= 0, k_n + chain, -1)], axis=1)
    row_upper = np.concatenate([cl.count, cl.caps.limit]).astype(np.float64)
    row_lower = np.full(k_n + r_cap, -np.inf)
    if served is None:
        col_cost, sense = np.ones(a_n), hs.ObjSense.kMaximize
    else:
        idx = np.concatenate([idx, np.full((a_n, 1), k_n + r_cap)], axis=1)
        row_upper, row_lower = np.append(row_upper, np.inf), np.append(row_lower, float(served))
        col_cost, sense = cl.arc_cost.astype(np.float64), hs.ObjSense.kMinimize
    valid = idx >= 0  # row-major flattening keeps each column's entries together
    start = np.zeros(a_n + 1, dtype=np.int32)
    np.cumsum(valid.sum(axis=1), out=start[1:])
    index = idx[valid].astype(np.int32)
    h = hs.Highs()
    h.setOptionValue("output_flag", False)
    if integer:
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 0.0)
    else:
        h.setOptionValue("solver", "simplex")  # a vertex: integral on a unimodular matrix
    status = h.passModel(
        a_n,
        row_upper.shape[0],
        int(index.shape[0]),
        int(hs.MatrixFormat.kColwise),
        int(sense),
        0.0,
        col_cost,
        np.zeros(a_n),
        cl.count[cl.arc_class].astype(np.float64),
        row_lower,
        row_upper,
        start,
        index,
        np.ones(index.shape[0]),
        np.full(a_n, int(hs.HighsVarType.kInteger) if integer else 0, dtype=np.int32),
    )
    if status != hs.HighsStatus.kOk:
        raise RuntimeError(f"HiGHS rejected the model: {status}")
    return h


def _run(h: Any, what: str, time_limit: float | None = None) -> npt.NDArray[np.float64]:
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    h.run()
    status = h.getModelStatus()
    if status != _hs().HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS {what}: {h.modelStatusToString(status)}")
    return np.asarray(h.getSolution().col_value, dtype=np.float64)


def _integral(x: npt.NDArray[np.float64]) -> IntArray | None:
    r = np.rint(x)
    return r.astype(np.int64) if not x.size or float(np.abs(x - r).max()) <= 1e-6 else None


def _solve_highs(cl: _Classes, *, integer: bool, time_limit: float | None) -> tuple[IntArray, int]:
    """Two phases: maximise served, then minimise freight with that count fixed.

    Each phase solves the LP relaxation first: on nested caps its simplex vertex is integral;
    with crossing caps it often still is, and an integral LP optimum is the MIP optimum, so
    branch-and-bound runs only on a fractional vertex (``integer=True``). Returns the flows
    and how many phases needed branch-and-bound.
    """
    branched = 0

    def phase(served: int | None, start: IntArray | None) -> IntArray:
        what = "max-served" if served is None else "min-cost"
        x = _integral(_run(_class_lp(cl, integer=False, served=served), f"{what} LP", time_limit))
        if x is not None:
            return x
        if not integer:
            raise RuntimeError(f"{what} network LP: fractional vertex on nested caps")
        nonlocal branched
        branched += 1
        h = _class_lp(cl, integer=True, served=served)
        if start is not None:  # phase 1's allocation is feasible for phase 2
            sol = _hs().HighsSolution()
            sol.col_value = start.astype(np.float64).tolist()
            sol.value_valid = True
            h.setSolution(sol)
        x = _integral(_run(h, f"{what} MIP", time_limit))
        if x is None:
            raise RuntimeError(f"{what} MIP: fractional solution")
        return x

    x1 = phase(None, None)
    return phase(int(x1.sum()), x1), branched


def _disaggregate(p: Problem, cl: _Classes, flows: IntArray) -> IntArray:
    """Hand each class's per-arc flow to its orders in input order; option per order."""
    option = np.full(p.n_orders, -1, dtype=np.int64)
    if not np.any(flows > 0):
        return option
    servable = np.flatnonzero(cl.inverse >= 0)
    by_class = servable[np.argsort(cl.inverse[servable], kind="stable")]  # contiguous per class
    class_start = np.concatenate([[0], np.cumsum(cl.count)])
    unit_arc = np.repeat(np.arange(flows.shape[0]), flows)  # arcs are grouped by class
    unit_class = cl.arc_class[unit_arc]
    class_units = np.bincount(unit_class, minlength=cl.count.shape[0])
    if np.any(class_units > cl.count):
        raise RuntimeError("solver returned more flow than a class holds")
    rank = np.arange(unit_arc.shape[0]) - np.concatenate([[0], np.cumsum(class_units)])[unit_class]
    orders = by_class[class_start[unit_class] + rank]
    option[orders] = cl.option_of(orders, cl.arc_col[unit_arc])
    return option


# --- results ----------------------------------------------------------------------------------


def _finish(
    p: Problem, option: IntArray, *, method: str, n_classes: int, t0: float, stats: dict[str, float]
) -> Solution:
    """Per-order arrays, unserved reasons and binding reasons; refuses an over-cap result."""
    cols = _columns(p)
    caps = _caps(p, cols)
    if np.any(caps.usage(cols.opt_col[option[option >= 0]]) > caps.limit):
        raise RuntimeError(f"{method}: allocation exceeds a cap")
    n = p.n_orders
    assigned = option >= 0
    sel = option[assigned]

    def per_order(values: IntArray, blank: int) -> IntArray:
        out = np.full(n, blank, dtype=np.int64)
        out[assigned] = values[sel]
        return out

    cost = per_order(p.opt_cost, 0)
    has_option = np.zeros(n, dtype=bool)
    has_option[p.opt_order] = True
    reason = np.full(n, "", dtype="<U12")
    reason[~assigned & has_option] = REASON_CAPACITY
    no_opt = ~has_option
    reason[no_opt] = REASON_NO_OPTION
    if p.candidate_rule is not None and p.candidate_rule.size and np.any(no_opt):
        furthest = (
            p.candidate_rule[no_opt]
            .reshape(int(no_opt.sum()), len(p.carriers) * len(p.warehouses))
            .max(axis=1)
        )
        reason[no_opt] = np.where(furthest > 0, np.array(RULE_NAMES)[furthest], REASON_NO_OPTION)
    return Solution(
        option=option,
        carrier=per_order(p.opt_carrier, -1),
        warehouse=per_order(p.opt_warehouse, -1),
        slot=per_order(p.option_slot, -1),
        cost_fen=cost,
        reason=reason,
        binding=_binding(p, cost, assigned),
        total_fen=int(cost.sum()),
        served=int(assigned.sum()),
        method=method,
        n_classes=n_classes,
        seconds=time.perf_counter() - t0,
        stats=stats,
    )


def _binding(p: Problem, cost: IntArray, assigned: BoolArray) -> StrArray:
    n = p.n_orders
    min_feasible = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(min_feasible, p.opt_order, p.opt_cost)
    cap_bound = min_feasible < cost  # at an optimum, that cheaper option's cap is full
    if p.candidate_price is not None and p.candidate_rule is not None:
        price = p.candidate_price.reshape(n, len(p.carriers) * len(p.warehouses))
        cheaper = (price >= 0) & (price < cost[:, None])
        any_cheaper = cheaper.any(axis=1)
        promise_cheaper = (
            cheaper & (p.candidate_rule.reshape(n, len(p.carriers) * len(p.warehouses)) == RULE_PROMISE)
        ).any(axis=1)
    else:
        any_cheaper, promise_cheaper = cap_bound, np.zeros(n, dtype=bool)
    binding = np.full(n, "", dtype="<U8")
    binding[assigned] = BINDING_RULE
    binding[assigned & promise_cheaper] = BINDING_PROMISE
    binding[assigned & cap_bound] = BINDING_CAPACITY
    binding[assigned & ~any_cheaper & ~cap_bound] = BINDING_CHEAPEST
    return binding


# --- public -----------------------------------------------------------------------------------


def solve(problem: Problem, *, method: Method = "auto", time_limit: float | None = None) -> Solution:
    """Serve as many orders as the caps allow, then minimise total freight (fen).

    ``method``: ``"auto"`` = ``"flow"`` when the caps nest (always, unless both carrier and
    warehouse totals are set), else ``"mip"``; ``"flow"`` = OR-Tools min-cost flow, falling
    back to ``"lp"`` where OR-Tools cannot load; ``"lp"`` = the same network by HiGHS'
    simplex; ``"mip"`` = HiGHS branch-and-bound. ``"flow"``/``"lp"`` on crossing caps raise
    ``ValueError``. ``time_limit`` (seconds) applies to each HiGHS phase.
    """
    t0 = time.perf_counter()
    cl = _classes(problem)
    t1 = time.perf_counter()
    if method == "auto":
        method = "flow" if problem.laminar else "mip"
    if method == "flow" and _ortools_min_cost_flow() is None:
        method = "lp"
    if method not in ("flow", "lp", "mip"):
        raise ValueError(f"unknown method {method!r}")
    if method != "mip" and not problem.laminar:
        raise ValueError("carrier and warehouse totals together are not flow-solvable; use the MIP")
    name = {"flow": "min_cost_flow", "lp": "network_simplex", "mip": "mip"}[method]
    branched = 0
    if cl.arc_class.size == 0:
        flows = np.zeros(0, dtype=np.int64)
    elif method == "flow":
        flows = _solve_flow(cl)
    else:
        flows, branched = _solve_highs(cl, integer=method == "mip", time_limit=time_limit)
    t2 = time.perf_counter()
    option = _disaggregate(problem, cl, flows)
    stats = {
        "classes_s": t1 - t0,
        "solve_s": t2 - t1,
        "arcs": float(cl.arc_class.shape[0]),
        "branch_and_bound_phases": float(branched),
    }
    return _finish(problem, option, method=name, n_classes=int(cl.count.shape[0]), t0=t0, stats=stats)


def greedy_cheapest_first(problem: Problem) -> Solution:
    """Baseline: orders in input order, each takes its cheapest option that still has room.

    Ties go to the lower option index. This is the desk's rule of thumb ("cheapest carrier
    until it is full"); it may strand orders the optimiser serves, and never beats
    :func:`solve` on (served, then cost).
    """
    t0 = time.perf_counter()
    p = problem
    cols = _columns(p)
    caps = _caps(p, cols)
    room = caps.limit.tolist()
    col_rows = [tuple(r for r in chain if r >= 0) for chain in caps.chain.tolist()]
    perm = np.lexsort((np.arange(p.n_options), p.opt_cost, p.opt_order))  # by order, then price
    ptr = np.searchsorted(p.opt_order[perm], np.arange(p.n_orders + 1)).tolist()
    opt_col, opt_id = cols.opt_col[perm].tolist(), perm.tolist()
    chosen = [-1] * p.n_orders
    for i in range(p.n_orders):
        for k in range(ptr[i], ptr[i + 1]):
            rows = col_rows[opt_col[k]]
            if all(room[r] > 0 for r in rows):
                for r in rows:
                    room[r] -= 1
                chosen[i] = opt_id[k]
                break
    return _finish(p, np.asarray(chosen, dtype=np.int64), method="greedy", n_classes=0, t0=t0, stats={})


def lp_lower_bound(problem: Problem, *, served: int | None = None) -> float:
    """HiGHS LP relaxation: a lower bound (fen) on any allocation serving ``served`` orders.

    ``served=None`` uses the LP's own maximum (the integer maximum when the caps nest).
    Costs are ≥ 0, so "at least S" bounds "exactly S". With nested caps the relaxation is
    integral and equals :func:`solve`'s optimum: a certificate, not a gap estimate.
    """
    cl = _classes(problem)
    if cl.arc_class.size == 0:
        return 0.0
    if served is None:
        served = int(np.floor(_run(_class_lp(cl, integer=False, served=None), "max-served LP").sum() + 1e-6))
    h = _class_lp(cl, integer=False, served=served)
    _run(h, "min-cost LP")
    return float(h.getInfo().objective_function_value)


def explain(problem: Problem, solution: Solution, i: int) -> OrderExplanation:
    """Order ``i``'s candidates: price, the rule excluding each, whether its cap is full, the choice."""
    p, s = problem, solution
    cols = _columns(p)
    caps = _caps(p, cols)
    used = caps.usage(cols.opt_col[s.option[s.option >= 0]])
    full_row = used >= caps.limit
    lo, hi = (int(x) for x in np.searchsorted(p.opt_order, [i, i + 1]))
    options = []
    for k in range(lo, hi):
        c, w, sl = int(p.opt_carrier[k]), int(p.opt_warehouse[k]), int(p.option_slot[k])
        chain = caps.chain[cols.opt_col[k]]
        options.append(
            OptionExplanation(
                carrier=p.carriers[c],
                warehouse=p.warehouses[w],
                slot=p.slots[sl] if sl >= 0 else None,
                price_fen=int(p.opt_cost[k]),
                allowed=True,
                rule="",
                full=bool(full_row[chain[chain >= 0]].any()),
                chosen=bool(k == s.option[i]),
            )
        )
    if p.candidate_price is not None and p.candidate_rule is not None:
        covered = set(zip(p.opt_carrier[lo:hi].tolist(), p.opt_warehouse[lo:hi].tolist(), strict=True))
        for c, w in np.ndindex(len(p.carriers), len(p.warehouses)):
            if (c, w) in covered:
                continue
            price, rule = int(p.candidate_price[i, c, w]), int(p.candidate_rule[i, c, w])
            options.append(
                OptionExplanation(
                    carrier=p.carriers[c],
                    warehouse=p.warehouses[w],
                    slot=None,
                    price_fen=price if price >= 0 else None,
                    allowed=False,
                    rule=RULE_NAMES[rule or RULE_PROMISE],  # allowed yet no option: every slot too late
                    full=False,
                    chosen=False,
                )
            )
    options.sort(key=lambda o: (not o.allowed, o.price_fen is None, o.price_fen or 0, o.carrier, o.warehouse))
    assigned = s.option[i] >= 0
    return OrderExplanation(
        order_id=p.order_ids[i],
        carrier=p.carriers[int(s.carrier[i])] if assigned else None,
        warehouse=p.warehouses[int(s.warehouse[i])] if assigned else None,
        slot=p.slots[int(s.slot[i])] if assigned and s.slot[i] >= 0 else None,
        price_fen=int(s.cost_fen[i]) if assigned else None,
        reason=str(s.reason[i]),
        binding=str(s.binding[i]),
        options=options,
    )
