"""Session review (直播复盘): pickup and shipping rates per carrier 24 h after a stream, loss and
damage by region after 7 days, kept in :class:`SessionReview` and compared across sessions.

Clocks (see docs/livestream.md, "Review"):

* ``pickup_rate_24h`` starts at the label's issue (``Waybill.issued_at``): the moment the carrier's
  number exists and the parcel can be handed over. A parcel counts when its ``Track.picked_up_at``
  is at most 24 h later.
* ``shipped_rate_48h`` starts at payment (``Order.paid_at``), the platform's 48 h ship-by clock.
* A parcel whose window is still open (not picked up, window not yet over) is *pending*: left out
  of both numerator and denominator, so an early review is not dragged down by parcels not yet due.

Every figure is one aggregate or one flat ``values()`` query over the session's orders, so the
number of queries does not grow with the number of orders.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import numpy as np
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from fahuo.carriers.models import Capacity, Contract
from fahuo.kit.errors import InvalidInput, NotFound
from fahuo.livestream import selectors
from fahuo.livestream.models import LiveSession, SessionReview, SessionStatus
from fahuo.livestream.review_freight import actual_freight, live_waybills, planned
from fahuo.livestream.review_stockout import out_of_stock
from fahuo.livestream.sla_terms import SlaTerms, sla_terms
from fahuo.orders.models import Order, OrderStatus
from fahuo.tracking.models import Track, TrackEvent, TrackStatus

PICKUP_HOURS = 24
SHIP_HOURS = 48
LATE_LIST_LIMIT = 500
DAMAGE_ADVICE_FACTOR = 2.0
DAMAGE_ADVICE = "加强该地区包装或更换快递"
# Damage (破损) in a trace: Kdniao StateEx 414, Kuaidi100 status 209, or the word in the text.
DAMAGE_EVENT = (
    Q(provider="kdniao", provider_code="414")
    | Q(provider="kuaidi100", provider_code="209")
    | Q(description__contains="破损")
)


# --- sessions --------------------------------------------------------------------------------------


def window_end(session: LiveSession) -> dt.datetime:
    """The last payment time that still belongs to the session (stream end plus its tail)."""
    return selectors.window(session)[1]


def session_orders(session: LiveSession) -> QuerySet[Order]:
    """The shop's orders paid during the stream or its tail (cancelled ones included)."""
    return selectors.session_orders(session)


def resolve_session(ref: str | int, *, now: dt.datetime | None = None, user: Any = None) -> LiveSession:
    """``current`` (live now, else the last started) or anything ``selectors.resolve_session`` takes."""
    now = now or timezone.now()
    if str(ref).strip().lower() != "current":
        return selectors.resolve_session(ref, now=now, user=user)
    qs = selectors.sessions(user=user)
    found = (
        qs.filter(status=SessionStatus.LIVE).order_by("-starts_at").first()
        or qs.filter(starts_at__lte=now).order_by("-starts_at").first()
    )
    if found is None:
        raise NotFound("还没有已开播的直播场次：开播后这里显示实时看板。")
    return found


# --- helpers ---------------------------------------------------------------------------------------


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _hours(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 3600


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else None


def _contracts(carrier_ids: set[int], on: dt.date) -> dict[int, Contract]:
    """The contract in force per carrier on a day (latest start wins)."""
    rows = Contract.objects.filter(carrier_id__in=carrier_ids, starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)
    )
    found: dict[int, Contract] = {}
    for c in rows.order_by("carrier_id", "-starts_on"):
        found.setdefault(c.carrier_id, c)
    return found


def carrier_capacity(carrier_ids: set[int], on: dt.date) -> dict[int, dict[str, int | None]]:
    """Peak parcels per stream and pickups per hour per carrier: the contract, else the outlets'."""
    contracts = _contracts(carrier_ids, on)
    outlets: dict[int, dict[str, int]] = defaultdict(lambda: {"parcels": 0, "per_hour": 0})
    for row in Capacity.objects.filter(carrier_id__in=carrier_ids).values(
        "carrier_id", "max_parcels", "max_parcels_per_hour"
    ):
        outlets[row["carrier_id"]]["parcels"] += row["max_parcels"]
        outlets[row["carrier_id"]]["per_hour"] += row["max_parcels_per_hour"] or 0
    result: dict[int, dict[str, int | None]] = {}
    for cid in carrier_ids:
        contract = contracts.get(cid)
        outlet = outlets.get(cid)
        peak = contract.peak_capacity_per_stream if contract else None
        per_hour = contract.pickup_capacity_per_hour if contract else None
        result[cid] = {
            "peak_parcels": peak or (outlet["parcels"] if outlet else None) or None,
            "pickup_per_hour": per_hour or (outlet["per_hour"] if outlet else None) or None,
        }
    return result


