"""Buyer messages: the template library, queueing (idempotent, set-based) and the tracking-page token.

Other domains call three cheap hooks — ``notify_for_tracks`` (``notify_for_track_status``),
``notify_for_alerts`` (``notify_for_alert``) — which only register a job to run once the caller's
transaction commits; the job renders the messages and puts them in the outbox, and the sender
(``fahuo.notify.sending``) delivers them. ``enqueue`` queues one message by hand.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from fahuo.accounts.selectors import visible
from fahuo.carriers.models import Carrier
from fahuo.kit.errors import InvalidInput
from fahuo.kit.privacy import lookup_hash, mask_name
from fahuo.notify.channels import Directory
from fahuo.notify.models import (
    BuyerContact,
    Channel,
    MessageKey,
    MessageTemplate,
    OutboxMessage,
    OutboxStatus,
)
from fahuo.notify.texts import DEFAULT_TEXTS, ORDER_KEYS, STATUS_PHRASES, render, validate_body
from fahuo.orders.models import Order, OrderStatus, Shop
from fahuo.tracking.models import Alert, AlertKind, BuyerMessage, Track, TrackStatus

log = logging.getLogger(__name__)

MESSAGE_TTL = timedelta(hours=48)
DEFAULT_PROMISE_HOURS = 72
NO_ADDRESS: dict[str, str] = {
    Channel.SMS: "订单没有收件人手机号，无法发短信",
    Channel.DOUYIN_IM: "订单没有抖店订单编号，无法发抖店消息",
    Channel.WECHAT: "不知道这位买家的微信 openid（买家需先在小程序订阅消息）",
}

# A parcel's status -> the message that tells the buyer about it.
STATUS_KEYS: dict[str, str] = {
    TrackStatus.PICKED_UP: MessageKey.SHIPPED,
    TrackStatus.IN_TRANSIT: MessageKey.SHIPPED,  # the pick-up scan was missed: still "shipped", once
    TrackStatus.OUT_FOR_DELIVERY: MessageKey.OUT_FOR_DELIVERY,
    TrackStatus.IN_LOCKER: MessageKey.IN_LOCKER,
    TrackStatus.DELIVERED: MessageKey.DELIVERED,
    TrackStatus.EXCEPTION: MessageKey.PROBLEM,
    TrackStatus.REFUSED: MessageKey.REFUSED,
    TrackStatus.RETURNING: MessageKey.RETURNING,
    TrackStatus.LOST: MessageKey.LOST,
}
# An alert -> the message the buyer should get before they ask. Internal alerts (no pick-up, proxy
# signature, after-sale) have none.
ALERT_KEYS: dict[str, str] = {
    AlertKind.STALLED: MessageKey.DELAYED,
    AlertKind.LATE: MessageKey.DELAYED,
    AlertKind.PROBLEM: MessageKey.PROBLEM,
    AlertKind.REFUSED: MessageKey.REFUSED,
    AlertKind.RETURNING: MessageKey.RETURNING,
    AlertKind.SHIP_BY_SOON: MessageKey.SHIP_BY_SOON,
    AlertKind.SHIP_BY_OVERDUE: MessageKey.SHIP_BY_SOON,
    AlertKind.ADDRESS_CHANGED: MessageKey.ADDRESS_CHANGED,
}
# Parcel statuses that are also alert kinds: their message goes out by itself only while the seller
# leaves auto-messaging on for that kind (``AlertRule.message_buyer``), whichever path queues it.
STATUS_ALERT_KINDS: dict[str, str] = {
    TrackStatus.EXCEPTION: AlertKind.PROBLEM,
    TrackStatus.LOST: AlertKind.PROBLEM,
    TrackStatus.REFUSED: AlertKind.REFUSED,
    TrackStatus.RETURNING: AlertKind.RETURNING,
}
QUEUE_CHUNK = 500  # pairs per round of queueing (IN lists stay far below SQLite's parameter limit)
# Milestones in the order a parcel passes them: a milestone the parcel is already past is not sent
# (a late push with pick-up and delivery together sends "delivered" only).
MILESTONE_RANK: dict[str, int] = {
    MessageKey.SHIPPED: 1,
    MessageKey.OUT_FOR_DELIVERY: 2,
    MessageKey.IN_LOCKER: 3,
    MessageKey.DELIVERED: 4,
}


# --- hooks for other domains -----------------------------------------------------------------------


def notify_for_track_status(track: Track) -> None:
    """Queue the message for this parcel's current status once the transaction commits."""
    notify_for_tracks([track])


