"""Fetching the 抖店 orders that a push only named (``PlatformMessage`` status ``pending_fetch``).

The platform's paid message (tag 101/110) carries the order id but not the recipient or the items,
and an address change (105) may carry the new address only as ciphertext. For those messages
``fetch_pending_orders`` reads the order with ``order.orderDetail`` (+ ``order.batchDecrypt``), then:

* 101/110: the order goes through ``create_orders`` — the core of the file import and of
  ``POST /api/orders`` — so it is verified like an import (bad phone or ambiguous address → needs
  review) and idempotent on shop + platform order id; ``ship_by`` follows the platform's
  ``exp_ship_time``. An order not (yet) 备货中 is fetched again later; a cancelled or already
  shipped one is not imported (``ignored``);
* 105: the new address is verified onto the order (``verify_recipient`` + ``apply_verification``).

It runs right after the hook commits (``tasks.fetch_orders_task``) and every minute for what is
due (``tasks.fetch_pending_orders_task``). A failure leaves the message ``pending_fetch`` with the
platform's message in ``note``, ``attempts`` + 1 and ``next_attempt_at`` = now + 1 min · 2^(n-1)
(at most an hour); a refusal that will not change (unknown order, bad parameters) or the
``MAX_ATTEMPTS``-th failure makes it ``failed``. No transaction is held open over an HTTP call.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from fahuo.kit.errors import FahuoError, ProviderError
from fahuo.orders.models import Order, Platform, Shop
from fahuo.orders.platform_auth import fetch_enabled
from fahuo.tracking.models import Alert, AlertKind, AlertStatus, MessageStatus, PlatformMessage
from fahuo.tracking.shop_messages import INTERCEPT, PENDING_ADDRESS

if TYPE_CHECKING:
    from fahuo.integrations.douyin.mapper import DouyinOrder

logger = logging.getLogger(__name__)
PROVIDER = "douyin"
PAID_TAGS = frozenset({"101", "110"})
ADDRESS_TAG = "105"
MAX_ATTEMPTS = 10
CLAIM_MINUTES = 5  # a claimed message is left alone this long by other workers


@dataclass(slots=True)
class FetchResult:
    fetched: int = 0  # messages done (orders created, found, or updated)
    created: int = 0  # orders created
    retrying: int = 0
    failed: int = 0
    ignored: int = 0  # cancelled or already shipped on the platform: not imported
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def backoff(attempts: int) -> dt.timedelta:
    """Wait before attempt ``attempts + 1``: 1, 2, 4 … minutes, at most an hour."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), dt.timedelta(hours=1))


def fetch_pending_orders(
    *, ids: Sequence[int] | None = None, now: dt.datetime | None = None, limit: int = 100
) -> FetchResult:
    """Fetch the due ``pending_fetch`` messages' orders (only ``ids`` when given)."""
    now = now or timezone.now()
    result = FetchResult()
    due = PlatformMessage.objects.filter(provider=PROVIDER, status=MessageStatus.PENDING_FETCH).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    for message in due.select_related("shop").order_by("received_at", "pk")[:limit]:
        if not _claim(message, now):
            continue
        try:
            _fetch_one(message, now=now, result=result)
        except Exception as exc:  # one bad order must not hold up the others: retried with backoff
            logger.exception("fetching 抖店 order %s failed unexpectedly", message.platform_order_id)
            _fail(message, f"内部错误：{type(exc).__name__}", retryable=True, now=now, result=result)
    return result


