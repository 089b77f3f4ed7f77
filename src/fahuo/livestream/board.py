"""The live board (直播看板): what is happening to a stream's orders right now, and what will break.

One aggregate query per panel (orders per minute, the order pipeline, labels, pickups per carrier,
orders per carrier, open ship-by deadlines, capacities), so the board costs the same for 50 orders
as for 50,000. Projections are linear at the *current* rate (the last ``RATE_WINDOW_MINUTES``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMinute
from django.utils import timezone
from django.utils.translation import gettext as _

from fahuo.fulfilment.models import ParcelStatus, Waybill
from fahuo.livestream.models import LiveSession
from fahuo.livestream.review import carrier_capacity, session_orders, window_end
from fahuo.orders.models import Order, OrderStatus

RATE_WINDOW_MINUTES = 15


def _hhmm(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%H:%M")


def forecast_per_minute(session: LiveSession, minutes: int) -> list[float]:
    """The hourly forecast spread evenly over each hour's minutes (hour 0 starts at ``starts_at``)."""
    hourly = [float(x or 0) for x in (session.forecast_hourly or [])]
    return [round(hourly[m // 60] / 60, 2) if m // 60 < len(hourly) else 0.0 for m in range(minutes)]


def orders_per_minute(session: LiveSession, *, until: dt.datetime) -> list[int]:
    """Orders paid in each minute from ``starts_at`` up to ``until`` (one grouped query)."""
    start = session.starts_at.replace(second=0, microsecond=0)
    minutes = max(0, int((until - start).total_seconds() // 60) + 1)
    counts = np.zeros(minutes, dtype=np.int64)
    rows = (
        session_orders(session)
        .filter(paid_at__lt=until)
        .exclude(status=OrderStatus.CANCELLED)
        .annotate(minute=TruncMinute("paid_at", tzinfo=dt.UTC))
        .values("minute")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        i = int((row["minute"] - start).total_seconds() // 60)
        if 0 <= i < minutes:
            counts[i] += row["n"]
    return [int(x) for x in counts]


def board(session: LiveSession, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Every panel of the live board for one session at ``now``."""
    now = now or timezone.now()
    end = window_end(session)
    until = min(now, end)
    orders = session_orders(session)
    live = orders.exclude(status=OrderStatus.CANCELLED)

    per_minute = orders_per_minute(session, until=until) if until > session.starts_at else []
    forecast = forecast_per_minute(session, len(per_minute))
    labels = [_hhmm(session.starts_at + dt.timedelta(minutes=i)) for i in range(len(per_minute))]
    recent = per_minute[-RATE_WINDOW_MINUTES:]
    rate = sum(recent) / len(recent) if recent else 0.0  # orders per minute now

    pipeline = _pipeline(orders)

    waybills = Waybill.objects.filter(parcel__order__in=live).exclude(parcel__status=ParcelStatus.CANCELLED)
    label_window = now - dt.timedelta(minutes=RATE_WINDOW_MINUTES)
    label_stats = waybills.aggregate(
        issued=Count("pk"),
        printed=Count("pk", filter=Q(print_count__gt=0)),
        recent=Count("pk", filter=Q(issued_at__gte=label_window, issued_at__lte=now)),
    )
    label_rate = label_stats["recent"] / RATE_WINDOW_MINUTES  # labels per minute now

    carriers, alerts = _carrier_panel(session, live, waybills, rate=rate, now=now, end=end)

    ship_alert = ship_by_alert(
        ship_by=[
            t
            for t in live.filter(
                status__in=[OrderStatus.NEEDS_REVIEW, OrderStatus.READY], ship_by__isnull=False
            )
            .order_by("ship_by")
            .values_list("ship_by", flat=True)
            if t is not None
        ],
        rate=label_rate,
        planned_rate=session.packers * session.orders_per_packer_hour / 60,
        now=now,
    )
    if ship_alert:
        alerts.append(ship_alert)

    return {
        "session": session,
        "now": now,
        "live": session.starts_at <= now <= end,
        "window_end": end,
        "chart": {"labels": labels, "actual": per_minute, "forecast": forecast},
        "orders_so_far": sum(per_minute),
        "forecast_so_far": round(sum(forecast)),
        "rate_per_minute": round(rate, 2),
        "pipeline": pipeline,
        "labels": {**label_stats, "rate_per_minute": round(label_rate, 2)},
        "carriers": carriers,
        "alerts": alerts,
    }


def _pipeline(orders: QuerySet[Order]) -> dict[str, int]:
    """The stream's orders by stage: to review, allocate, print; printed, shipped; cancelled."""
    live = orders.exclude(status=OrderStatus.CANCELLED)
    pipeline = live.aggregate(
        total=Count("pk"),
        needs_review=Count("pk", filter=Q(status=OrderStatus.NEEDS_REVIEW)),
        to_allocate=Count("pk", filter=Q(status=OrderStatus.READY, carrier__isnull=True)),
        to_print=Count("pk", filter=Q(status=OrderStatus.READY, carrier__isnull=False)),
        printed=Count("pk", filter=Q(status=OrderStatus.PRINTED)),
        shipped=Count("pk", filter=Q(status__in=(OrderStatus.SHIPPED, OrderStatus.DELIVERED))),
    )
    pipeline["cancelled"] = orders.filter(status=OrderStatus.CANCELLED).count()
    return pipeline


def _carrier_counts(
    waybills: QuerySet[Waybill], live: QuerySet[Order], now: dt.datetime
) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """Per carrier id: labels and pickups (all, last hour); orders assigned."""
    picked_rows: dict[int, dict[str, Any]] = {
        r["carrier_id"]: dict(r)
        for r in waybills.values("carrier_id", "carrier__code", "carrier__name")
        .annotate(
            labels=Count("pk"),
            picked=Count("pk", filter=Q(track__picked_up_at__isnull=False)),
            picked_last_hour=Count("pk", filter=Q(track__picked_up_at__gte=now - dt.timedelta(hours=1))),
        )
        .order_by()
    }
    assigned_rows: dict[int, dict[str, Any]] = {
        r["carrier_id"]: dict(r)
        for r in live.filter(carrier__isnull=False)
        .values("carrier_id", "carrier__code", "carrier__name")
        .annotate(orders=Count("pk"))
        .order_by()
    }
    return picked_rows, assigned_rows


def _carrier_panel(
    session: LiveSession,
    live: QuerySet[Order],
    waybills: QuerySet[Waybill],
    *,
    rate: float,
    now: dt.datetime,
    end: dt.datetime,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One row per carrier (orders, labels, pickups, capacity used, when full) and its alerts."""
    picked_rows, assigned_rows = _carrier_counts(waybills, live, now)
    carrier_ids = set(picked_rows) | set(assigned_rows)
    capacity = carrier_capacity(carrier_ids, timezone.localdate(session.starts_at))
    allocated_total = sum(r["orders"] for r in assigned_rows.values())
    carriers: list[dict[str, Any]] = []
    alerts: list[dict[str, Any]] = []
    for cid in carrier_ids:
        info = picked_rows.get(cid) or assigned_rows[cid]
        assigned = assigned_rows.get(cid, {}).get("orders", 0)
        cap = capacity[cid]
        row = {
            "code": info["carrier__code"],
            "name": info["carrier__name"],
            "orders": assigned,
            "labels": picked_rows.get(cid, {}).get("labels", 0),
            "picked_up": picked_rows.get(cid, {}).get("picked", 0),
            "picked_last_hour": picked_rows.get(cid, {}).get("picked_last_hour", 0),
            "capacity": cap["peak_parcels"],
            "pickup_per_hour": cap["pickup_per_hour"],
            "full_at": None,
        }
        row["used"] = round(assigned / cap["peak_parcels"], 3) if cap["peak_parcels"] else None
        share_rate = rate * assigned / allocated_total if allocated_total else 0.0
        alert = capacity_alert(
            code=row["code"], used=assigned, capacity=cap["peak_parcels"], rate=share_rate, now=now, end=end
        )
        if alert:
            row["full_at"] = alert["at"]
            alerts.append(alert)
        backlog = row["labels"] - row["picked_up"]
        if cap["pickup_per_hour"] and backlog > cap["pickup_per_hour"]:
            alerts.append(
                {
                    "kind": "pickup_backlog",
                    "carrier": row["code"],
                    "severity": "warning",
                    "at": None,
                    "message": _(
                        "%(carrier)s: %(backlog)s labels wait for pickup, more than the %(cap)s an hour "
                        "it can take."
                    )
                    % {"carrier": row["code"], "backlog": backlog, "cap": cap["pickup_per_hour"]},
                }
            )
        carriers.append(row)
    carriers.sort(key=lambda r: (-r["orders"], r["code"]))
    return carriers, alerts


def capacity_alert(
    *, code: str, used: int, capacity: int | None, rate: float, now: dt.datetime, end: dt.datetime
) -> dict[str, Any] | None:
    """The carrier's capacity full before the session's window ends, at ``rate`` orders a minute."""
    if not capacity:
        return None
    if used >= capacity:
        return {
            "kind": "capacity",
            "carrier": code,
            "severity": "critical",
            "at": _hhmm(now),
            "message": _("%(carrier)s's %(cap)s is full: %(used)s orders already.")
            % {"carrier": code, "cap": capacity, "used": used},
        }
    if rate <= 0:
        return None
    full_at = now + dt.timedelta(minutes=(capacity - used) / rate)
    if full_at > end:
        return None
    return {
        "kind": "capacity",
        "carrier": code,
        "severity": "warning",
        "at": _hhmm(full_at),
        "message": _("At this rate %(carrier)s's %(cap)s will be full by %(time)s.")
        % {"carrier": code, "cap": capacity, "time": _hhmm(full_at)},
    }


def ship_by_alert(
    *, ship_by: list[dt.datetime], rate: float, planned_rate: float, now: dt.datetime
) -> dict[str, Any] | None:
    """Orders not yet labelled, worked earliest deadline first at ``rate`` a minute: will any miss?

    The k-th open order (sorted by ship-by) is labelled at ``now + k / rate``. Before any label is
    issued the observed rate is 0, so the session's planned packing rate stands in.
    """
    if not ship_by:
        return None
    used_rate = rate if rate > 0 else planned_rate
    if used_rate <= 0:
        return None
    deadlines = np.array([(t - now).total_seconds() / 60 for t in ship_by])
    done_at = np.arange(1, len(ship_by) + 1) / used_rate
    missed = int(np.count_nonzero(done_at > deadlines))
    if not missed:
        return None
    first = int(np.argmax(done_at > deadlines))
    return {
        "kind": "ship_by",
        "carrier": "",
        "severity": "critical",
        "at": _hhmm(ship_by[first]),
        "missed": missed,
        "message": _(
            "At this rate (%(rate)s labels a minute) %(missed)s orders will miss their ship-by time, "
            "the first at %(time)s."
        )
        % {"rate": round(used_rate, 1), "missed": missed, "time": _hhmm(ship_by[first])},
    }
