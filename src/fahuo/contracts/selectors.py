"""Reads for the contracts desk pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from fahuo.accounts.selectors import sees_every_shop, shops_for
from fahuo.carriers.models import Carrier, Contract
from fahuo.contracts.models import Claim, ContractAlert, ContractTerms, PrivacyIncident, WeeklyStatement
from fahuo.contracts.services import terms_for


@dataclass
class CarrierRow:
    carrier: Carrier
    contract: Contract | None
    terms: ContractTerms
    statement: WeeklyStatement | None
    alerts: int


def overview(*, on: dt.date) -> list[CarrierRow]:
    """Every active carrier with its contract, terms in force, latest statement and open alerts."""
    carriers = list(Carrier.objects.filter(active=True).order_by("code"))
    contracts: dict[int, Contract] = {}
    for c in Contract.objects.filter(starts_on__lte=on).order_by("carrier_id", "-starts_on", "-pk"):
        contracts.setdefault(c.carrier_id, c)
    latest: dict[int, WeeklyStatement] = {}
    for s in WeeklyStatement.objects.order_by("carrier_id", "-week_start"):
        latest.setdefault(s.carrier_id, s)
    open_alerts: dict[int, int] = {}
    for cid in ContractAlert.objects.filter(resolved_at__isnull=True).values_list("carrier_id", flat=True):
        open_alerts[cid] = open_alerts.get(cid, 0) + 1
    return [
        CarrierRow(
            c,
            contracts.get(c.pk),
            terms_for(contract=contracts.get(c.pk)),
            latest.get(c.pk),
            open_alerts.get(c.pk, 0),
        )
        for c in carriers
    ]


def statements(*, carrier: Carrier | None = None) -> QuerySet[WeeklyStatement]:
    qs = WeeklyStatement.objects.select_related("carrier", "contract")
    return qs.filter(carrier=carrier) if carrier is not None else qs


def open_alerts() -> QuerySet[ContractAlert]:
    return ContractAlert.objects.filter(resolved_at__isnull=True).select_related("carrier")


def claims() -> QuerySet[Claim]:
    return Claim.objects.select_related("carrier").order_by("-reported_at")


def claims_for(user: Any) -> QuerySet[Claim]:
    """Every claim for a user who sees every shop; otherwise the claims of the user's shops' parcels."""
    if sees_every_shop(user):
        return claims()
    return claims().filter(shop__in=shops_for(user).values("pk"))


@dataclass
class ShopPart:
    """One shop's part of a weekly statement (``part`` is ``data["by_shop"][shop id]``; None when
    none of the shop's parcels went with the carrier that week)."""

    statement: WeeklyStatement
    shop: Any
    part: dict[str, Any] | None


def shop_parts(*, user: Any, statement: WeeklyStatement | None = None) -> list[ShopPart]:
    """The parts of the user's shops in the latest statements (or in one statement)."""
    shops = list(shops_for(user).order_by("code"))
    from fahuo.contracts.backfill import fill_all

    rows = [statement] if statement is not None else list(statements()[:50])
    fill_all(rows)  # statements from before the split by shop get their parts once
    out = []
    for stmt in rows:
        by_shop = stmt.data.get("by_shop")
        for shop in shops:
            part = by_shop.get(str(shop.pk)) if by_shop is not None else None
            if by_shop is not None and part is None and statement is None:
                continue  # none of this shop's parcels went with this carrier that week
            out.append(ShopPart(stmt, shop, part))
    return out


def incidents() -> QuerySet[PrivacyIncident]:
    return PrivacyIncident.objects.select_related("carrier").order_by("-occurred_at")


def bill_lines_for(statement: WeeklyStatement) -> list[Any]:
    from fahuo.contracts.models import CarrierBill

    bill = (
        CarrierBill.objects.filter(carrier=statement.carrier, week_start=statement.week_start)
        .order_by("-created_at")
        .first()
    )
    return list(bill.lines) if bill else []