def retry_now(*, ids: Sequence[int] | None = None) -> int:
    """Put failed or waiting 抖店 order fetches back in line now (the seller's "retry" button); the
    fetch runs after commit. A failed message starts its attempts again."""
    stuck = PlatformMessage.objects.filter(
        provider=PROVIDER, status__in=[MessageStatus.PENDING_FETCH, MessageStatus.FAILED]
    )
    if ids is not None:
        stuck = stuck.filter(pk__in=list(ids))
    picked = list(stuck.values_list("pk", flat=True))
    if not picked:
        return 0
    PlatformMessage.objects.filter(pk__in=picked, status=MessageStatus.FAILED).update(attempts=0)
    PlatformMessage.objects.filter(pk__in=picked).update(
        status=MessageStatus.PENDING_FETCH, next_attempt_at=None
    )
    from fahuo.tracking.tasks import fetch_orders_task

    transaction.on_commit(lambda: fetch_orders_task(picked))
    return len(picked)


def _claim(message: PlatformMessage, now: dt.datetime) -> bool:
    """Take the message (a conditional update on the value we read): a second worker gets 0 rows."""
    taken = PlatformMessage.objects.filter(
        pk=message.pk, status=MessageStatus.PENDING_FETCH, next_attempt_at=message.next_attempt_at
    ).update(next_attempt_at=now + dt.timedelta(minutes=CLAIM_MINUTES))
    return taken == 1


def _finish(message: PlatformMessage, status: str, note: str, result: FetchResult) -> None:
    message.status, message.note = status, note[:300]
    message.save(update_fields=["status", "note"])
    if status == MessageStatus.DONE:
        result.fetched += 1
    elif status == MessageStatus.IGNORED:
        result.ignored += 1


def _fail(
    message: PlatformMessage, text: str, *, retryable: bool, now: dt.datetime, result: FetchResult
) -> None:
    attempts = message.attempts + 1
    result.errors.append(f"{message.platform_order_id}: {text}"[:200])
    logger.warning(
        "fetching 抖店 order %s failed (attempt %s): %s", message.platform_order_id, attempts, text
    )
    message.attempts, message.note = attempts, text[:300]
    if retryable and attempts < MAX_ATTEMPTS:
        message.next_attempt_at = now + backoff(attempts)
        result.retrying += 1
    else:
        message.status, message.next_attempt_at = MessageStatus.FAILED, None
        result.failed += 1
    message.save(update_fields=["attempts", "note", "status", "next_attempt_at"])


def _shop(message: PlatformMessage) -> Shop | None:
    if message.shop is not None:
        return message.shop
    shops = list(Shop.objects.filter(platform=Platform.DOUYIN)[:2])
    return shops[0] if len(shops) == 1 else None


def _fetch_one(message: PlatformMessage, *, now: dt.datetime, result: FetchResult) -> None:
    shop = _shop(message)
    order_no = message.platform_order_id
    if not order_no or message.tag not in (*PAID_TAGS, ADDRESS_TAG):
        _finish(message, MessageStatus.IGNORED, "nothing to fetch for this message", result)
        return
    if shop is None:
        _fail(message, "无法确定消息所属的店铺（shop_id 未匹配）", retryable=False, now=now, result=result)
        return
    if not fetch_enabled(shop):
        # The owner turned 抖店 order fetch off on the shop page (orders come by file import).
        _finish(message, MessageStatus.IGNORED, "本店已关闭抖店自动取单", result)
        return
    existing = Order.objects.filter(shop=shop, platform_order_id=order_no).first()
    if message.tag in PAID_TAGS and existing is not None:
        _finish(message, MessageStatus.DONE, "order already known", result)
        return
    if message.tag == ADDRESS_TAG and existing is None:
        _finish(message, MessageStatus.IGNORED, "order not in fahuo", result)
        return
    try:
        platform_order = read_order(shop=shop, order_id=order_no)
    except FahuoError as exc:
        detail = exc.detail if isinstance(exc, ProviderError) and isinstance(exc.detail, dict) else {}
        retryable = bool(detail.get("retryable", True))
        _fail(message, exc.message, retryable=retryable, now=now, result=result)
        return
    if existing is not None:
        _apply_address(existing, platform_order)
        _finish(message, MessageStatus.DONE, "address fetched and re-verified", result)
        return
    _import(message, shop, platform_order, now=now, result=result)


