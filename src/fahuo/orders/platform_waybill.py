"""Shipping an order whose receiver the export held as ciphertext through the platform's own waybill.

An order imported with ``encrypted`` has no name, phone or street stored (nothing to print). The
seller may decide to ship it "the platform's way": 抖音电子面单 draws the number from the order's
own encrypted receiver and the platform's print component prints the label, so fahuo never holds
the plaintext. Releasing the order makes it ready with a ``platform_waybill`` mark; allocation then
offers it only carriers whose waybill provider can print encrypted orders, and printing sends its
label to the print component instead of the PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from fahuo.accounts.services import audit
from fahuo.kit.errors import Conflict, FahuoError, InvalidInput
from fahuo.orders.models import Order, OrderStatus, Platform, Shop

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


MASKED_ONLY = (
    "收件信息已脱敏（不是平台密文），抖音电子面单无法取号：请从抖店补全收件信息（fahuo orders decrypt）"
)


@dataclass(slots=True)
class ReleaseResult:
    released: list[str] = field(default_factory=list)  # platform order ids now ready (仅限抖音电子面单)
    refused: list[dict[str, str]] = field(default_factory=list)  # {order_id, reason}

    def as_dict(self) -> dict[str, Any]:
        return {"released": self.released, "refused": self.refused}


def release_held(*, shop: Shop, order_ids: Sequence[str] | None = None, user: Any = None) -> ReleaseResult:
    """Release the shop's orders held for an encrypted receiver to 抖音电子面单, each audited; an order
    that cannot go this way (masked, other problems, not held) is refused with the reason."""
    from fahuo.orders.platform_recipients import held_orders

    result = ReleaseResult()
    held = held_orders(shop=shop, order_ids=order_ids)
    found = {o.platform_order_id for o in held}
    for wanted in order_ids or []:
        if wanted not in found:
            result.refused.append(
                {"order_id": wanted, "reason": f"订单 {wanted} 不在待审核状态（收件信息为平台密文）"}
            )
    for order in held:
        if not any(r.get("code") == "encrypted" for r in order.review_reasons or []):
            result.refused.append({"order_id": order.platform_order_id, "reason": MASKED_ONLY})
            continue
        try:
            with transaction.atomic():
                release_to_platform_waybill(order=order, user=user)
        except FahuoError as exc:
            result.refused.append({"order_id": order.platform_order_id, "reason": exc.message})
        else:
            result.released.append(order.platform_order_id)
    return result
