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

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# importing highs loads highspy, before anything can load OR-Tools (see fahuo.routing.highs)
from fahuo.routing import highs, stock_mip
from fahuo.routing.engines import _disaggregate, _ortools_min_cost_flow, _solve_flow, _solve_highs
from fahuo.routing.problem import (
    BINDING_CAPACITY,
    BINDING_CHEAPEST,
    BINDING_PROMISE,
    BINDING_RULE,
    REASON_CAPACITY,
    REASON_NO_OPTION,
    REASON_STOCK,
    RULE_COLD_CHAIN,
    RULE_INSURANCE,
    RULE_NAMES,
    RULE_NO_LANE,
    RULE_OK,
    RULE_PROMISE,
    RULE_WAREHOUSE,
    RULE_WEIGHT,
    UNSERVED_REASONS,
    BoolArray,
    IntArray,
    Method,
    OptionExplanation,
    OrderExplanation,
    Problem,
    Solution,
    StrArray,
    U8Array,
)

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


# The solver's data types live in routing.problem; they are importable from here as before.
__all__ = [
    "BINDING_CAPACITY",
    "BINDING_CHEAPEST",
    "BINDING_PROMISE",
    "BINDING_RULE",
    "REASON_CAPACITY",
    "REASON_NO_OPTION",
    "REASON_STOCK",
    "RULE_COLD_CHAIN",
    "RULE_INSURANCE",
    "RULE_NAMES",
    "RULE_NO_LANE",
    "RULE_OK",
    "RULE_PROMISE",
    "RULE_WAREHOUSE",
    "RULE_WEIGHT",
    "UNSERVED_REASONS",
    "BoolArray",
    "IntArray",
    "Method",
    "OptionExplanation",
    "OrderExplanation",
    "Problem",
    "Solution",
    "StrArray",
    "U8Array",
    "explain",
    "greedy_cheapest_first",
    "lp_lower_bound",
    "solve",
    "stock_use",
    "with_options",
]
