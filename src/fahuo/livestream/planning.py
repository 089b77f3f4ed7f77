"""Capacity check and shipping plan for one stream: the forecast point (what we expect) and the
high end of its interval (what capacity must cover).

* Packing: packers × orders per packer-hour during the warehouse's working hours (``WORK_HOURS``,
  local time); packing starts with the stream. Packers needed = the fewest packers that pack 98 % of
  the high end within 24 h of the stream's end and 100 % within 48 h (an hourly simulation).
* Carriers: the allocation optimiser (:mod:`fahuo.livestream.optimise`) on a synthetic order
  population (:mod:`fahuo.livestream.population`): destinations from the shop's past orders, parcels
  from the featured SKUs, priced on every carrier's rate card from the dispatch warehouse, with
  hourly pickup slots capped by the stream contracts' (else the outlets') capacities. Solved
  twice: at the forecast point (the split, pickups per hour and planned freight the notices and the
  review use) and at the high end (the capacity check: what the caps cannot absorb, per hour).
* Fallback without rate cards (no carrier has a rate line from the warehouse's province): the
  split follows the shop's past streams (orders per carrier), else the capacities, capped per
  carrier with the excess spilled to carriers with room (water-filling, :func:`split`); pickups
  hour by hour inside each carrier's window at most its hourly capacity (:func:`_pickups`). No
  freight is planned then.
* Pickup slots tell each outlet when to come and how many to expect; "picked up in 24 h / 48 h"
  counts the slots that end by the stream's end + 24 h / 48 h.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Sum
from django.utils import timezone

from fahuo.carriers.models import Capacity, Carrier
from fahuo.carriers.services import active_contracts
from fahuo.inventory.models import Stock, Warehouse
from fahuo.livestream import optimise, selectors
from fahuo.livestream.forecast import Forecast, forecast_session
from fahuo.livestream.models import LiveSession
from fahuo.livestream.population import population_for
from fahuo.livestream.sla_terms import sla_terms
from fahuo.routing.pickup import hours, parse_window

TZ = ZoneInfo("Asia/Shanghai")
WORK_HOURS = (8, 22)  # packers work 08:00–22:00 local
DEFAULT_PICKUP_WINDOW = (8, 21)
PICKUP_24H_SHARE = 0.98
HORIZON_HOURS = 48  # after the stream's end


@dataclass(slots=True)
class CarrierLine:
    code: str
    name: str
    carrier_id: int
    capacity_per_stream: int | None
    capacity_per_hour: int | None
    pickup_window: str
    source: str  # contract, capacity, none
    parcels: int = 0  # at the forecast point
    picked_24h: int = 0
    picked_48h: int = 0
    peak_parcels: int = 0  # at the high end
    peak_picked_24h: int = 0
    freight_fen: int | None = None  # planned freight at the forecast point (optimiser only)
    peak_freight_fen: int | None = None


@dataclass(slots=True)
class Slot:
    carrier: str
    start: datetime
    end: datetime
    parcels: int

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "parcels": self.parcels}


@dataclass(slots=True)
class StockLine:
    sku: str
    name: str
    planned_units: int
    available: int

    @property
    def short(self) -> int:
        return max(0, self.planned_units - self.available)


@dataclass(slots=True)
class Plan:
    session_id: int
    forecast: Forecast
    parcels: int  # the high end of the forecast: what capacity must cover
    warehouse: str
    packers: int
    orders_per_packer_hour: int
    pack_hours: float  # working hours the current team needs
    packed_24h: int
    packed_48h: int
    packers_needed_24h: int | None
    packers_needed_48h: int | None
    carriers: list[CarrierLine]
    slots: list[Slot]  # pickups at the forecast point
    stock: list[StockLine]
    warnings: list[str] = field(default_factory=list)
    expected_parcels: int = 0  # the forecast point: what the split and the notices are for
    split_method: str = "past_shares"  # optimiser, past_shares, capacities
    peak_slots: list[Slot] = field(default_factory=list)  # pickups at the high end
    optimiser: dict[str, Any] = field(default_factory=dict)  # {"expected": …, "peak": …, "population": …}

    def slots_for(self, code: str) -> list[Slot]:
        return [s for s in self.slots if s.carrier == code]

    def peak_slots_for(self, code: str) -> list[Slot]:
        return [s for s in self.peak_slots if s.carrier == code]

    @property
    def freight_fen(self) -> int | None:
        return self.optimiser["expected"]["freight_fen"] if self.optimiser else None

    @property
    def greedy_fen(self) -> int | None:
        return self.optimiser["expected"]["greedy_fen"] if self.optimiser else None

    @property
    def saving_fen(self) -> int | None:
        return self.optimiser["expected"]["saving_fen"] if self.optimiser else None

    @property
    def over_capacity(self) -> int:
        return int(self.optimiser["peak"]["over_capacity"]) if self.optimiser else 0

    def pickup_hours(self) -> list[dict[str, Any]]:
        """Per pickup hour (local), parcels per carrier at the forecast point (for the table/chart)."""
        by_hour: dict[datetime, dict[str, int]] = {}
        for s in self.slots:
            by_hour.setdefault(s.start, {})[s.carrier] = s.parcels
        return [
            {"start": t, "carriers": by_hour[t], "total": sum(by_hour[t].values())} for t in sorted(by_hour)
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "forecast": self.forecast.as_dict(),
            "expected_parcels": self.expected_parcels,
            "parcels": self.parcels,
            "split_method": self.split_method,
            "warehouse": self.warehouse,
            "packers": self.packers,
            "orders_per_packer_hour": self.orders_per_packer_hour,
            "pack_hours": round(self.pack_hours, 1),
            "packed_24h": self.packed_24h,
            "packed_48h": self.packed_48h,
            "packers_needed_24h": self.packers_needed_24h,
            "packers_needed_48h": self.packers_needed_48h,
            "freight_fen": self.freight_fen,
            "greedy_fen": self.greedy_fen,
            "saving_fen": self.saving_fen,
            "over_capacity": self.over_capacity,
            "carriers": [asdict(c) for c in self.carriers],
            "slots": [{"carrier": s.carrier, **s.as_dict()} for s in self.slots],
            "peak_slots": [{"carrier": s.carrier, **s.as_dict()} for s in self.peak_slots],
            "optimiser": self.optimiser,
            "stock": [{**asdict(s), "short": s.short} for s in self.stock],
            "warnings": self.warnings,
        }

    def stored(self) -> dict[str, Any]:
        """What is kept on the session (``LiveSession.plan``) for the review's "cost vs plan"."""
        return {
            "computed_at": timezone.now().isoformat(timespec="seconds"),
            "split_method": self.split_method,
            "forecast_orders": self.expected_parcels,
            "forecast_high": self.parcels,
            "warehouse": self.warehouse,
            "freight_fen": self.freight_fen,
            "greedy_fen": self.greedy_fen,
            "over_capacity": self.over_capacity,
            "carriers": [
                {
                    "carrier_id": c.carrier_id,
                    "code": c.code,
                    "name": c.name,
                    "parcels": c.parcels,
                    "freight_fen": c.freight_fen,
                    "peak_parcels": c.peak_parcels,
                    "peak_freight_fen": c.peak_freight_fen,
                    "pickups": [s.as_dict() for s in self.slots_for(c.code)],
                }
                for c in self.carriers
            ],
        }


