"""Capacity check and shipping plan for one stream, from the high end of its forecast.

* Packing: packers × orders per packer-hour during the warehouse's working hours (``WORK_HOURS``,
  local time); packing starts with the stream. Packers needed = the fewest packers that pack 98 % of
  the parcels within 24 h of the stream's end and 100 % within 48 h (an hourly simulation).
* Carriers: each carrier's contracted peak capacity per stream and pickup capacity per hour
  (``Contract``; else the warehouse ``Capacity`` row). The split follows the shop's past streams
  (orders per carrier), else the capacities; a carrier's excess spills over to carriers with room
  (water-filling) — not the routing optimiser: before the stream there are no orders (destinations,
  weights) to price, only a count.
* Pickup slots: hour by hour inside the carrier's pickup window, at most its hourly capacity, of the
  parcels packed so far — so the notice tells the outlet when to come and how many to expect.
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
from fahuo.livestream import selectors
from fahuo.livestream.forecast import Forecast, forecast_session
from fahuo.livestream.models import LiveSession

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
    source: str  # contract, capacity
    parcels: int = 0
    picked_24h: int = 0
    picked_48h: int = 0


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
    parcels: int  # the high end of the forecast: what we plan for
    warehouse: str
    packers: int
    orders_per_packer_hour: int
    pack_hours: float  # working hours the current team needs
    packed_24h: int
    packed_48h: int
    packers_needed_24h: int | None
    packers_needed_48h: int | None
    carriers: list[CarrierLine]
    slots: list[Slot]
    stock: list[StockLine]
    warnings: list[str] = field(default_factory=list)

    def slots_for(self, code: str) -> list[Slot]:
        return [s for s in self.slots if s.carrier == code]

    def as_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "forecast": self.forecast.as_dict(),
            "parcels": self.parcels,
            "warehouse": self.warehouse,
            "packers": self.packers,
            "orders_per_packer_hour": self.orders_per_packer_hour,
            "pack_hours": round(self.pack_hours, 1),
            "packed_24h": self.packed_24h,
            "packed_48h": self.packed_48h,
            "packers_needed_24h": self.packers_needed_24h,
            "packers_needed_48h": self.packers_needed_48h,
            "carriers": [asdict(c) for c in self.carriers],
            "slots": [{"carrier": s.carrier, **s.as_dict()} for s in self.slots],
            "stock": [{**asdict(s), "short": s.short} for s in self.stock],
            "warnings": self.warnings,
        }


# --- pure arithmetic --------------------------------------------------------------------------------


def parse_window(text: str) -> tuple[int, int] | None:
    """ "08:00-20:00" -> (8, 20); None when blank or unreadable."""
    try:
        a, b = text.replace("–", "-").replace("~", "-").split("-")
        return int(a.split(":")[0]), int(b.split(":")[0])
    except ValueError:
        return None


def hours(start: datetime, end: datetime) -> list[datetime]:
    """Whole hours (aware, UTC) from the hour containing ``start`` up to ``end``."""
    t = start.replace(minute=0, second=0, microsecond=0)
    out = []
    while t < end:
        out.append(t)
        t += timedelta(hours=1)
    return out


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


def _carrier_lines(warehouse: Warehouse | None, on: Any) -> list[CarrierLine]:
    contracts = active_contracts(on=on)
    caps = {c.carrier_id: c for c in Capacity.objects.filter(warehouse=warehouse)} if warehouse else {}
    lines = []
    for carrier in Carrier.objects.filter(active=True).order_by("code"):
        contract, capacity = contracts.get(carrier.pk), caps.get(carrier.pk)
        if contract and (contract.peak_capacity_per_stream or contract.pickup_capacity_per_hour):
            per_stream = contract.peak_capacity_per_stream or (capacity.max_parcels if capacity else None)
            per_hour = contract.pickup_capacity_per_hour or (
                capacity.max_parcels_per_hour if capacity else None
            )
            lines.append(
                CarrierLine(
                    carrier.code,
                    carrier.name,
                    carrier.pk,
                    per_stream,
                    per_hour,
                    contract.pickup_window,
                    "contract",
                )
            )
        elif capacity:
            lines.append(
                CarrierLine(
                    carrier.code,
                    carrier.name,
                    carrier.pk,
                    capacity.max_parcels,
                    capacity.max_parcels_per_hour,
                    "",
                    "capacity",
                )
            )
    return lines


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
    """Hourly pickups of this carrier's share of the packed parcels, inside its window and capacity."""
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


