"""Void (作废) an issued waybill: the provider cancels it first, then fahuo keeps it as a VoidedWaybill
and the parcel goes back to pending with a new attempt, so the next print gets a new number."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from fahuo.accounts.services import audit
from fahuo.fulfilment.models import (
    BatchItemStatus,
    BatchStatus,
    Parcel,
    ParcelStatus,
    PrintBatchItem,
    VoidedWaybill,
    Waybill,
)
from fahuo.fulfilment.providers import ProviderPool
from fahuo.kit.errors import Conflict, InvalidInput, NotFound
from fahuo.orders.models import Order, OrderStatus

# Why a waybill is voided (作废); stored on VoidedWaybill.reason as the Chinese text.
VOID_REASONS: dict[str, str] = {
    "address": "地址错误",
    "customer_cancelled": "客户取消",
    "duplicate": "重复打印",
    "damaged": "面单损坏",
    "other": "其他",
}


def void_reason_text(reason: str, note: str = "") -> str:
    """The stored reason: the Chinese label of a VOID_REASONS code, with the note after it."""
    if reason not in VOID_REASONS:
        raise InvalidInput(f"未知的作废原因：{reason}")
    note = " ".join(note.split())[:150]
    if reason == "other" and not note:
        raise InvalidInput("请填写作废原因")
    label = VOID_REASONS[reason]
    return f"{label}：{note}" if note else label


def cancel_waybill(
    *,
    order: Order,
    reason: str,
    note: str = "",
    user: Any = None,
    request: HttpRequest | None = None,
    pool: ProviderPool | None = None,
) -> VoidedWaybill:
    """Cancel the order's waybill with its provider and keep it as voided; the parcel goes back to
    pending with a new attempt (so the next print gets a new number) and the order back to ready.

    The provider call comes first and outside any transaction; our records change only once the
    provider has agreed.
    """
    text = void_reason_text(reason, note)
    waybill = (
        Waybill.objects.select_related("parcel", "carrier").filter(parcel__order=order, parcel__seq=1).first()
    )
    if waybill is None:
        raise NotFound("该订单没有可作废的面单")
    if waybill.parcel.status == ParcelStatus.PICKED_UP or order.status in (
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    ):
        raise Conflict("包裹已揽收发出，不能作废面单")
    running = PrintBatchItem.objects.filter(
        order=order, batch__status__in=[BatchStatus.QUEUED, BatchStatus.RUNNING]
    ).exclude(status=BatchItemStatus.FAILED)
    if running.exists():
        raise Conflict("订单所在的波次正在打印，请等波次完成后再作废")
    own_pool = pool is None
    pool = pool or ProviderPool()
    try:
        adapter = pool.adapter(
            provider=waybill.provider, carrier_id=waybill.carrier_id, shop_id=order.shop_id
        )
        adapter.cancel(
            carrier_code=waybill.carrier.code,
            tracking_no=waybill.tracking_no,
            request_id=waybill.request_id,
            provider_ref=waybill.provider_ref,
        )
    finally:
        if own_pool:
            pool.close()
    with transaction.atomic():
        voided = VoidedWaybill.objects.create(
            parcel=waybill.parcel,
            carrier=waybill.carrier,
            provider=waybill.provider,
            tracking_no=waybill.tracking_no,
            request_id=waybill.request_id,
            reason=text,
            voided_by=user if getattr(user, "is_authenticated", False) else None,
        )
        waybill.delete()
        Parcel.objects.filter(pk=waybill.parcel_id).update(
            attempt=F("attempt") + 1, status=ParcelStatus.PENDING, error=""
        )
        Order.objects.filter(pk=order.pk, status=OrderStatus.PRINTED).update(
            status=OrderStatus.READY, updated_at=timezone.now()
        )
        audit(
            user=user,
            action="waybill.void",
            object_type="order",
            object_id=order.pk,
            request=request,
            detail={"tracking_no": waybill.tracking_no, "reason": text, "provider": waybill.provider},
        )
    return voided
