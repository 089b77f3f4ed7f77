"""The allocation solver's engines over aggregated classes: min-cost flow (OR-Tools, else HiGHS'
network simplex), the HiGHS MIP, and the disaggregation of class flows back to orders. Split from
:mod:`fahuo.routing.solver`, which chooses among them."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np

# importing highs loads highspy, before anything can load OR-Tools (see fahuo.routing.highs)
from fahuo.routing import highs
from fahuo.routing.problem import IntArray, Problem

if TYPE_CHECKING:
    from fahuo.routing.solver import _Classes


@functools.cache
def _ortools_min_cost_flow() -> Any | None:
    """OR-Tools' min-cost flow module, or None when it cannot be loaded beside highspy."""
    try:
        from ortools.graph.python import min_cost_flow
    except ImportError:
        return None
    return min_cost_flow


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