def _parcel_rows(orders: QuerySet[Order]) -> list[dict[str, Any]]:
    """One row per issued waybill of the session's parcels, with payment and pickup times."""
    return [
        dict(row)
        for row in live_waybills(orders)
        .values(
            "carrier_id",
            "carrier__code",
            "carrier__name",
            "tracking_no",
            "issued_at",
            "parcel__order_id",
            "parcel__order__platform_order_id",
            "parcel__order__paid_at",
            "parcel__order__province",
            "track__picked_up_at",
        )
        .order_by("issued_at", "pk")
    ]


def _diff(actual: int | None, plan: int | None) -> tuple[int | None, float | None]:
    if actual is None or plan is None:
        return None, None
    return actual - plan, (round((actual - plan) / plan * 100, 1) if plan else None)


def _per_parcel(fen: int | None, parcels: int | None) -> int | None:
    return round(fen / parcels) if fen is not None and parcels else None


def _percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(np.asarray(values), q)), 1) if values else None


# --- 24 h ------------------------------------------------------------------------------------------


def review_24h(session: LiveSession, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Pickup within 24 h of label, shipped within 48 h of payment, late parcels, capacity, cost."""
    now = now or timezone.now()
    orders = session_orders(session)
    counts = {row["status"]: row["n"] for row in orders.values("status").annotate(n=Count("pk")).order_by()}
    live_orders = sum(n for s, n in counts.items() if s != OrderStatus.CANCELLED)
    rows = _parcel_rows(orders)
    # Each carrier's contracted pickup clock and target (fahuo.contracts terms; article defaults).
    sla = sla_terms({int(r["carrier_id"]) for r in rows}, timezone.localdate(session.starts_at))
    freight, priced_by = actual_freight(session, orders)
    plan = planned(session)
    carriers, late, first_label, first_pickup = _tally_parcels(rows, sla, now)
    late.sort(key=lambda x: -(x["hours"] or 0))  # worst first
    for cid, p in plan.items():  # planned carriers that got no parcel still get their row
        if cid not in carriers and (p.get("parcels") or p.get("freight_fen")):
            carriers[cid] = {"code": p["code"], "name": p.get("name", p["code"]), "parcels": 0, "picked_up": 0,
                             "_p24": [0, 0, 0], "_s48": [0, 0, 0]}  # fmt: skip
    per_carrier = _carrier_figures(session, carriers, late=late, sla=sla, freight=freight, plan=plan)
    paid_by_order = {r["parcel__order_id"]: r["parcel__order__paid_at"] for r in rows}
    label_minutes = [
        _hours(issued - paid_by_order[oid]) * 60
        for oid, issued in first_label.items()
        if paid_by_order.get(oid) is not None
    ]
    p_due = sum(c["pickup_due"] for c in per_carrier)
    s_due = sum(c["shipped_due"] for c in per_carrier)
    p_ok = sum(c["pickup_ok"] for c in per_carrier)
    s_ok = sum(c["shipped_ok"] for c in per_carrier)
    forecast = session.forecast_orders
    return {
        "kind": "24h",
        "session": _session_info(session),
        "computed_at": _iso(now),
        "orders": live_orders,
        "cancelled": counts.get(OrderStatus.CANCELLED, 0),
        "orders_by_status": counts,
        "forecast_orders": forecast,
        "forecast_error": (live_orders - forecast) if forecast else None,
        "forecast_error_pct": round((live_orders - forecast) / forecast * 100, 1) if forecast else None,
        "labelled_orders": len(first_label),
        "picked_up_orders": len(first_pickup),
        "parcels": len(rows),
        "pickup_rate_24h": _rate(p_ok, p_due),
        "shipped_rate_48h": _rate(s_ok, s_due),
        "order_to_label_minutes": {
            "median": _percentile(label_minutes, 50),
            "p90": _percentile(label_minutes, 90),
        },
        **_cost(
            sum(freight.values()) if freight else None,
            (session.plan or {}).get("freight_fen"),
            sum(c["parcels"] for c in per_carrier),
            sum(p.get("parcels") or 0 for p in plan.values()) if plan else None,
        ),
        "freight_priced_by": priced_by,
        "plan": {
            k: (session.plan or {}).get(k)
            for k in (
                "computed_at",
                "split_method",
                "forecast_orders",
                "forecast_high",
                "greedy_fen",
                "over_capacity",
            )
        },
        "carriers": per_carrier,
        "out_of_stock": out_of_stock(orders),
        "late_count": len(late),
        "late": late[:LATE_LIST_LIMIT],
    }


def _tally_parcels(
    rows: list[dict[str, Any]], sla: dict[int, SlaTerms], now: dt.datetime
) -> tuple[dict[int, dict[str, Any]], list[dict[str, Any]], dict[int, dt.datetime], dict[int, dt.datetime]]:
    """Per carrier id its parcels and pickup/ship tallies; the late parcels; each order's first label
    and first pickup."""
    carriers: dict[int, dict[str, Any]] = {}
    late: list[dict[str, Any]] = []
    first_label: dict[int, dt.datetime] = {}
    first_pickup: dict[int, dt.datetime] = {}
    ship_limit = dt.timedelta(hours=SHIP_HOURS)
    for row in rows:
        cid = row["carrier_id"]
        c = carriers.setdefault(
            cid,
            {
                "code": row["carrier__code"],
                "name": row["carrier__name"],
                "parcels": 0,
                "picked_up": 0,
                "_p24": [0, 0, 0],  # within, due, pending
                "_s48": [0, 0, 0],
            },
        )
        c["parcels"] += 1
        issued, paid, picked = row["issued_at"], row["parcel__order__paid_at"], row["track__picked_up_at"]
        oid = row["parcel__order_id"]
        if issued and (oid not in first_label or issued < first_label[oid]):
            first_label[oid] = issued
        if picked:
            c["picked_up"] += 1
            if oid not in first_pickup or picked < first_pickup[oid]:
                first_pickup[oid] = picked
        _tally(c["_p24"], issued, picked, dt.timedelta(hours=sla[cid].pickup_hours), now)
        ship_state = _tally(c["_s48"], paid, picked, ship_limit, now)
        if ship_state == "late":
            late.append(
                {
                    "carrier": row["carrier__code"],
                    "tracking_no": row["tracking_no"],
                    "order": row["parcel__order__platform_order_id"],
                    "province": row["parcel__order__province"],
                    "paid_at": _iso(paid),
                    "issued_at": _iso(issued),
                    "picked_up_at": _iso(picked),
                    "hours": round(_hours((picked or now) - paid), 1) if paid else None,
                }
            )
    return carriers, late, first_label, first_pickup


def _carrier_figures(
    session: LiveSession,
    carriers: dict[int, dict[str, Any]],
    *,
    late: list[dict[str, Any]],
    sla: dict[int, SlaTerms],
    freight: dict[int, int],
    plan: dict[int, dict[str, Any]],
) -> list[dict[str, Any]]:
    """One row per carrier, most parcels first: rates against its terms, capacity used, cost vs plan."""
    capacity = carrier_capacity(set(carriers), timezone.localdate(session.starts_at))
    per_carrier: list[dict[str, Any]] = []
    for cid, c in sorted(carriers.items(), key=lambda kv: -kv[1]["parcels"]):
        p_ok, p_due, p_pending = c.pop("_p24")
        s_ok, s_due, s_pending = c.pop("_s48")
        peak = capacity.get(cid, {}).get("peak_parcels")
        terms = sla.get(cid, SlaTerms())
        c.update(
            pickup_rate_24h=_rate(p_ok, p_due),
            pickup_hours=terms.pickup_hours,
            pickup_target_pct=float(terms.pickup_target_pct),
            pickup_met=None if not p_due else p_ok * 100 >= terms.pickup_target_pct * p_due,
            pickup_ok=p_ok,
            pickup_due=p_due,
            pickup_pending=p_pending,
            shipped_rate_48h=_rate(s_ok, s_due),
            shipped_ok=s_ok,
            shipped_due=s_due,
            shipped_pending=s_pending,
            late=sum(1 for x in late if x["carrier"] == c["code"]),
            capacity=peak,
            capacity_used=_rate(c["parcels"], peak or 0),
            planned_parcels=plan.get(cid, {}).get("parcels"),
        )
        c.update(
            _cost(freight.get(cid), plan.get(cid, {}).get("freight_fen"), c["parcels"], c["planned_parcels"])
        )
        per_carrier.append(c)
    return per_carrier


def _cost(actual: int | None, plan: int | None, parcels: int, planned_parcels: int | None) -> dict[str, Any]:
    """Cost vs plan: actual and planned freight (fen), the difference in fen and %, and per parcel."""
    diff, pct = _diff(actual, plan)
    return {
        "freight_fen": actual,  # = actual_freight_fen (the name older stored reviews use)
        "actual_freight_fen": actual,
        "planned_freight_fen": plan,
        "freight_diff_fen": diff,
        "freight_diff_pct": pct,
        "actual_fen_per_parcel": _per_parcel(actual, parcels),
        "planned_fen_per_parcel": _per_parcel(plan, planned_parcels),
    }


def _tally(
    acc: list[int],
    start: dt.datetime | None,
    picked: dt.datetime | None,
    limit: dt.timedelta,
    now: dt.datetime,
) -> str:
    """Add one parcel to [within, due, pending]; returns ok, late or pending."""
    if start is None:
        return "pending"
    deadline = start + limit
    if picked is not None and picked <= deadline:
        acc[0] += 1
        acc[1] += 1
        return "ok"
    if picked is None and now < deadline:
        acc[2] += 1
        return "pending"
    acc[1] += 1
    return "late"


def _session_info(session: LiveSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "title": session.title,
        "host": session.host,
        "starts_at": _iso(session.starts_at),
        "ends_at": _iso(session.ends_at),
        "tail_hours": session.tail_hours,
        "status": session.status,
    }


# --- 7 d -------------------------------------------------------------------------------------------


def review_7d(session: LiveSession, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Loss and damage rates by destination province and by carrier, with advice for outliers."""
    now = now or timezone.now()
    orders = session_orders(session).exclude(status=OrderStatus.CANCELLED)
    damaged = TrackEvent.objects.filter(DAMAGE_EVENT, track=OuterRef("pk"))
    rows = list(
        Track.objects.filter(waybill__parcel__order__in=orders)
        .annotate(damaged=Exists(damaged))
        .values("carrier_code", "dest_province", "waybill__parcel__order__province", "status", "damaged")
    )
    total = {"parcels": 0, "lost": 0, "damaged": 0}
    by_region: dict[str, dict[str, int]] = defaultdict(lambda: {"parcels": 0, "lost": 0, "damaged": 0})
    by_carrier: dict[str, dict[str, int]] = defaultdict(lambda: {"parcels": 0, "lost": 0, "damaged": 0})
    for row in rows:
        region = row["waybill__parcel__order__province"] or row["dest_province"] or "?"
        lost = row["status"] == TrackStatus.LOST
        for acc in (total, by_region[region], by_carrier[row["carrier_code"]]):
            acc["parcels"] += 1
            acc["lost"] += int(lost)
            acc["damaged"] += int(bool(row["damaged"]))
    avg_damage = _rate(total["damaged"], total["parcels"]) or 0.0
    avg_loss = _rate(total["lost"], total["parcels"]) or 0.0

    def table(groups: dict[str, dict[str, int]], key: str) -> list[dict[str, Any]]:
        out = []
        for name, acc in sorted(groups.items(), key=lambda kv: (-kv[1]["parcels"], kv[0])):
            damage_rate = _rate(acc["damaged"], acc["parcels"]) or 0.0
            loss_rate = _rate(acc["lost"], acc["parcels"]) or 0.0
            stands_out = avg_damage > 0 and damage_rate > DAMAGE_ADVICE_FACTOR * avg_damage
            out.append(
                {
                    key: name,
                    **acc,
                    "loss_rate": loss_rate,
                    "damage_rate": damage_rate,
                    "loss_stands_out": avg_loss > 0 and loss_rate > DAMAGE_ADVICE_FACTOR * avg_loss,
                    "damage_stands_out": stands_out,
                    "advice": DAMAGE_ADVICE if stands_out else "",
                }
            )
        return out

    regions = table(by_region, "province")
    return {
        "kind": "7d",
        "session": _session_info(session),
        "computed_at": _iso(now),
        "parcels": total["parcels"],
        "lost": total["lost"],
        "damaged": total["damaged"],
        "loss_rate": avg_loss if total["parcels"] else None,
        "damage_rate": avg_damage if total["parcels"] else None,
        "regions": regions,
        "carriers": table(by_carrier, "carrier"),
        "advice": [
            {"province": r["province"], "damage_rate": r["damage_rate"], "advice": r["advice"]}
            for r in regions
            if r["advice"]
        ],
    }


# --- persistence and comparison ----------------------------------------------------------------------

BUILDERS = {"24h": review_24h, "7d": review_7d}


def compute_review(*, session: LiveSession, kind: str, now: dt.datetime | None = None) -> SessionReview:
    """Compute one review and store it (replacing the previous figures of that kind)."""
    if kind not in BUILDERS:
        raise InvalidInput(f"Unknown review kind {kind!r}: use 24h or 7d.")
    data = BUILDERS[kind](session, now=now)
    review, _ = SessionReview.objects.update_or_create(session=session, kind=kind, defaults={"data": data})
    return review


def due_sessions(*, kind: str, now: dt.datetime | None = None) -> QuerySet[LiveSession]:
    """Sessions whose review of ``kind`` is due: 24 h (or 7 d) after the tail, refreshed for a while."""
    now = now or timezone.now()
    after, keep = (dt.timedelta(hours=24), dt.timedelta(days=3))
    if kind == "7d":
        after, keep = (dt.timedelta(days=7), dt.timedelta(days=7))
    # ends_at + tail + after <= now; tail_hours is per session, so bound by the longest tail (72 h).
    return LiveSession.objects.filter(
        ends_at__lte=now - after, ends_at__gte=now - after - keep - dt.timedelta(hours=72)
    )


def refresh_due_reviews(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Recompute the 24 h and 7 d reviews of the sessions for which they are due."""
    now = now or timezone.now()
    done = {"24h": 0, "7d": 0}
    for kind in done:
        after = dt.timedelta(hours=24) if kind == "24h" else dt.timedelta(days=7)
        for session in due_sessions(kind=kind, now=now).select_related("shop"):
            if window_end(session) + after <= now:
                compute_review(session=session, kind=kind, now=now)
                done[kind] += 1
    return done


def history(*, shop_id: int | None = None, limit: int = 20, user: Any = None) -> list[dict[str, Any]]:
    """Past sessions (with ``user``: of the user's shops) side by side from their stored reviews."""
    sessions = selectors.sessions(user=user).filter(ends_at__lte=timezone.now()).order_by("-starts_at")
    if shop_id is not None:
        sessions = sessions.filter(shop_id=shop_id)
    picked = list(sessions[:limit])
    stored: dict[tuple[int, str], dict[str, Any]] = {
        (r.session_id, r.kind): r.data for r in SessionReview.objects.filter(session__in=picked)
    }
    rows = []
    for s in reversed(picked):
        r24 = stored.get((s.pk, "24h"), {})
        r7 = stored.get((s.pk, "7d"), {})
        rows.append(
            {
                "id": s.pk,
                "title": s.title,
                "starts_at": _iso(s.starts_at),
                "orders": r24.get("orders"),
                "forecast_orders": s.forecast_orders,
                "forecast_error_pct": r24.get("forecast_error_pct"),
                "pickup_rate_24h": r24.get("pickup_rate_24h"),
                "shipped_rate_48h": r24.get("shipped_rate_48h"),
                "damage_rate": r7.get("damage_rate"),
                "reviewed": bool(r24),
            }
        )
    return rows


def stored_or_computed(*, session: LiveSession, kind: str, refresh: bool = False) -> dict[str, Any]:
    """The stored review of ``kind``; computed (and stored) when missing, asked for, or the session
    is still within its review period (figures move until the 7-day mark)."""
    if kind not in BUILDERS:
        raise InvalidInput(f"Unknown review kind {kind!r}: use 24h or 7d.")
    if not refresh:
        review = SessionReview.objects.filter(session=session, kind=kind).first()
        if review is not None and review.computed_at > window_end(session) + dt.timedelta(days=8):
            return dict(review.data)
    return dict(compute_review(session=session, kind=kind).data)
