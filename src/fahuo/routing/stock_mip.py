"""Stock limits in the allocation solver: class-level stock rows and the stock MIP.

An order takes its whole SKU demand from the warehouse of its option; a warehouse × SKU row caps
what the orders sent there take. The rows cross the carrier × warehouse caps (and weigh orders by
quantity), so they make a MIP; :func:`solve_stock` solves it (docs/allocation.md, *When the stock
MIP runs*): LPs by interior point, rounding, re-routing, and branch-and-bound on small models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from fahuo.routing import highs

if TYPE_CHECKING:
    from fahuo.routing.solver import Problem, _Classes

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class StockRows:
    """Class-level stock rows: one per limited warehouse × SKU some class arc draws from."""

    limit: IntArray  # (R,)
    warehouse: IntArray  # (R,)
    sku: IntArray  # (R,)
    arc: IntArray  # (e,) class arc drawing from ``row``
    row: IntArray  # (e,)
    qty: IntArray  # (e,) units per order on that arc
    can_bind: bool  # the classes with an arc at a row could ask for more than its limit

    def use(self, flows: IntArray) -> IntArray:
        """Units per row that a flow per class arc takes."""
        return np.bincount(
            self.row, weights=flows[self.arc] * self.qty, minlength=self.limit.shape[0]
        ).astype(np.int64)


def stock_rows(p: Problem, cl: _Classes) -> StockRows | None:
    """The stock rows of the class model, or None when no arc meets a limited stock that can bind."""
    if not p.stock_may_bind or cl.arc_class.size == 0:
        return None
    assert p.stock is not None and p.demand_order is not None
    assert p.demand_sku is not None and p.demand_qty is not None
    n_sku = p.stock.shape[1]
    d_start = np.searchsorted(p.demand_order, np.arange(p.n_orders + 1))
    rep = cl.rep_order[cl.arc_class]  # (A,)
    length = d_start[rep + 1] - d_start[rep]
    arc = np.repeat(np.arange(cl.arc_class.shape[0]), length)
    entry = (
        np.repeat(d_start[rep], length)
        + np.arange(arc.shape[0])
        - np.repeat(np.cumsum(length) - length, length)
    )
    w, sku, qty = cl.cols.warehouse[cl.arc_col[arc]], p.demand_sku[entry], p.demand_qty[entry]
    limited = p.stock[w, sku] >= 0
    if not limited.any():
        return None
    arc, w, sku, qty = arc[limited], w[limited], sku[limited], qty[limited]
    keys, row = np.unique(w * n_sku + sku, return_inverse=True)
    row = row.reshape(-1)
    limit = p.stock[keys // n_sku, keys % n_sku]
    # most a row could be asked for: every order of every class with an arc at its warehouse
    cls = cl.arc_class[arc]
    _, first = np.unique(cls * keys.shape[0] + row, return_index=True)
    most = np.bincount(row[first], weights=cl.count[cls[first]] * qty[first], minlength=keys.shape[0])
    return StockRows(
        limit=limit.astype(np.int64),
        warehouse=keys // n_sku,
        sku=keys % n_sku,
        arc=arc,
        row=row,
        qty=qty,
        can_bind=bool(np.any(most > limit)),
    )


# Above this many class arcs, stock models skip branch-and-bound: HiGHS' root cut separation on
# them runs for tens of seconds whatever the time limit, and rounding the LP does as well.
MIP_MAX_ARCS = 10_000


def solve_stock(
    cl: _Classes,
    stock: StockRows,
    *,
    time_limit: float | None,
    start: IntArray | None,
    stats: dict[str, float],
) -> tuple[IntArray, int]:
    """The two phases with stock rows (a MIP: the rows cross the caps, quantities are weights).

    Each phase solves its LP (interior point, ending on a vertex); an integral vertex is the
    MIP's optimum. Otherwise a feasible allocation is built from it — the LP's flows rounded down
    and orders added on the cheapest arcs with room (:func:`round_up`), for phase 2 also the
    cheapest routing of phase 1's orders class by class (:func:`reroute`) — and, on models up
    to :data:`MIP_MAX_ARCS` arcs, improved by HiGHS branch-and-bound within ``time_limit``.
    ``stats``: ``served_gap`` (orders the LP serves on top of phase 1's count, 0 when proven),
    ``lp_bound`` (phase 2's LP: :func:`~fahuo.routing.solver.lp_lower_bound` at that count) and
    ``mip_gap`` (phase 2's freight over its best bound, relative; 0 when proven).
    """
    branched = 0
    small = cl.arc_class.shape[0] <= MIP_MAX_ARCS
    relaxed = highs.run(highs.class_lp(cl, integer=False, served=None, stock=stock), "max-served LP")
    x1 = highs.integral(relaxed)
    if x1 is None:
        x1 = round_up(cl, relaxed, stock)
        if start is not None and start.sum() > x1.sum():
            x1 = start
        proven = False
        if small:
            branched += 1
            x1, proven, _bound = highs.branch_and_bound(
                cl, stock, served=None, start=x1, time_limit=time_limit
            )
        stats["served_gap"] = 0.0 if proven else float(max(np.floor(relaxed.sum() + 1e-6) - x1.sum(), 0))
    served = int(x1.sum())
    h = highs.class_lp(cl, integer=False, served=served, stock=stock)
    relaxed = highs.run(h, "min-cost LP")
    bound = stats["lp_bound"] = float(h.getInfo().objective_function_value)
    x2 = highs.integral(relaxed)
    if x2 is not None:
        return x2, branched
    options = [
        x1,
        reroute(cl, x1, stock, small=small, time_limit=time_limit),
        round_up(cl, relaxed, stock, target=served),
    ]
    x2 = min((x for x in options if x.sum() >= served), key=lambda x: int(x @ cl.arc_cost))
    if small:
        branched += 1
        x2, proven, dual = highs.branch_and_bound(cl, stock, served=served, start=x2, time_limit=time_limit)
        bound = float(x2 @ cl.arc_cost) if proven else max(bound, dual if dual is not None else bound)
    stats["mip_gap"] = highs.gap(float(x2 @ cl.arc_cost), bound)
    return x2, branched


def round_up(
    cl: _Classes,
    relaxed: npt.NDArray[np.float64],
    stock: StockRows,
    *,
    target: int | None = None,
) -> IntArray:
    """A feasible allocation near an LP optimum: its flows rounded down, then orders added on the
    cheapest arcs while their class, the caps and the stock rows have room, until ``target``
    orders are served (default: as many as fit)."""
    x = np.floor(relaxed + 1e-9).astype(np.int64)
    left = (
        cl.count - np.bincount(cl.arc_class, weights=x, minlength=cl.count.shape[0]).astype(np.int64)
    ).tolist()
    cap_left = (cl.caps.limit - cl.caps.usage(np.repeat(cl.arc_col, x))).tolist()
    stock_left = (stock.limit - stock.use(x)).tolist()
    by_arc = np.argsort(stock.arc, kind="stable")
    bounds = np.searchsorted(stock.arc[by_arc], np.arange(cl.arc_class.shape[0] + 1)).tolist()
    s_row, s_qty = stock.row[by_arc].tolist(), stock.qty[by_arc].tolist()
    chains = [[r for r in chain if r >= 0] for chain in cl.caps.chain[cl.arc_col].tolist()]
    arc_class = cl.arc_class.tolist()
    missing = None if target is None else target - int(x.sum())
    for a in np.argsort(cl.arc_cost, kind="stable").tolist():
        if missing is not None and missing <= 0:
            break
        k = arc_class[a]
        room = left[k] if missing is None else min(left[k], missing)
        for r in chains[a]:
            room = min(room, cap_left[r])
        for e in range(bounds[a], bounds[a + 1]):
            room = min(room, stock_left[s_row[e]] // s_qty[e])
        if room <= 0:
            continue
        x[a] += room
        left[k] -= room
        if missing is not None:
            missing -= room
        for r in chains[a]:
            cap_left[r] -= room
        for e in range(bounds[a], bounds[a + 1]):
            stock_left[s_row[e]] -= room * s_qty[e]
    return x


def reroute(
    cl: _Classes, x: IntArray, stock: StockRows, *, small: bool, time_limit: float | None
) -> IntArray:
    """Phase 1's orders (as many of each class) on their cheapest routes (phase 1 ignores
    freight): the LP with every class's count fixed, rounded by :func:`round_up` back up to
    phase 1's count; where rounding falls short, on small models the same as a MIP from ``x``."""
    k_n = cl.count.shape[0]
    counts = np.bincount(cl.arc_class, weights=x, minlength=k_n).astype(np.float64)
    h = highs.class_lp(cl, integer=False, served=0, stock=stock)
    h.changeRowsBounds(k_n, np.arange(k_n, dtype=np.int32), counts, counts)
    rounded = round_up(cl, highs.run(h, "re-route LP"), stock, target=int(x.sum()))
    if rounded.sum() >= x.sum() or not small:
        return rounded
    h = highs.class_lp(cl, integer=True, served=0, stock=stock)
    h.changeRowsBounds(k_n, np.arange(k_n, dtype=np.int32), counts, counts)
    sol = highs.module().HighsSolution()
    sol.col_value = x.astype(np.float64).tolist()
    sol.value_valid = True
    h.setSolution(sol)
    better = highs.integral(highs.run(h, "re-route MIP", time_limit, incumbent_ok=True))
    return x if better is None or int(better @ cl.arc_cost) > int(x @ cl.arc_cost) else better


def arc_flows(p: Problem, cl: _Classes, option: IntArray) -> IntArray:
    """Flow per class arc of a per-order allocation (e.g. the greedy one, as a MIP start)."""
    assigned = option >= 0
    n_cols = cl.cols.carrier.shape[0]
    arc_key = cl.arc_class * n_cols + cl.arc_col
    by_key = np.argsort(arc_key, kind="stable")
    wanted = cl.inverse[assigned] * n_cols + cl.cols.opt_col[option[assigned]]
    arc = by_key[np.searchsorted(arc_key, wanted, sorter=by_key)]
    return np.bincount(arc, minlength=arc_key.shape[0]).astype(np.int64)
