"""HiGHS for the allocation solver: loading highspy, the class-level model, running it.

:mod:`fahuo.routing.solver` builds order classes and caps; this module turns them into a HiGHS model
(column-wise, in numpy) and runs LPs and branch-and-bound on it, for the crossing-caps MIP, the
stock MIP (:mod:`fahuo.routing.stock_mip`) and the LP bound.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from fahuo.routing.solver import _Classes
    from fahuo.routing.stock_mip import StockRows

IntArray = npt.NDArray[np.int64]

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


def module() -> Any:
    """The highspy module, or a clear error when this process cannot load it."""
    if _HIGHSPY is None:  # pragma: no cover
        raise RuntimeError(
            "HiGHS (highspy) cannot be loaded in this process, most likely because OR-Tools was "
            f"imported first with a different libhighs.so.1 ({_HIGHSPY_ERROR}); pin highspy<1.15"
        )
    return _HIGHSPY


def class_lp(cl: _Classes, *, integer: bool, served: int | None, stock: StockRows | None = None) -> Any:
    """HiGHS model over the class arcs, built column-wise in numpy.

    Rows: one per class (≤ multiplicity), one per finite cap, one per stock row (units: the
    class's quantity of that SKU per order). ``served=None``: maximise the number served;
    otherwise add ``Σx ≥ served`` and minimise the freight.
    """
    hs = module()
    a_n, k_n = cl.arc_class.shape[0], cl.count.shape[0]
    r_cap = cl.caps.limit.shape[0]
    chain = cl.caps.chain[cl.arc_col]
    idx = np.concatenate([cl.arc_class[:, None], np.where(chain >= 0, k_n + chain, -1)], axis=1)
    valid = idx >= 0
    cols = [np.repeat(np.arange(a_n), valid.sum(axis=1))]
    rows, values = [idx[valid]], [np.ones(cols[0].shape[0])]
    uppers: list[Any] = [cl.count, cl.caps.limit]
    lowers: list[Any] = [np.full(k_n + r_cap, -np.inf)]
    n_rows = k_n + r_cap
    if stock is not None:
        cols.append(stock.arc)
        rows.append(n_rows + stock.row)
        values.append(stock.qty.astype(np.float64))
        uppers.append(stock.limit)
        lowers.append(np.full(stock.limit.shape[0], -np.inf))
        n_rows += stock.limit.shape[0]
    if served is None:
        col_cost, sense = np.ones(a_n), hs.ObjSense.kMaximize
    else:
        cols.append(np.arange(a_n))
        rows.append(np.full(a_n, n_rows))
        values.append(np.ones(a_n))
        uppers.append([np.inf])
        lowers.append([float(served)])
        n_rows += 1
        col_cost, sense = cl.arc_cost.astype(np.float64), hs.ObjSense.kMinimize
    col = np.concatenate(cols)
    by_col = np.argsort(col, kind="stable")
    start = np.searchsorted(col[by_col], np.arange(a_n + 1)).astype(np.int32)
    index = np.concatenate(rows)[by_col].astype(np.int32)
    value = np.concatenate(values)[by_col].astype(np.float64)
    row_upper = np.concatenate([np.asarray(u, dtype=np.float64) for u in uppers])
    row_lower = np.concatenate([np.asarray(v, dtype=np.float64) for v in lowers])
    h = hs.Highs()
    h.setOptionValue("output_flag", False)
    if integer:
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 0.0)
        if stock is not None:  # HiGHS' MIP presolve takes minutes on big stock models, past any time limit
            h.setOptionValue("presolve", "off")
    else:
        # a vertex: integral on a unimodular matrix; with stock rows the degenerate max-served LP
        # is 10× faster by interior point (its crossover still ends on a vertex)
        h.setOptionValue("solver", "ipm" if stock is not None else "simplex")
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
        value,
        np.full(a_n, int(hs.HighsVarType.kInteger) if integer else 0, dtype=np.int32),
    )
    if status != hs.HighsStatus.kOk:
        raise RuntimeError(f"HiGHS rejected the model: {status}")
    return h


def run(
    h: Any, what: str, time_limit: float | None = None, *, incumbent_ok: bool = False
) -> npt.NDArray[np.float64]:
    """Run HiGHS; the optimum, or with ``incumbent_ok`` (a MIP) the best allocation found when the
    time limit stops branch-and-bound (its gap is in ``h.getInfo().mip_gap``)."""
    hs = module()
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    h.run()
    status = h.getModelStatus()
    stopped = status == hs.HighsModelStatus.kTimeLimit and (
        h.getInfo().primal_solution_status == hs.SolutionStatus.kSolutionStatusFeasible
    )
    if status != hs.HighsModelStatus.kOptimal and not (incumbent_ok and stopped):
        raise RuntimeError(f"HiGHS {what}: {h.modelStatusToString(status)}")
    return np.asarray(h.getSolution().col_value, dtype=np.float64)


def integral(x: npt.NDArray[np.float64]) -> IntArray | None:
    r = np.rint(x)
    return r.astype(np.int64) if not x.size or float(np.abs(x - r).max()) <= 1e-6 else None


def gap(cost: float, bound: float) -> float:
    return max(0.0, (cost - bound) / cost) if cost > 0 else 0.0


def branch_and_bound(
    cl: _Classes,
    stock: StockRows | None,
    *,
    served: int | None,
    start: IntArray | None,
    time_limit: float | None,
) -> tuple[IntArray, bool, float | None]:
    """HiGHS branch-and-bound from ``start``: the allocation, whether it is proven optimal, and
    the best bound (phase 2; None for phase 1)."""
    what = "max-served" if served is None else "min-cost"
    h = class_lp(cl, integer=True, served=served, stock=stock)
    if start is not None:
        sol = module().HighsSolution()
        sol.col_value = start.astype(np.float64).tolist()
        sol.value_valid = True
        h.setSolution(sol)
    x = integral(run(h, f"{what} MIP", time_limit, incumbent_ok=True))
    if x is None:
        raise RuntimeError(f"{what} MIP: fractional solution")
    proven = h.getModelStatus() == module().HighsModelStatus.kOptimal
    bound = None if served is None else float(h.getInfo().mip_dual_bound)
    if start is not None and not proven and _worse(cl, x, start, served):
        x = start
    return x, proven, bound


def _worse(cl: _Classes, x: IntArray, start: IntArray, served: int | None) -> bool:
    if served is None:
        return bool(x.sum() < start.sum())
    return bool(x @ cl.arc_cost > start @ cl.arc_cost)