# --- pure arithmetic --------------------------------------------------------------------------------


def _open(t: datetime, window: tuple[int, int]) -> bool:
    return window[0] <= t.astimezone(TZ).hour < window[1]


def pack_timeline(arrivals: dict[datetime, int], timeline: list[datetime], per_hour: int) -> list[int]:
    """Parcels packed in each hour of ``timeline`` (FIFO backlog, working hours only)."""
    backlog, out = 0, []
    for t in timeline:
        backlog += arrivals.get(t, 0)
        done = min(backlog, per_hour) if _open(t, WORK_HOURS) else 0
        backlog -= done
        out.append(done)
    return out


def packers_needed(
    arrivals: dict[datetime, int], timeline: list[datetime], *, rate: int, by: datetime, share: float
) -> int | None:
    """The fewest packers that pack ``share`` of all parcels before ``by``; None: not within 500."""
    total = sum(arrivals.values())
    if total == 0:
        return 0
    for n in range(1, 501):
        packed = pack_timeline(arrivals, timeline, n * rate)
        if sum(p for t, p in zip(timeline, packed, strict=True) if t < by) >= math.ceil(share * total):
            return n
    return None


def split(total: int, weights: dict[str, float], caps: dict[str, int | None]) -> tuple[dict[str, int], int]:
    """Split ``total`` by weights, capped per carrier; excess spills to carriers with room.

    Returns (parcels per carrier, parcels no carrier can take)."""
    out = dict.fromkeys(weights, 0)
    left = total
    open_ = {c for c in weights if caps.get(c) is None or (caps[c] or 0) > 0}
    while left > 0 and open_:
        w = {c: max(weights[c], 1e-9) for c in open_}
        s = sum(w.values())
        given = 0
        for c in sorted(open_):
            want = max(1, math.floor(left * w[c] / s))
            cap = caps.get(c)
            room = want if cap is None else min(want, cap - out[c])
            room = min(room, left - given)
            out[c] += room
            given += room
        left -= given
        open_ = {c for c in open_ if caps.get(c) is None or out[c] < (caps[c] or 0)}
        if given == 0:
            break
    return out, left


