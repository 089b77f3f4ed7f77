"""Rate cards and contracts: prices in force on a day, quotes, contract billing, dated price changes.

Money is integer fen throughout; weights grams, sizes millimetres. The arithmetic of one parcel's
freight lives in :mod:`fahuo.carriers.pricing`; this module adds the database (which rate line is in
force, which contract applies) and the contract rules. docs/pricing.md documents every decision.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from django.db.models import Max, OuterRef, QuerySet, Subquery

from fahuo.carriers import pricing
from fahuo.carriers.models import Carrier, Contract, RateLine, VolumeTier
from fahuo.kit.errors import InvalidInput

MAX_BILLING_DAYS = 366


# --- what is in force ----------------------------------------------------------------------------


def effective_rate_lines(*, on: date) -> QuerySet[RateLine]:
    """The rate line in force on ``on`` for every (carrier, origin, destination) lane."""
    latest = (
        RateLine.objects.filter(
            carrier_id=OuterRef("carrier_id"),
            origin_province=OuterRef("origin_province"),
            dest_province=OuterRef("dest_province"),
            effective_from__lte=on,
        )
        .values("carrier_id", "origin_province", "dest_province")
        .annotate(latest=Max("effective_from"))
        .values("latest")[:1]
    )
    return RateLine.objects.filter(effective_from__lte=on, effective_from=Subquery(latest))


def active_contracts(*, on: date, carrier_ids: Iterable[int] | None = None) -> dict[int, Contract]:
    """The contract in force per carrier on ``on`` (the most recently started one)."""
    qs = (
        Contract.objects.filter(starts_on__lte=on)
        .exclude(ends_on__lt=on)
        .order_by("carrier_id", "-starts_on")
    )
    if carrier_ids is not None:
        qs = qs.filter(carrier_id__in=list(carrier_ids))
    out: dict[int, Contract] = {}
    for contract in qs:
        out.setdefault(contract.carrier_id, contract)
    return out


def best_tier(tiers: Iterable[VolumeTier], daily_avg: float | Fraction) -> VolumeTier | None:
    """The tier that applies at ``daily_avg``; None: the list price (delta 0).

    The most favourable delta among the tiers reached, so more volume never raises the price even
    when tiers were typed in out of order. Below the lowest tier the list price applies, unless a
    tier starts at 0 (a surcharge for small volumes is written as a tier from 0 with a positive delta).
    """
    tiers = list(tiers)
    reached = [t for t in tiers if daily_avg >= t.min_daily_avg]
    best = min(reached, key=lambda t: (t.first_price_delta_fen, -t.min_daily_avg), default=None)
    has_floor = any(t.min_daily_avg == 0 for t in tiers)
    if best is not None and not has_floor and best.first_price_delta_fen > 0:
        return None
    return best


def _delta_for(tiers: Iterable[VolumeTier], daily_avg: float | Fraction) -> int:
    tier = best_tier(tiers, daily_avg)
    return tier.first_price_delta_fen if tier is not None else 0


def tier_delta_fen(*, contract: Contract, daily_avg: float) -> int:
    """First-weight price change for a daily average volume under a contract's tiers."""
    return _delta_for(contract.tiers.all(), daily_avg)


def current_first_price_delta(*, on: date, daily_avgs: dict[int, float]) -> dict[int, int]:
    """Per carrier id, the first-weight delta its contract's volume tier gives at ``daily_avgs``."""
    contracts = active_contracts(on=on, carrier_ids=daily_avgs.keys())
    tiers = VolumeTier.objects.filter(contract__in=contracts.values())
    by_contract: dict[int, list[VolumeTier]] = {}
    for tier in tiers:
        by_contract.setdefault(tier.contract_id, []).append(tier)
    out: dict[int, int] = {}
    for carrier_id, contract in contracts.items():
        out[carrier_id] = _delta_for(by_contract.get(contract.pk, []), daily_avgs.get(carrier_id, 0.0))
    return out


def rate_line_on(*, carrier: Carrier, origin_province: str, dest_province: str, on: date) -> RateLine | None:
    """The rate line of one lane in force on ``on``; None when the carrier does not serve the lane."""
    return (
        RateLine.objects.filter(
            carrier=carrier,
            origin_province=origin_province,
            dest_province=dest_province,
            effective_from__lte=on,
        )
        .order_by("-effective_from")
        .first()
    )


