"""JSON API of after-sales (mounted at ``/api/aftersales``): list, one RMA with its steps, manual
requests for private-domain orders, approve/reject. Reading needs ``orders.view_order``, changes
``orders.change_order``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from fahuo.accounts.selectors import shops_for, visible
from fahuo.accounts.services import require
from fahuo.aftersales import selectors, services, stockout, uploads
from fahuo.aftersales.models import Rma
from fahuo.kit.errors import InvalidInput, NotFound
from fahuo.orders.models import Order, Shop

router = Router()
VIEW = "orders.view_order"
EDIT = "orders.change_order"


class ManualIn(Schema):
    order_id: str
    kind: str
    reason: str
    refund_amount_fen: int = 0


class DecisionIn(Schema):
    approve: bool
    note: str = ""


class ReceiveIn(Schema):
    condition: str
    note: str = ""
    restock: bool | None = None


def _detail(rma: Any) -> dict[str, Any]:
    steps = [
        {"status": s.status, "at": s.at.isoformat(), "applied": s.applied, "tag": s.tag, "note": s.note}
        for s in rma.steps.all()
    ]
    return {
        **selectors.as_row(rma),
        "reason_code": rma.reason_code,
        "reason": rma.reason,
        "condition": rma.condition,
        "disposition": rma.disposition,
        "steps": steps,
    }


@router.get("")
def list_rmas(request: HttpRequest, status: str | None = None) -> list[dict[str, Any]]:
    require(request, VIEW)
    return [selectors.as_row(r) for r in selectors.rmas(user=request.user, status=status)[:500]]


class OfferIn(Schema):
    hours: int = 48
    wait_until: dt.date | None = None
    swap_skus: list[str] = []
    coupon_code: str = ""
    default_action: str = "wait"


def _choice(choice: Any, request: HttpRequest) -> dict[str, Any]:
    return {
        "choice_id": choice.pk,
        "order_id": choice.order.platform_order_id,
        "status": choice.status,
        "deadline": choice.deadline.isoformat(),
        "default_action": choice.default_action,
        "action": choice.action or None,
        "swap_to": choice.swap_to or None,
        "outcome": choice.outcome,
        "url": request.build_absolute_uri(reverse("buyer:stock_choice", args=[choice.token])),
    }


class PolicyIn(Schema):
    no_reason_days: int
    reasons: list[str]
    freight_payer: str
    restock: str
    return_address: str = ""


def _policy(policy: Any) -> dict[str, Any]:
    return {
        "shop": policy.shop.code,
        "no_reason_days": policy.no_reason_days,
        "reasons": policy.reasons,
        "freight_payer": policy.freight_payer,
        "restock": policy.restock,
        "return_address": policy.return_address,
    }


def _shop(request: HttpRequest, code: str) -> Shop:
    shop = shops_for(request.user).filter(code=code).first()
    if shop is None:
        raise NotFound("店铺不存在")
    return shop


@router.get("/policy/{shop_code}")
def get_policy(request: HttpRequest, shop_code: str) -> dict[str, Any]:
    """The shop's after-sale policy (7-day no-reason returns, reasons, return freight, restocking)."""
    require(request, VIEW)
    shop = _shop(request, shop_code)
    with transaction.atomic():
        return _policy(services.policy_for(shop=shop))


@router.put("/policy/{shop_code}")
def put_policy(request: HttpRequest, shop_code: str, payload: PolicyIn) -> dict[str, Any]:
    require(request, EDIT)
    shop = _shop(request, shop_code)
    require(request, EDIT, shop=shop)
    with transaction.atomic():
        policy = services.save_policy(shop=shop, **payload.dict())
    return _policy(policy)


@router.get("/stockouts")
def list_stockouts(request: HttpRequest) -> list[dict[str, Any]]:
    """The 缺货 orders of the caller's shops with their latest out-of-stock offer."""
    require(request, VIEW)
    return [
        {
            "order_id": row["order"].platform_order_id,
            "shop": row["order"].shop.code,
            "shortfall": row["shortfall"],
            "choice": _choice(row["choice"], request) if row["choice"] is not None else None,
        }
        for row in selectors.short_orders(user=request.user)
    ]