# --- the plan ---------------------------------------------------------------------------------------


def _warehouse_for(session: LiveSession) -> Warehouse | None:
    skus = [f.sku_id for f in session.featured.all()]
    row = (
        Stock.objects.filter(sku_id__in=skus)
        .values("warehouse_id")
        .annotate(units=Sum("on_hand"))
        .order_by("-units")
        .first()
    )
    if row:
        return Warehouse.objects.filter(pk=row["warehouse_id"]).first()
    return Warehouse.objects.order_by("pk").first()


def _lanes(warehouse: Warehouse | None, on: Any, *, only: set[int] | None = None) -> list[optimise.Lane]:
    """Active carriers with their caps at the warehouse: the stream contract in force
    (``peak_capacity_per_stream``, ``pickup_capacity_per_hour``), else the outlet's ``Capacity``
    row. ``only``: these carrier ids (the optimiser's carriers with a rate card, capped or not);
    else the carriers with a peak capacity on record (the fallback)."""
    contracts = active_contracts(on=on)
    caps = {c.carrier_id: c for c in Capacity.objects.filter(warehouse=warehouse)} if warehouse else {}
    lanes = []
    for carrier in Carrier.objects.filter(active=True).order_by("code"):
        contract, capacity = contracts.get(carrier.pk), caps.get(carrier.pk)
        if only is not None and carrier.pk not in only:
            continue
        if contract and (contract.peak_capacity_per_stream or contract.pickup_capacity_per_hour):
            per_stream = contract.peak_capacity_per_stream or (capacity.max_parcels if capacity else None)
            per_hour = contract.pickup_capacity_per_hour or (
                capacity.max_parcels_per_hour if capacity else None
            )
            source = "contract"
        elif capacity:
            per_stream, per_hour, source = capacity.max_parcels, capacity.max_parcels_per_hour, "capacity"
        elif only is not None:
            per_stream, per_hour, source = None, None, "none"
        else:
            continue
        window = parse_window(contract.pickup_window) if contract and contract.pickup_window else None
        lanes.append(
            optimise.Lane(
                carrier.code,
                carrier.name,
                carrier.pk,
                per_stream,
                per_hour or None,
                window or DEFAULT_PICKUP_WINDOW,
                source,
            )
        )
    return lanes


def _line(lane: optimise.Lane) -> CarrierLine:
    return CarrierLine(
        lane.code,
        lane.name,
        lane.carrier_id,
        lane.per_stream,
        lane.per_hour,
        f"{lane.window[0]:02d}:00-{lane.window[1]:02d}:00",
        lane.source,
    )


