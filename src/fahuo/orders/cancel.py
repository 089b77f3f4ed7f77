"""Cancelling an order by hand (CLI, API): the order stops, its reserved stock goes back.

The stock side is ``inventory.reservations.cancel_order`` (release on cancel); this adds what a
seller must not get wrong: an order whose waybill is issued is a parcel the carrier may collect, so
it is refused until that waybill is voided (作废), and the reason is kept in the audit log.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from fahuo.kit.errors import Conflict, InvalidInput, NotFound
from fahuo.orders.models import Order, OrderStatus


def find_order(*, orders: QuerySet[Order], ref: str, shop: str = "") -> Order:
    """An order by fahuo id or platform order id (``shop`` code narrows the latter) among ``orders``."""
    ref = ref.strip()
    qs = orders.filter(shop__code=shop) if shop else orders
    found = list(qs.filter(platform_order_id=ref)[:2])
    if not found and ref.isdigit():
        found = list(qs.filter(pk=int(ref))[:1])
    if not found:
        raise NotFound(f"订单不存在：{ref}")
    if len(found) > 1:
        raise InvalidInput(f"多个店铺有订单 {ref}，请用 --shop 指定店铺")
    return found[0]


def cancel(*, order: Order, reason: str, user: Any = None, request: Any = None) -> Order:
    """Cancel an unshipped order without an issued waybill; its reservations are released."""
    from fahuo.accounts.services import audit
    from fahuo.fulfilment.models import Waybill
    from fahuo.inventory.reservations import cancel_order

    reason = reason.strip()
    if not reason:
        raise InvalidInput("请填写取消原因")
    if order.status == OrderStatus.CANCELLED:
        raise Conflict(f"订单 {order.platform_order_id} 已经取消")
    numbers = list(Waybill.objects.filter(parcel__order=order).values_list("tracking_no", flat=True))
    if numbers:
        raise Conflict(
            f"订单 {order.platform_order_id} 已取运单号 {'、'.join(numbers)}：请先作废面单"
            "（订单页“作废”，或 POST /api/fulfilment/orders/{id}/void），再取消订单"
        )
    before = order.status
    cancel_order(order=order, user=user)
    audit(
        user=user,
        action="order.cancel",
        object_type="order",
        object_id=order.pk,
        request=request,
        detail={"reason": reason[:200], "status_before": str(before)},
    )
    return order


def cancel_dict(order: Order, *, reason: str) -> dict[str, Any]:
    return {
        "id": order.pk,
        "order_id": order.platform_order_id,
        "shop": order.shop.code,
        "status": order.status,
        "reason": reason.strip(),
    }
