"""The return parcel as a tracked parcel: an RMA's return waybill (from the pickup booking or the
抖店 message's ``logistics``) is queried through the same tracking providers as forward parcels
(``integrations.registry.TRACK_POLLERS``) and its state is kept on the RMA — shown on the RMA page
and the buyer's page, each new trace line recorded as a step.

Why not a ``tracking.Track``: a Track is a parcel going *to* the buyer; its hooks message the buyer
("delivered") and open shipping alerts, which are wrong for a parcel coming back to the shop.
Picked up moves an approved RMA to ``returning``; arrival does not receive it (the warehouse
inspects first).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fahuo.aftersales.models import Rma, RmaStatus, RmaStep
from fahuo.integrations import registry
from fahuo.integrations.base import TraceEvent
from fahuo.kit.errors import FahuoError

logger = logging.getLogger(__name__)

EVERY = dt.timedelta(minutes=30)  # Kuaidi100 asks for at most one query per number per half hour
ACTIVE = (RmaStatus.APPROVED, RmaStatus.RETURNING)
FINAL = {"delivered", "returned", "lost"}
MOVED = {"picked_up", "in_transit", "out_for_delivery", "in_locker", "delivered"}
LABELS = {
    "created": "已下单",
    "awaiting_pickup": "待揽收",
    "picked_up": "已揽收",
    "in_transit": "运输中",
    "out_for_delivery": "派送中",
    "in_locker": "待取件",
    "delivered": "已送达退货地址",
    "exception": "物流异常",
    "returning": "退回中",
    "returned": "已退回买家",
    "refused": "被拒收",
    "lost": "丢失",
}

Query = Callable[..., list[TraceEvent]]


@dataclass(slots=True)
class PollResult:
    checked: int = 0
    moved: int = 0
    errors: list[str] = field(default_factory=list)


def label(status: str) -> str:
    return LABELS.get(status, status)


def carrier_code(rma: Rma) -> str:
    if rma.return_carrier_code:
        return rma.return_carrier_code
    order = rma.order
    return order.carrier.code if order is not None and order.carrier is not None else ""


def _queries() -> dict[str, Query]:
    """The active tracking accounts that can query, first account per provider."""
    from fahuo.carriers.models import ProviderAccount

    out: dict[str, Query] = {}
    accounts = ProviderAccount.objects.filter(provider__in=registry.tracking_providers(), active=True)
    for account in accounts.order_by("pk"):
        if account.provider in out:
            continue
        try:
            query = registry.track_poller(account.provider).factory(account)
        except FahuoError as exc:
            logger.warning("tracking account %s cannot query returns: %s", account.pk, exc)
            continue
        if query is not None:
            out[account.provider] = query
    return out


def due(*, now: dt.datetime, limit: int = 200) -> list[Rma]:
    """Return parcels with a number, still on their way, not checked within EVERY."""
    return list(
        Rma.objects.filter(status__in=ACTIVE)
        .exclude(return_tracking_no="")
        .exclude(return_status__in=FINAL)
        .filter(Q(return_checked_at__isnull=True) | Q(return_checked_at__lte=now - EVERY))
        .select_related("order__carrier")
        .order_by("return_checked_at", "pk")[:limit]
    )


def poll_returns(*, now: dt.datetime | None = None, limit: int = 200) -> PollResult:
    """Query each due return parcel once; new trace lines become RMA steps."""
    now = now or timezone.now()
    result = PollResult()
    queries = _queries()
    if not queries:
        return result
    for rma in due(now=now, limit=limit):
        provider = rma.pickup_provider if rma.pickup_provider in queries else next(iter(queries))
        phone = rma.order.recipient_phone if rma.order is not None else ""
        try:
            events = queries[provider](
                tracking_no=rma.return_tracking_no, carrier_code=carrier_code(rma), phone=phone
            )
        except FahuoError as exc:
            result.errors.append(f"RMA {rma.pk}: {exc.message}")
            Rma.objects.filter(pk=rma.pk).update(return_checked_at=now)
            continue
        result.checked += 1
        with transaction.atomic():
            if apply_trace(rma_id=rma.pk, events=events, now=now):
                result.moved += 1
    return result


def apply_trace(*, rma_id: int, events: list[TraceEvent], now: dt.datetime) -> bool:
    """Record the trace lines newer than what the RMA knows; returns whether its state moved."""
    rma = Rma.objects.select_for_update().get(pk=rma_id)
    rma.return_checked_at = now
    known = rma.return_status_at
    fresh = sorted((e for e in events if known is None or e.at > known), key=lambda e: e.at)
    if not fresh:
        rma.save(update_fields=["return_checked_at"])
        return False
    for event in fresh:
        where = f"［{event.location}］" if event.location else ""
        RmaStep.objects.create(
            rma=rma,
            status=rma.status,
            source="trace",
            note=f"退货物流 {label(event.status)}：{where}{event.description}"[:300],
            at=event.at,
        )
    last = fresh[-1]
    rma.return_status, rma.return_status_at = last.status, last.at
    rma.return_event = f"{last.location} {last.description}".strip()[:200]
    if not rma.return_carrier_code:
        rma.return_carrier_code = last.carrier_code[:16]
    if rma.status == RmaStatus.APPROVED and any(e.status in MOVED for e in fresh):
        rma.status = RmaStatus.RETURNING
        rma.last_event_at = max(rma.last_event_at or last.at, last.at)
        RmaStep.objects.create(
            rma=rma, status=RmaStatus.RETURNING, source="carrier", note="退货已揽收", at=now
        )
    rma.save()
    return True


def on_unmatched(events: Sequence[TraceEvent]) -> None:
    """A tracking push (or replay) for numbers no forward parcel has: the events of a return parcel
    on its way update the RMA like a poll does (connected to ``tracking.events.unmatched_events``)."""
    numbers = {e.tracking_no for e in events}
    rmas = Rma.objects.filter(status__in=ACTIVE, return_tracking_no__in=numbers).values_list(
        "pk", "return_tracking_no"
    )
    now = timezone.now()
    for pk, number in rmas:
        apply_trace(rma_id=pk, events=[e for e in events if e.tracking_no == number], now=now)


def subscribe_returns(*, limit: int = 200) -> PollResult:
    """Subscribe the return parcels not subscribed yet to the tracking provider's push (the same
    accounts and callback as forward parcels); polling goes on for those that fail."""
    from fahuo.tracking.subscriptions import _accounts, public_url

    result = PollResult()
    accounts = _accounts()
    if not accounts:
        return result
    todo = (
        Rma.objects.filter(status__in=ACTIVE, return_subscribed_at__isnull=True)
        .exclude(return_tracking_no="")
        .select_related("order__carrier")
        .order_by("pk")[:limit]
    )
    for rma in todo:
        provider = rma.pickup_provider if rma.pickup_provider in accounts else next(iter(accounts))
        try:
            registry.track_subscriber(provider, accounts[provider])(
                tracking_no=rma.return_tracking_no,
                carrier_code=carrier_code(rma),
                phone=rma.order.recipient_phone if rma.order is not None else "",
                callback_base=public_url(),
            )
        except FahuoError as exc:
            result.errors.append(f"RMA {rma.pk}: {exc.message}")
            continue
        Rma.objects.filter(pk=rma.pk).update(return_subscribed_at=timezone.now())
        result.checked += 1
    return result


def summary(rma: Rma) -> dict[str, Any]:
    """The return parcel's state for pages (empty when not tracked yet)."""
    if not rma.return_status:
        return {}
    return {"status": label(rma.return_status), "at": rma.return_status_at, "event": rma.return_event}