# --- provinces and coverage ----------------------------------------------------------------------


def normalize_province(name: str) -> str:
    """The official full name of a province (浙江 -> 浙江省, 广西 -> 广西壮族自治区); InvalidInput otherwise."""
    from fahuo.kit.address import resolve_region

    text = "".join((name or "").split())
    if not text:
        raise InvalidInput("省份为空 (province is empty)")
    region = resolve_region(province=text)
    # A city typed as a province (杭州 -> 浙江省杭州市) is not a province; municipalities are both.
    if not region.province or (region.city and region.city != region.province):
        raise InvalidInput(f"无法识别的省份 (unknown province)：{text}")
    return region.province


def serves(carrier: Carrier, dest_province: str, on: date, *, origin_province: str | None = None) -> bool:
    """Whether ``carrier`` (active) has a lane in force on ``on`` to ``dest_province`` (from any origin)."""
    if not carrier.active:
        return False
    qs = effective_rate_lines(on=on).filter(carrier=carrier, dest_province=dest_province)
    if origin_province is not None:
        qs = qs.filter(origin_province=origin_province)
    return qs.exists()


SERVICE_FLAGS = ("cold_chain", "insured", "door_delivery", "privacy_waybill")


def missing_services(
    *,
    carrier: Carrier,
    cold_chain: bool = False,
    insured: bool = False,
    door_delivery: bool = False,
    privacy_waybill: bool = False,
) -> list[str]:
    """The required services the carrier lacks, as reason codes (``cold_chain``, ``insurance`` …)."""
    wanted = {
        "cold_chain": cold_chain,
        "insurance": insured,
        "door_delivery": door_delivery,
        "privacy_waybill": privacy_waybill,
    }
    has = {
        "cold_chain": carrier.cold_chain,
        "insurance": carrier.insured,
        "door_delivery": carrier.door_delivery,
        "privacy_waybill": carrier.privacy_waybill,
    }
    return [code for code, needed in wanted.items() if needed and not has[code]]


# --- quotes --------------------------------------------------------------------------------------

NOT_SERVED_MESSAGES = {
    "inactive": "{carrier}已停用",
    "no_lane": "{carrier}在 {on} 没有 {origin} → {dest} 的运价（不服务该线路）",
    "cold_chain": "{carrier}没有冷链服务",
    "insurance": "{carrier}不提供保价",
    "door_delivery": "{carrier}不保证送货上门",
    "privacy_waybill": "{carrier}不支持隐私面单",
    "weight": "计费重 {billable} g 超过{carrier}的限重 {max} g",
}


@dataclass(frozen=True, slots=True)
class QuoteLine:
    """One line of a price breakdown. ``code``: first, step, tier, remote, insurance."""

    code: str
    amount_fen: int
    count: int = 1
    weight_g: int = 0
    unit_fen: int = 0
    basis_fen: int = 0  # insurance: the declared value
    permille: int = 0  # insurance: the premium rate


@dataclass(frozen=True, slots=True)
class Quote:
    """The price of one parcel on one lane on one day. ``served=False`` carries ``reason`` and ``message``."""

    carrier_code: str
    origin_province: str
    dest_province: str
    on: date
    served: bool
    reason: str = ""
    message: str = ""
    weight_g: int = 0
    volumetric_g: int = 0
    billable_g: int = 0
    freight_fen: int = 0
    tier_delta_fen: int = 0
    remote_surcharge_fen: int = 0
    insurance_fen: int = 0
    total_fen: int = 0
    transit_hours: int | None = None
    rate_line_id: int | None = None
    effective_from: date | None = None
    breakdown: list[QuoteLine] = field(default_factory=list)


def insurance_fee_fen(*, carrier: Carrier, declared_value_fen: int) -> int:
    """保价费: declared value × per-mille rate / 1000, rounded up to the fen, at least the minimum fee."""
    return pricing.insurance_fen(
        declared_value_fen=declared_value_fen,
        rate_permille=carrier.insurance_rate_permille,
        min_fen=carrier.insurance_min_fen,
    )