def notify_for_tracks(tracks: Iterable[Track]) -> None:
    """Like ``notify_for_track_status`` for a batch: no query now, one job after commit."""
    pairs = [[t.pk, STATUS_KEYS[t.status]] for t in tracks if t.order_id and t.status in STATUS_KEYS]
    if pairs:
        _after_commit(tracks=pairs)


def notify_for_alert(alert: Alert) -> None:
    """Queue the message for a new alert (delay, problem, refusal …) once the transaction commits."""
    notify_for_alerts([alert])


def notify_for_alerts(alerts: Iterable[Alert]) -> None:
    """Like ``notify_for_alert`` for a batch: no query now, one job after commit. The caller
    decides whether an alert should message the buyer by itself."""
    notify_for_alert_rows((a.pk, a.kind) for a in alerts)


def notify_for_alert_rows(rows: Iterable[tuple[int, str]]) -> None:
    """``notify_for_alerts`` from plain ``(alert id, kind)`` rows (the sweep reads its thousands of
    new alerts with ``values_list``, without building model instances)."""
    pairs = [[pk, ALERT_KEYS[kind]] for pk, kind in rows if kind in ALERT_KEYS]
    if pairs:
        _after_commit(alerts=pairs)


def alert_message_key(alert: Alert) -> str | None:
    """The buyer message an alert calls for (a lost parcel's problem alert says "lost"), or None."""
    key = ALERT_KEYS.get(alert.kind)
    if key == MessageKey.PROBLEM and alert.track is not None and alert.track.status == TrackStatus.LOST:
        return MessageKey.LOST
    return key


def _after_commit(*, tracks: list[list[Any]] | None = None, alerts: list[list[Any]] | None = None) -> None:
    from fahuo.notify.tasks import queue_messages_task

    transaction.on_commit(lambda: queue_messages_task(tracks or [], alerts or []))


# --- queueing ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Item:
    order: Order
    key: str
    track: Track | None = None
    alert_id: int | None = None
    channel: str | None = None
    link: str = ""  # {链接} when it is not the parcel's page (the out-of-stock choice page)
    ref: str = ""  # what the message is about, when an order may get the same key again


def queue_for_tracks(*, pairs: Sequence[Sequence[Any]], now: datetime | None = None) -> int:
    """Queue ``(track id, message key)`` pairs; returns how many messages are new. A problem,
    refusal, return or loss is skipped when the seller switched auto-messaging off for that kind."""
    now = now or timezone.now()
    off: set[str] | None = None
    queued = 0
    for part in _chunks(pairs):
        keys = {int(pk): str(key) for pk, key in part}
        tracks = Track.objects.filter(pk__in=keys, order__isnull=False).select_related("order__shop")
        items = [_Item(order=t.order, key=keys[t.pk], track=t) for t in tracks if t.order is not None]
        if any(i.track is not None and i.track.status in STATUS_ALERT_KINDS for i in items):
            off = _auto_off_kinds() if off is None else off
            items = [i for i in items if i.track is None or STATUS_ALERT_KINDS.get(i.track.status) not in off]
        queued += len(_queue(items, now=now))
    return queued