def _stock(session: LiveSession) -> list[StockLine]:
    featured = list(session.featured.all())
    avail = {
        r["sku_id"]: int((r["on"] or 0) - (r["res"] or 0))
        for r in Stock.objects.filter(sku_id__in=[f.sku_id for f in featured])
        .values("sku_id")
        .annotate(on=Sum("on_hand"), res=Sum("reserved"))
        .order_by()
    }
    return [StockLine(f.sku.code, f.sku.name, f.planned_units, avail.get(f.sku_id, 0)) for f in featured]


def _pickups(
    line: CarrierLine, packed: list[int], timeline: list[datetime], parcels: int, total: int
) -> list[Slot]:
    """Fallback: hourly pickups of this carrier's share of the packed parcels, inside its window and
    capacity."""
    window = parse_window(line.pickup_window) or DEFAULT_PICKUP_WINDOW
    share = parcels / total if total else 0.0
    ready = waiting = 0.0
    taken, slots = 0, []
    for t, p in zip(timeline, packed, strict=True):
        ready += p * share
        waiting = min(ready, parcels) - taken
        if not _open(t, window) or waiting < 1:
            continue
        n = math.floor(waiting + 1e-9)
        if line.capacity_per_hour:
            n = min(n, line.capacity_per_hour)
        if n > 0:
            taken += n
            slots.append(Slot(line.code, t + timedelta(hours=1), t + timedelta(hours=2), n))
    return slots


@dataclass(slots=True)
class _Timing:
    timeline: list[datetime]
    packed_point: list[int]
    packed_high: list[int]
    by24: datetime
    by48: datetime


def _picked(slots: list[Slot], by: datetime) -> int:
    return sum(s.parcels for s in slots if s.end <= by)


def _by_shares(
    session: LiveSession,
    lanes: list[optimise.Lane],
    t: _Timing,
    expected: int,
    high: int,
    warnings: list[str],
) -> tuple[list[CarrierLine], list[Slot], list[Slot], str]:
    """Fallback without rate cards: the past streams' carrier shares (else capacities), water-filled."""
    lines = [_line(lane) for lane in lanes]
    history = selectors.history(shop_id=session.shop_id, exclude_id=session.pk, before=session.starts_at)
    past = selectors.carrier_shares(shop_id=session.shop_id, history_ids=[h.id for h in history])
    weights = {c.code: float(past.get(c.carrier_id, 0) or c.capacity_per_stream or 1) for c in lines}
    method = "past_shares"
    if not any(past.get(c.carrier_id) for c in lines):
        weights = {c.code: float(c.capacity_per_stream or 1) for c in lines}
        method = "capacities"
    caps = {c.code: c.capacity_per_stream for c in lines}
    shares, _ = split(expected, weights, caps)
    peak_shares, unplaced = split(high, weights, caps)
    if not lines:
        warnings.append("没有可用的快递：请在合同或网点产能里填写直播峰值产能")
    elif unplaced:
        total_cap = sum(c.capacity_per_stream or 0 for c in lines)
        warnings.append(
            f"快递峰值产能不足：预计最多 {high} 件，合同产能合计 {total_cap} 件，差 {unplaced} 件"
        )
    slots: list[Slot] = []
    peak_slots: list[Slot] = []
    for line in lines:
        line.parcels, line.peak_parcels = shares.get(line.code, 0), peak_shares.get(line.code, 0)
        mine = _pickups(line, t.packed_point, t.timeline, line.parcels, expected)
        peak = _pickups(line, t.packed_high, t.timeline, line.peak_parcels, high)
        slots += mine
        peak_slots += peak
        line.picked_24h, line.picked_48h = _picked(mine, t.by24), _picked(mine, t.by48)
        line.peak_picked_24h = _picked(peak, t.by24)
    return lines, slots, peak_slots, method


def _hour_label(moment: datetime) -> str:
    return f"{moment.astimezone(TZ):%m月%d日 %H:00}"


