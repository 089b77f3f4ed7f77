"""Fulfilment API: print batches (波次) — create, watch, resume, download — and reprint or void one order.

Mounted at ``/api/fulfilment``. Printing needs ``fulfilment.print_labels``; voiding a waybill or
cancelling a batch needs ``orders.change_order``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db import transaction
from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from fahuo.accounts.selectors import visible
from fahuo.accounts.services import require
from fahuo.fulfilment.batches import services as svc
from fahuo.fulfilment.labels import audit as label_audit
from fahuo.fulfilment.labels.voids import VOID_REASONS, cancel_waybill
from fahuo.fulfilment.models import PrintBatch, Waybill
from fahuo.fulfilment.services import print_orders
from fahuo.kit.errors import Conflict, InvalidInput, NotFound
from fahuo.kit.openapi import DbId
from fahuo.orders.models import Order, OrderStatus

router = Router()
PRINT = "fulfilment.print_labels"
VOID = "orders.change_order"
Size = Literal["100x180", "76x130"]
VoidReason = Literal["address", "customer_cancelled", "duplicate", "damaged", "other"]
assert set(VoidReason.__args__) == set(VOID_REASONS)  # type: ignore[attr-defined]


class BatchOut(Schema):
    id: int
    name: str
    status: str = Field(description="queued, running, done, failed, cancelled — or interrupted")
    warehouse: str
    carrier: str
    size: str
    total: int
    issued: int
    failed: int
    pending: int
    percent: int
    error: str
    pdf_url: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


def _batch_out(batch: PrintBatch) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "name": batch.name,
        "status": "interrupted" if svc.is_interrupted(batch) else batch.status,
        "warehouse": batch.warehouse.code if batch.warehouse else "",
        "carrier": batch.carrier.code if batch.carrier else "",
        "size": batch.size,
        "total": batch.total,
        "issued": batch.issued,
        "failed": batch.failed,
        "pending": max(batch.total - batch.issued - batch.failed, 0),
        "percent": svc.percent(batch),
        "error": batch.error,
        "pdf_url": reverse("api:batch_pdf", args=[batch.pk]) if batch.pdf_path else None,
        "created_at": batch.created_at,
        "started_at": batch.started_at,
        "finished_at": batch.finished_at,
    }


class BatchCreateIn(Schema):
    order_ids: list[DbId] = Field(default_factory=list, max_length=50_000, description="a selection, or …")
    all_ready: bool = Field(False, description="… every ready order (of ``shop`` if given)")
    shop: str | None = None
    name: str | None = Field(None, max_length=60)
    size: Size = "100x180"
    by_pickup_hour: bool = Field(False, description="one batch per pickup hour (the applied allocation's)")


class SkippedOut(Schema):
    order_id: int
    reason: str


class BatchesCreatedOut(Schema):
    batches: list[BatchOut]
    skipped: list[SkippedOut]


class ItemOut(Schema):
    seq: int
    order_id: int
    platform_order_id: str
    status: str
    error: str
    tracking_no: str | None


class ItemFilters(Schema):
    status: Literal["pending", "issued", "failed"] | None = None
    offset: int = Field(0, ge=0)
    limit: int = Field(200, ge=1, le=1000)


class VoidIn(Schema):
    reason: VoidReason
    note: str = Field("", max_length=150)


class VoidOut(Schema):
    order_id: int
    tracking_no: str
    reason: str
    voided_at: dt.datetime


@router.get("/batches", response=list[BatchOut], summary="List print batches, newest first")
def list_batches(request: HttpRequest, limit: int = 30) -> list[dict[str, Any]]:
    require(request, PRINT)
    return [_batch_out(b) for b in svc.batch_list(limit=min(max(limit, 1), 200), user=request.user)]


@router.post("/batches", response={201: BatchesCreatedOut}, summary="Create print batches")
def create_batches(request: HttpRequest, payload: BatchCreateIn) -> Status[dict[str, Any]]:
    """One batch per (warehouse, carrier) of the ready orders given — and per pickup hour with
    ``by_pickup_hour`` —; the worker prints them.
    Orders not ready or already in an unfinished batch come back in ``skipped`` with the reason."""
    require(request, PRINT)
    if payload.order_ids:
        orders: Any = visible(Order.objects.filter(pk__in=payload.order_ids), request.user)
    elif payload.all_ready:
        orders = visible(Order.objects.filter(status=OrderStatus.READY), request.user)
    else:
        raise InvalidInput("请提供 order_ids 或 all_ready")
    if payload.shop:
        orders = orders.filter(shop__code=payload.shop)
    criteria = {"source": "api", "orders": len(payload.order_ids), "all_ready": payload.all_ready}
    with transaction.atomic():
        made = svc.create_batch(
            orders=orders,
            name=payload.name,
            user=request.user,
            size=payload.size,
            criteria=criteria,
            by_pickup_hour=payload.by_pickup_hour,
        )
    fresh = {b.pk: b for b in svc.batch_list().filter(pk__in=[b.pk for b in made])}  # just made: theirs
    return Status(
        201,
        {
            "batches": [_batch_out(fresh[b.pk]) for b in made],
            "skipped": [{"order_id": oid, "reason": reason} for oid, reason in made.skipped],
        },
    )


@router.get("/batches/{batch_id}", response=BatchOut, summary="One print batch with its progress")
def get_batch(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    require(request, PRINT)
    return _batch_out(svc.get_batch(pk=batch_id, user=request.user))


@router.get("/batches/{batch_id}/items", response=list[ItemOut], summary="A batch's orders in print order")
def batch_items(request: HttpRequest, batch_id: int, filters: Query[ItemFilters]) -> list[dict[str, Any]]:
    require(request, PRINT)
    batch = svc.get_batch(pk=batch_id, user=request.user)
    items = list(
        svc.batch_items(batch=batch, status=filters.status)[filters.offset : filters.offset + filters.limit]
    )
    numbers = dict(
        Waybill.objects.filter(parcel__order_id__in=[i.order_id for i in items], parcel__seq=1).values_list(
            "parcel__order_id", "tracking_no"
        )
    )
    return [
        {
            "seq": i.seq,
            "order_id": i.order_id,
            "platform_order_id": i.order.platform_order_id,
            "status": i.status,
            "error": i.error,
            "tracking_no": numbers.get(i.order_id),
        }
        for i in items
    ]


@router.post("/batches/{batch_id}/resume", response=BatchOut, summary="Resume a failed or interrupted batch")
def resume(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    require(request, PRINT)
    svc.get_batch(pk=batch_id, user=request.user)  # 404 for another shop's batch
    with transaction.atomic():
        svc.resume_batch(batch_id=batch_id, user=request.user, request=request)
    return _batch_out(svc.get_batch(pk=batch_id, user=request.user))


@router.post(
    "/batches/{batch_id}/cancel", response=BatchOut, summary="Cancel a batch (pending orders released)"
)
def cancel(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    require(request, VOID)
    svc.get_batch(pk=batch_id, user=request.user)  # 404 for another shop's batch
    svc.cancel_batch(batch_id=batch_id, user=request.user, request=request)
    return _batch_out(svc.get_batch(pk=batch_id, user=request.user))


@router.get("/batches/{batch_id}/pdf", url_name="batch_pdf", summary="The batch's labels (PDF)")
def batch_pdf(request: HttpRequest, batch_id: int) -> FileResponse:
    require(request, PRINT)
    batch = svc.get_batch(pk=batch_id, user=request.user)
    response = label_audit.batch_pdf_response(batch=batch, user=request.user, request=request, via="api")
    if response is None:
        raise NotFound("该波次还没有面单文件")
    return response


@router.post("/orders/{order_id}/void", response=VoidOut, summary="Void (作废) an order's waybill")
def void(request: HttpRequest, order_id: int, payload: VoidIn) -> dict[str, Any]:
    """Cancels the waybill with its provider; the order goes back to ready and its next print gets
    a new number. A provider refusal is a 502 with the provider's message."""
    require(request, VOID)
    order = visible(Order.objects.filter(pk=order_id), request.user).first()
    if order is None:
        raise NotFound(f"订单不存在：{order_id}")
    require(request, VOID, order.shop_id)  # the role in this order's shop
    voided = cancel_waybill(
        order=order, reason=payload.reason, note=payload.note, user=request.user, request=request
    )
    return {
        "order_id": order.pk,
        "tracking_no": voided.tracking_no,
        "reason": voided.reason,
        "voided_at": voided.voided_at,
    }


@router.post("/orders/{order_id}/reprint", summary="Print an order's label again (PDF)")
def reprint(request: HttpRequest, order_id: int, size: Size = "100x180") -> FileResponse:
    """The same waybill (its print count goes up), or a new one after a void."""
    require(request, PRINT)
    order = visible(Order.objects.filter(pk=order_id), request.user).first()
    if order is None:
        raise NotFound(f"订单不存在：{order_id}")
    result = print_orders(orders=Order.objects.filter(pk=order.pk), size=size, user=request.user)
    if not result.pages:
        raise Conflict(result.failed[0][1] if result.failed else "没有可打印的面单")
    response = FileResponse(
        result.path.open("rb"), as_attachment=True, filename=f"fahuo-{order.platform_order_id}.pdf"
    )
    response["Content-Type"] = "application/pdf"
    return response
