"""The stream's carrier split through the allocation optimiser (:mod:`fahuo.routing.solver`).

1. **Population** (:mod:`fahuo.livestream.population`): the forecast count as classes
   (province × parcel type) with multiplicities, laid out in arrival order.
2. **Ready hours**: the packing simulation (``planning.pack_timeline``) says how many parcels are
   packed in each hour; the k-th parcel in arrival order is ready after the hour that packs it.
3. **Prices**: every class on every carrier from the dispatch warehouse with the rate card in force
   on the stream's day (``carriers.services.effective_rate_lines``): 首重/续重 on the billable
   weight (the SKU's weight or its box over the carrier's volumetric divisor), the contract's
   volume-tier delta on the first weight, the remote surcharge, and the insurance premium for
   valuable SKUs. No rate row, no cold chain for a cold SKU, no insurance for a valuable one or a
   parcel over the weight limit = no service on that lane.
4. **Slots**: one per hour of the timeline in which the carrier's pickup window is open and that
   ends by the stream's end + 48 h (the "100 % shipped within 48 h" promise). A parcel may take a
   slot after the hour it is packed. Caps per carrier × warehouse: the stream contract in force
   (``Contract.peak_capacity_per_stream`` for the stream, ``pickup_capacity_per_hour`` per slot),
   else the outlet's ``Capacity`` row (``max_parcels``, ``max_parcels_per_hour``) — a stream
   contract is the negotiated peak and replaces the outlet's everyday figure; no figure = no cap
   (as in routing).
5. **Solve** with ``solver.solve`` (as many parcels as the caps allow, then the least freight) and
   ``solver.greedy_cheapest_first`` on the same problem as the baseline. The solver is indifferent
   between slots of one lane (same price); each lane's parcels are then picked up as early as its
   hourly caps allow (first packed, first picked), which keeps every cap and only moves pickups
   earlier.

Size: the solver takes one row per order and one option per order × carrier × open slot. Up to
``MAX_UNITS`` parcels that is exact; above, one row stands for ``unit`` parcels (``unit =
⌈parcels / MAX_UNITS⌉``; caps rounded down to whole units, so never over a cap), and the last row
carries the remainder so totals stay exact.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from fahuo.carriers.pricing import billable_weight_g, freight_fen, insurance_fen
from fahuo.livestream.population import ParcelType, Population, apportion, interleave
from fahuo.routing import solver

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

MAX_UNITS = 3000
DELTA_DAYS = 7  # volume tier: the carrier's daily average over the week before the stream


@dataclass(frozen=True, slots=True)
class Lane:
    """One carrier from the dispatch warehouse, with its caps (None = no cap) and pickup window."""

    code: str
    name: str
    carrier_id: int
    per_stream: int | None  # Contract.peak_capacity_per_stream, else Capacity.max_parcels
    per_hour: int | None  # Contract.pickup_capacity_per_hour, else Capacity.max_parcels_per_hour
    window: tuple[int, int]  # local hours [from, to)
    source: str  # contract, capacity, none


@dataclass(frozen=True, slots=True)
class Tariff:
    """A carrier's rate lines from the warehouse's province (dest → 首重 g, 首重 fen, 续重 g, 续重 fen,
    remote fen) and what it can carry."""

    lines: dict[str, tuple[int, int, int, int, int]]
    volumetric_divisor: int = 8000
    max_weight_g: int = 30000
    cold_chain: bool = False
    insured: bool = False
    insurance_rate_permille: int = 5
    insurance_min_fen: int = 100
    tier_delta_fen: int = 0


def lane_fen(billable_g: int, dest: str, tariff: Tariff, *, declared_value_fen: int | None = None) -> int:
    """Fen for one parcel of ``billable_g`` to ``dest`` (-1: no lane): 首重/续重 with the tier delta on
    the first weight, the remote surcharge, and the insurance premium when ``declared_value_fen`` is
    given (``carriers.pricing.insurance_fen``, as ``carriers.services.insurance_fee_fen``)."""
    line = tariff.lines.get(dest)
    if line is None:
        return -1
    first_w, first_p, step_w, step_p, remote = line
    fen = freight_fen(
        billable_g=billable_g,
        first_weight_g=first_w,
        first_price_fen=max(0, first_p + tariff.tier_delta_fen),
        step_weight_g=step_w,
        step_price_fen=step_p,
    )
    if declared_value_fen is not None:
        fen += insurance_fen(
            declared_value_fen=declared_value_fen,
            rate_permille=tariff.insurance_rate_permille,
            min_fen=tariff.insurance_min_fen,
        )
    return fen + remote


def price(t: ParcelType, dest: str, tariff: Tariff) -> int:
    """Fen for one parcel of type ``t`` to ``dest``; -1 when the carrier cannot take it."""
    if (t.cold and not tariff.cold_chain) or (t.valuable and not tariff.insured):
        return -1
    billable = billable_weight_g(
        weight_g=t.weight_g,
        length_mm=t.length_mm,
        width_mm=t.width_mm,
        height_mm=t.height_mm,
        volumetric_divisor=tariff.volumetric_divisor,
    )
    if billable > tariff.max_weight_g:
        return -1
    return lane_fen(billable, dest, tariff, declared_value_fen=t.declared_value_fen if t.valuable else None)


def price_matrix(population: Population, tariffs: list[Tariff]) -> IntArray:
    """(classes, carriers) fen per parcel, -1 = no service. Classes × carriers is small (hundreds)."""
    out = np.full((population.n_classes, len(tariffs)), -1, dtype=np.int64)
    for k in range(population.n_classes):
        dest, t = population.province_of(k), population.type_of(k)
        for c, tariff in enumerate(tariffs):
            out[k, c] = price(t, dest, tariff)
    return out


def slot_open(lanes: list[Lane], timeline: list[datetime], deadline: datetime, tz: Any) -> BoolArray:
    """(carriers, hours): the carrier picks up in that hour (window open, ends by the deadline)."""
    local = [t.astimezone(tz).hour for t in timeline]
    in_time = [t + timedelta(hours=1) <= deadline for t in timeline]
    return np.asarray(
        [[lane.window[0] <= h < lane.window[1] and ok for h, ok in zip(local, in_time, strict=True)]
         for lane in lanes],
        dtype=bool,
    ).reshape(len(lanes), len(timeline))  # fmt: skip


# --- the solve ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class LaneResult:
    code: str
    carrier_id: int
    parcels: int = 0
    freight_fen: int = 0
    pickups: dict[int, int] = field(default_factory=dict)  # hour index -> parcels


@dataclass(slots=True)
class Outcome:
    """One scenario's allocation (parcels, freight in fen) and what did not fit."""

    parcels: int  # the population: forecast orders, one parcel each
    packed: int  # packed within the timeline (the rest: too few packers)
    served: int
    freight_fen: int
    greedy_served: int
    greedy_fen: int
    lanes: list[LaneResult]
    over_capacity: dict[int, int]  # ready hour index -> parcels no cap had room for
    no_service: dict[str, int]  # province -> parcels no carrier serves (lane, cold chain, …)
    method: str
    classes: int
    units: int
    unit: int
    seconds: float

    @property
    def unpacked(self) -> int:
        return self.parcels - self.packed

    @property
    def over_capacity_total(self) -> int:
        return sum(self.over_capacity.values())

    def as_dict(self, timeline: list[datetime]) -> dict[str, Any]:
        return {
            "parcels": self.parcels,
            "packed": self.packed,
            "served": self.served,
            "freight_fen": self.freight_fen,
            "greedy_served": self.greedy_served,
            "greedy_fen": self.greedy_fen,
            "saving_fen": self.greedy_fen - self.freight_fen if self.greedy_served == self.served else None,
            "over_capacity": self.over_capacity_total,
            "over_capacity_by_hour": [
                {"hour": timeline[h].isoformat(), "parcels": n} for h, n in sorted(self.over_capacity.items())
            ],
            "no_service": dict(sorted(self.no_service.items(), key=lambda kv: -kv[1])),
            "method": self.method,
            "classes": self.classes,
            "units": self.units,
            "unit": self.unit,
            "seconds": round(self.seconds, 3),
        }


