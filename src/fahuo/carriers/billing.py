"""Contract billing: a contract's tiers and 保底 minimum volume applied to a period's parcels.

Money is integer fen; docs/pricing.md documents every decision.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from fahuo.carriers import pricing
from fahuo.carriers.models import Carrier, Contract, RateLine, VolumeTier
from fahuo.kit.errors import InvalidInput

MAX_BILLING_DAYS = 366


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
