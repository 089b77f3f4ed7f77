"""Completing receivers an export held back (ciphertext or masked) from the 抖店 API.

An order imported with ``encrypted``/``masked`` has no name, phone or street stored. Its receiver is
read with ``order.orderDetail`` and decrypted with ``order.batchDecrypt`` (the same calls the push
fetch uses, ``tracking.shop_fetch.read_order``), only while the platform order is paid and not
shipped — the platform's rule — and every order's decryption is audited on its own. No transaction
is held open over an HTTP call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from fahuo.accounts.services import audit
from fahuo.kit.errors import FahuoError, InvalidInput
from fahuo.orders.models import Order, OrderStatus, Platform, Shop
from fahuo.orders.services import apply_verification, customer_for, recipient_fields, verify_recipient

HELD_CODES = frozenset({"encrypted", "masked"})


@dataclass(slots=True)
class CompletionResult:
    completed: list[dict[str, Any]] = field(default_factory=list)  # order_id, ok, reasons
    refused: list[dict[str, str]] = field(default_factory=list)  # order_id, reason (platform state)
    failed: list[dict[str, str]] = field(default_factory=list)  # order_id, reason (the call failed)

    def as_dict(self) -> dict[str, Any]:
        return {"completed": self.completed, "refused": self.refused, "failed": self.failed}


def held_orders(*, shop: Shop, order_ids: Sequence[str] | None = None) -> list[Order]:
    """The shop's orders waiting for a receiver the export did not give in clear."""
    orders = Order.objects.filter(shop=shop, status=OrderStatus.NEEDS_REVIEW).order_by("id")
    if order_ids:
        orders = orders.filter(platform_order_id__in=list(order_ids))
    return [o for o in orders if any(r.get("code") in HELD_CODES for r in o.review_reasons or [])]


def complete_from_platform(
    *, shop: Shop, order_ids: Sequence[str] | None = None, user: Any = None
) -> CompletionResult:
    """Decrypt the held receivers of the shop's orders from 抖店, one audited order at a time."""
    from fahuo.integrations.douyin import mapper
    from fahuo.integrations.douyin.client import DouyinOrderSource
    from fahuo.integrations.douyin.settings import account_for_shop, settings_for

    if shop.platform != Platform.DOUYIN:
        raise InvalidInput(f"店铺 {shop.code} 不是抖店店铺，无法从抖店解密收件信息")
    result = CompletionResult()
    orders = held_orders(shop=shop, order_ids=order_ids)
    if not orders:
        return result
    with DouyinOrderSource(settings_for(account_for_shop(shop))) as source:
        for order in orders:
            try:
                platform_order = source.order(order.platform_order_id, open_only=True)
            except FahuoError as exc:
                result.failed.append({"order_id": order.platform_order_id, "reason": exc.message})
                _audit(user, order, "order.decrypt_failed", {"reason": exc.message[:200]})
                continue
            if platform_order.status not in mapper.DECRYPTABLE_STATES:
                desc = platform_order.status_desc or str(platform_order.status)
                reason = f"抖店订单状态为「{desc}」：平台只允许为已付款、未发货的订单解密收件信息"
                result.refused.append({"order_id": order.platform_order_id, "reason": reason})
                _audit(user, order, "order.decrypt_refused", {"platform_status": platform_order.status})
                continue
            result.completed.append(_apply(order, platform_order, user=user))
    return result


def _apply(order: Order, platform_order: Any, *, user: Any) -> dict[str, Any]:
    r = platform_order.recipient
    verification = verify_recipient(**recipient_fields(r))
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        apply_verification(order=order, verification=verification, street=r.street[:60])
        order.customer = customer_for(shop=order.shop, name=verification.name, phone=verification.phone)
        order.save()
        _audit(user, order, "order.decrypt_recipient", {"ok": verification.ok})
    return {
        "order_id": order.platform_order_id,
        "ok": verification.ok,
        "reasons": [x.get("message", "") for x in order.review_reasons or []],
    }


def _audit(user: Any, order: Order, action: str, detail: dict[str, Any]) -> None:
    audit(user=user, action=action, object_type="order", object_id=order.pk, detail=detail)
