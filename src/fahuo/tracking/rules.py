"""Alert rules: their default parameters and what each one fires on and clears on.

A parcel rule is a ``Q`` over ``Track`` built from the rule's tunable ``AlertRule.params`` and the
sweep time; ``fahuo.tracking.sweep`` turns each into one set-based INSERT … SELECT. The ship-by
rules are evaluated in Python over the unshipped orders (``ship_by_alert``). Rows missing from the ``AlertRule`` table run with these defaults; a row's params
are merged over them, so a seller only stores what they changed.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q

from fahuo.orders.models import OrderStatus
from fahuo.tracking.models import AlertKind, AlertRule, TrackStatus

# Provinces where parcels take days between scans (long hauls, few hubs): STALLED waits longer.
# Names as orders store them (the official full names ``fahuo.kit.address`` resolves to).
REMOTE_PROVINCES = [
    "新疆维吾尔自治区",
    "西藏自治区",
    "青海省",
    "内蒙古自治区",
    "甘肃省",
    "宁夏回族自治区",
]

DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    AlertKind.SHIP_BY_SOON: {"lead_hours": 6, "severity": "warning"},
    AlertKind.SHIP_BY_OVERDUE: {"severity": "critical"},
    AlertKind.NO_PICKUP: {"hours": 24, "severity": "warning"},
    AlertKind.STALLED: {
        "hours": 48,
        "remote_hours": 96,
        "remote_provinces": REMOTE_PROVINCES,
        "severity": "warning",
    },
    AlertKind.PROBLEM: {"lost_lookback_hours": 168, "severity": "critical"},
    AlertKind.REFUSED: {"severity": "critical"},
    AlertKind.RETURNING: {"severity": "warning"},
    # default_hours: the promise for parcels whose lane has no transit hours (set at pickup).
    AlertKind.LATE: {"default_hours": 72, "grace_hours": 0, "severity": "warning"},
    AlertKind.PROXY_SIGNED: {"lookback_hours": 72, "severity": "warning"},
    # Raised by pushes, not by the sweep; only the severity is tunable.
    AlertKind.ADDRESS_CHANGED: {"severity": "critical"},
    AlertKind.AFTER_SALE: {"severity": "critical"},
    # Printed, not pack-scanned, within Shop.unpacked_alert_hours of the promised ship time (per shop);
    # critical once that time has passed.
    AlertKind.UNPACKED: {"severity": "warning"},
}

# Orders not yet handed to a carrier. A printed order is covered by UNPACKED until it is packed (its
# number goes to the platform at issue, print or pack scan, per shop) and by NO_PICKUP on its parcel.
UNSHIPPED = (OrderStatus.NEEDS_REVIEW, OrderStatus.READY)
# Parcels moving through the network: a long silence here is a stalled parcel.
MOVING = (TrackStatus.PICKED_UP, TrackStatus.IN_TRANSIT, TrackStatus.OUT_FOR_DELIVERY)
# Parcels the carrier has not scanned yet.
NOT_PICKED_UP = (TrackStatus.CREATED, TrackStatus.AWAITING_PICKUP)
# Statuses past which LATE makes no sense (the parcel is not on its way to the buyer any more).
NOT_LATE = (TrackStatus.REFUSED, TrackStatus.RETURNING, TrackStatus.RETURNED, TrackStatus.LOST)


# Kinds whose buyer message is not sent by itself unless the seller switches it on: "will ship late"
# before the deadline has passed is premature (the overdue alert sends the same apology, once).
MESSAGE_OFF_BY_DEFAULT = frozenset({AlertKind.SHIP_BY_SOON})
# How old an alert's condition may be when the sweep opens it and still message the buyer by itself
# (a first sweep, or one after downtime, must not message every old problem at once).
DEFAULT_MESSAGE_MAX_AGE_HOURS = 24.0


def load_rows() -> dict[str, AlertRule]:
    return {r.kind: r for r in AlertRule.objects.all()}


def load_params(rows: Mapping[str, AlertRule] | None = None) -> dict[str, dict[str, Any]]:
    """Params per kind (defaults merged with the stored row); inactive rules are left out."""
    if rows is None:
        rows = load_rows()
    out: dict[str, dict[str, Any]] = {}
    for kind, defaults in DEFAULT_PARAMS.items():
        row = rows.get(kind)
        if row is not None and not row.active:
            continue
        out[kind] = {**defaults, **(row.params if row is not None and isinstance(row.params, dict) else {})}
    return out


def auto_message_kinds(rows: Mapping[str, AlertRule] | None = None) -> set[str]:
    """Kinds whose fresh alerts message the buyer by themselves (``AlertRule.message_buyer``)."""
    if rows is None:
        rows = load_rows()
    out = set()
    for kind in DEFAULT_PARAMS:
        row = rows.get(kind)
        if row.message_buyer if row is not None else kind not in MESSAGE_OFF_BY_DEFAULT:
            out.add(str(kind))
    return out


def set_message_buyer(*, kind: str, on: bool, user: Any = None) -> AlertRule:
    """Switch the buyer's automatic message on or off for one alert kind (audited)."""
    from fahuo.accounts.services import audit

    defaults = {"params": dict(DEFAULT_PARAMS.get(kind, {}))}
    rule, _ = AlertRule.objects.get_or_create(kind=kind, defaults=defaults)
    if rule.message_buyer != on:
        rule.message_buyer = on
        rule.save(update_fields=["message_buyer"])
        detail = {"kind": kind, "on": on}
        audit(
            user=user, action="alert_rule.message", object_type="alert_rule", object_id=rule.pk, detail=detail
        )
    return rule


