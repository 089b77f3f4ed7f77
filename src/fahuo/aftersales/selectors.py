"""Reads of RMAs, narrowed to the user's shops (``user=None``: every shop, for the CLI and workers)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from fahuo.accounts.selectors import visible
from fahuo.aftersales import returns
from fahuo.aftersales.models import Rma
from fahuo.kit.errors import NotFound
from fahuo.orders.models import Order


def rmas(*, user: Any = None, status: str | None = None) -> QuerySet[Rma]:
    qs = Rma.objects.select_related("order", "shop").order_by("-created_at", "-pk")
    if user is not None:
        qs = visible(qs, user)
    if status:
        qs = qs.filter(status=status)
    return qs


def rma(*, pk: int, user: Any = None) -> Rma:
    found = rmas(user=user).filter(pk=pk).first()
    if found is None:
        raise NotFound("售后单不存在")
    return found


def order(*, pk: int, user: Any = None) -> Order:
    """One order of the user's shops (404 otherwise), for the dispute pack."""
    qs = Order.objects.select_related("shop")
    found = (visible(qs, user) if user is not None else qs).filter(pk=pk).first()
    if found is None:
        raise NotFound("订单不存在")
    return found


def as_row(r: Rma) -> dict[str, Any]:
    """The scriptable shape: ``fahuo aftersales list --json`` and ``GET /api/aftersales``."""
    return {
        "rma_id": r.pk,
        "order_id": r.platform_order_id,
        "kind": r.kind,
        "status": r.status,
        "pickup_due_at": r.pickup_due_at.isoformat() if r.pickup_due_at else None,
        "tracking_no": r.return_tracking_no,
        "aftersale_id": r.aftersale_id,
        "order_known": r.order_id is not None,
        "refund_amount_fen": r.refund_amount_fen,
        "shop": r.shop.code if r.shop else None,
    }


def buyer_progress(order_id: int) -> list[dict[str, Any]]:
    """The order's returns/exchanges as the buyer may see them on the tracking page: kind, status,
    the steps' status words and times (no seller notes, no reasons), the return number."""
    rows = []
    for r in Rma.objects.filter(order_id=order_id).prefetch_related("steps").order_by("created_at"):
        steps = [(s.at, s.get_status_display()) for s in r.steps.all() if s.applied and s.source != "trace"]
        rows.append(
            {
                "title": f"{r.get_kind_display()}申请",
                "status": r.get_status_display(),
                "steps": list(reversed(steps)),
                "tracking_no": r.return_tracking_no,
                "pickup_due": r.pickup_due_at if r.status == "approved" else None,
                "trace": returns.label(r.return_status) if r.return_status else "",
                "trace_at": r.return_status_at,
            }
        )
    return rows


def buyer_links(order_id: int, token: str) -> list[dict[str, str]]:
    """What the buyer may do from the tracking page: send an unboxing video/photo."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    return [
        {
            "id": "unboxing",
            "title": _("Send an unboxing video"),
            "text": _("Something wrong with the parcel? Send the shop a video or photo of the unboxing."),
            "url": reverse("buyer:unboxing", args=[token]),
        }
    ]


def short_orders(*, user: Any = None, limit: int = 200) -> list[dict[str, Any]]:
    """The 缺货 orders of the user's shops with their latest out-of-stock offer (oldest first)."""
    from fahuo.aftersales.models import StockChoice
    from fahuo.inventory.reservations import OUT_OF_STOCK
    from fahuo.orders.models import OrderStatus

    qs = (
        Order.objects.filter(status=OrderStatus.NEEDS_REVIEW)
        .select_related("shop")
        .order_by("created_at", "pk")
    )
    if user is not None:
        qs = visible(qs, user)
    rows: list[dict[str, Any]] = []
    for o in qs.iterator(chunk_size=500):
        reason = next((r for r in o.review_reasons or [] if r.get("code") == OUT_OF_STOCK), None)
        if reason is not None:
            rows.append({"order": o, "shortfall": str(reason.get("message", "")), "choice": None})
            if len(rows) >= limit:
                break
    latest: dict[int, StockChoice] = {}
    for c in StockChoice.objects.filter(order_id__in=[r["order"].pk for r in rows]).order_by("created_at"):
        latest[c.order_id] = c
    for row in rows:
        row["choice"] = latest.get(row["order"].pk)
    return rows


def recent_choices(*, user: Any = None, limit: int = 50) -> list[Any]:
    """Answered, defaulted or withdrawn offers, newest first."""
    from fahuo.aftersales.models import StockChoice, StockChoiceStatus

    qs = StockChoice.objects.exclude(status=StockChoiceStatus.OFFERED).select_related("order", "rma")
    if user is not None:
        qs = visible(qs, user)
    return list(qs.order_by("-answered_at", "-pk")[:limit])
