"""Live API: sessions, a session's plan, its carrier peak notices (create/send, PDF)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from fahuo.accounts.services import require
from fahuo.livestream import notices, selectors, services
from fahuo.livestream.planning import plan_session

router = Router()
READ, WRITE = "orders.view_order", "orders.change_order"


class SessionOut(Schema):
    id: int
    shop: str
    title: str
    host: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    expected_orders: int | None
    forecast_orders: int | None
    forecast_low: int | None
    forecast_high: int | None
    featured: list[dict[str, Any]]


class NoticeIn(Schema):
    send: bool = False  # also record the sending
    via: str = "manual"
    carrier: str = "all"


class NoticeOut(Schema):
    carrier: str
    expected_parcels: int
    pickup_slots: list[dict[str, Any]]
    text: str
    sent_at: dt.datetime | None
    sent_via: str


@router.get("/sessions", response=list[SessionOut])
def list_sessions(request: HttpRequest) -> list[dict[str, Any]]:
    require(request, READ)
    return [
        {
            "id": s.pk,
            "shop": s.shop.code,
            "title": s.title,
            "host": s.host,
            "starts_at": s.starts_at,
            "ends_at": s.ends_at,
            "status": s.status,
            "expected_orders": s.expected_orders,
            "forecast_orders": s.forecast_orders,
            "forecast_low": s.forecast_low,
            "forecast_high": s.forecast_high,
            "featured": [{"sku": f.sku.code, "planned_units": f.planned_units} for f in s.featured.all()],
        }
        for s in selectors.sessions(user=request.user)
    ]


@router.get("/sessions/{ref}/plan")
def get_plan(request: HttpRequest, ref: str) -> dict[str, Any]:
    """The capacity check and shipping plan; ``ref`` is an id, ``latest`` or ``next``."""
    require(request, READ)
    return plan_session(session=selectors.resolve_session(ref, user=request.user)).as_dict()


@router.post("/sessions/{ref}/notices", response=list[NoticeOut])
def post_notices(request: HttpRequest, ref: str, payload: NoticeIn) -> list[dict[str, Any]]:
    """Write (or rewrite) the notices from the plan; with ``send`` also record their sending."""
    require(request, WRITE)
    session = selectors.resolve_session(ref, user=request.user)
    with transaction.atomic():
        services.refresh_forecast(session=session)
        made = notices.create_notices(session=session)
        chosen = (
            made
            if payload.carrier.lower() == "all"
            else notices.notices_for(session=session, code=payload.carrier)
        )
        if payload.send:
            for n in chosen:
                notices.mark_sent(notice=n, user=request.user, via=payload.via)
    return [
        {
            "carrier": n.carrier.code,
            "expected_parcels": n.expected_parcels,
            "pickup_slots": n.pickup_slots,
            "text": n.text,
            "sent_at": n.sent_at,
            "sent_via": n.sent_via,
        }
        for n in chosen
    ]


@router.get("/sessions/{ref}/notices/{carrier}.pdf")
def notice_pdf(request: HttpRequest, ref: str, carrier: str) -> HttpResponse:
    require(request, READ)
    session = selectors.resolve_session(ref, user=request.user)
    response = HttpResponse(
        notices.render_pdf(notices.notices_for(session=session, code=carrier)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="peak-notice-{session.pk}-{carrier.upper()}.pdf"'
    return response