def queue_for_alerts(*, pairs: Sequence[Sequence[Any]], now: datetime | None = None) -> int:
    """Queue ``(alert id, message key)`` pairs; returns how many messages are new."""
    now = now or timezone.now()
    queued = 0
    for part in _chunks(pairs):
        keys = {int(pk): str(key) for pk, key in part}
        alerts = Alert.objects.filter(pk__in=keys).select_related("order__shop", "track__order__shop")
        items = []
        for a in alerts:
            order = a.order or (a.track.order if a.track is not None else None)
            if order is not None:
                key = alert_message_key(a) if keys[a.pk] == ALERT_KEYS.get(a.kind) else keys[a.pk]
                items.append(_Item(order=order, key=key or keys[a.pk], track=a.track, alert_id=a.pk))
        queued += len(_queue(items, now=now))
    return queued


def _chunks(pairs: Sequence[Sequence[Any]]) -> list[Sequence[Sequence[Any]]]:
    return [pairs[i : i + QUEUE_CHUNK] for i in range(0, len(pairs), QUEUE_CHUNK)]


def _auto_off_kinds() -> set[str]:
    from fahuo.tracking.rules import auto_message_kinds

    return {str(k) for k in STATUS_ALERT_KINDS.values()} - auto_message_kinds()


def send_for_alert(*, alert: Alert, user: Any = None, now: datetime | None = None) -> OutboxMessage | None:
    """Queue an alert's buyer message by hand (the seller's "tell the buyer" in the alert queue),
    whatever the auto-messaging switch says. Returns the message — the earlier one when the buyer
    already got it — or None when the shop switched the message off."""
    key = alert_message_key(alert)
    order = alert.order or (alert.track.order if alert.track is not None else None)
    if key is None or order is None:
        raise InvalidInput("这类异常没有给买家的消息")
    if order.status == OrderStatus.CANCELLED:
        raise InvalidInput("订单已取消，不再通知买家")
    item = _Item(order=order, key=key, track=alert.track, alert_id=alert.pk)
    _queue([item], now=now or timezone.now(), user=user)
    message = OutboxMessage.objects.filter(dedupe_key=dedupe_key(item)).first()
    if message is not None and alert.buyer_message not in (BuyerMessage.AUTO, BuyerMessage.MANUAL):
        alert.buyer_message = BuyerMessage.MANUAL
        alert.save(update_fields=["buyer_message"])
    return message


def enqueue(
    *,
    order: Order,
    key: str,
    channel: str | None = None,
    track: Track | None = None,
    user: Any = None,
    now: datetime | None = None,
) -> OutboxMessage | None:
    """Queue one message for an order (its latest parcel when none is given); queueing the same
    message again returns the first. None when the shop switched this message off."""
    if key not in MessageKey.values:
        raise InvalidInput(f"没有这种消息：{key}")
    if channel and channel not in Channel.values:
        raise InvalidInput(f"没有这种消息渠道：{channel}")
    if track is None:
        track = Track.objects.filter(order=order).order_by("-issued_at", "-pk").first()
    if track is None and key not in ORDER_KEYS:
        raise InvalidInput("这个订单还没有快递单号，不能发送包裹消息")
    item = _Item(order=order, key=key, track=track, channel=channel or None)
    _queue([item], now=now or timezone.now(), user=user)
    return OutboxMessage.objects.filter(dedupe_key=dedupe_key(item)).first()


def send_order_link(
    *, order: Order, key: str, path: str, ref: str, user: Any = None, now: datetime | None = None
) -> OutboxMessage | None:
    """Queue an order message whose {链接} is another domain's buyer page (``path``, e.g. the
    out-of-stock choice), once per ``ref``; the message, or None when the shop switched it off."""
    if key not in ORDER_KEYS:
        raise InvalidInput(f"没有这种订单消息：{key}")
    item = _Item(order=order, key=key, link=public_base_url() + path, ref=ref)
    _queue([item], now=now or timezone.now(), user=user)
    return OutboxMessage.objects.filter(dedupe_key=dedupe_key(item)).first()