def quote(
    *,
    carrier: Carrier,
    origin_province: str,
    dest_province: str,
    weight_g: int,
    length_mm: int = 0,
    width_mm: int = 0,
    height_mm: int = 0,
    declared_value_fen: int = 0,
    insured: bool = False,
    on: date,
    daily_avg: float | None = None,
    cold_chain: bool = False,
    door_delivery: bool = False,
    privacy_waybill: bool = False,
) -> Quote:
    """Price one parcel: freight (首重/续重) + volume-tier delta + remote surcharge + insurance.

    Bad input raises InvalidInput; a lane or a service the carrier cannot give is a Quote with
    ``served=False`` and a reason code (checked in this order: inactive, no_lane, cold_chain,
    insurance, door_delivery, privacy_waybill, weight — the allocation's order).
    """
    for name, value in (
        ("weight_g", weight_g),
        ("length_mm", length_mm),
        ("width_mm", width_mm),
        ("height_mm", height_mm),
        ("declared_value_fen", declared_value_fen),
    ):
        if value < 0:
            raise InvalidInput(f"{name} 不能为负数 (must not be negative): {value}")
    if insured and declared_value_fen <= 0:
        raise InvalidInput("保价需要填写申报价值 (insurance needs a declared value)")
    origin = normalize_province(origin_province)
    dest = normalize_province(dest_province)
    volumetric = pricing.volumetric_weight_g(
        length_mm=length_mm,
        width_mm=width_mm,
        height_mm=height_mm,
        volumetric_divisor=carrier.volumetric_divisor,
    )
    billable = max(weight_g, volumetric)
    base: dict[str, Any] = {
        "carrier_code": carrier.code,
        "origin_province": origin,
        "dest_province": dest,
        "on": on,
        "weight_g": weight_g,
        "volumetric_g": volumetric,
        "billable_g": billable,
    }
    line = rate_line_on(carrier=carrier, origin_province=origin, dest_province=dest, on=on)

    def refuse(reason: str) -> Quote:
        message = NOT_SERVED_MESSAGES[reason].format(
            carrier=carrier.name,
            on=on.isoformat(),
            origin=origin,
            dest=dest,
            billable=billable,
            max=carrier.max_weight_g,
        )
        return Quote(served=False, reason=reason, message=message, **base)

    if not carrier.active:
        return refuse("inactive")
    if line is None:
        return refuse("no_lane")
    missing = missing_services(
        carrier=carrier,
        cold_chain=cold_chain,
        insured=insured,
        door_delivery=door_delivery,
        privacy_waybill=privacy_waybill,
    )
    if missing:
        return refuse(missing[0])
    if billable > carrier.max_weight_g:
        return refuse("weight")

    freight = pricing.freight_fen(
        billable_g=billable,
        first_weight_g=line.first_weight_g,
        first_price_fen=line.first_price_fen,
        step_weight_g=line.step_weight_g,
        step_price_fen=line.step_price_fen,
    )
    steps = (
        -(-(billable - line.first_weight_g) // line.step_weight_g) if billable > line.first_weight_g else 0
    )
    breakdown = [QuoteLine("first", line.first_price_fen, weight_g=line.first_weight_g)]
    if steps:
        breakdown.append(
            QuoteLine(
                "step",
                steps * line.step_price_fen,
                count=steps,
                weight_g=line.step_weight_g,
                unit_fen=line.step_price_fen,
            )
        )
    delta = 0
    if daily_avg is not None:
        contract = active_contracts(on=on, carrier_ids=[carrier.pk]).get(carrier.pk)
        if contract is not None:
            # The delta changes the first-weight price, which cannot go below zero.
            delta = max(tier_delta_fen(contract=contract, daily_avg=daily_avg), -line.first_price_fen)
    if delta:
        breakdown.append(QuoteLine("tier", delta))
    remote = line.remote_surcharge_fen
    if remote:
        breakdown.append(QuoteLine("remote", remote))
    insurance = insurance_fee_fen(carrier=carrier, declared_value_fen=declared_value_fen) if insured else 0
    if insured:
        breakdown.append(
            QuoteLine(
                "insurance",
                insurance,
                basis_fen=declared_value_fen,
                permille=carrier.insurance_rate_permille,
                unit_fen=carrier.insurance_min_fen,
            )
        )
    return Quote(
        served=True,
        freight_fen=freight,
        tier_delta_fen=delta,
        remote_surcharge_fen=remote,
        insurance_fen=insurance,
        total_fen=freight + delta + remote + insurance,
        transit_hours=line.transit_hours,
        rate_line_id=line.pk,
        effective_from=line.effective_from,
        breakdown=breakdown,
        **base,
    )


# --- contract billing ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BillingDay:
    day: date
    parcels: int
    freight_fen: int  # the rate-card freight of the day's parcels, as given
    tier_adjustment_fen: int  # the tier delta on every parcel's first-weight price
    minimum: int  # 保底 parcels for the day (0 outside the contract's dates)
    shortfall_parcels: int
    shortfall_price_fen: int
    shortfall_fen: int
    total_fen: int


@dataclass(frozen=True, slots=True)
class Billing:
    contract_id: int
    start: date
    end: date
    days: list[BillingDay]
    parcels: int
    daily_avg: float
    tier_min_daily_avg: int | None  # the tier reached (None: below every tier)
    tier_delta_fen: int
    freight_fen: int
    tier_adjustment_fen: int
    shortfall_parcels: int
    shortfall_fen: int
    total_fen: int


def _cheapest_first_price_by_day(*, carrier_id: int, days: list[date]) -> dict[date, int | None]:
    """Per day, the lowest first-weight price among the carrier's lanes in force (None: no rate card)."""
    lanes: dict[tuple[str, str], list[tuple[date, int]]] = defaultdict(list)
    rows = (
        RateLine.objects.filter(carrier_id=carrier_id, effective_from__lte=days[-1])
        .order_by("effective_from")
        .values_list("origin_province", "dest_province", "effective_from", "first_price_fen")
    )
    for origin, dest, effective_from, price in rows:
        lanes[(origin, dest)].append((effective_from, price))
    out: dict[date, int | None] = {}
    for day in days:
        prices = []
        for history in lanes.values():
            i = bisect_right([d for d, _ in history], day)
            if i:
                prices.append(history[i - 1][1])
        out[day] = min(prices) if prices else None
    return out


def bill_period(
    *,
    contract: Contract,
    start: date,
    end: date,
    parcels_per_day: Mapping[date, int],
    freight_fen_per_day: Mapping[date, int],
) -> Billing:
    """What a contract bills for ``start``..``end`` (both inclusive): freight, volume tier, 保底 shortfall.

    The tier follows the daily average over the whole period (days missing from the mappings had no
    parcels). On each day the contract is in force, fewer parcels than ``min_daily_parcels`` are
    billed as that many: each missing parcel at ``contract.shortfall_price_fen`` or, when that is
    blank, at the cheapest first-weight price in force that day plus the tier delta.
    """
    if end < start:
        raise InvalidInput(f"结束日期早于开始日期 (end before start): {start} .. {end}")
    n_days = (end - start).days + 1
    if n_days > MAX_BILLING_DAYS:
        raise InvalidInput(f"结算周期最长 {MAX_BILLING_DAYS} 天 (period too long): {n_days}")
    days = [start + timedelta(days=i) for i in range(n_days)]
    for name, mapping in (("parcels_per_day", parcels_per_day), ("freight_fen_per_day", freight_fen_per_day)):
        for day, value in mapping.items():
            if not start <= day <= end:
                raise InvalidInput(f"{name}: {day} 不在结算周期内 (outside the period {start} .. {end})")
            if value < 0:
                raise InvalidInput(f"{name}: {day} 为负数 (must not be negative): {value}")

    total_parcels = sum(parcels_per_day.values())
    # An exact average (a Fraction): 7 days averaging exactly 50 parcels reach the 50 tier.
    tier = best_tier(contract.tiers.all(), Fraction(total_parcels, n_days))
    delta = tier.first_price_delta_fen if tier is not None else 0
    minimum = contract.min_daily_parcels
    cheapest: dict[date, int | None] = {}
    if minimum and contract.shortfall_price_fen is None:
        cheapest = _cheapest_first_price_by_day(carrier_id=contract.carrier_id, days=days)

    out: list[BillingDay] = []
    for day in days:
        parcels = parcels_per_day.get(day, 0)
        freight = freight_fen_per_day.get(day, 0)
        # The delta changes first-weight prices; a day's bill never goes below zero because of it.
        adjustment = max(delta * parcels, -freight)
        in_force = contract.starts_on <= day and (contract.ends_on is None or day <= contract.ends_on)
        day_minimum = minimum if in_force else 0
        short = max(day_minimum - parcels, 0)
        if contract.shortfall_price_fen is not None:
            price = contract.shortfall_price_fen
        else:
            first = cheapest.get(day)
            price = max(first + delta, 0) if first is not None else 0
        short_fen = short * price if short else 0
        out.append(
            BillingDay(
                day=day,
                parcels=parcels,
                freight_fen=freight,
                tier_adjustment_fen=adjustment,
                minimum=day_minimum,
                shortfall_parcels=short,
                shortfall_price_fen=price,
                shortfall_fen=short_fen,
                total_fen=freight + adjustment + short_fen,
            )
        )
    return Billing(
        contract_id=contract.pk,
        start=start,
        end=end,
        days=out,
        parcels=total_parcels,
        daily_avg=total_parcels / n_days,
        tier_min_daily_avg=tier.min_daily_avg if tier is not None else None,
        tier_delta_fen=delta,
        freight_fen=sum(d.freight_fen for d in out),
        tier_adjustment_fen=sum(d.tier_adjustment_fen for d in out),
        shortfall_parcels=sum(d.shortfall_parcels for d in out),
        shortfall_fen=sum(d.shortfall_fen for d in out),
        total_fen=sum(d.total_fen for d in out),
    )


@dataclass(frozen=True, slots=True)
class ShippedParcel:
    """A parcel handed to a carrier: the Beijing day its waybill was issued, its lane and weight."""

    day: date
    origin_province: str
    dest_province: str
    weight_g: int | None


@dataclass(frozen=True, slots=True)
class DailyVolume:
    parcels: dict[date, int]
    freight_fen: dict[date, int]
    unpriced: int  # parcels with no lane in force (unknown origin or destination, lane not served)


def daily_volume(*, carrier: Carrier, parcels: Iterable[ShippedParcel]) -> DailyVolume:
    """Parcels and rate-card freight per day; an unweighed parcel is priced at the first weight."""
    counts: dict[date, int] = defaultdict(int)
    freight: dict[date, int] = defaultdict(int)
    unpriced = 0
    items = list(parcels)
    history: dict[tuple[str, str], list[RateLine]] = defaultdict(list)
    if items:
        last = max(p.day for p in items)
        for line in RateLine.objects.filter(carrier=carrier, effective_from__lte=last).order_by(
            "effective_from"
        ):
            history[(line.origin_province, line.dest_province)].append(line)
    for p in items:
        counts[p.day] += 1
        lines = history.get((p.origin_province, p.dest_province), [])
        i = bisect_right([x.effective_from for x in lines], p.day)
        if not i:
            unpriced += 1
            continue
        line = lines[i - 1]
        freight[p.day] += pricing.freight_fen(
            billable_g=p.weight_g or 0,
            first_weight_g=line.first_weight_g,
            first_price_fen=line.first_price_fen,
            step_weight_g=line.step_weight_g,
            step_price_fen=line.step_price_fen,
        )
    return DailyVolume(parcels=dict(counts), freight_fen=dict(freight), unpriced=unpriced)


# Dated price changes live in rate_changes; their names stay importable from here.
from fahuo.carriers.rate_changes import (  # noqa: E402  (rate_changes reads this module's helpers)
    DEFAULT_NOTICE_DAYS as DEFAULT_NOTICE_DAYS,
)
from fahuo.carriers.rate_changes import LINE_FIELDS as LINE_FIELDS  # noqa: E402
from fahuo.carriers.rate_changes import PRICE_FIELDS as PRICE_FIELDS  # noqa: E402
from fahuo.carriers.rate_changes import RateChange as RateChange  # noqa: E402
from fahuo.carriers.rate_changes import RateDraft as RateDraft  # noqa: E402
from fahuo.carriers.rate_changes import notice_days_for as notice_days_for  # noqa: E402
from fahuo.carriers.rate_changes import schedule_rate_change as schedule_rate_change  # noqa: E402