def message_max_age(p: Mapping[str, Any]) -> dt.timedelta:
    """The freshness horizon: the rule's ``message_max_age_hours``, else the setting (or environment)
    ``FAHUO_ALERT_MESSAGE_MAX_AGE_HOURS``, else 24 hours."""
    hours = p.get("message_max_age_hours")
    if hours is None:
        hours = getattr(settings, "FAHUO_ALERT_MESSAGE_MAX_AGE_HOURS", None)
    if hours is None:
        hours = os.environ.get("FAHUO_ALERT_MESSAGE_MAX_AGE_HOURS") or DEFAULT_MESSAGE_MAX_AGE_HOURS
    return dt.timedelta(hours=float(hours))


def ensure_rules() -> int:
    """Create the missing AlertRule rows with their defaults (the migration seeds them too)."""
    have = set(AlertRule.objects.values_list("kind", flat=True))
    rows = [
        AlertRule(kind=k, params=dict(p), message_buyer=k not in MESSAGE_OFF_BY_DEFAULT)
        for k, p in DEFAULT_PARAMS.items()
        if k not in have
    ]
    AlertRule.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# Booleans are compared as ``IN (true)``: Django writes ``field=True`` as a bare column
# (``WHERE "active"``), which SQLite cannot match to an index.
ACTIVE = {"active__in": [True]}
INACTIVE = {"active__in": [False]}


def _hours(params: Mapping[str, Any], key: str) -> dt.timedelta:
    return dt.timedelta(hours=float(params[key]))


# --- parcel rules: Q over Track ------------------------------------------------------------------


def no_pickup(p: Mapping[str, Any], now: dt.datetime) -> Q:
    return Q(
        **ACTIVE,
        status__in=NOT_PICKED_UP,
        picked_up_at__isnull=True,
        issued_at__lt=now - _hours(p, "hours"),
    )


def stalled(p: Mapping[str, Any], now: dt.datetime) -> Q:
    remote = list(p.get("remote_provinces") or [])
    normal, far = now - _hours(p, "hours"), now - _hours(p, "remote_hours")
    # The range on the shorter cut-off lets the (active, status, last_event_at) index do the work.
    base = Q(**ACTIVE, status__in=MOVING, last_event_at__lt=max(normal, far))
    if not remote:
        return base & Q(last_event_at__lt=normal)
    return base & (
        (Q(dest_province__in=remote) & Q(last_event_at__lt=far))
        | (~Q(dest_province__in=remote) & Q(last_event_at__lt=normal))
    )


def problem(p: Mapping[str, Any], now: dt.datetime) -> Q:
    # A lost parcel is final (inactive); it still deserves an alert for a while.
    lost_since = now - _hours(p, "lost_lookback_hours")
    return Q(**ACTIVE, status=TrackStatus.EXCEPTION) | Q(
        **INACTIVE, status=TrackStatus.LOST, last_event_at__gte=lost_since
    )


def refused(p: Mapping[str, Any], now: dt.datetime) -> Q:
    return Q(**ACTIVE, status=TrackStatus.REFUSED)


def returning(p: Mapping[str, Any], now: dt.datetime) -> Q:
    return Q(**ACTIVE, status=TrackStatus.RETURNING)


def late(p: Mapping[str, Any], now: dt.datetime) -> Q:
    return Q(**ACTIVE, due_at__lt=now - _hours(p, "grace_hours")) & ~Q(status__in=NOT_LATE)


def proxy_signed(p: Mapping[str, Any], now: dt.datetime) -> Q:
    since = now - _hours(p, "lookback_hours")
    # Two complete branches, so each can use its own index (SQLite plans an OR per branch).
    asked = {"signed_by_proxy": True, "door_delivery": True}
    return Q(**asked, delivered_at__gte=since) | Q(**asked, **ACTIVE, status=TrackStatus.IN_LOCKER)


