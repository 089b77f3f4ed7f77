"""抖店 pushed messages (消息推送) and their effects on orders.

Every message is handled once: ``PlatformMessage`` (provider + msg_id, unique) records it, so a
re-delivered push changes nothing. Effects by tag:

* 101 paid / 110 (待发货): the order is created with ``create_orders`` when the message carries the
  recipient and items; a bare message (the platform's usual ``p_id``/``shop_id``/``pay_time``) is
  recorded as ``pending_fetch`` with the order id, and ``shop_fetch`` reads the order from 抖店
  (``order.orderDetail``) in a task queued when the push commits;
* 105 address changed: the new address is verified onto the order (``apply_verification``); an
  order already printed gets an ADDRESS_CHANGED alert "已打单，请拦截" (intercept the parcel); an
  encrypted address (not readable here) marks a not-yet-printed order for review instead, and is
  fetched like a paid order's (``pending_fetch``);
* 126 ship-by changed: ``Order.ship_by`` follows, and the next sweep re-evaluates SHIP_BY_*;
* 200 after-sale created: the order is flagged (review reason ``after_sale``) and an AFTER_SALE
  alert opens (with "已打单，请拦截" when it was printed).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from fahuo.integrations.base import SignatureInvalid
from fahuo.kit.bulk import bulk_insert
from fahuo.kit.errors import FahuoError, NotSupported
from fahuo.orders.models import Order, OrderStatus, Platform, Shop
from fahuo.tracking.models import AlertKind, MessageStatus, PlatformMessage, Track
from fahuo.tracking.services import AlertDraft, raise_alerts

if TYPE_CHECKING:
    from fahuo.integrations.douyin.push import DouyinMessage

logger = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
PROVIDER = "douyin"
PAID_TAGS = frozenset({"101", "110"})
PRINTED = (OrderStatus.PRINTED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
INTERCEPT = "已打单，请拦截"
PENDING_ADDRESS = "（新地址待从抖店获取）"


@dataclass(slots=True)
class MessageOutcome:
    processed: int = 0
    duplicates: int = 0
    pending_fetch: int = 0
    errors: list[str] = field(default_factory=list)
    created_orders: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- parsing (signature) -------------------------------------------------------------------------


def _douyin_accounts() -> list[Any]:
    from fahuo.carriers.models import ProviderAccount

    return list(ProviderAccount.objects.filter(provider=PROVIDER, active=True).select_related("shop"))


def _app_credentials(account: Any) -> tuple[str, str]:
    from fahuo.integrations.douyin.settings import account_credentials

    creds = account_credentials(account)
    return str(creds.get("app_key") or ""), str(creds.get("app_secret") or "")


def parse_douyin(body: bytes, headers: Mapping[str, str]) -> list[DouyinMessage]:
    """Verify a push with the app it names (header ``app-id``), else any configured 抖店 app."""
    from fahuo.integrations.douyin.push import parse_push

    accounts = _douyin_accounts()
    if not accounts:
        raise NotSupported("没有可用的抖店开放平台账号，无法校验推送签名")
    app_id = (headers.get("app-id") or headers.get("App-Id") or "").strip()
    apps: dict[str, str] = {}
    for account in accounts:
        try:
            key, secret = _app_credentials(account)
        except FahuoError:
            continue
        if key and secret:
            apps.setdefault(key, secret)
    tried = [(app_id, apps[app_id])] if app_id in apps else list(apps.items())
    last: SignatureInvalid | None = None
    for key, secret in tried:
        try:
            return list(parse_push(body, headers, app_key=key, app_secret=secret))
        except SignatureInvalid as exc:
            last = exc
    raise last or SignatureInvalid("抖店推送签名校验失败")


# --- effects -------------------------------------------------------------------------------------


def handle_douyin_messages(messages: Sequence[DouyinMessage]) -> MessageOutcome:
    """Apply each message once (idempotent on msg_id); a failing message is recorded, not retried.

    Consecutive paid messages that carry their order are created together (``_paid_together``):
    one ``create_orders`` per shop and one insert of their records, not a round of queries each."""
    outcome = MessageOutcome()
    to_fetch: list[int] = []
    ids = [str(m.msg_id) for m in messages]
    seen = set(
        PlatformMessage.objects.filter(provider=PROVIDER, msg_id__in=ids).values_list("msg_id", flat=True)
    )
    shops = _ShopResolver()
    run: list[DouyinMessage] = []
    for message in messages:
        msg_id = str(message.msg_id)
        if msg_id in seen:
            outcome.duplicates += 1
            continue
        seen.add(msg_id)
        if str(message.tag) in PAID_TAGS and HANDLERS.get(str(message.tag)) is _paid:
            run.append(message)
            continue
        for left in _paid_together(run, shops, outcome):
            _handle_one(left, shops, outcome, to_fetch)
        run = []
        _handle_one(message, shops, outcome, to_fetch)
    for left in _paid_together(run, shops, outcome):
        _handle_one(left, shops, outcome, to_fetch)
    if to_fetch:
        enqueue_fetch(to_fetch)
    return outcome


def _handle_one(
    message: DouyinMessage, shops: _ShopResolver, outcome: MessageOutcome, to_fetch: list[int]
) -> None:
    """One message in its own savepoint: applied and recorded, or recorded as failed."""
    msg_id, tag = str(message.msg_id), str(message.tag)
    data = dict(message.data or {})
    order_no = message.order_id or str(data.get("order_id") or "").strip()
    shop = shops.shop_for(data)
    record = _record(message, shop, order_no)
    handler = HANDLERS.get(tag)
    try:
        with transaction.atomic():
            if not msg_id or message.error:
                raise ValueError(message.error or "message has no msg_id")
            if handler is None:
                record.status, record.note = MessageStatus.IGNORED, f"tag {tag} not handled"
            else:
                record.status, record.note = handler(shop, order_no, message, outcome)
            record.note = record.note[:300]
            record.save()
    except IntegrityError:
        outcome.duplicates += 1  # the same message, delivered twice at once
        return
    except Exception as exc:  # any failure is this message's own: its savepoint is rolled back
        if not isinstance(exc, FahuoError | ValueError | KeyError | TypeError):
            logger.exception("douyin message %s (tag %s) failed", msg_id, tag)
        text = exc.message if isinstance(exc, FahuoError) else f"{type(exc).__name__}: {exc}"
        outcome.errors.append(f"msg {msg_id} (tag {tag}): {text}"[:200])
        record.status, record.note = MessageStatus.FAILED, text[:300]
        record.save()
        return
    outcome.processed += 1
    if record.status == MessageStatus.PENDING_FETCH:
        outcome.pending_fetch += 1
        to_fetch.append(record.pk)


def _record(message: DouyinMessage, shop: Shop | None, order_no: str) -> PlatformMessage:
    return PlatformMessage(
        provider=PROVIDER,
        msg_id=str(message.msg_id)[:64],
        tag=str(message.tag)[:10],
        shop=shop,
        platform_order_id=order_no[:64],
    )


def _paid_together(
    run: Sequence[DouyinMessage], shops: _ShopResolver, outcome: MessageOutcome
) -> list[DouyinMessage]:
    """Create the orders of these paid messages set-wise, one savepoint per shop; returns the
    messages left to ``_handle_one`` (no order in them, no shop, unreadable data, or a shop's set
    that failed — each is then applied and recorded on its own, so one bad message sinks nothing)."""
    from fahuo.orders.importing import create_orders

    left: list[DouyinMessage] = []
    groups: dict[int, tuple[Shop, list[tuple[DouyinMessage, Any]]]] = {}
    for message in run:
        data = message.data or {}
        order_no = message.order_id or str(data.get("order_id") or "").strip()
        shop = shops.shop_for(data)
        try:
            draft = draft_from_message(order_no, data) if order_no and message.msg_id else None
        except Exception:  # unreadable: _handle_one records why
            draft = None
        if shop is None or draft is None or message.error:
            left.append(message)
            continue
        groups.setdefault(shop.pk, (shop, []))[1].append((message, draft))
    for shop, items in groups.values():
        try:
            with transaction.atomic():
                result = create_orders(shop=shop, drafts=[d for _, d in items], source="push")
                records = [_record(m, shop, d.platform_order_id) for m, d in items]
                for record, done in zip(records, result.outcomes, strict=True):
                    record.status = MessageStatus.DONE
                    record.note = "order created" if done.created else "order already known"
                bulk_insert(records, return_ids=False)
        except Exception as exc:  # e.g. a message delivered twice at once: one by one instead
            logger.warning("douyin paid messages applied one by one: %s", type(exc).__name__)
            left.extend(m for m, _ in items)
            continue
        outcome.processed += len(items)
        outcome.created_orders += len(result.created)
    return left


def enqueue_fetch(message_ids: Sequence[int]) -> None:
    """After commit, fetch these pending_fetch messages' orders from 抖店 (shop_fetch). If queueing
    fails, the every-minute task picks them up anyway."""
    from fahuo.tracking.tasks import fetch_orders_task

    ids = list(message_ids)
    transaction.on_commit(lambda: fetch_orders_task(ids), robust=True)


class _ShopResolver:
    """抖店 shop_id -> fahuo Shop: the 抖店 account whose ``shop_id`` credential matches, else the
    only 抖店 shop there is."""

    def __init__(self) -> None:
        self._by_id: dict[str, Shop] | None = None
        self._only: Shop | None = None

    def shop_for(self, data: Mapping[str, Any]) -> Shop | None:
        if self._by_id is None:
            self._by_id = {}
            from fahuo.integrations.douyin.settings import account_credentials

            for account in _douyin_accounts():
                if account.shop is None:
                    continue
                try:
                    sid = str(account_credentials(account).get("shop_id") or "").strip()
                except FahuoError:
                    continue
                if sid:
                    self._by_id[sid] = account.shop
            douyin_shops = list(Shop.objects.filter(platform=Platform.DOUYIN)[:2])
            self._only = douyin_shops[0] if len(douyin_shops) == 1 else None
        return self._by_id.get(str(data.get("shop_id") or "").strip()) or self._only


def _order(shop: Shop | None, order_no: str) -> Order | None:
    if not order_no:
        return None
    qs = Order.objects.filter(platform_order_id=order_no).select_related("shop")
    if shop is not None:
        qs = qs.filter(shop=shop)
    return qs.first()


def _printed(order: Order) -> bool:
    return order.status in PRINTED or Track.objects.filter(order=order).exists()


Result = tuple[str, str]
Handler = Callable[[Shop | None, str, "DouyinMessage", MessageOutcome], Result]
OrderHandler = Callable[[Order, "DouyinMessage"], Result]


def _for_order(handle: OrderHandler) -> Handler:
    """A handler of a message about an order fahuo has; one about any other order is ignored."""

    def handler(shop: Shop | None, order_no: str, message: DouyinMessage, outcome: MessageOutcome) -> Result:
        order = _order(shop, order_no)
        if order is None:
            return MessageStatus.IGNORED, "order not in fahuo"
        return handle(order, message)

    return handler


def _paid(shop: Shop | None, order_no: str, message: DouyinMessage, outcome: MessageOutcome) -> Result:
    from fahuo.orders.importing import create_orders

    if not order_no:
        raise ValueError("message has no order id (p_id)")
    if _order(shop, order_no) is not None:
        return MessageStatus.DONE, "order already known"
    draft = draft_from_message(order_no, message.data)
    if shop is None:
        return MessageStatus.PENDING_FETCH, "shop not matched to a fahuo shop: fetch the order"
    if draft is None:
        return MessageStatus.PENDING_FETCH, "message carries no recipient/items: fetch order.orderDetail"
    result = create_orders(shop=shop, drafts=[draft], source="push")
    outcome.created_orders += len(result.created)
    return MessageStatus.DONE, "order created"


@_for_order
def _address_changed(order: Order, message: DouyinMessage) -> Result:
    from fahuo.orders.services import apply_verification, verify_recipient

    printed = _printed(order)
    receiver = _new_receiver(message, order)
    if receiver is not None:
        verification = verify_recipient(**receiver)
        apply_verification(order=order, verification=verification, street=receiver["street"][:60])
        order.save()
        status, note = (
            MessageStatus.DONE,
            "address re-verified" + ("" if verification.ok else " (needs review)"),
        )
        region = " ".join(p for p in (order.province, order.city, order.district) if p)
    else:
        # Encrypted shop data: the new address is only readable through the order API.
        if order.status == OrderStatus.READY:
            order.review_reasons = [
                *(order.review_reasons or []),
                {"code": "address", "message": "买家修改了收货地址，请从抖店重新获取后再打单"},
            ]
            order.status = OrderStatus.NEEDS_REVIEW
            order.save(update_fields=["review_reasons", "status", "updated_at"])
        status, note = MessageStatus.PENDING_FETCH, "new address not readable in the message: fetch the order"
        region = ""
    if printed:
        detail = f"{INTERCEPT}（新地址：{region}）" if region else f"{INTERCEPT}{PENDING_ADDRESS}"
        raise_alerts([AlertDraft(AlertKind.ADDRESS_CHANGED, order=order, detail=detail)])
    return status, note


def _new_receiver(message: DouyinMessage, order: Order) -> dict[str, str] | None:
    """The verify_recipient arguments for a 105 message's new address; None when it is encrypted.
    Name and phone are usually masked in the message (张*, 138****8000): the order keeps its own."""
    addr = message.new_address
    if addr is None or not _readable(addr.detail):
        return None
    name, phone = message.receiver_name, message.receiver_phone
    return {
        "name": name if _readable(name) else order.recipient_name,
        "phone": phone if _readable(phone) else order.recipient_phone,
        "province": addr.province,
        "city": addr.city,
        "district": addr.district,
        "street": addr.street,
        "detail": addr.detail,
    }


@_for_order
def _ship_by_changed(order: Order, message: DouyinMessage) -> Result:
    ship_by = message.ship_by
    if ship_by is None:
        for key in ("exp_ship_time", "ship_by", "latest_ship_time"):
            if message.data.get(key) not in (None, ""):
                ship_by = parse_time(message.data[key])
                break
    if ship_by is None:
        raise ValueError("message has no new ship-by time (exp_delivery_time)")
    Order.objects.filter(pk=order.pk).update(ship_by=ship_by, updated_at=timezone.now())
    return MessageStatus.DONE, f"ship_by {timezone.localtime(ship_by):%Y-%m-%d %H:%M}"


@_for_order
def _after_sale(order: Order, message: DouyinMessage) -> Result:
    ref = message.aftersale_id or str(message.data.get("refund_id") or "").strip()
    line = "、".join(message.sku_order_ids)
    reasons = [r for r in order.review_reasons or [] if r.get("code") != "after_sale"]
    where = f"子订单 {line} " if line else ""
    reasons.append(
        {
            "code": "after_sale",
            "message": f"售后处理中 (after_sale): {where}买家申请售后/退款{f' {ref}' if ref else ''}，请确认后再发货",
        }
    )
    order.review_reasons = reasons
    printed = _printed(order)
    if order.status == OrderStatus.READY:
        order.status = OrderStatus.NEEDS_REVIEW
    order.save(update_fields=["review_reasons", "status", "updated_at"])
    detail = INTERCEPT if printed else "未发货：已暂停打单"
    raise_alerts(
        [AlertDraft(AlertKind.AFTER_SALE, order=order, detail=f"{detail}{f' 售后单 {ref}' if ref else ''}")]
    )
    return MessageStatus.DONE, "order flagged after_sale"


HANDLERS: dict[str, Handler] = {
    "101": _paid,
    "110": _paid,
    "105": _address_changed,
    "126": _ship_by_changed,
    "200": _after_sale,
}


# --- message data ----------------------------------------------------------------------------------


def parse_time(value: Any) -> dt.datetime:
    """A 抖店 time: unix seconds (int or digits) or "YYYY-MM-DD HH:MM:SS" in Beijing time."""
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        try:
            return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"time {str(value)[:30]} is out of range") from None
    text = str(value).strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=SHANGHAI)
        except ValueError:
            continue
    raise ValueError(f"unreadable time {text!r}")


def _name(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("name") or "").strip()
    return str(value or "").strip()


def _readable(text: str) -> bool:
    """Not the platform's ciphertext (``#…#``, ``$…$``, ``~…~``) and not masked (``*``)."""
    return bool(text) and "*" not in text and text[0] not in "#$~"


