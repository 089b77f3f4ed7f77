"""Reads for the rates pages and the API: carriers with contracts, rate cards by day, shipped parcels."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from fahuo.carriers.models import Capacity, Carrier, Contract, RateLine, VolumeTier
from fahuo.carriers.services import ShippedParcel, active_contracts, effective_rate_lines
from fahuo.kit.errors import NotFound


@lru_cache(maxsize=1)
def _province_codes() -> dict[str, str]:
    from fahuo.kit.address_index import get_index

    ix = get_index()
    top = min(ix.level.values())
    return {ix.name[code]: code for code, level in ix.level.items() if level == top}


def province_names() -> list[str]:
    """Official province names in the national code order (北京市 … 澳门特别行政区)."""
    codes = _province_codes()
    return sorted(codes, key=codes.__getitem__)


def province_key(name: str) -> tuple[str, str]:
    """Sort key: the national code order, unknown names last."""
    return (_province_codes().get(name, "999999"), name)


def carrier_by_code(*, code: str) -> Carrier:
    carrier = Carrier.objects.filter(code__iexact=code.strip()).first()
    if carrier is None:
        known = ", ".join(Carrier.objects.values_list("code", flat=True)) or "—"
        raise NotFound(f"快递公司不存在 (unknown carrier)：{code}。已有 (known)：{known}")
    return carrier


def carrier_list(*, active_only: bool = False) -> QuerySet[Carrier]:
    qs = Carrier.objects.all()
    return qs.filter(active=True) if active_only else qs


def _contract_with_tiers(contract: Contract | None) -> Contract | None:
    if contract is None:
        return None
    return (
        Contract.objects.filter(pk=contract.pk)
        .prefetch_related(Prefetch("tiers", queryset=VolumeTier.objects.order_by("min_daily_avg")))
        .get()
    )


@dataclass(slots=True)
class ScheduledChange:
    effective_from: dt.date
    announced_on: dt.date | None
    lanes: int


@dataclass(slots=True)
class CarrierRow:
    carrier: Carrier
    contract: Contract | None
    tiers: list[VolumeTier]
    lanes: int  # lanes in force today, every origin
    origins: list[str]
    upcoming: list[ScheduledChange] = field(default_factory=list)


def carrier_overview(*, on: dt.date) -> list[CarrierRow]:
    """Every carrier with the contract and lanes in force on ``on`` and the changes scheduled after it."""
    carriers = list(Carrier.objects.all())
    contracts = active_contracts(on=on, carrier_ids=[c.pk for c in carriers])
    tiers: dict[int, list[VolumeTier]] = defaultdict(list)
    for tier in VolumeTier.objects.filter(contract__in=list(contracts.values())).order_by("min_daily_avg"):
        tiers[tier.contract_id].append(tier)
    lanes = dict(
        effective_rate_lines(on=on)
        .values("carrier_id")
        .annotate(n=Count("id"))
        .values_list("carrier_id", "n")
    )
    origins: dict[int, set[str]] = defaultdict(set)
    for carrier_id, origin in RateLine.objects.values_list("carrier_id", "origin_province").distinct():
        origins[carrier_id].add(origin)
    upcoming: dict[int, list[ScheduledChange]] = defaultdict(list)
    for carrier_id, day, announced, n in (
        RateLine.objects.filter(effective_from__gt=on)
        .values("carrier_id", "effective_from", "announced_on")
        .annotate(n=Count("id"))
        .order_by("carrier_id", "effective_from")
        .values_list("carrier_id", "effective_from", "announced_on", "n")
    ):
        upcoming[carrier_id].append(ScheduledChange(day, announced, n))
    rows = []
    for carrier in carriers:
        contract = contracts.get(carrier.pk)
        rows.append(
            CarrierRow(
                carrier=carrier,
                contract=contract,
                tiers=tiers.get(contract.pk, []) if contract else [],
                lanes=lanes.get(carrier.pk, 0),
                origins=sorted(origins.get(carrier.pk, set()), key=province_key),
                upcoming=upcoming.get(carrier.pk, []),
            )
        )
    return rows


@dataclass(slots=True)
class LaneRow:
    dest_province: str
    current: RateLine | None  # None: the lane opens on a later date
    upcoming: list[RateLine]


@dataclass(slots=True)
class RateCard:
    carrier: Carrier
    on: dt.date
    origins: list[str]
    origin: str
    lanes: list[LaneRow]
    contract: Contract | None
    capacities: list[Capacity]

    @property
    def upcoming_dates(self) -> list[dt.date]:
        return sorted({line.effective_from for lane in self.lanes for line in lane.upcoming})


def rate_card(*, carrier: Carrier, on: dt.date, origin: str | None = None) -> RateCard:
    """The carrier's card from one origin (default: the first): the line in force per destination on
    ``on`` and the dated changes after it."""
    origins = sorted(
        set(RateLine.objects.filter(carrier=carrier).values_list("origin_province", flat=True)),
        key=province_key,
    )
    chosen = origin if origin in origins else (origins[0] if origins else "")
    by_dest: dict[str, list[RateLine]] = defaultdict(list)
    for line in RateLine.objects.filter(carrier=carrier, origin_province=chosen).order_by("effective_from"):
        by_dest[line.dest_province].append(line)
    lanes = []
    for dest in sorted(by_dest, key=province_key):
        history = by_dest[dest]
        past = [line for line in history if line.effective_from <= on]
        future = [line for line in history if line.effective_from > on]
        lanes.append(LaneRow(dest, past[-1] if past else None, future))
    contract = _contract_with_tiers(active_contracts(on=on, carrier_ids=[carrier.pk]).get(carrier.pk))
    capacities = list(Capacity.objects.filter(carrier=carrier).select_related("warehouse"))
    return RateCard(carrier, on, origins, chosen, lanes, contract, capacities)


def rate_lines_on(*, carrier: Carrier, on: dt.date) -> list[RateLine]:
    """Every lane of the carrier in force on ``on``, by origin then destination (national order)."""
    lines = list(effective_rate_lines(on=on).filter(carrier=carrier))
    lines.sort(key=lambda line: (province_key(line.origin_province), province_key(line.dest_province)))
    return lines


def shipped_parcels(*, carrier: Carrier, start: dt.date, end: dt.date) -> list[ShippedParcel]:
    """Parcels whose waybill for ``carrier`` was issued on ``start``..``end`` (Beijing dates, inclusive).

    The origin is the parcel's warehouse (else the order's); the destination the order's province.
    """
    from fahuo.fulfilment.models import Waybill

    tz = timezone.get_default_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    rows = (
        Waybill.objects.filter(carrier=carrier, issued_at__gte=lo, issued_at__lt=hi)
        .values_list(
            "issued_at",
            "parcel__weight_g",
            "parcel__warehouse__province",
            "parcel__order__warehouse__province",
            "parcel__order__province",
        )
        .order_by("issued_at")
    )
    return [
        ShippedParcel(
            day=timezone.localtime(issued, tz).date(),
            origin_province=wh_province or order_wh_province or "",
            dest_province=dest or "",
            weight_g=weight,
        )
        for issued, weight, wh_province, order_wh_province, dest in rows
    ]