def delivered(p: Mapping[str, Any], now: dt.datetime) -> Q:
    return Q(status=TrackStatus.DELIVERED)


# --- when a parcel rule's condition began: Q over Track, "began at or after ``moment``" ------------
# The sweep messages the buyer only about conditions that began within the freshness horizon. A
# rule's ``since`` is not always that moment: a stall begins ``hours`` after the last trace, a late
# parcel ``grace_hours`` after it was due.


def no_pickup_began(p: Mapping[str, Any], moment: dt.datetime) -> Q:
    return Q(issued_at__gte=moment - _hours(p, "hours")) | Q(issued_at__isnull=True)


def stalled_began(p: Mapping[str, Any], moment: dt.datetime) -> Q:
    remote = list(p.get("remote_provinces") or [])
    near = Q(last_event_at__gte=moment - _hours(p, "hours"))
    began = (
        near
        if not remote
        else (
            (Q(dest_province__in=remote) & Q(last_event_at__gte=moment - _hours(p, "remote_hours")))
            | (~Q(dest_province__in=remote) & near)
        )
    )
    return began | Q(last_event_at__isnull=True)


def late_began(p: Mapping[str, Any], moment: dt.datetime) -> Q:
    return Q(due_at__gte=moment - _hours(p, "grace_hours")) | Q(due_at__isnull=True)


# --- order rules: evaluated in Python over the unshipped orders ----------------------------------


def ship_by_deadline(
    ship_by: dt.datetime | None, paid_at: dt.datetime | None, shop_hours: int | None
) -> dt.datetime | None:
    """The platform's ship-by, else paid_at + the shop's default ship hours."""
    if ship_by is not None:
        return ship_by
    if paid_at is None:
        return None
    return paid_at + dt.timedelta(hours=shop_hours if shop_hours is not None else 48)


def ship_by_alert(
    deadline: dt.datetime | None, now: dt.datetime, params: Mapping[str, Mapping[str, Any]]
) -> tuple[str, dt.datetime] | None:
    """(kind, since) of the ship-by alert an unshipped order deserves now, if any."""
    if deadline is None:
        return None
    if deadline <= now:
        if AlertKind.SHIP_BY_OVERDUE in params:
            return AlertKind.SHIP_BY_OVERDUE, deadline
        return None
    soon = params.get(AlertKind.SHIP_BY_SOON)
    if soon is not None:
        lead = _hours(soon, "lead_hours")
        if deadline - lead <= now:
            return AlertKind.SHIP_BY_SOON, deadline - lead
    return None


TrackRule = Callable[[Mapping[str, Any], dt.datetime], Q]


@dataclass(frozen=True, slots=True)
class ParcelRule:
    kind: str
    fires: TrackRule
    since: str  # the Track field the alert's ``since`` comes from
    # None: the alert resolves when ``fires`` stops matching. A rule: it resolves when that matches
    # (REFUSED/RETURNING resolve only once the parcel is delivered after all: a refused or returned
    # parcel needs a person). ``manual``: never automatically.
    clears: TrackRule | None = None
    manual: bool = False
    # When the condition began, as "began at or after a moment" (None: at ``since``).
    began: TrackRule | None = None

    def began_after(self, p: Mapping[str, Any], moment: dt.datetime) -> Q:
        """Parcels whose condition began at or after ``moment`` (a missing ``since`` counts as now)."""
        if self.began is not None:
            return self.began(p, moment)
        return Q(**{f"{self.since}__gte": moment}) | Q(**{f"{self.since}__isnull": True})


PARCEL_RULES: tuple[ParcelRule, ...] = (
    ParcelRule(AlertKind.NO_PICKUP, no_pickup, since="issued_at", began=no_pickup_began),
    ParcelRule(AlertKind.STALLED, stalled, since="last_event_at", began=stalled_began),
    ParcelRule(AlertKind.PROBLEM, problem, since="status_at"),
    ParcelRule(AlertKind.REFUSED, refused, since="status_at", clears=delivered),
    ParcelRule(AlertKind.RETURNING, returning, since="status_at", clears=delivered),
    ParcelRule(AlertKind.LATE, late, since="due_at", began=late_began),
    ParcelRule(AlertKind.PROXY_SIGNED, proxy_signed, since="status_at", manual=True),
)

# Ship-by rules: one query of the unshipped orders (few: those waiting to ship) feeds both, and
# ``ship_by_alert`` decides in Python, with no date arithmetic in SQL.
ORDER_KINDS = (AlertKind.SHIP_BY_SOON, AlertKind.SHIP_BY_OVERDUE)

# Alerts the sweep never opens (pushes do) and never resolves (a person does).
PUSH_KINDS = (AlertKind.ADDRESS_CHANGED, AlertKind.AFTER_SALE)
