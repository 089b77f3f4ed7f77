"""The SLA clauses a carrier's contract sets (fahuo.contracts.ContractTerms), as peak notices and
reviews need them; the article's numbers when a carrier has no terms on file.

contracts is a sibling domain (import-linter layers), so its rows are read through the app registry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps

from fahuo.carriers.models import Contract


@dataclass(frozen=True)
class SlaTerms:
    pickup_hours: int = 24
    pickup_target_pct: Decimal = Decimal(98)
    ship_hours: int = 48
    ship_target_pct: Decimal = Decimal(100)
    crew_confirm_days_before: int = 1
    pickups_per_hour: int = 100

    def promise(self) -> str:
        """e.g. 24小时内揽收率≥98%，48小时内100%发出"""
        return (
            f"{self.pickup_hours}小时内揽收率≥{_pct(self.pickup_target_pct)}%，"
            f"{self.ship_hours}小时内{_pct(self.ship_target_pct)}%发出"
        )


def _pct(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def sla_terms(carrier_ids: set[int], on: dt.date) -> dict[int, SlaTerms]:
    """Per carrier id: the latest terms version of the contract in force on ``on`` (else defaults)."""
    out = {cid: SlaTerms() for cid in carrier_ids}
    try:
        model = apps.get_model("contracts", "ContractTerms")
    except LookupError:
        return out
    contracts: dict[int, int] = {}
    for c in (
        Contract.objects.filter(carrier_id__in=carrier_ids, starts_on__lte=on)
        .exclude(ends_on__lt=on)
        .order_by("carrier_id", "-starts_on", "-pk")
    ):
        contracts.setdefault(c.carrier_id, c.pk)
    by_contract = {cid: pk for pk, cid in contracts.items()}
    seen: set[int] = set()
    for t in model.objects.filter(contract_id__in=list(contracts.values())).order_by(
        "contract_id", "-version"
    ):
        if t.contract_id in seen:
            continue  # an older version
        seen.add(t.contract_id)
        out[by_contract[t.contract_id]] = SlaTerms(
            t.pickup_hours, Decimal(t.pickup_target_pct), t.ship_hours, Decimal(t.ship_target_pct),
            t.crew_confirm_days_before, t.pickups_per_hour,
        )  # fmt: skip
    return out


def sla_for(carrier_id: int, on: dt.date) -> SlaTerms:
    return sla_terms({carrier_id}, on)[carrier_id]