def dedupe_key(item: _Item) -> str:
    """One message per order and key — per parcel for parcel news, per alert for an address change,
    once per order for the ship-by apology."""
    base = f"{item.order.pk}:{item.key}"
    if item.ref:
        return f"{base}:{item.ref}"
    if item.key == MessageKey.SHIP_BY_SOON:
        return base
    if item.key == MessageKey.ADDRESS_CHANGED and item.alert_id:
        return f"{base}:a{item.alert_id}"
    if item.track is not None:
        return f"{base}:t{item.track.pk}"
    if item.alert_id:
        return f"{base}:a{item.alert_id}"
    return base


def _queue(items: list[_Item], *, now: datetime, user: Any = None) -> list[OutboxMessage]:
    """Render and store the messages of ``items`` that are new (a handful of queries per batch)."""
    wanted: dict[str, _Item] = {}
    for item in items:
        if item.order.status == OrderStatus.CANCELLED or _already_past(item):
            continue
        if item.track is None and item.key not in ORDER_KEYS:
            continue  # a parcel message without a parcel would read "您的包裹（）…"
        wanted.setdefault(dedupe_key(item), item)
    if not wanted:
        return []
    existing = set(OutboxMessage.objects.filter(dedupe_key__in=wanted).values_list("dedupe_key", flat=True))
    todo = {k: v for k, v in wanted.items() if k not in existing}
    if not todo:
        return []
    orders = {item.order.pk: item.order for item in todo.values()}
    templates = _templates({o.shop_id for o in orders.values()}, {i.key for i in todo.values()})
    directory = Directory.for_orders(orders.values())
    tracks = [i.track for i in todo.values() if i.track is not None]
    ensure_tokens(tracks)
    carriers = dict(
        Carrier.objects.filter(code__in={t.carrier_code for t in tracks}).values_list("code", "name")
    )
    due = next_send_time(now)
    rows: list[OutboxMessage] = []
    for key, item in todo.items():
        order = item.order
        channel = item.channel or directory.choose(order)
        template = pick_template(templates, shop_id=order.shop_id, key=item.key, channel=channel)
        if template is None or not template.active:
            continue
        values = message_values(order=order, track=item.track, carriers=carriers, now=now)
        values["链接"] = item.link or values["链接"]
        to = directory.address(order, channel)
        rows.append(
            OutboxMessage(
                order=order,
                track=item.track,
                template_key=item.key,
                channel=channel,
                to=to,
                body=render(template.body, values),
                params={**values, "状态": STATUS_PHRASES.get(item.key, "")},
                status=OutboxStatus.QUEUED if to else OutboxStatus.FAILED,
                next_attempt_at=due if to else None,
                expires_at=now + MESSAGE_TTL,
                last_error="" if to else NO_ADDRESS.get(channel, ""),
                dedupe_key=key,
                created_by=user if getattr(user, "is_authenticated", False) else None,
            )
        )
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    if any(r.status == OutboxStatus.QUEUED for r in rows):
        request_send()
    log.info("queued %d buyer messages", len(rows))
    return rows


def _already_past(item: _Item) -> bool:
    rank = MILESTONE_RANK.get(item.key)
    if rank is None or item.track is None:
        return False
    current = MILESTONE_RANK.get(STATUS_KEYS.get(item.track.status, ""), 0)
    return current > rank


def request_send() -> None:
    """Ask the worker to send due messages once the current transaction commits."""
    from fahuo.notify.tasks import send_messages_task

    transaction.on_commit(lambda: send_messages_task())


def next_send_time(moment: datetime) -> datetime:
    """``moment``, or the end of the quiet hours it falls in (Beijing time; setting
    ``FAHUO_MESSAGE_QUIET_HOURS`` = (start hour, end hour), default 22-8, None to switch off)."""
    quiet = getattr(settings, "FAHUO_MESSAGE_QUIET_HOURS", (22, 8))
    if not quiet:
        return moment
    start, end = int(quiet[0]), int(quiet[1])
    local = timezone.localtime(moment)
    hour = local.hour
    inside = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not inside:
        return moment
    wake = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if wake <= local:
        wake += timedelta(days=1)
    return wake