def _optimised(
    session: LiveSession,
    warehouse: Warehouse,
    tariffs: dict[int, optimise.Tariff],
    t: _Timing,
    expected: int,
    high: int,
    warnings: list[str],
) -> tuple[list[CarrierLine], list[Slot], list[Slot], dict[str, Any]]:
    """The optimiser on the synthetic population, at the forecast point and at the high end."""
    on = timezone.localdate(session.starts_at)
    lanes = _lanes(warehouse, on, only=set(tariffs))
    population = population_for(session)
    warnings += population.warnings
    prices = optimise.price_matrix(population, [tariffs[lane.carrier_id] for lane in lanes])
    open_ = optimise.slot_open(lanes, t.timeline, t.by48, TZ)
    runs = {
        name: optimise.allocate(
            population=population, prices=prices, lanes=lanes, packed=packed, total=total,
            open_=open_, warehouse=warehouse.code,
        )
        for name, packed, total in (("expected", t.packed_point, expected), ("peak", t.packed_high, high))
    }  # fmt: skip
    lines = [_line(lane) for lane in lanes]
    slots: dict[str, list[Slot]] = {"expected": [], "peak": []}
    for name, run in runs.items():
        for line, r in zip(lines, run.lanes, strict=True):
            mine = [
                Slot(line.code, t.timeline[h], t.timeline[h] + timedelta(hours=1), n)
                for h, n in sorted(r.pickups.items())
            ]
            slots[name] += mine
            if name == "expected":
                line.parcels, line.freight_fen = r.parcels, r.freight_fen
                line.picked_24h, line.picked_48h = _picked(mine, t.by24), _picked(mine, t.by48)
            else:
                line.peak_parcels, line.peak_freight_fen = r.parcels, r.freight_fen
                line.peak_picked_24h = _picked(mine, t.by24)
    peak, point = runs["peak"], runs["expected"]
    if not lanes:
        warnings.append("没有可用的快递：没有一家快递从该仓发货有运价")
    if peak.over_capacity_total:
        worst = sorted(peak.over_capacity.items(), key=lambda kv: -kv[1])[:3]
        hours_text = "、".join(f"{_hour_label(t.timeline[h])}打包的 {n} 件" for h, n in sorted(worst))
        cap = sum(line.capacity_per_stream or 0 for line in lines)
        warnings.append(
            f"快递峰值产能不足：按预测上限 {high} 件，有 {peak.over_capacity_total} 件在 48 小时内"
            f"没有快递有余量揽收（合同/网点产能合计 {cap} 件；缺口最大：{hours_text}）"
        )
    if point.over_capacity_total:
        warnings.append(f"按预测单量 {expected} 件也有 {point.over_capacity_total} 件超出快递产能")
    if peak.no_service:
        names = "、".join(list(peak.no_service)[:4])
        warnings.append(
            f"{sum(peak.no_service.values())} 件寄往 {names} 没有快递能送（没有运价，或冷链/保价/限重不符）"
        )
    details = {name: run.as_dict(t.timeline) for name, run in runs.items()}
    details["population"] = population.describe()
    return lines, slots["expected"], slots["peak"], details


@dataclass(slots=True)
class _Packing:
    timing: _Timing
    packed_24h: int
    packed_48h: int
    needed_24h: int | None
    needed_48h: int | None


def _packing(
    session: LiveSession, forecast: Forecast, expected: int, high: int, warnings: list[str]
) -> _Packing:
    """The packing simulation at both volumes, and the packers needed for the high end."""
    timeline = hours(session.starts_at, session.ends_at + timedelta(hours=HORIZON_HOURS))

    def arrivals(total: int) -> dict[datetime, int]:
        return {timeline[0] + timedelta(hours=k): n for k, n in enumerate(_scaled(forecast, total))}

    rate, team = session.orders_per_packer_hour, session.packers * session.orders_per_packer_hour
    packed = pack_timeline(arrivals(high), timeline, team)
    by24, by48 = session.ends_at + timedelta(hours=24), session.ends_at + timedelta(hours=HORIZON_HOURS)
    packed_24 = sum(p for t, p in zip(timeline, packed, strict=True) if t < by24)
    packed_48 = sum(p for t, p in zip(timeline, packed, strict=True) if t < by48)
    need_24 = packers_needed(arrivals(high), timeline, rate=rate, by=by24, share=PICKUP_24H_SHARE)
    need_48 = packers_needed(arrivals(high), timeline, rate=rate, by=by48, share=1.0)
    if need_24 is not None and session.packers < need_24:
        warnings.append(
            f"打包人手不足：{session.packers} 人 24 小时内只能打包 {packed_24}/{high} 件，需要 {need_24} 人"
        )
    if need_48 is not None and session.packers < need_48:
        warnings.append(f"48 小时内无法全部发出：需要至少 {need_48} 名打包员")
    timing = _Timing(timeline, pack_timeline(arrivals(expected), timeline, team), packed, by24, by48)
    return _Packing(timing, packed_24, packed_48, need_24, need_48)


