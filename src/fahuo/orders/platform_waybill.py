"""Shipping an order whose receiver the export held as ciphertext through the platform's own waybill.

An order imported with ``encrypted`` has no name, phone or street stored (nothing to print). The
seller may decide to ship it "the platform's way": 抖音电子面单 draws the number from the order's
own encrypted receiver and the platform's print component prints the label, so fahuo never holds
the plaintext. Releasing the order makes it ready with a ``platform_waybill`` mark; allocation then
offers it only carriers whose waybill provider can print encrypted orders, and printing sends its
label to the print component instead of the PDF.
"""

from __future__ import annotations

from typing import Any

from fahuo.accounts.services import audit
from fahuo.kit.errors import Conflict, InvalidInput
from fahuo.orders.models import Order, OrderStatus, Platform

PLATFORM_WAYBILL = "platform_waybill"
PLATFORM_WAYBILL_MESSAGE = (
    "收件信息为平台密文：只能用抖音电子面单取号，由抖音打印组件打印面单；本系统不保存也不打印收件人明文"
)


def is_platform_waybill(order: Order) -> bool:
    """Whether the order ships only through a platform waybill (its receiver is not held in clear)."""
    return any(r.get("code") == PLATFORM_WAYBILL for r in order.review_reasons or [])


def release_to_platform_waybill(*, order: Order, user: Any = None) -> Order:
    """Make an order held only for its encrypted receiver ready to ship through 抖音电子面单."""
    if order.shop.platform != Platform.DOUYIN:
        raise InvalidInput(f"订单 {order.platform_order_id} 不是抖店订单，不能用抖音电子面单")
    if order.status != OrderStatus.NEEDS_REVIEW or is_platform_waybill(order):
        raise Conflict(f"订单 {order.platform_order_id} 不在待审核状态（收件信息为平台密文）")
    reasons = order.review_reasons or []
    if not any(r.get("code") == "encrypted" for r in reasons):
        raise Conflict(f"订单 {order.platform_order_id} 的收件信息不是平台密文，无需用抖音电子面单")
    others = [r for r in reasons if r.get("code") != "encrypted"]
    if others:
        words = "；".join(str(r.get("message") or r.get("code")) for r in others)
        raise Conflict(f"订单 {order.platform_order_id} 还有其他待处理的问题：{words}")
    order.review_reasons = [{"code": PLATFORM_WAYBILL, "message": PLATFORM_WAYBILL_MESSAGE}]
    order.status = OrderStatus.READY
    order.save(update_fields=["review_reasons", "status", "updated_at"])
    audit(
        user=user,
        action="order.platform_waybill",
        object_type="order",
        object_id=order.pk,
        detail={"platform_order_id": order.platform_order_id},
    )
    return order