# --- values and templates ----------------------------------------------------------------------------


def public_base_url() -> str:
    """Where buyers reach fahuo (setting or environment FAHUO_PUBLIC_URL)."""
    base = getattr(settings, "FAHUO_PUBLIC_URL", "") or os.environ.get("FAHUO_PUBLIC_URL", "")
    return (base or "http://127.0.0.1:8000").rstrip("/")


def track_url(token: str) -> str:
    return public_base_url() + reverse("public:track", args=[token])


def expected_date(*, track: Track | None, order: Order | None, now: datetime) -> str:
    """``6月20日``: the delivery day, else when it is due (promise hours after pick-up)."""
    moment: datetime | None = None
    if track is not None:
        moment = track.delivered_at or track.due_at
        if moment is None:
            start = track.picked_up_at or track.issued_at or now
            hours = track.promised_hours or (order.promise_hours if order is not None else None)
            moment = start + timedelta(hours=hours or DEFAULT_PROMISE_HOURS)
    elif order is not None and order.promise_hours:
        moment = now + timedelta(hours=order.promise_hours)
    if moment is None:
        return ""
    day = timezone.localtime(moment).date()
    return f"{day.month}月{day.day}日"


def message_values(
    *, order: Order, track: Track | None, carriers: dict[str, str], now: datetime
) -> dict[str, str]:
    """The template variables of one message; the buyer's name is masked, nothing else is personal."""
    carrier = ""
    if track is not None:
        carrier = carriers.get(track.carrier_code, track.carrier_code)
    return {
        "买家": mask_name(order.recipient_name),
        "单号": track.tracking_no if track is not None else "",
        "快递": carrier,
        "预计": expected_date(track=track, order=order, now=now),
        "店铺": order.shop.name,
        "链接": track_url(track.token) if track is not None and track.token else "",
    }


def sample_values(
    *, shop: Shop | None = None, now: datetime | None = None, user: Any = None
) -> dict[str, str]:
    """Values for a preview: the shop's latest order with a parcel (of the user's shops), else a
    made-up one."""
    now = now or timezone.now()
    tracks = Track.objects.filter(order__isnull=False).select_related("order__shop")
    if user is not None:
        tracks = visible(tracks, user, field="order__shop")
    if shop is not None:
        tracks = tracks.filter(order__shop=shop)
    track = tracks.order_by("-pk").first()
    if track is not None and track.order is not None:
        ensure_tokens([track])
        carriers = dict(Carrier.objects.filter(code=track.carrier_code).values_list("code", "name"))
        return message_values(order=track.order, track=track, carriers=carriers, now=now)
    day = timezone.localtime(now + timedelta(days=2)).date()
    return {
        "买家": "张*",
        "单号": "73100012345678",
        "快递": "中通快递",
        "预计": f"{day.month}月{day.day}日",
        "店铺": shop.name if shop is not None else "小雨直播间",
        "链接": public_base_url() + "/t/sample",
    }


def _templates(shop_ids: set[int], keys: set[str]) -> dict[tuple[int | None, str, str], MessageTemplate]:
    rows = MessageTemplate.objects.filter(key__in=keys).filter(Q(shop_id__in=shop_ids) | Q(shop__isnull=True))
    return {(t.shop_id, t.key, t.channel): t for t in rows}


def pick_template(
    templates: dict[tuple[int | None, str, str], MessageTemplate], *, shop_id: int, key: str, channel: str
) -> MessageTemplate | None:
    """The most specific template: the shop's for this channel, the shop's, the default for this
    channel, the default. An inactive one still wins (the shop switched the message off)."""
    for candidate in ((shop_id, key, channel), (shop_id, key, ""), (None, key, channel), (None, key, "")):
        found = templates.get(candidate)
        if found is not None:
            return found
    return None


