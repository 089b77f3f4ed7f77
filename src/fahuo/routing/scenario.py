"""Allocation scenarios: CSV directory ⇄ typed tables ⇄ solver :class:`~fahuo.routing.solver.Problem`.

The files and their validation are in :mod:`fahuo.routing.scenario_files` (re-exported here);
this module turns a :class:`Scenario` into the solver's arrays and writes the allocation back.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from fahuo.carriers.pricing import billable_weight_g_np
from fahuo.kit.errors import InvalidInput
from fahuo.kit.exports import CsvWriter
from fahuo.routing.lane_prices import Lanes
from fahuo.routing.pickup import PickupSlots, slot_options, too_late
from fahuo.routing.scenario_files import (
    ALLOCATION_COLUMNS,
    FILE_ORDER,
    TRAIT_COLD,
    TRAIT_VALUABLE,
    BoolArray,
    Capacity,
    Carrier,
    IntArray,
    Order,
    OrderTable,
    Rate,
    Scenario,
    Slot,
    Warehouse,
    read_scenario,
)
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

__all__ = [
    "ALLOCATION_COLUMNS",
    "FILE_ORDER",
    "TRAIT_COLD",
    "TRAIT_VALUABLE",
    "BoolArray",
    "Capacity",
    "Carrier",
    "IntArray",
    "Order",
    "OrderTable",
    "Rate",
    "Scenario",
    "Slot",
    "Warehouse",
    "allocation_rows",
    "build_problem",
    "load_problem",
    "read_scenario",
    "write_allocation",
]


def _lanes(sc: Scenario, c_index: dict[str, int], dest_index: dict[str, int], nw: int) -> Lanes:
    t = Lanes.empty((len(dest_index), len(c_index), nw))  # a scenario's rates have no remote surcharge
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
    price = np.where(lane, t.freight(billable, dest), -1)
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
