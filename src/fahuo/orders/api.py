"""Orders API: push a batch of orders (idempotent), list and read orders (recipients masked)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from ninja import Query, Router, Schema

from fahuo.accounts.selectors import shops_for
from fahuo.accounts.services import require
from fahuo.kit.errors import Conflict, NotFound
from fahuo.orders import phone_search
from fahuo.orders.formats import yuan_to_fen
from fahuo.orders.importing import LineDraft, OrderDraft, create_orders
from fahuo.orders.models import Order, OrderStatus
from fahuo.orders.schemas import (
    OrderDetailOut,
    OrderFilters,
    OrderIn,
    OrderListOut,
    OrderResultOut,
    OrdersCreatedOut,
    OrdersIn,
)
from fahuo.orders.selectors import order_list

router = Router()


def _draft(order: OrderIn) -> OrderDraft:
    r = order.recipient
    region_given = bool(r.province or r.city or r.district)
    return OrderDraft(
        platform_order_id=order.platform_order_id,
        lines=[
            LineDraft(
                line_id=line.line_id,
                sku_code=line.sku_code,
                title=line.title,
                spec=line.spec,
                quantity=line.quantity,
                unit_price_fen=yuan_to_fen(line.unit_price),
            )
            for line in order.lines
        ],
        name=r.name,
        phone=r.phone,
        province=r.province,
        city=r.city,
        district=r.district,
        detail=r.address if region_given else "",
        raw_address="" if region_given else r.address,
        buyer_note=order.buyer_note,
        paid_at=order.paid_at,
        promise_hours=order.promise_hours,
        door_delivery=order.door_delivery,
        channel=order.channel or "",
    )


@router.post("", response=OrdersCreatedOut, summary="Create orders (idempotent on shop + platform order id)")
def create(request: HttpRequest, payload: OrdersIn) -> dict[str, Any]:
    """Up to 1,000 orders per call. Orders the shop already has come back as ``duplicate``, unchanged.

    Recipients are verified like imported ones: a bad phone or an address that cannot be resolved
    creates the order with status ``needs_review`` and the reasons listed.
    """
    require(request, "orders.add_order")
    shop = shops_for(request.user).filter(code=payload.shop).first()
    if shop is None:
        raise NotFound(f"店铺不存在：{payload.shop}")
    require(request, "orders.add_order", shop)
    try:
        with transaction.atomic():
            result = create_orders(shop=shop, drafts=[_draft(o) for o in payload.orders], source="api")
    except IntegrityError:
        # another request created one of these orders between our check and our insert
        raise Conflict("部分订单正被另一个请求同时写入，请稍后重试（重试是安全的）")
    results = [
        OrderResultOut(
            id=o.order.pk,
            platform_order_id=o.order.platform_order_id,
            status="created" if o.created else "duplicate",
            order_status=o.order.status,
            needs_review=o.order.review_reasons or [],
        )
        for o in result.outcomes
    ]
    created = result.created
    return {
        "created": len(created),
        "duplicates": result.duplicates,
        "needs_review": sum(1 for o in created if o.status == OrderStatus.NEEDS_REVIEW),
        "orders": results,
    }


@router.get("", response=OrderListOut, summary="List orders")
def list_orders(request: HttpRequest, filters: Query[OrderFilters]) -> dict[str, Any]:
    """Newest paid first; ``paid_from``/``paid_to`` are Beijing dates, both inclusive."""
    require(request, "orders.view_order")
    phone_search.guard(user=request.user, q=filters.q, request=request, via="api")
    qs = order_list(
        user=request.user,
        status=filters.status,
        shop=filters.shop,
        reason=filters.reason,
        date_from=filters.paid_from,
        date_to=filters.paid_to,
        q=filters.q,
    )
    items = list(qs[filters.offset : filters.offset + filters.limit])
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": items}


@router.get("/{order_id}", response=OrderDetailOut, summary="Read one order with its lines")
def get_order(request: HttpRequest, order_id: int) -> Order:
    require(request, "orders.view_order")
    order = order_list(user=request.user).filter(pk=order_id).first()
    if order is None:
        raise NotFound(f"订单不存在：{order_id}")
    return order


class CancelIn(Schema):
    reason: str


@router.post("/{order_id}/cancel", response=dict[str, Any], summary="Cancel an order (releases its stock)")
def cancel_order(request: HttpRequest, order_id: int, payload: CancelIn) -> dict[str, Any]:
    """The order becomes 已取消 and its reserved units go back to stock. An order with an issued
    waybill is refused (409) until the waybill is voided; another shop's order is a 404."""
    from fahuo.orders.cancel import cancel, cancel_dict

    require(request, "orders.change_order")
    order = order_list(user=request.user).select_related("shop").filter(pk=order_id).first()
    if order is None:
        raise NotFound(f"订单不存在：{order_id}")
    require(request, "orders.change_order", order.shop)
    with transaction.atomic():
        cancel(order=order, reason=payload.reason, user=request.user, request=request)
    return cancel_dict(order, reason=payload.reason)


def _held_order(request: HttpRequest, order_id: int) -> Order:
    require(request, "orders.change_order")
    order = order_list(user=request.user).select_related("shop").filter(pk=order_id).first()
    if order is None:
        raise NotFound(f"订单不存在：{order_id}")
    require(request, "orders.change_order", order.shop)
    return order


@router.post(
    "/{order_id}/platform-waybill",
    response=dict[str, Any],
    summary="Ship a held encrypted 抖店 order with 抖音电子面单 (no decryption)",
)
def release_platform_waybill(request: HttpRequest, order_id: int) -> dict[str, Any]:
    """The order held for its ciphertext receiver becomes ready, to be allocated only to a carrier
    whose e-waybill service is 抖音电子面单 and printed by the print component (audited). An order
    not held that way, or with other problems, is a 409; a non-抖店 order a 400."""
    from fahuo.orders.platform_waybill import release_to_platform_waybill

    order = _held_order(request, order_id)
    with transaction.atomic():
        release_to_platform_waybill(order=order, user=request.user)
    return {
        "id": order.pk,
        "platform_order_id": order.platform_order_id,
        "status": order.status,
        "review_reasons": order.review_reasons,
    }


@router.post(
    "/{order_id}/decrypt",
    response=dict[str, Any],
    summary="Complete a held (encrypted/masked) receiver from 抖店 (audited)",
)
def decrypt_order(request: HttpRequest, order_id: int) -> dict[str, Any]:
    """orderDetail + batchDecrypt for this order only: ``completed`` (ok, or the reasons it still
    needs review), ``refused`` (the platform does not allow it) or ``failed`` (the call failed).
    The decrypted receiver is stored, never returned."""
    from fahuo.orders.platform_recipients import complete_from_platform

    order = _held_order(request, order_id)
    result = complete_from_platform(shop=order.shop, order_ids=[order.platform_order_id], user=request.user)
    return result.as_dict()