def _units(packed: list[int], counts_total: int) -> tuple[int, int, IntArray, IntArray]:
    """(unit, rows, ready hour index per row, parcels per row) for ``counts_total`` packed parcels."""
    unit = max(1, math.ceil(counts_total / MAX_UNITS))
    rows = math.ceil(counts_total / unit) if counts_total else 0
    ends = np.minimum((np.arange(rows, dtype=np.int64) + 1) * unit, counts_total)
    cum = np.cumsum(np.asarray(packed, dtype=np.int64))
    ready = np.searchsorted(cum, ends, side="left").astype(
        np.int64
    )  # the hour that packs the row's last parcel
    size = np.full(rows, unit, dtype=np.int64)
    if rows:
        size[-1] = counts_total - (rows - 1) * unit
    return unit, rows, ready, size


def _options(
    cls: IntArray, ready: IntArray, prices: IntArray, open_: BoolArray
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Options (row, carrier, slot, fen), grouped by row: every priced carrier × open slot after the
    row's packing hour. One carrier at a time, numpy only."""
    parts: list[tuple[IntArray, IntArray, IntArray, IntArray]] = []
    for c in range(prices.shape[1]):
        slots = np.flatnonzero(open_[c]).astype(np.int64)
        start = np.searchsorted(slots, ready + 1, side="left")
        count = np.where(prices[cls, c] >= 0, slots.shape[0] - start, 0).astype(np.int64)
        rows = np.repeat(np.arange(cls.shape[0], dtype=np.int64), count)
        offset = np.arange(rows.shape[0], dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
        parts.append((rows, np.full(rows.shape[0], c, dtype=np.int64), slots[start[rows] + offset],
                      prices[cls[rows], c]))  # fmt: skip
    row = np.concatenate([p[0] for p in parts])
    by = np.argsort(row, kind="stable")
    return (
        row[by],
        np.concatenate([p[1] for p in parts])[by],
        np.concatenate([p[2] for p in parts])[by],
        (np.concatenate([p[3] for p in parts])[by]),
    )


def _caps(lanes: list[Lane], unit: int, hours: int) -> tuple[IntArray, IntArray]:
    """(carriers, 1) per-stream and (carriers, 1, hours) per-hour caps in rows (-1 = no cap)."""

    def units(cap: int | None) -> int:
        return -1 if cap is None else cap // unit

    stream = np.asarray([units(lane.per_stream) for lane in lanes], dtype=np.int64).reshape(len(lanes), 1)
    hourly = np.repeat(np.asarray([units(lane.per_hour) for lane in lanes], dtype=np.int64), hours)
    return stream, hourly.reshape(len(lanes), 1, hours)


def _earliest(ready: IntArray, chosen: IntArray, lanes: list[Lane], open_: BoolArray, unit: int) -> IntArray:
    """Pickup hour per row: each lane takes its rows first packed, first picked, as early as its open
    hours and hourly cap allow (every row was feasible in the solution, so every row gets a slot)."""
    slot = np.full(ready.shape[0], -1, dtype=np.int64)
    for c, lane in enumerate(lanes):
        mine = np.flatnonzero(chosen == c)  # rows are in arrival order: ready is non-decreasing
        if mine.size == 0:
            continue
        cap = None if lane.per_hour is None else lane.per_hour // unit
        taken = 0
        for s in np.flatnonzero(open_[c]).tolist():
            released = int(np.searchsorted(ready[mine], s - 1, side="right"))  # packed before hour s
            n = released - taken if cap is None else min(cap, released - taken)
            if n > 0:
                slot[mine[taken : taken + n]] = s
                taken += n
            if taken == mine.size:
                break
        if taken < mine.size:  # cannot happen for a feasible solution
            raise RuntimeError(f"{lane.code}: {mine.size - taken} parcels without a pickup hour")
    return slot


def allocate(
    *,
    population: Population,
    prices: IntArray,
    lanes: list[Lane],
    packed: list[int],
    total: int,
    open_: BoolArray,
    warehouse: str = "WH",
) -> Outcome:
    """Allocate ``total`` parcels (packed per hour as ``packed`` says) to the lanes at least cost."""
    t0 = time.perf_counter()
    packed_total = min(total, int(sum(packed)))
    unit, rows, ready, size = _units(packed, packed_total)
    cls = interleave(apportion(rows, population.class_shares()))
    results = [LaneResult(lane.code, lane.carrier_id) for lane in lanes]
    over: dict[int, int] = defaultdict(int)
    no_service: dict[str, int] = defaultdict(int)
    if rows == 0 or not lanes:
        for k in range(rows):
            no_service[population.province_of(int(cls[k]))] += int(size[k])
        return Outcome(total, packed_total, 0, 0, 0, 0, results, dict(over), dict(no_service), "none", 0, rows,
                       unit, time.perf_counter() - t0)  # fmt: skip
    opt_row, opt_carrier, opt_slot, opt_cost = _options(cls, ready, prices, open_)
    stream, hourly = _caps(lanes, unit, open_.shape[1])
    problem = solver.Problem(
        order_ids=[str(i) for i in range(rows)],
        carriers=[lane.code for lane in lanes],
        warehouses=[warehouse],
        opt_order=opt_row,
        opt_carrier=opt_carrier,
        opt_warehouse=np.zeros(opt_row.shape[0], dtype=np.int64),
        opt_cost=opt_cost,
        capacity=stream,
        opt_slot=opt_slot,
        slots=[str(s) for s in range(open_.shape[1])],
        slot_capacity=hourly,
    )
    best = solver.solve(problem)
    greedy = solver.greedy_cheapest_first(problem)
    chosen = np.asarray(best.carrier, dtype=np.int64)
    slot = _earliest(ready, chosen, lanes, open_, unit)
    for i in np.flatnonzero(chosen >= 0).tolist():
        r = results[int(chosen[i])]
        n = int(size[i])
        r.parcels += n
        r.freight_fen += n * int(prices[cls[i], chosen[i]])
        r.pickups[int(slot[i])] = r.pickups.get(int(slot[i]), 0) + n
    for i in np.flatnonzero(chosen < 0).tolist():
        if np.any(prices[cls[i]] >= 0):
            over[int(ready[i])] += int(size[i])
        else:
            no_service[population.province_of(int(cls[i]))] += int(size[i])
    g = np.asarray(greedy.carrier, dtype=np.int64)
    g_ok = g >= 0
    greedy_fen = int((size[g_ok] * prices[cls[g_ok], g[g_ok]]).sum())
    served = sum(r.parcels for r in results)
    return Outcome(
        parcels=total,
        packed=packed_total,
        served=served,
        freight_fen=sum(r.freight_fen for r in results),
        greedy_served=int(size[g_ok].sum()),
        greedy_fen=greedy_fen,
        lanes=results,
        over_capacity=dict(over),
        no_service=dict(no_service),
        method=best.method,
        classes=best.n_classes,
        units=rows,
        unit=unit,
        seconds=time.perf_counter() - t0,
    )


# --- reads -------------------------------------------------------------------------------------------


def tariffs_for(
    *, carrier_ids: list[int], origin_province: str, on: date, before: datetime
) -> dict[int, Tariff]:
    """Per carrier id with at least one lane in force from ``origin_province`` on ``on``, its tariff
    (three queries: rate lines, carriers, last week's parcels; plus the contract tiers)."""
    from fahuo.carriers.models import Carrier
    from fahuo.carriers.services import current_first_price_delta, effective_rate_lines
    from fahuo.fulfilment.models import Parcel

    lines: dict[int, dict[str, tuple[int, int, int, int, int]]] = defaultdict(dict)
    for row in (
        effective_rate_lines(on=on)
        .filter(carrier_id__in=carrier_ids, origin_province=origin_province)
        .values_list("carrier_id", "dest_province", "first_weight_g", "first_price_fen", "step_weight_g",
                     "step_price_fen", "remote_surcharge_fen")
    ):  # fmt: skip
        lines[row[0]][row[1]] = (row[2], row[3], row[4], row[5], row[6])
    if not lines:
        return {}
    since = before - timedelta(days=DELTA_DAYS)
    recent = {
        cid: n / DELTA_DAYS
        for cid, n in _count_by_carrier(Parcel.objects.filter(created_at__gte=since, created_at__lt=before))
    }
    deltas = current_first_price_delta(on=on, daily_avgs={cid: recent.get(cid, 0.0) for cid in lines})
    out: dict[int, Tariff] = {}
    for c in Carrier.objects.filter(pk__in=list(lines)):
        out[c.pk] = Tariff(
            lines=lines[c.pk],
            volumetric_divisor=c.volumetric_divisor,
            max_weight_g=c.max_weight_g,
            cold_chain=c.cold_chain,
            insured=c.insured,
            insurance_rate_permille=c.insurance_rate_permille,
            insurance_min_fen=c.insurance_min_fen,
            tier_delta_fen=deltas.get(c.pk, 0),
        )
    return out


def _count_by_carrier(qs: Any) -> list[tuple[int, int]]:
    from django.db.models import Count

    return [
        (int(r["carrier_id"]), int(r["n"]))
        for r in qs.values("carrier_id").annotate(n=Count("id")).order_by()
    ]