def plan_session(*, session: LiveSession, forecast: Forecast | None = None) -> Plan:
    """Forecast against packers, carriers and stock; the shipping plan with its warnings."""
    forecast = forecast or forecast_session(session=session)
    parcels = forecast.high
    expected = min(forecast.orders, parcels)
    warnings: list[str] = []
    packing = _packing(session, forecast, expected, parcels, warnings)
    timing = packing.timing
    rate = session.orders_per_packer_hour

    warehouse = _warehouse_for(session)
    on = timezone.localdate(session.starts_at)
    active = list(Carrier.objects.filter(active=True).values_list("pk", flat=True))
    tariffs = (
        optimise.tariffs_for(
            carrier_ids=active, origin_province=warehouse.province, on=on, before=session.starts_at
        )
        if warehouse and warehouse.province
        else {}
    )
    details: dict[str, Any] = {}
    if warehouse and tariffs:
        method = "optimiser"
        lines, slots, peak_slots, details = _optimised(
            session, warehouse, tariffs, timing, expected, parcels, warnings
        )
    else:
        lines, slots, peak_slots, method = _by_shares(
            session, _lanes(warehouse, on), timing, expected, parcels, warnings
        )
    sla = sla_terms({line.carrier_id for line in lines}, on)  # each carrier's contracted target
    for line in lines:
        target = sla[line.carrier_id].pickup_target_pct
        if line.peak_parcels and line.peak_picked_24h * 100 < target * line.peak_parcels:
            hourly = f"每小时 {line.capacity_per_hour} 件" if line.capacity_per_hour else "揽收时段"
            warnings.append(
                f"{line.name} 24 小时内只能揽收 {line.peak_picked_24h}/{line.peak_parcels} 件（{hourly}），"
                f"低于合同约定的 {target.normalize():f}%"
            )
    stock = _stock(session)
    for s in stock:
        if s.short:
            warnings.append(
                f"库存不足：{s.sku} {s.name} 计划 {s.planned_units} 件，可用 {s.available} 件，缺 {s.short} 件"
            )
    if forecast.method == "none":
        warnings.append("没有历史场次也没有预计单量：请填写预计单量")
    return Plan(
        session_id=session.pk,
        forecast=forecast,
        parcels=parcels,
        warehouse=warehouse.name if warehouse else "",
        packers=session.packers,
        orders_per_packer_hour=rate,
        pack_hours=parcels / max(1, session.packers * rate),
        packed_24h=packing.packed_24h,
        packed_48h=packing.packed_48h,
        packers_needed_24h=packing.needed_24h,
        packers_needed_48h=packing.needed_48h,
        carriers=lines,
        slots=sorted(slots, key=lambda s: (s.start, s.carrier)),
        stock=stock,
        warnings=warnings,
        expected_parcels=expected,
        split_method=method,
        peak_slots=sorted(peak_slots, key=lambda s: (s.start, s.carrier)),
        optimiser=details,
    )


def _scaled(forecast: Forecast, total: int) -> list[int]:
    from fahuo.livestream.forecast import spread

    base = sum(forecast.hourly)
    shares = (
        [h / base for h in forecast.hourly]
        if base
        else [1.0 / max(1, len(forecast.hourly))] * len(forecast.hourly or [0])
    )
    return spread(total, shares)
