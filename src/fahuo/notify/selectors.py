"""Reads for buyer messages: the outbox, an order's message history, the library, the tracking page."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fahuo.accounts.selectors import visible
from fahuo.carriers.models import Carrier
from fahuo.kit.privacy import mask_name, scrub
from fahuo.notify.models import MessageKey, MessageTemplate, OutboxMessage, OutboxStatus
from fahuo.notify.services import expected_date
from fahuo.orders.models import Order, Shop
from fahuo.tracking import events as tracking_events
from fahuo.tracking.models import FINAL_STATUSES, Track, TrackEvent, TrackStatus

VIEW_PERMISSION = "orders.view_order"
CHANGE_PERMISSION = "orders.change_order"  # owners and operators edit texts and retry; packers read


def outbox(
    *, status: str = "", channel: str = "", q: str = "", shop: Shop | None = None, user: Any = None
) -> QuerySet[OutboxMessage]:
    """Messages, newest first — with ``user``, only those to buyers of the user's shops."""
    qs = OutboxMessage.objects.select_related("order__shop").order_by("-created_at", "-pk")
    if user is not None:
        qs = visible(qs, user, field="order__shop")
    if status == "retrying":
        qs = qs.filter(status=OutboxStatus.QUEUED, attempts__gt=0)
    elif status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if shop is not None:
        qs = qs.filter(order__shop=shop)
    q = q.strip()
    if q:
        qs = qs.filter(Q(order__platform_order_id__icontains=q) | Q(params__单号=q))
    return qs


def outbox_counts(
    *, channel: str = "", q: str = "", shop: Shop | None = None, user: Any = None
) -> dict[str, int]:
    """Messages per state (one query): queued (not tried yet), retrying, sending, sent, failed."""
    qs = outbox(channel=channel, q=q, shop=shop, user=user).order_by()
    queued = Q(status=OutboxStatus.QUEUED)
    counts = qs.aggregate(
        queued=Count("pk", filter=queued & Q(attempts=0)),
        retrying=Count("pk", filter=queued & Q(attempts__gt=0)),
        sending=Count("pk", filter=Q(status=OutboxStatus.SENDING)),
        sent=Count("pk", filter=Q(status=OutboxStatus.SENT)),
        failed=Count("pk", filter=Q(status=OutboxStatus.FAILED)),
    )
    return {k: int(v or 0) for k, v in counts.items()}


def messages_for_order(*, order: Order) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(order=order).order_by("created_at", "pk"))


@dataclass(slots=True)
class LibraryRow:
    key: str
    default: MessageTemplate | None
    overrides: list[MessageTemplate] = field(default_factory=list)


def templates(user: Any = None) -> QuerySet[MessageTemplate]:
    """The default texts and (with ``user``) the own versions of the user's shops only."""
    qs = MessageTemplate.objects.all()
    return qs if user is None else visible(qs, user, shopless=True)


def library(*, user: Any = None) -> list[LibraryRow]:
    """Every message key with its default text and the shops' own versions (one query)."""
    rows = {key: LibraryRow(key=key, default=None) for key in MessageKey.values}
    for t in templates(user).select_related("shop").order_by("key", "shop__code", "channel"):
        row = rows[t.key]
        if t.shop_id is None and not t.channel and row.default is None:
            row.default = t
        else:
            row.overrides.append(t)
    return list(rows.values())


# --- the buyer's tracking page -------------------------------------------------------------------

BADGE_COLOURS = ("#e2553f", "#1f7a5a", "#3364c8", "#8a4fbf", "#c97a12", "#0f8a9c", "#c2417a")
_STEP: dict[str, int] = {
    TrackStatus.CREATED: 0,
    TrackStatus.AWAITING_PICKUP: 0,
    TrackStatus.PICKED_UP: 1,
    TrackStatus.IN_TRANSIT: 2,
    TrackStatus.OUT_FOR_DELIVERY: 3,
    TrackStatus.IN_LOCKER: 3,
    TrackStatus.DELIVERED: 4,
}


@dataclass(slots=True)
class TrackPage:
    """What the public page shows: no phone, no street, no full name."""

    shop_name: str
    badge: str
    badge_colour: str
    brand_note: str
    recipient: str  # 张* · 浙江省 杭州市
    carrier: str
    tracking_no: str
    status: str
    status_at: datetime | None
    expected: str
    step: int  # 0-4 along picked up → in transit → out for delivery → delivered; -1 for trouble
    events: list[TrackEvent]
    final: bool
    returns: list[dict[str, Any]] = field(default_factory=list)  # after-sales progress, buyer-safe
    links: list[dict[str, str]] = field(default_factory=list)  # after-sales actions (unboxing upload, …)


def tracking_page(*, token: str, now: datetime | None = None) -> TrackPage | None:
    """The page behind a buyer's link, or None for an unknown token (two queries)."""
    if not token or len(token) > 32:
        return None
    track = Track.objects.filter(token=token).select_related("order__shop").first()
    if track is None:
        return None
    order = track.order
    shop = order.shop if order is not None else None
    events = list(TrackEvent.objects.filter(track=track).order_by("-at", "-pk"))
    for event in events:  # carriers' trace text can hold a courier's or the buyer's full number
        event.description = scrub(event.description)
        event.location = scrub(event.location)
    carrier = Carrier.objects.filter(code=track.carrier_code).values_list("name", flat=True).first()
    name = shop.name if shop is not None else ""
    recipient = ""
    if order is not None:
        region = " ".join(
            p for p in (order.province, order.city if order.city != order.province else "") if p
        )
        recipient = " · ".join(p for p in (mask_name(order.recipient_name), region) if p)
    return TrackPage(
        shop_name=name,
        badge=(name[:1] or "店"),
        badge_colour=_colour(shop.code if shop is not None else name),
        brand_note=shop.brand_note if shop is not None else "",
        recipient=recipient,
        carrier=carrier or track.carrier_code,
        tracking_no=track.tracking_no,
        status=track.status,
        status_at=track.status_at or track.last_event_at,
        expected=""
        if track.status in FINAL_STATUSES
        else expected_date(track=track, order=order, now=now or timezone.now()),
        step=_STEP.get(track.status, -1),
        events=events,
        final=track.status in FINAL_STATUSES,
        returns=_returns(order),
        links=_links(order, token),
    )


def _returns(order: Order | None) -> list[dict[str, Any]]:
    provider = tracking_events.return_progress.get()
    return provider(order.pk) if provider is not None and order is not None else []


def _links(order: Order | None, token: str) -> list[dict[str, str]]:
    provider = tracking_events.buyer_links.get()
    return provider(order.pk, token) if provider is not None and order is not None else []


def _colour(seed: str) -> str:
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return BADGE_COLOURS[digest[0] % len(BADGE_COLOURS)]
