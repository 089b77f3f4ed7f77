"""Tracking API: the alert queue (list, counts, assign, note, resolve) and a parcel's trace."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from fahuo.accounts.selectors import can
from fahuo.accounts.services import require
from fahuo.kit.errors import InvalidInput, NotFound, NotSupported, PermissionDenied
from fahuo.tracking import events, selectors, services
from fahuo.tracking.models import Alert, AlertStatus

router = Router()
VIEW = "orders.view_order"


class AlertOut(Schema):
    id: int
    kind: str
    severity: str
    status: str
    since: dt.datetime
    tracking_no: str
    track_id: int | None
    order_id: int | None
    platform_order_id: str = ""
    detail: str
    note: str
    assignee: str = ""
    buyer_message: str = Field(
        "", description="What became of the buyer message: '' none for this kind, auto, held, off, manual"
    )
    created_at: dt.datetime
    resolved_at: dt.datetime | None

    @staticmethod
    def resolve_platform_order_id(obj: Alert) -> str:
        return obj.order.platform_order_id if obj.order is not None else ""

    @staticmethod
    def resolve_assignee(obj: Alert) -> str:
        return obj.assignee.get_username() if obj.assignee is not None else ""


class AlertListOut(Schema):
    count: int
    limit: int
    offset: int
    counts: dict[str, int]
    items: list[AlertOut]


class AlertFilters(Schema):
    kind: str = ""
    status: str = Field("", description="'' = unresolved, open, assigned, mine, resolved, all")
    carrier: str = ""
    shop_id: int | None = None
    q: str = ""
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class AssignIn(Schema):
    username: str | None = Field(None, description="empty: back to the queue; omitted with me=true: yourself")
    me: bool = False


class NoteIn(Schema):
    note: str = Field("", max_length=services.NOTE_MAX)


class EventOut(Schema):
    at: dt.datetime
    status: str
    provider: str
    provider_code: str
    description: str
    location: str


class TrackOut(Schema):
    id: int
    tracking_no: str
    carrier_code: str
    status: str
    status_at: dt.datetime | None
    issued_at: dt.datetime | None
    picked_up_at: dt.datetime | None
    last_event_at: dt.datetime | None
    delivered_at: dt.datetime | None
    due_at: dt.datetime | None
    promised_hours: int | None
    last_location: str
    dest_province: str
    signed_by_proxy: bool
    door_delivery: bool
    active: bool
    order_id: int | None
    events: list[EventOut]


@router.get("/alerts", response=AlertListOut, summary="List alerts (unresolved by default)")
def list_alerts(request: HttpRequest, filters: Query[AlertFilters]) -> dict[str, Any]:
    require(request, VIEW)
    args: dict[str, Any] = {
        "user": request.user,
        "status": filters.status,
        "carrier": filters.carrier,
        "shop_id": filters.shop_id,
        "q": filters.q,
    }
    qs = selectors.alert_queue(kind=filters.kind, **args)
    return {
        "count": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "counts": selectors.alert_counts(**args),
        "items": list(qs[filters.offset : filters.offset + filters.limit]),
    }


def _alert(pk: int, user: Any) -> Alert:
    """An alert of the user's shops (404 otherwise) that their role in its shop lets them work."""
    try:
        alert = selectors.alert_for_update(pk=pk, user=user)
    except Http404:
        raise NotFound(f"异常不存在：{pk}") from None
    if alert.order is not None and not can(user, selectors.CHANGE_PERMISSION, alert.order.shop_id):
        raise PermissionDenied("你在该店铺的角色不能处理异常")
    return alert


def _work(request: HttpRequest, alert_id: int, action: Callable[..., object], **args: Any) -> Alert:
    """``action(alert=, user=, **args)`` on an alert the user may work, in one transaction; answers
    the alert as it is now."""
    require(request, selectors.CHANGE_PERMISSION)
    alert = _alert(alert_id, request.user)
    with transaction.atomic():
        action(alert=alert, user=request.user, **args)
    return _alert(alert_id, request.user)


@router.post("/alerts/{alert_id}/assign", response=AlertOut, summary="Assign an alert")
def assign(request: HttpRequest, alert_id: int, payload: AssignIn) -> Alert:
    def to_assignee(*, alert: Alert, user: Any) -> None:
        assignee: Any = None
        if payload.me:
            assignee = user
        elif payload.username:
            assignee = next(
                (u for u in selectors.assignable_users(alert=alert) if u.get_username() == payload.username),
                None,
            )
            if assignee is None:
                raise InvalidInput(f"该用户不能处理这个店铺的异常：{payload.username}")
        services.assign_alert(alert=alert, assignee=assignee, user=user)

    return _work(request, alert_id, to_assignee)


@router.post("/alerts/{alert_id}/note", response=AlertOut, summary="Set an alert's note")
def note(request: HttpRequest, alert_id: int, payload: NoteIn) -> Alert:
    return _work(request, alert_id, services.note_alert, note=payload.note)


@router.post("/alerts/{alert_id}/resolve", response=AlertOut, summary="Resolve an alert")
def resolve(request: HttpRequest, alert_id: int, payload: NoteIn) -> Alert:
    return _work(request, alert_id, services.resolve_alert, note=payload.note or None)


@router.post(
    "/alerts/{alert_id}/message",
    response=AlertOut,
    summary="Tell the buyer about an alert now (a held or switched-off message)",
)
def message_buyer(request: HttpRequest, alert_id: int) -> Alert:
    send_for_alert = events.message_buyer.get()  # provided by notify (tracking never imports it)
    if send_for_alert is None:
        raise NotSupported("买家消息未启用")

    def send(*, alert: Alert, user: Any) -> None:
        if alert.status == AlertStatus.RESOLVED:
            raise InvalidInput("该异常已解决")
        if send_for_alert(alert=alert, user=user) is None:
            raise InvalidInput("该店铺已关闭这类买家消息")

    return _work(request, alert_id, send)


@router.get("/parcels/{tracking_no}", response=TrackOut, summary="A parcel's state and full trace")
def parcel(request: HttpRequest, tracking_no: str) -> dict[str, Any]:
    require(request, VIEW)
    track = selectors.track_by_number(tracking_no=tracking_no, user=request.user)
    if track is None:
        raise NotFound(f"没有这个运单号：{tracking_no}")
    data = {f: getattr(track, f) for f in TrackOut.model_fields if f != "events"}
    data["events"] = selectors.track_events(track=track)
    return data


__all__ = ["router"]
