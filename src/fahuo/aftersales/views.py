"""Desk pages for after-sales (售后): the RMA list with filters, one RMA with its steps and the
approve/reject form."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from fahuo.aftersales import events, returns, selectors, services, uploads
from fahuo.aftersales.models import Condition, Rma, RmaKind, RmaStatus
from fahuo.kit.errors import FahuoError, InvalidInput
from fahuo.kit.web import can, desk_view

MAX_PHOTOS = 12
READ = "orders.view_order"
EDIT = "orders.change_order"


@require_GET
@desk_view(READ)
def home(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    if status not in RmaStatus.values:
        status = None
    rows = list(selectors.rmas(user=request.user, status=status)[:200])
    return render(
        request,
        "aftersales/home.html",
        {"rows": rows, "status": status, "statuses": RmaStatus.choices, "nav": "aftersales"},
    )


@require_GET
@desk_view(READ)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    rma = selectors.rma(pk=pk, user=request.user)
    editor = can(request.user, EDIT)
    can_receive = (
        editor
        and rma.kind != RmaKind.REFUND_ONLY
        and rma.status in (RmaStatus.APPROVED, RmaStatus.RETURNING)
        and rma.order_id is not None
    )
    evidence = uploads.for_order(order=rma.order) if rma.order is not None else []
    context = {
        "nav": "aftersales",
        "rma": rma,
        "steps": list(rma.steps.select_related("created_by")),
        "evidence": evidence,
        "evidence_actions": events.actions_for(evidence=evidence, user=request.user),
        "trace": returns.summary(rma),
        "can_decide": editor and rma.status == RmaStatus.REQUESTED,
        "can_receive": can_receive,
        "conditions": Condition.choices,
        "can_pickup": editor
        and rma.kind != RmaKind.REFUND_ONLY
        and rma.status == RmaStatus.APPROVED
        and not rma.return_tracking_no
        and not rma.pickup_order,
        "can_exchange": editor
        and rma.kind == RmaKind.EXCHANGE
        and rma.exchange_order_id is None
        and rma.order_id is not None
        and rma.status in (RmaStatus.APPROVED, RmaStatus.RETURNING, RmaStatus.RECEIVED),
    }
    return render(request, "aftersales/detail.html", context)


def _act(
    request: HttpRequest,
    pk: int,
    act: Callable[[Rma], str],
    atomic: Callable[[], AbstractContextManager[Any]] = transaction.atomic,
) -> HttpResponse:
    """Run one change on the caller's RMA in a transaction and show its outcome (or the refusal)
    on the RMA page."""
    rma = selectors.rma(pk=pk, user=request.user)
    try:
        with atomic():
            done = act(rma)
    except FahuoError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("aftersales:detail", pk=pk)


@require_POST
@desk_view(EDIT)
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    approve = request.POST.get("decision") == "approve"

    def act(rma: Rma) -> str:
        services.decide(rma=rma, approve=approve, note=request.POST.get("note", ""), user=request.user)
        return "已同意售后" if approve else "已拒绝售后"

    return _act(request, pk, act)


@require_POST
@desk_view(EDIT)
def receive(request: HttpRequest, pk: int) -> HttpResponse:
    restock = {"yes": True, "no": False}.get(request.POST.get("restock", ""))
    photos = request.FILES.getlist("photos")

    def act(rma: Rma) -> str:
        if len(photos) > MAX_PHOTOS:
            raise InvalidInput(f"验货照片一次最多 {MAX_PHOTOS} 张")
        services.receive(rma=rma, condition=request.POST.get("condition", ""), note=request.POST.get("note", ""),
                         restock=restock, user=request.user)  # fmt: skip
        for photo in photos:
            uploads.add_inspection(rma=rma, chunks=photo.chunks(), user=request.user)
        return "已登记收货验货" + (f"，保存验货照片 {len(photos)} 张" if photos else "")

    return _act(request, pk, act, atomic=uploads.atomic_upload)


@require_GET
@desk_view(READ)
def dispute_pack(request: HttpRequest, order_pk: int) -> HttpResponse:
    """The order's dispute pack (ZIP: timeline.pdf + timeline.json)."""
    from fahuo.aftersales.evidence import dispute_pack as build

    order = selectors.order(pk=order_pk, user=request.user)
    response = HttpResponse(build(order=order), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="dispute-{order.platform_order_id}.zip"'
    return response


def _rma_action(act: Callable[[Rma, Any], str]) -> Callable[[HttpRequest, int], HttpResponse]:
    """A POST button of the RMA page: ``act(rma, user)`` returns what was done."""

    @require_POST
    @desk_view(EDIT)
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _act(request, pk, lambda rma: act(rma, request.user))

    return view


def _exchanged(rma: Rma, user: Any) -> str:
    order = services.ship_exchange(rma=rma, user=user)
    return f"已创建换货订单 {order.platform_order_id}，可在打单批次中打印"


def _booked(rma: Rma, user: Any) -> str:
    rma = services.book_pickup(rma=rma, user=user)
    return f"已预约上门取件，退货单号 {rma.return_tracking_no or rma.pickup_order}"


exchange = _rma_action(_exchanged)
pickup = _rma_action(_booked)
