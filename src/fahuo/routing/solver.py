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
   integer arithmetic. Where OR-Tools cannot load beside highspy (see :mod:`fahuo.routing.highs`),
   the same network is solved by HiGHS' simplex, whose vertex optimum is integral for the same
   reason.
3. **MIP fallback.** Carrier *and* warehouse totals at once cross each other, break total
   unimodularity, and go to HiGHS branch-and-bound on the class-level model
   (:mod:`fahuo.routing.highs`). So do stock limits per warehouse × SKU (an order's SKU demand
   is part of its class; :mod:`fahuo.routing.stock_mip`) — but only when they can bind and the
   flow optimum without them breaks one.
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
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

# importing highs loads highspy, before anything can load OR-Tools (see fahuo.routing.highs)
from fahuo.routing import highs, stock_mip


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
REASON_STOCK = "stock"  # had options with room in the caps, but their warehouses' stock ran out
REASON_NO_OPTION = "no_option"  # no options, and the problem carries no candidate rules
UNSERVED_REASONS: tuple[str, ...] = (*RULE_NAMES[2:], REASON_CAPACITY, REASON_STOCK, REASON_NO_OPTION)

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

    Stock (optional): ``stock`` (W, K) units each warehouse can give of SKU k in this run (-1 = no
    limit) and each order's demand as COO entries ``demand_order`` / ``demand_sku`` /
    ``demand_qty`` (one entry per order × SKU). An order takes its whole demand from the
    warehouse of its option; orders without entries draw no stock (e.g. a fixed warehouse).
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
    stock: IntArray | None = None  # (W, K), -1 = no limit
    demand_order: IntArray | None = None  # (d,)
    demand_sku: IntArray | None = None  # (d,)
    demand_qty: IntArray | None = None  # (d,)

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
        self._check_stock(n, nw)

    def _check_stock(self, n: int, nw: int) -> None:
        demand = (self.demand_order, self.demand_sku, self.demand_qty)
        if self.stock is None:
            if any(a is not None for a in demand):
                raise ValueError("demand needs stock")
            return
        stock = np.ascontiguousarray(self.stock, dtype=np.int64)
        if stock.ndim != 2 or stock.shape[0] != nw:
            raise ValueError(f"stock must have shape ({nw}, K), got {stock.shape}")
        d = 0 if self.demand_order is None else len(self.demand_order)
        order, sku, qty = (_int64(np.zeros(0) if a is None else a, "demand", (d,)) for a in demand)
        if d:
            if order.min() < 0 or order.max() >= n or sku.min() < 0 or sku.max() >= stock.shape[1]:
                raise ValueError("demand out of range")
            if qty.min() < 1:
                raise ValueError("demand quantities must be at least 1")
            by = np.lexsort((sku, order))
            order, sku, qty = order[by], sku[by], qty[by]
            if np.any((np.diff(order) == 0) & (np.diff(sku) == 0)):
                raise ValueError("one demand entry per order and SKU")
        for name, value in (
            ("stock", stock),
            ("demand_order", order),
            ("demand_sku", sku),
            ("demand_qty", qty),
        ):
            object.__setattr__(self, name, value)

    @property
    def has_stock(self) -> bool:
        """Stock limits that some order's demand meets."""
        return (
            self.stock is not None
            and self.demand_order is not None
            and self.demand_order.shape[0] > 0
            and bool(np.any(self.stock >= 0))
        )

    @functools.cached_property
    def stock_may_bind(self) -> bool:
        """Some warehouse × SKU limit is below what the orders able to ship from there ask for.

        When not, the stock rows can never bind: the solver leaves them (and the demand in the
        class key) out, and the problem stays a min-cost flow.
        """
        if not self.has_stock:
            return False
        assert self.stock is not None and self.demand_order is not None
        assert self.demand_sku is not None and self.demand_qty is not None
        nw = self.stock.shape[0]
        reach = np.zeros((self.n_orders, nw), dtype=bool)
        reach[self.opt_order, self.opt_warehouse] = True
        reach_d = reach[self.demand_order]  # (d, W)
        most = np.zeros(self.stock.shape, dtype=np.int64)
        for w in range(nw):
            np.add.at(most[w], self.demand_sku[reach_d[:, w]], self.demand_qty[reach_d[:, w]])
        return bool(np.any((self.stock >= 0) & (most > self.stock)))

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
    rep_order: IntArray  # (K,) one order of each class (its demand is the class's)

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