def resolve_template(*, shop: Shop | None, key: str, channel: str = "") -> MessageTemplate | None:
    shop_ids = {shop.pk} if shop is not None else set()
    templates = _templates(shop_ids, {key})
    if shop is None:
        return templates.get((None, key, channel)) or templates.get((None, key, ""))
    return pick_template(templates, shop_id=shop.pk, key=key, channel=channel)


def ensure_default_templates() -> int:
    """Create the default library (话术库) where missing; edited texts are left alone. Returns how
    many were created."""
    existing = set(
        MessageTemplate.objects.filter(shop__isnull=True, channel="").values_list("key", flat=True)
    )
    rows = [
        MessageTemplate(shop=None, key=key, channel="", title=title, body=body, active=True)
        for key, (title, body) in DEFAULT_TEXTS.items()
        if key not in existing
    ]
    MessageTemplate.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def save_template(
    *,
    template: MessageTemplate | None = None,
    shop: Shop | None = None,
    key: str = "",
    channel: str = "",
    title: str,
    body: str,
    active: bool = True,
) -> MessageTemplate:
    """Create or change a template; an unknown ``{变量}`` raises InvalidInput."""
    if template is None:
        if key not in MessageKey.values:
            raise InvalidInput(f"没有这种消息：{key}")
        template = MessageTemplate(shop=shop, key=key)
    try:
        validate_body(body, key=template.key)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages)) from None
    if channel and channel not in Channel.values:
        raise InvalidInput(f"没有这种消息渠道：{channel}")
    template.channel = channel
    template.title = title.strip()[:60] or template.get_key_display()
    template.body = body.strip()
    template.active = active
    try:
        template.validate_constraints()
    except ValidationError:
        raise InvalidInput("这个店铺已有该消息在该渠道的版本，请直接修改它") from None
    template.save()
    return template


# --- buyers' WeChat openids --------------------------------------------------------------------------


def bind_contact(*, shop: Shop, phone: str, address: str, channel: str = Channel.WECHAT) -> BuyerContact:
    """Remember a buyer's openid (posted by the shop's mini-program when the buyer subscribes);
    failed WeChat messages that were waiting for it are made due again."""
    if not phone.strip() or not address.strip():
        raise InvalidInput("需要买家手机号和 openid")
    phone_hash = lookup_hash(phone)
    contact, _ = BuyerContact.objects.update_or_create(
        shop=shop, phone_hash=phone_hash, channel=channel, defaults={"address": address.strip()}
    )
    waiting = list(
        OutboxMessage.objects.filter(
            channel=channel,
            status=OutboxStatus.FAILED,
            to="",
            order__shop=shop,
            order__customer__phone_hash=phone_hash,
        )
    )
    now = timezone.now()
    for message in waiting:
        message.to = contact.address
        message.status = OutboxStatus.QUEUED
        message.next_attempt_at = next_send_time(now)
        message.expires_at = now + MESSAGE_TTL
    OutboxMessage.objects.bulk_update(waiting, ["to", "status", "next_attempt_at", "expires_at"])
    if waiting:
        request_send()
    return contact


# --- the buyer tracking page's token -----------------------------------------------------------------


def ensure_token(track: Track) -> str:
    """The parcel's tracking-page token, made (random, 128 bits) when it has none."""
    ensure_tokens([track])
    return track.token or ""


def ensure_tokens(tracks: Iterable[Track]) -> None:
    """Give every parcel without one a token (two queries for the batch; a concurrent writer's token
    wins and is read back, so a link already sent keeps working)."""
    missing = [t for t in tracks if not t.token]
    if not missing:
        return
    fresh = {t.pk: secrets.token_urlsafe(16) for t in missing}
    Track.objects.filter(pk__in=fresh).filter(Q(token__isnull=True) | Q(token="")).update(
        token=Case(*[When(pk=pk, then=Value(tok)) for pk, tok in fresh.items()])
    )
    stored = dict(Track.objects.filter(pk__in=fresh).values_list("pk", "token"))
    for t in missing:
        t.token = stored.get(t.pk) or t.token
