"""What a planned allocation run records besides its decisions: the summary (capacity, pickup hours,
stock, timings, both plans over the orders both serve) and the decisions themselves."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from fahuo.routing import candidates as cand_mod
from fahuo.routing import explanations, pickup, solver
from fahuo.routing import window as window_mod
from fahuo.routing.candidates import Candidates
from fahuo.routing.models import AllocationDecision, AllocationRun

IntArray = npt.NDArray[np.int64]


def lane_key(carrier: str, warehouse: str) -> str:
    return f"{carrier}@{warehouse}"


class Laps:
    """Seconds between named marks (the run's ``timings``)."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def mark(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self.last, 3)
        self.last = now

    def total(self) -> float:
        return round(time.perf_counter() - self.start, 3)


def earliest_pickups(p: solver.Problem, best: solver.Solution, window: window_mod.Window) -> solver.Solution:
    """The optimum with each pair's parcels on its earliest pickup hours (same freight)."""
    assert p.slot_capacity is not None
    option = pickup.earliest_first(
        p.opt_order,
        p.opt_carrier,
        p.opt_warehouse,
        p.option_slot,
        p.slot_capacity,
        window.slots.depart,
        best.option,
    )
    return best if np.array_equal(option, best.option) else solver.with_options(p, best, option)


def _pickup_summary(cand: Candidates) -> dict[str, Any]:
    """The window's hours, each carrier's pickup hours and the per-hour caps, for the pages and override."""
    w = cand.window
    if w is None:
        return {}
    return {
        "pickup": {
            "start": w.start.isoformat(),
            "end": w.end.isoformat(),
            "hours": [t.isoformat() for t in w.hours],
            "depart": w.depart.tolist(),
            "open": {c.code: np.flatnonzero(w.open[i]).tolist() for i, c in enumerate(cand.carriers)},
            "per_hour": {
                lane_key(c.code, wh.code): int(w.per_hour[i, j])
                for i, c in enumerate(cand.carriers)
                for j, wh in enumerate(cand.warehouses)
                if w.per_hour[i, j] >= 0
            },
        }
    }


def _stock_summary(cand: Candidates) -> dict[str, Any]:
    """Units the flexible orders could share per warehouse × SKU they asked for, and what
    allocated, unshipped orders outside the run held."""
    p = cand.problem
    if p.demand_sku is None:
        return {}
    skus = np.unique(p.demand_sku).tolist()
    free: dict[str, dict[str, int]] = {}
    held: dict[str, dict[str, int]] = {}
    for j, wh in enumerate(cand.warehouses):
        free[wh.code] = {cand.sku_codes[k]: int(cand.stock_free[j, k]) for k in skus}
        taken = {cand.sku_codes[k]: int(cand.stock_held[j, k]) for k in skus if cand.stock_held[j, k]}
        if taken:
            held[wh.code] = taken
    return {"stock": free, "stock_held": held}


def nothing(p: solver.Problem) -> solver.Solution:
    empty = np.zeros(0, dtype=np.int64)
    return solver.Solution(
        option=empty,
        carrier=empty,
        warehouse=empty,
        slot=empty,
        cost_fen=empty,
        reason=np.zeros(0, dtype="<U12"),
        binding=np.zeros(0, dtype="<U8"),
        total_fen=0,
        served=0,
        method="none",
        n_classes=0,
        seconds=0.0,
    )


def real_option_price(cand: Candidates) -> IntArray:
    """Real price (without preference penalties) of each of the problem's options."""
    p = cand.problem
    return cand.price[p.opt_order, p.opt_carrier, p.opt_warehouse].astype(np.int64)


def decisions(
    run: AllocationRun,
    cand: Candidates,
    best: solver.Solution,
    binding: npt.NDArray[np.str_],
    explained: list[dict[str, Any]],
    real: IntArray,
) -> Iterable[AllocationDecision]:
    c_pk = [c.pk for c in cand.carriers]
    w_pk = [w.pk for w in cand.warehouses]
    priced = {int(a): k for k, a in enumerate(cand.idx.tolist())}
    reasons = explanations.unassigned_reasons(cand, best)
    hours = explanations.pickup_hours(cand, best)
    for a, pk in enumerate(cand.all_pk.tolist()):
        k = priced.get(a)
        if k is None:
            yield AllocationDecision(
                run=run,
                order_id=pk,
                reason=cand_mod.REASON_SKU_WEIGHT,
                explanation={
                    "reason": cand_mod.REASON_SKU_WEIGHT,
                    "missing": cand.all_missing[a],
                    "options": [],
                },
            )
            continue
        opt = int(best.option[k])
        yield AllocationDecision(
            run=run,
            order_id=pk,
            carrier_id=c_pk[int(best.carrier[k])] if opt >= 0 else None,
            warehouse_id=w_pk[int(best.warehouse[k])] if opt >= 0 else None,
            freight_fen=int(real[opt]) if opt >= 0 else None,
            reason=str(binding[k]) if opt >= 0 else reasons[k],
            explanation=explained[k],
            pickup_at=hours[k],
        )


def common_set(real: Any, best: Any, greedy: Any) -> dict[str, int]:
    """Both plans' cost over the orders BOTH serve: with binding stock or capacity the optimiser and
    cheapest-first serve different order sets, and their totals are not comparable (issue #18)."""
    both = (best >= 0) & (greedy >= 0)
    return {
        "common_orders": int(both.sum()),
        "common_total_fen": int(real[best[both]].sum()),
        "common_greedy_fen": int(real[greedy[both]].sum()),
    }


def run_summary(
    cand: Candidates, best: solver.Solution, greedy: solver.Solution, real: IntArray, laps: Laps
) -> dict[str, Any]:
    """The run's ``summary`` as planned (``refresh_totals`` adds the per-carrier counts)."""
    p = cand.problem
    objective = int(best.total_fen)
    return {
        "on": cand.on.isoformat(),
        "method": best.method,
        "classes": best.n_classes,
        "options": p.n_options,
        "objective_fen": objective,
        "penalty_fen": objective - int(real[best.option[best.option >= 0]].sum()),
        "greedy_served": greedy.served,
        "greedy_objective_fen": int(greedy.total_fen),
        **common_set(real, best.option, greedy.option),
        "capacity": {
            lane_key(c.code, w.code): int(cand.capacity[i, j])
            for i, c in enumerate(cand.carriers)
            for j, w in enumerate(cand.warehouses)
            if cand.capacity[i, j] >= 0
        },
        "tier_delta_fen": cand.tier_delta_fen,
        "daily_avg": {k: round(v, 2) for k, v in cand.daily_avg.items()},
        "rules": [{"id": r.pk, "name": r.name, "kind": r.kind} for r in cand.effects.rules],
        "carrier_names": {c.code: c.name for c in cand.carriers},
        "warehouse_names": {w.code: w.name for w in cand.warehouses},
        **_pickup_summary(cand),
        **_stock_summary(cand),
        "stock_rows": int(best.stats.get("stock_rows", 0)),
        "mip_gap_pct": round(100 * best.stats.get("mip_gap", 0.0), 4),
        "served_gap": int(best.stats.get("served_gap", 0)),
        "timings": dict(laps.seconds),
    }
