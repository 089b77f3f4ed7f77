"""Reads for the alert queue, the dashboard counts and a parcel's trace page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.http import Http404

from fahuo.accounts.selectors import users_who_can, visible
from fahuo.tracking.models import Alert, AlertKind, AlertStatus, BuyerMessage, Track, TrackEvent

CHANGE_PERMISSION = "orders.change_order"  # owners and operators work alerts; packers only read


def _filtered(
    *,
    user: Any = None,
    status: str = "",
    carrier: str = "",
    shop_id: int | None = None,
    q: str = "",
) -> QuerySet[Alert]:
    qs = Alert.objects.all() if user is None else visible(Alert.objects.all(), user, field="order__shop")
    if status == "all":
        pass
    elif status == "mine":
        qs = qs.exclude(status=AlertStatus.RESOLVED).filter(assignee_id=getattr(user, "pk", None))
    elif status == "untold":  # too old to message the buyer by itself: the seller decides
        qs = qs.exclude(status=AlertStatus.RESOLVED).filter(buyer_message=BuyerMessage.HELD)
    elif status in (AlertStatus.OPEN, AlertStatus.ASSIGNED, AlertStatus.RESOLVED):
        qs = qs.filter(status=status)
    else:
        qs = qs.exclude(status=AlertStatus.RESOLVED)
    if carrier:
        qs = qs.filter(
            Q(track__carrier_code=carrier.upper()) | Q(track__isnull=True, order__carrier__code=carrier)
        )
    if shop_id:
        qs = qs.filter(order__shop_id=shop_id)
    if q:
        qs = qs.filter(Q(tracking_no=q) | Q(order__platform_order_id=q))
    return qs


def alert_queue(*, kind: str = "", **filters: Any) -> QuerySet[Alert]:
    """Alerts for the queue page, most urgent first (critical, then oldest condition)."""
    qs = _filtered(**filters)
    if kind:
        qs = qs.filter(kind=kind)
    critical_first = Case(When(severity="critical", then=Value(0)), default=Value(1))
    return qs.select_related("track", "order__shop", "order__carrier", "assignee").order_by(
        critical_first, "since", "id"
    )


def alert_counts(*, kind: str = "", **filters: Any) -> dict[str, int]:
    """Alerts per kind under the same filters except the kind itself (for the kind tabs)."""
    rows = _filtered(**filters).order_by().values_list("kind").annotate(n=Count("id"))
    return {k: n for k, n in rows}


def dashboard_counts(*, user: Any = None) -> dict[str, Any]:
    """Unresolved alerts per kind and how many of them are critical (one query)."""
    alerts = Alert.objects.all() if user is None else visible(Alert.objects.all(), user, field="order__shop")
    rows = (
        alerts.exclude(status=AlertStatus.RESOLVED)
        .order_by()
        .values_list("kind", "severity")
        .annotate(n=Count("id"))
    )
    per_kind: dict[str, int] = {}
    critical_kinds: set[str] = set()
    for kind, severity, n in rows:
        per_kind[kind] = per_kind.get(kind, 0) + n
        if severity == "critical":
            critical_kinds.add(kind)
    ordered = [(k, per_kind[k]) for k in AlertKind.values if per_kind.get(k)]
    return {"kinds": ordered, "total": sum(per_kind.values()), "critical_kinds": critical_kinds}


def alert_for_update(*, pk: int, user: Any = None) -> Alert:
    """One alert; 404 when missing or (with ``user``) of another shop."""
    alerts = Alert.objects.all() if user is None else visible(Alert.objects.all(), user, field="order__shop")
    alert = alerts.select_related("track", "order__shop", "order__carrier", "assignee").filter(pk=pk).first()
    if alert is None:
        raise Http404("no such alert")
    return alert


def assignable_users(*, alert: Alert) -> list[Any]:
    """People who may work this alert, by name: owners and operators of the alert's shop and the
    owners of every shop — never someone of another shop (an order-less alert: those owners)."""
    shop_id = alert.order.shop_id if alert.order is not None else None
    return list(users_who_can(CHANGE_PERMISSION, shop_id))


def with_assignable_users(alerts: Iterable[Alert]) -> list[Alert]:
    """``alerts`` with ``assignable`` set on each (one query per shop on the page)."""
    per_shop: dict[int | None, list[Any]] = {}
    out = list(alerts)
    for alert in out:
        shop_id = alert.order.shop_id if alert.order is not None else None
        if shop_id not in per_shop:
            per_shop[shop_id] = assignable_users(alert=alert)
        alert.assignable = per_shop[shop_id]  # type: ignore[attr-defined]
    return out


def _tracks(user: Any) -> QuerySet[Track]:
    return Track.objects.all() if user is None else visible(Track.objects.all(), user, field="order__shop")


def track_for_page(*, pk: int, user: Any = None) -> Track:
    track = _tracks(user).select_related("order__shop", "waybill__carrier").filter(pk=pk).first()
    if track is None:
        raise Http404("no such parcel")
    return track


def track_by_number(*, tracking_no: str, user: Any = None) -> Track | None:
    return _tracks(user).filter(tracking_no=tracking_no.strip()).order_by("-pk").first()


def track_events(*, track: Track) -> list[TrackEvent]:
    """The whole trace, newest first."""
    return list(track.events.order_by("-at", "-id"))


def track_alerts(*, track: Track) -> list[Alert]:
    """The parcel's alerts and its order's (ship-by, address change, after-sale), newest first."""
    q = Q(track=track)
    if track.order_id is not None:
        q |= Q(track__isnull=True, order_id=track.order_id)
    return list(Alert.objects.filter(q).select_related("assignee").order_by("-created_at"))


def auto_message_switches() -> list[dict[str, Any]]:
    """Alert kinds that have a buyer message, each with its auto-messaging switch (one query)."""
    from fahuo.tracking.events import buyer_message_kinds
    from fahuo.tracking.rules import DEFAULT_PARAMS, auto_message_kinds

    on = auto_message_kinds()
    return [
        {"kind": str(k), "on": k in on}
        for k in AlertKind.values
        if k in buyer_message_kinds.get() and k in DEFAULT_PARAMS
    ]