def plan_session(*, session: LiveSession, forecast: Forecast | None = None) -> Plan:
    """Forecast (high end) against packers, carriers and stock; the shipping plan with its warnings."""
    forecast = forecast or forecast_session(session=session)
    parcels = forecast.high
    warnings: list[str] = []
    timeline = hours(session.starts_at, session.ends_at + timedelta(hours=HORIZON_HOURS))
    start_hour = timeline[0]
    arrivals = {start_hour + timedelta(hours=k): n for k, n in enumerate(_scaled(forecast, parcels))}
    rate = session.orders_per_packer_hour
    packed = pack_timeline(arrivals, timeline, session.packers * rate)
    by24, by48 = session.ends_at + timedelta(hours=24), session.ends_at + timedelta(hours=48)
    packed_24 = sum(p for t, p in zip(timeline, packed, strict=True) if t < by24)
    packed_48 = sum(p for t, p in zip(timeline, packed, strict=True) if t < by48)
    need_24 = packers_needed(arrivals, timeline, rate=rate, by=by24, share=PICKUP_24H_SHARE)
    need_48 = packers_needed(arrivals, timeline, rate=rate, by=by48, share=1.0)
    if need_24 is not None and session.packers < need_24:
        warnings.append(
            f"打包人手不足：{session.packers} 人 24 小时内只能打包 {packed_24}/{parcels} 件，需要 {need_24} 人"
        )
    if need_48 is not None and session.packers < need_48:
        warnings.append(f"48 小时内无法全部发出：需要至少 {need_48} 名打包员")

    warehouse = _warehouse_for(session)
    lines = _carrier_lines(warehouse, timezone.localdate(session.starts_at))
    history = selectors.history(shop_id=session.shop_id, exclude_id=session.pk, before=session.starts_at)
    past = selectors.carrier_shares(shop_id=session.shop_id, history_ids=[h.id for h in history])
    weights = {c.code: float(past.get(c.carrier_id, 0) or c.capacity_per_stream or 1) for c in lines}
    if past and not any(past.get(c.carrier_id) for c in lines):
        weights = {c.code: float(c.capacity_per_stream or 1) for c in lines}
    shares, unplaced = split(parcels, weights, {c.code: c.capacity_per_stream for c in lines})
    if not lines:
        warnings.append("没有可用的快递：请在合同或网点产能里填写直播峰值产能")
    elif unplaced:
        total_cap = sum(c.capacity_per_stream or 0 for c in lines)
        warnings.append(
            f"快递峰值产能不足：预计最多 {parcels} 件，合同产能合计 {total_cap} 件，差 {unplaced} 件"
        )
    slots: list[Slot] = []
    for line in lines:
        line.parcels = shares.get(line.code, 0)
        mine = _pickups(line, packed, timeline, line.parcels, parcels)
        slots += mine
        line.picked_24h = sum(s.parcels for s in mine if s.end <= by24)
        line.picked_48h = sum(s.parcels for s in mine if s.end <= by48)
        if line.parcels and line.picked_24h < PICKUP_24H_SHARE * line.parcels:
            hourly = f"每小时 {line.capacity_per_hour} 件" if line.capacity_per_hour else "揽收时段"
            warnings.append(
                f"{line.name} 24 小时内只能揽收 {line.picked_24h}/{line.parcels} 件（{hourly}），低于 98%"
            )
    for s in _stock(session):
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
        packed_24h=packed_24,
        packed_48h=packed_48,
        packers_needed_24h=need_24,
        packers_needed_48h=need_48,
        carriers=lines,
        slots=sorted(slots, key=lambda s: (s.start, s.carrier)),
        stock=_stock(session),
        warnings=warnings,
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
