"""Messages API: the library, queueing a message, the outbox (with retry), an order's messages, and
buyers' WeChat openids (posted by the shop's mini-program). Recipients' addresses are never returned."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fahuo.accounts.selectors import shops_for, visible
from fahuo.accounts.services import require
from fahuo.kit.errors import NotFound
from fahuo.kit.openapi import DbId
from fahuo.notify import selectors, sending, services
from fahuo.notify.models import MessageTemplate, OutboxMessage
from fahuo.orders.models import Order

router = Router()


class TemplateOut(Schema):
    id: int
    shop: str = Field("", description="shop code; '' = every shop's default")
    key: str
    channel: str
    title: str
    body: str
    active: bool

    @staticmethod
    def resolve_shop(obj: MessageTemplate) -> str:
        return obj.shop.code if obj.shop is not None else ""


class TemplateIn(Schema):
    title: str
    body: str = Field(..., description="text with {买家} {单号} {快递} {预计} {店铺} {链接}")
    channel: str = ""
    active: bool = True


class MessageOut(Schema):
    id: int
    order_id: int
    platform_order_id: str
    template_key: str
    channel: str
    body: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str
    provider_msg_id: str
    created_at: dt.datetime
    sent_at: dt.datetime | None

    @staticmethod
    def resolve_platform_order_id(obj: OutboxMessage) -> str:
        return obj.order.platform_order_id


class OutboxOut(Schema):
    count: int
    counts: dict[str, int]
    items: list[MessageOut]


class OutboxFilters(Schema):
    status: str = Field("", description="queued, retrying, sending, sent, failed")
    channel: str = Field("", description="sms, douyin_im, wechat")
    q: str = Field("", description="order or tracking number")
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0)


class EnqueueIn(Schema):
    order_id: int
    key: str
    channel: str = ""


class RetryIn(Schema):
    ids: list[DbId] = Field(
        default_factory=list, max_length=50_000, description="empty = every failed message"
    )


class RetryOut(Schema):
    queued: int


class ContactIn(Schema):
    shop: str = Field(..., description="shop code")
    phone: str
    openid: str


class ContactOut(Schema):
    ok: bool = True


@router.get("/templates", response=list[TemplateOut], summary="The message library")
def templates(request: HttpRequest) -> list[MessageTemplate]:
    require(request, selectors.VIEW_PERMISSION)
    return list(
        selectors.templates(request.user).select_related("shop").order_by("key", "shop_id", "channel")
    )


@router.put("/templates/{template_id}", response=TemplateOut, summary="Change a message text")
def update_template(request: HttpRequest, template_id: int, payload: TemplateIn) -> MessageTemplate:
    require(request, selectors.CHANGE_PERMISSION)
    template = selectors.templates(request.user).select_related("shop").filter(pk=template_id).first()
    if template is None:
        raise NotFound(f"消息模板不存在：{template_id}")
    with transaction.atomic():
        return services.save_template(
            template=template,
            title=payload.title,
            body=payload.body,
            channel=payload.channel,
            active=payload.active,
        )


@router.get("/outbox", response=OutboxOut, summary="Messages to buyers, newest first")
def outbox(request: HttpRequest, filters: Query[OutboxFilters]) -> dict[str, object]:
    require(request, selectors.VIEW_PERMISSION)
    qs = selectors.outbox(status=filters.status, channel=filters.channel, q=filters.q, user=request.user)
    return {
        "count": qs.count(),
        "counts": selectors.outbox_counts(channel=filters.channel, q=filters.q, user=request.user),
        "items": list(qs[filters.offset : filters.offset + filters.limit]),
    }


@router.post("/outbox/retry", response=RetryOut, summary="Send failed messages again")
def retry(request: HttpRequest, payload: RetryIn) -> dict[str, int]:
    require(request, selectors.CHANGE_PERMISSION)
    with transaction.atomic():
        n = (
            sending.retry_messages(ids=payload.ids, user=request.user)
            if payload.ids
            else sending.retry_failed(user=request.user)
        )
    return {"queued": n}


@router.post("/enqueue", response={200: MessageOut, 204: None}, summary="Queue a message to an order's buyer")
def enqueue(request: HttpRequest, payload: EnqueueIn) -> Status[OutboxMessage | None]:
    require(request, selectors.CHANGE_PERMISSION)
    order = (
        visible(Order.objects.all(), request.user).select_related("shop").filter(pk=payload.order_id).first()
    )
    if order is None:
        raise NotFound(f"订单不存在：{payload.order_id}")
    require(request, selectors.CHANGE_PERMISSION, order.shop_id)  # the role in this order's shop
    with transaction.atomic():
        message = services.enqueue(
            order=order, key=payload.key, channel=payload.channel or None, user=request.user
        )
    return Status(200, message) if message is not None else Status(204, None)


@router.get("/orders/{order_id}", response=list[MessageOut], summary="An order's messages")
def order_messages(request: HttpRequest, order_id: int) -> list[OutboxMessage]:
    require(request, selectors.VIEW_PERMISSION)
    order = visible(Order.objects.all(), request.user).filter(pk=order_id).first()
    if order is None:
        raise NotFound(f"订单不存在：{order_id}")
    return selectors.messages_for_order(order=order)


@router.post("/contacts", response=ContactOut, summary="Remember a buyer's WeChat openid")
def contact(request: HttpRequest, payload: ContactIn) -> dict[str, bool]:
    require(request, "orders.change_order")
    shop = shops_for(request.user).filter(code=payload.shop).first()
    if shop is None:
        raise NotFound(f"店铺不存在：{payload.shop}")
    with transaction.atomic():
        services.bind_contact(shop=shop, phone=payload.phone, address=payload.openid)
    return {"ok": True}