def read_order(*, shop: Shop, order_id: str) -> DouyinOrder:
    """The whole order from 抖店 (orderDetail + batchDecrypt) with the shop's 抖店 account."""
    from fahuo.integrations.douyin.client import DouyinOrderSource
    from fahuo.integrations.douyin.settings import account_for_shop, settings_for

    with DouyinOrderSource(settings_for(account_for_shop(shop))) as source:
        return source.order(order_id)


def _import(
    message: PlatformMessage,
    shop: Shop,
    platform_order: DouyinOrder,
    *,
    now: dt.datetime,
    result: FetchResult,
) -> None:
    from fahuo.integrations.douyin import mapper
    from fahuo.orders.importing import create_orders

    status = platform_order.status
    if status == mapper.ORDER_CANCELLED or status in (
        mapper.ORDER_SHIPPED,
        mapper.ORDER_PARTLY_SHIPPED,
        mapper.ORDER_COMPLETED,
    ):
        desc = platform_order.status_desc or str(status)
        _finish(message, MessageStatus.IGNORED, f"抖店订单状态为{desc}，未导入", result)
        return
    if not platform_order.ready_to_ship:
        desc = platform_order.status_desc or str(status)
        _fail(message, f"抖店订单尚未进入备货中（{desc}），稍后再取", retryable=True, now=now, result=result)
        return
    if not platform_order.items:
        _fail(message, "抖店订单详情中没有商品（sku_order_list）", retryable=False, now=now, result=result)
        return
    try:
        with transaction.atomic():
            intake = create_orders(shop=shop, drafts=[order_draft(platform_order)], source="push")
            order = intake.outcomes[0].order
            if intake.created and platform_order.ship_by is not None:
                Order.objects.filter(pk=order.pk).update(ship_by=platform_order.ship_by)
            _finish(message, MessageStatus.DONE, "order fetched and created", result)
    except IntegrityError:  # created meanwhile by an import or another worker
        _finish(message, MessageStatus.DONE, "order already known", result)
        return
    result.created += len(intake.created)


def order_draft(platform_order: DouyinOrder) -> Any:
    """The OrderDraft the intake core takes, from a fetched (decrypted) 抖店 order."""
    from fahuo.orders.importing import LineDraft, OrderDraft
    from fahuo.orders.services import recipient_fields

    r = platform_order.recipient
    return OrderDraft(
        platform_order_id=platform_order.order_id,
        lines=[
            LineDraft(
                line_id=item.sku_order_id,
                sku_code=item.sku_code,
                title=item.title,
                quantity=item.quantity,
                unit_price_fen=item.unit_price_fen,
                spec=item.spec,
                product_id=item.product_id,
                after_sale=item.after_sale,
            )
            for item in platform_order.items
        ],
        **recipient_fields(r),
        buyer_note=platform_order.buyer_words,
        seller_note=platform_order.seller_words,
        total_fen=platform_order.pay_fen,
        freight_fen=platform_order.freight_fen,
        ordered_at=platform_order.created_at,
        paid_at=platform_order.paid_at,
        influencer=platform_order.influencer,
        channel="live" if platform_order.influencer else "",
    )


def _apply_address(order: Order, platform_order: DouyinOrder) -> None:
    from fahuo.orders.services import apply_verification, recipient_fields, verify_recipient

    r = platform_order.recipient
    verification = verify_recipient(**recipient_fields(r))
    with transaction.atomic():
        apply_verification(order=order, verification=verification, street=r.street[:60])
        order.save()
        # The intercept alert opened when the 105 arrived could not name the new address yet.
        region = " ".join(p for p in (order.province, order.city, order.district) if p)
        if region:
            Alert.objects.filter(
                order=order,
                kind=AlertKind.ADDRESS_CHANGED,
                status=AlertStatus.OPEN,
                detail__endswith=PENDING_ADDRESS,
            ).update(detail=f"{INTERCEPT}（新地址：{region}）")