def _demand_signature(p: Problem) -> IntArray | None:
    """Per order an id of its SKU demand (equal ids: equal demand); None when stock cannot bind."""
    if not p.stock_may_bind:
        return None
    assert p.demand_order is not None and p.demand_sku is not None and p.demand_qty is not None
    n, d = p.n_orders, p.demand_order.shape[0]
    counts = np.bincount(p.demand_order, minlength=n)
    pos = np.arange(d) - np.concatenate([[0], np.cumsum(counts)])[p.demand_order]  # sorted by order
    table = np.full((n, 2 * int(counts.max())), -1, dtype=np.int64)
    table[p.demand_order, 2 * pos] = p.demand_sku
    table[p.demand_order, 2 * pos + 1] = p.demand_qty
    return np.unique(table, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _classes(p: Problem, *, demand: bool = True) -> _Classes:
    """Merge orders with identical option sets (columns and prices) into classes.

    Sparse, O(options) memory: options are sorted by (order, column), each order's segment is
    hashed (sum of mixed (column, price) pairs and its length), groups are verified element by
    element, and an exact grouping takes over on the (unlikely) hash collision. With stock
    limits an order's SKU demand is part of its class, so the class-level stock rows are exact.
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
        return _Classes(cols, _caps(p, cols), key, order, inverse, empty, empty, empty, empty, empty)
    h = _mix((col * (2**31) + cost).astype(np.uint64))
    seg_hash = np.add.reduceat(h, starts) ^ _mix(length.astype(np.uint64))
    signature = _demand_signature(p) if demand else None
    seg_sig = np.zeros(starts.shape[0], dtype=np.int64) if signature is None else signature[who[starts]]
    if signature is not None:
        seg_hash = seg_hash ^ _mix((seg_sig.astype(np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15))
    _, first, inv = np.unique(seg_hash, return_index=True, return_inverse=True)
    inv = inv.reshape(-1)
    offset = np.arange(m) - np.repeat(starts, length)  # position inside its order's segment
    rep_pos = np.repeat(starts[first[inv]], length) + offset
    same = (
        np.array_equal(length, length[first[inv]])
        and np.array_equal(seg_sig, seg_sig[first[inv]])
        and np.array_equal(np.stack([col, cost]), np.stack([col, cost])[:, np.minimum(rep_pos, m - 1)])
    )
    if not same:  # a hash collision: group exactly
        segments = [
            (col[a:b].tobytes(), cost[a:b].tobytes(), int(sig))
            for a, b, sig in zip(starts, starts + length, seg_sig.tolist(), strict=True)
        ]
        ids: dict[tuple[bytes, bytes, int], int] = {}
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
        rep_order=who[rep_start],
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


def _solve_highs(
    cl: _Classes, *, integer: bool, time_limit: float | None, stats: dict[str, float] | None = None
) -> tuple[IntArray, int]:
    """Two phases: maximise served, then minimise freight with that count fixed.

    Each phase solves the LP relaxation first: on nested caps its simplex vertex is integral;
    with crossing caps it often still is, and an integral LP optimum is the MIP optimum, so
    branch-and-bound runs only on a fractional vertex (``integer=True``). A branch-and-bound
    run that reaches ``time_limit`` keeps its best allocation (``stats["mip_gap"]``). Returns the
    flows and how many phases needed branch-and-bound.
    """
    branched = 0

    def phase(served: int | None, start: IntArray | None) -> IntArray:
        what = "max-served" if served is None else "min-cost"
        x = highs.integral(highs.run(highs.class_lp(cl, integer=False, served=served), f"{what} LP"))
        if x is not None:
            return x
        if not integer:
            raise RuntimeError(f"{what} network LP: fractional vertex on nested caps")
        nonlocal branched
        branched += 1
        x, _proven, bound = highs.branch_and_bound(
            cl, None, served=served, start=start, time_limit=time_limit
        )
        if stats is not None and served is not None and bound is not None:
            stats["mip_gap"] = highs.gap(float(x @ cl.arc_cost), bound)
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


def stock_use(p: Problem, option: IntArray) -> IntArray:
    """(W, K) units each warehouse gives of each SKU when every order takes ``option`` (-1: none)."""
    assert p.stock is not None and p.demand_order is not None
    assert p.demand_sku is not None and p.demand_qty is not None
    used = np.zeros(p.stock.shape, dtype=np.int64)
    chosen = option[p.demand_order]
    taken = chosen >= 0
    np.add.at(used, (p.opt_warehouse[chosen[taken]], p.demand_sku[taken]), p.demand_qty[taken])
    return used


def _finish(
    p: Problem, option: IntArray, *, method: str, n_classes: int, t0: float, stats: dict[str, float]
) -> Solution:
    """Per-order arrays, unserved reasons and binding reasons; refuses an over-cap result."""
    cols = _columns(p)
    caps = _caps(p, cols)
    used = caps.usage(cols.opt_col[option[option >= 0]])
    if np.any(used > caps.limit):
        raise RuntimeError(f"{method}: allocation exceeds a cap")
    if p.has_stock:
        assert p.stock is not None
        if np.any((p.stock >= 0) & (stock_use(p, option) > p.stock)):
            raise RuntimeError(f"{method}: allocation takes more stock than a warehouse has")
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
    if p.has_stock and np.any(~assigned & has_option):
        # an option with room in every cap that still was not taken: its warehouse ran out of stock
        full_row = np.append(used >= caps.limit, False)  # index -1 (no cap at a level): never full
        cap_blocked = full_row[caps.chain[cols.opt_col]].any(axis=1)
        open_options = np.bincount(p.opt_order[~cap_blocked], minlength=n)
        reason[~assigned & has_option & (open_options > 0)] = REASON_STOCK
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
    ``ValueError``. Stock limits (``Problem.stock``) that can bind: ``"auto"`` solves without
    them first and solves the MIP only when that optimum breaks one; ``"flow"``/``"lp"`` then
    raise ``ValueError``. ``time_limit`` (seconds) applies to each branch-and-bound run (LPs
    are not limited); one that reaches it keeps its best allocation (``stats["served_gap"]``,
    ``stats["mip_gap"]``).
    """
    t0 = time.perf_counter()
    cl = _classes(problem)
    stock = stock_mip.stock_rows(problem, cl)
    binding = stock if stock is not None and stock.can_bind else None
    t1 = time.perf_counter()
    requested = method
    if method == "auto":
        method = "flow" if problem.laminar else "mip"
    if method == "flow" and _ortools_min_cost_flow() is None:
        method = "lp"
    if method not in ("flow", "lp", "mip"):
        raise ValueError(f"unknown method {method!r}")
    if method != "mip" and not problem.laminar:
        raise ValueError("carrier and warehouse totals together are not flow-solvable; use the MIP")
    branched = 0
    stats = {"stock_rows": 0.0 if stock is None else float(stock.limit.shape[0]), "stock_resolve": 0.0}
    if cl.arc_class.size == 0:
        flows = np.zeros(0, dtype=np.int64)
    elif method == "flow":
        flows = _solve_flow(cl)
    elif method == "mip" and binding is not None:
        flows, branched = stock_mip.solve_stock(cl, binding, time_limit=time_limit, start=None, stats=stats)
    else:
        flows, branched = _solve_highs(cl, integer=method == "mip", time_limit=time_limit, stats=stats)
    if binding is not None and method != "mip" and np.any(binding.use(flows) > binding.limit):
        # stock rows couple orders across warehouses: the flow optimum breaks one, solve the MIP
        if requested != "auto":
            raise ValueError("the stock limits bind; they are not flow-solvable, use the MIP")
        method, stats["stock_resolve"] = "mip", 1.0
        start = stock_mip.arc_flows(problem, cl, greedy_cheapest_first(problem).option)
        flows, branched = stock_mip.solve_stock(cl, binding, time_limit=time_limit, start=start, stats=stats)
    name = {"flow": "min_cost_flow", "lp": "network_simplex", "mip": "mip"}[method]
    t2 = time.perf_counter()
    option = _disaggregate(problem, cl, flows)
    stats |= {
        "classes_s": t1 - t0,
        "solve_s": t2 - t1,
        "arcs": float(cl.arc_class.shape[0]),
        "branch_and_bound_phases": float(branched),
    }
    return _finish(problem, option, method=name, n_classes=int(cl.count.shape[0]), t0=t0, stats=stats)


def with_options(problem: Problem, solution: Solution, option: IntArray) -> Solution:
    """``solution`` with the orders on ``option`` instead (e.g. moved between equal-cost pickups):
    totals, reasons and bindings recomputed, every cap and stock limit checked again."""
    return _finish(
        problem,
        np.asarray(option, dtype=np.int64),
        method=solution.method,
        n_classes=solution.n_classes,
        t0=time.perf_counter() - solution.seconds,
        stats=dict(solution.stats),
    )


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
    opt_wh = p.opt_warehouse[perm].tolist()
    chosen = [-1] * p.n_orders
    left: list[list[int]] = []
    needs: dict[int, list[tuple[int, int]]] = {}
    if p.has_stock:
        assert p.stock is not None and p.demand_order is not None
        assert p.demand_sku is not None and p.demand_qty is not None
        left = p.stock.tolist()
        for i, k, q in zip(
            p.demand_order.tolist(), p.demand_sku.tolist(), p.demand_qty.tolist(), strict=True
        ):
            needs.setdefault(i, []).append((k, q))
    for i in range(p.n_orders):
        need = needs.get(i, ())
        for k in range(ptr[i], ptr[i + 1]):
            rows = col_rows[opt_col[k]]
            if not all(room[r] > 0 for r in rows):
                continue
            stock = left[opt_wh[k]] if need else []
            if any(0 <= stock[sku] < q for sku, q in need):
                continue
            for r in rows:
                room[r] -= 1
            for sku, q in need:
                if stock[sku] >= 0:
                    stock[sku] -= q
            chosen[i] = opt_id[k]
            break
    return _finish(p, np.asarray(chosen, dtype=np.int64), method="greedy", n_classes=0, t0=t0, stats={})


def lp_lower_bound(problem: Problem, *, served: int | None = None, stock: bool = True) -> float:
    """HiGHS LP relaxation: a lower bound (fen) on any allocation serving ``served`` orders.

    ``served=None`` uses the LP's own maximum (the integer maximum when the caps nest).
    Costs are ≥ 0, so "at least S" bounds "exactly S". With nested caps the relaxation is
    integral and equals :func:`solve`'s optimum: a certificate, not a gap estimate.
    ``stock=False`` leaves the stock rows out: still a bound, and the same one when the optimum
    did not need them (``Solution.stats["stock_resolve"] == 0``), at network-LP speed.
    """
    cl = _classes(problem, demand=stock)
    if cl.arc_class.size == 0:
        return 0.0
    rows = stock_mip.stock_rows(problem, cl) if stock else None
    rows = rows if rows is not None and rows.can_bind else None
    if served is None:
        x = highs.run(highs.class_lp(cl, integer=False, served=None, stock=rows), "max-served LP")
        served = int(np.floor(x.sum() + 1e-6))
    h = highs.class_lp(cl, integer=False, served=served, stock=rows)
    highs.run(h, "min-cost LP")
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
