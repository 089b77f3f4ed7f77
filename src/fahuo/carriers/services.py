"""Rate cards and contracts: which prices are in force on a day, and contract-level adjustments."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Max, OuterRef, QuerySet, Subquery

from fahuo.carriers.models import Contract, RateLine, VolumeTier


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
    delta = 0
    for tier in sorted(contract.tiers.all(), key=lambda t: t.min_daily_avg):
        if daily_avg >= tier.min_daily_avg:
            delta = tier.first_price_delta_fen
    return delta


def current_first_price_delta(*, on: date, daily_avgs: dict[int, float]) -> dict[int, int]:
    """Per carrier id, the first-weight delta its contract's volume tier gives at ``daily_avgs``."""
    contracts = active_contracts(on=on, carrier_ids=daily_avgs.keys())
    tiers = VolumeTier.objects.filter(contract__in=contracts.values())
    by_contract: dict[int, list[VolumeTier]] = {}
    for tier in tiers:
        by_contract.setdefault(tier.contract_id, []).append(tier)
    out: dict[int, int] = {}
    for carrier_id, contract in contracts.items():
        delta = 0
        for tier in sorted(by_contract.get(contract.pk, []), key=lambda t: t.min_daily_avg):
            if daily_avgs.get(carrier_id, 0.0) >= tier.min_daily_avg:
                delta = tier.first_price_delta_fen
        out[carrier_id] = delta
    return out