def _receiver(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The clear recipient of a 105 message (``receiver_msg``: name, tel, addr{province{name} …}) as
    ``orders.services.RECIPIENT_FIELDS``; None when it is missing or encrypted (``encrypt_*`` fields,
    masked ``*`` values)."""
    msg = data.get("receiver_msg") or data.get("post_receiver") or data.get("receiver")
    if isinstance(msg, str):
        try:
            msg = json.loads(msg)
        except ValueError:
            return None
    if not isinstance(msg, Mapping):
        return None
    addr = msg.get("addr") or msg.get("post_addr") or {}
    if isinstance(addr, str):
        try:
            addr = json.loads(addr)
        except ValueError:
            addr = {"detail": addr}
    if isinstance(addr, list):
        addr = addr[0] if addr else {}
    if not isinstance(addr, Mapping):
        return None
    name = str(msg.get("name") or msg.get("post_receiver") or "").strip()
    phone = str(msg.get("tel") or msg.get("post_tel") or "").strip()
    detail = str(addr.get("detail") or "").strip()
    if not (_readable(detail) and _readable(phone)) or (name and not _readable(name)):
        return None
    return {
        "name": name,
        "phone": phone,
        "province": _name(addr.get("province")),
        "city": _name(addr.get("city")),
        "district": _name(addr.get("town") or addr.get("district")),
        "street": _name(addr.get("street")),
        "detail": detail,
    }


def draft_from_message(order_no: str, data: Mapping[str, Any]) -> Any:
    """An OrderDraft when the message carries the recipient and the items, else None."""
    from fahuo.orders.importing import LineDraft, OrderDraft

    receiver = _receiver(data)
    items = data.get("sku_order_list") or data.get("items") or []
    if receiver is None or not isinstance(items, list) or not items:
        return None
    lines = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            return None
        lines.append(
            LineDraft(
                line_id=str(item.get("order_id") or item.get("s_id") or f"{order_no}-{index}"),
                sku_code=str(item.get("out_sku_id") or item.get("code") or item.get("sku_code") or ""),
                title=str(item.get("product_name") or item.get("title") or ""),
                spec=str(item.get("spec") or ""),
                quantity=int(item.get("item_num") or item.get("quantity") or 1),
                unit_price_fen=int(item.get("origin_amount") or item.get("price") or 0),
            )
        )
    paid = data.get("pay_time")
    return OrderDraft(
        platform_order_id=order_no,
        lines=lines,
        **receiver,
        buyer_note=str(data.get("buyer_words") or ""),
        paid_at=parse_time(paid) if paid not in (None, "") else None,
        door_delivery=bool(data.get("door_delivery") or False),
        channel="live",
    )