@router.post("/stockouts/{order_id}/offer")
def offer_choices(request: HttpRequest, order_id: str, payload: OfferIn) -> dict[str, Any]:
    """Offer the buyer of a 缺货 order wait / swap / refund (+ coupon); answers the link to send."""
    require(request, EDIT)
    if not 1 <= payload.hours <= 360:
        raise InvalidInput("选择时限须为 1–360 小时")
    order = _editable_order(request, order_id)
    with transaction.atomic():
        choice = stockout.offer(
            order=order,
            deadline=timezone.now() + dt.timedelta(hours=payload.hours),
            wait_until=payload.wait_until,
            swap_skus=payload.swap_skus,
            coupon_code=payload.coupon_code,
            default_action=payload.default_action,
            user=request.user,
        )
    return _choice(choice, request)


@router.get("/{rma_id}")
def get_rma(request: HttpRequest, rma_id: int) -> dict[str, Any]:
    require(request, VIEW)
    return _detail(selectors.rma(pk=rma_id, user=request.user))


@router.post("")
def create_rma(request: HttpRequest, payload: ManualIn) -> dict[str, Any]:
    """A manual request for a private-domain (私域) order."""
    require(request, EDIT)
    order = _editable_order(request, payload.order_id)
    with transaction.atomic():
        rma = services.create_manual(order=order, user=request.user, **payload.dict(exclude={"order_id"}))
    return _detail(rma)


def _editable_order(request: HttpRequest, order_id: str) -> Order:
    """The caller's order to act on: 404 outside their shops, 403 without the right in its shop."""
    order = (
        visible(Order.objects.select_related("shop"), request.user).filter(platform_order_id=order_id).first()
    )
    if order is None:
        raise NotFound("订单不存在")
    require(request, EDIT, shop=order.shop)
    return order


def _editable(request: HttpRequest, rma_id: int) -> Rma:
    """The caller's RMA to change: 404 outside their shops, 403 without the right in its shop."""
    require(request, EDIT)
    rma = selectors.rma(pk=rma_id, user=request.user)
    require(request, EDIT, shop=rma.shop)
    return rma


def _change(request: HttpRequest, rma_id: int, service: Callable[..., Rma], **fields: Any) -> dict[str, Any]:
    """One service step on the caller's RMA, in one transaction; answers the RMA's detail."""
    with transaction.atomic():
        rma = service(rma=_editable(request, rma_id), user=request.user, **fields)
    return _detail(rma)


@router.post("/{rma_id}/decision")
def decide(request: HttpRequest, rma_id: int, payload: DecisionIn) -> dict[str, Any]:
    return _change(request, rma_id, services.decide, **payload.dict())


@router.post("/{rma_id}/receive")
def receive(request: HttpRequest, rma_id: int, payload: ReceiveIn) -> dict[str, Any]:
    """The returned parcel arrived: inspection, then restock or write-off (the shop's rule by default)."""
    return _change(request, rma_id, services.receive, **payload.dict())


@router.post("/{rma_id}/photos")
def add_photo(request: HttpRequest, rma_id: int, photo: UploadedFile = File(...)) -> dict[str, Any]:  # noqa: B008
    """One inspection photo of the returned parcel (JPEG/PNG/WebP), kept under its SHA-256."""
    with uploads.atomic_upload():
        rma = _editable(request, rma_id)
        kept = uploads.add_inspection(rma=rma, chunks=photo.chunks(), user=request.user)
    return {"id": kept.pk, "kind": kept.kind, "sha256": kept.sha256, "size": kept.size_bytes}


@router.post("/{rma_id}/refunded")
def refunded(request: HttpRequest, rma_id: int) -> dict[str, Any]:
    """A manual (私域) RMA's money went back to the buyer."""
    return _change(request, rma_id, services.mark_refunded)


@router.post("/{rma_id}/exchange")
def exchange(request: HttpRequest, rma_id: int) -> dict[str, Any]:
    """Create the replacement order of an exchange (ready to print in a batch)."""
    with transaction.atomic():
        rma = _editable(request, rma_id)
        order = services.ship_exchange(rma=rma, user=request.user)
    return {**_detail(rma), "exchange_order_id": order.platform_order_id, "exchange_status": order.status}


@router.post("/{rma_id}/pickup")
def book_pickup(request: HttpRequest, rma_id: int) -> dict[str, Any]:
    """Book the reverse pickup (上门取件) with the order's carrier provider."""
    return _change(request, rma_id, services.book_pickup)
