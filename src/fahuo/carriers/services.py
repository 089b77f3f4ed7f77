"""Rate cards and contracts: prices in force on a day and quotes (contract billing: :mod:`fahuo.carriers.billing`).

Money is integer fen throughout; weights grams, sizes millimetres. The arithmetic of one parcel's
freight lives in :mod:`fahuo.carriers.pricing`; this module adds the database (which rate line is in
force, which contract applies) and the contract rules. docs/pricing.md documents every decision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Max, OuterRef, QuerySet, Subquery

from fahuo.carriers import pricing
from fahuo.carriers.billing import (  # contract billing lives there; these names stay importable here
    MAX_BILLING_DAYS,
    Billing,
    BillingDay,
    DailyVolume,
    ShippedParcel,
    _delta_for,
    best_tier,
    bill_period,
    daily_volume,
)
from fahuo.carriers.models import Carrier, Contract, RateLine, VolumeTier
from fahuo.kit.errors import InvalidInput

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
    _check_quote_input(
        weight_g=weight_g,
        length_mm=length_mm,
        width_mm=width_mm,
        height_mm=height_mm,
        declared_value_fen=declared_value_fen,
        insured=insured,
    )
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
    reason = _not_served_reason(
        carrier,
        line,
        billable=billable,
        cold_chain=cold_chain,
        insured=insured,
        door_delivery=door_delivery,
        privacy_waybill=privacy_waybill,
    )
    if reason or line is None:
        reason = reason or "no_lane"
        message = NOT_SERVED_MESSAGES[reason].format(
            carrier=carrier.name,
            on=on.isoformat(),
            origin=origin,
            dest=dest,
            billable=billable,
            max=carrier.max_weight_g,
        )
        return Quote(served=False, reason=reason, message=message, **base)

    return _served_quote(carrier, line, billable, on, daily_avg, insured, declared_value_fen, base)


def _served_quote(
    carrier: Carrier,
    line: RateLine,
    billable: int,
    on: date,
    daily_avg: float | None,
    insured: bool,
    declared_value_fen: int,
    base: dict[str, Any],
) -> Quote:
    """A lane the carrier serves: freight, tier delta, remote surcharge and insurance, itemised."""
    freight, breakdown = _freight(line, billable)
    delta = _tier_delta(carrier, line, on=on, daily_avg=daily_avg)
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


def _check_quote_input(
    *,
    weight_g: int,
    length_mm: int,
    width_mm: int,
    height_mm: int,
    declared_value_fen: int,
    insured: bool,
) -> None:
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


def _not_served_reason(
    carrier: Carrier,
    line: RateLine | None,
    *,
    billable: int,
    cold_chain: bool,
    insured: bool,
    door_delivery: bool,
    privacy_waybill: bool,
) -> str:
    """The first reason the carrier cannot take the parcel, in the allocation's order; "" if none."""
    if not carrier.active:
        return "inactive"
    if line is None:
        return "no_lane"
    missing = missing_services(
        carrier=carrier,
        cold_chain=cold_chain,
        insured=insured,
        door_delivery=door_delivery,
        privacy_waybill=privacy_waybill,
    )
    if missing:
        return missing[0]
    if billable > carrier.max_weight_g:
        return "weight"
    return ""


def _freight(line: RateLine, billable: int) -> tuple[int, list[QuoteLine]]:
    """首重/续重 freight of ``billable`` grams on ``line`` and its breakdown lines."""
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
    return freight, breakdown


def _tier_delta(carrier: Carrier, line: RateLine, *, on: date, daily_avg: float | None) -> int:
    """The contract's volume-tier change of the first-weight price (never below a free first weight)."""
    if daily_avg is None:
        return 0
    contract = active_contracts(on=on, carrier_ids=[carrier.pk]).get(carrier.pk)
    if contract is None:
        return 0
    return max(tier_delta_fen(contract=contract, daily_avg=daily_avg), -line.first_price_fen)


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

__all__ = [
    "MAX_BILLING_DAYS",
    "Billing",
    "BillingDay",
    "DailyVolume",
    "ShippedParcel",
    "best_tier",
    "bill_period",
    "daily_volume",
]
