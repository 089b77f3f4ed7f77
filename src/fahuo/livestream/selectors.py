"""Reads for live sessions: resolve ``12``/``latest``/``next``, a session's orders, the shop's history."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from fahuo.accounts.selectors import visible
from fahuo.kit.errors import InvalidInput, NotFound
from fahuo.livestream.forecast import PastSession
from fahuo.livestream.models import LiveSession, SessionStatus
from fahuo.orders.models import Order, OrderLine


def sessions(*, shop_id: int | None = None, user: Any = None) -> QuerySet[LiveSession]:
    """All sessions (with ``user``: of the user's shops), newest first, with shop and SKUs loaded."""
    qs = LiveSession.objects.select_related("shop").prefetch_related("featured__sku")
    if user is not None:
        qs = visible(qs, user)
    return qs.filter(shop_id=shop_id) if shop_id else qs


def resolve_session(ref: str | int, *, now: datetime | None = None, user: Any = None) -> LiveSession:
    """A session by id, ``latest`` (the most recent finished one) or ``next`` (the next planned one)."""
    now = now or timezone.now()
    text = str(ref).strip().lower()
    qs = sessions(user=user)
    if text == "latest":
        found = qs.filter(status=SessionStatus.FINISHED).order_by("-starts_at").first()
    elif text == "next":
        found = qs.filter(status=SessionStatus.PLANNED, starts_at__gte=now).order_by("starts_at").first()
        found = found or qs.filter(status=SessionStatus.PLANNED).order_by("-starts_at").first()
    elif text.isdigit():
        found = qs.filter(pk=int(text)).first()
    else:
        raise InvalidInput(f"场次须为编号、latest 或 next (session must be a number, latest or next): {ref}")
    if found is None:
        raise NotFound(f"没有这个直播场次 (no such live session): {ref}")
    return found


def window(session: LiveSession) -> tuple[datetime, datetime]:
    """From the stream's start to its end plus the tail hours (orders keep coming after the stream)."""
    return session.starts_at, session.ends_at + timedelta(hours=session.tail_hours)


def session_orders(session: LiveSession) -> QuerySet[Order]:
    start, end = window(session)
    return Order.objects.filter(shop_id=session.shop_id, paid_at__gte=start, paid_at__lt=end)


def length_hours(session: LiveSession) -> float:
    return max(0.25, (session.ends_at - session.starts_at).total_seconds() / 3600)


def window_hours(session: LiveSession) -> int:
    start, end = window(session)
    return max(1, math.ceil((end - start).total_seconds() / 3600))


def hourly_counts(session: LiveSession) -> list[int]:
    """Orders per hour after the start, over the whole window (stream + tail)."""
    start, _ = window(session)
    counts = [0] * window_hours(session)
    for paid in session_orders(session).values_list("paid_at", flat=True):
        if paid is None:
            continue
        k = int((paid - start).total_seconds() // 3600)
        if 0 <= k < len(counts):
            counts[k] += 1
    return counts


def sku_units(session: LiveSession) -> dict[int, int]:
    """Units sold per SKU id in the session's window."""
    start, end = window(session)
    rows = (
        OrderLine.objects.filter(
            order__shop_id=session.shop_id,
            order__paid_at__gte=start,
            order__paid_at__lt=end,
            sku__isnull=False,
        )
        .values("sku_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    return {int(r["sku_id"]): int(r["units"] or 0) for r in rows}


def past_session(session: LiveSession) -> PastSession:
    featured = {f.sku_id for f in session.featured.all()}
    units = sku_units(session)
    if not featured:  # no featured list recorded: its five best sellers stand in
        featured = {sku for sku, _ in sorted(units.items(), key=lambda kv: -kv[1])[:5]}
    hourly = hourly_counts(session)
    return PastSession(
        id=session.pk,
        starts_at=session.starts_at,
        length_hours=length_hours(session),
        orders=sum(hourly),
        hourly=hourly,
        featured=frozenset(featured),
        sku_units=units,
    )


def history(
    *, shop_id: int, exclude_id: int | None = None, before: datetime | None = None
) -> list[PastSession]:
    """The shop's finished sessions with their actual orders (oldest first)."""
    qs = sessions(shop_id=shop_id).filter(status=SessionStatus.FINISHED).order_by("starts_at")
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    if before:
        qs = qs.filter(starts_at__lt=before)
    return [past_session(s) for s in qs]


def carrier_shares(*, shop_id: int, history_ids: list[int]) -> dict[int, int]:
    """Orders per carrier id over the given past sessions (how the shop usually splits its streams)."""
    out: dict[int, int] = defaultdict(int)
    for session in LiveSession.objects.filter(pk__in=history_ids):
        rows = (
            session_orders(session)
            .filter(carrier__isnull=False)
            .values("carrier_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            out[int(row["carrier_id"])] += int(row["n"])
    return dict(out)


@dataclass(frozen=True, slots=True)
class Shortfall:
    """A featured SKU of an upcoming stream that its stock cannot cover."""

    session_id: int
    session_title: str
    starts_at: datetime
    shop: str
    sku: str
    name: str
    planned: int  # the seller's planned units
    needed: int  # planned units scaled to the forecast's high end
    available: int  # on hand minus reserved, over every warehouse

    @property
    def short(self) -> int:
        return max(0, self.needed - self.available)


def next_stream_shortfalls(*, user: Any, now: datetime | None = None, days: int = 7) -> list[Shortfall]:
    """For each shop's next planned stream within ``days``: the featured SKUs that will run short.

    What a stream needs is the seller's planned units, scaled up when the forecast's high end is
    above the orders the plan was made for (the seller's estimate, else the forecast itself): a
    stream that may sell more than planned must not run dry at its peak.
    """
    from fahuo.inventory.models import Stock

    now = now or timezone.now()
    upcoming = (
        sessions(user=user)
        .filter(status=SessionStatus.PLANNED, starts_at__gt=now, starts_at__lte=now + timedelta(days=days))
        .order_by("starts_at")
    )
    nxt: dict[int, LiveSession] = {}
    for session in upcoming:
        nxt.setdefault(session.shop_id, session)
    featured = [(s, f) for s in nxt.values() for f in s.featured.all() if f.planned_units > 0]
    if not featured:
        return []
    available = {
        r["sku_id"]: int((r["on"] or 0) - (r["res"] or 0))
        for r in Stock.objects.filter(sku_id__in={f.sku_id for _, f in featured})
        .values("sku_id")
        .annotate(on=Sum("on_hand"), res=Sum("reserved"))
        .order_by()
    }
    out: list[Shortfall] = []
    for session, f in featured:
        basis = session.expected_orders or session.forecast_orders or 0
        high = session.forecast_high or 0
        needed = math.ceil(f.planned_units * high / basis) if basis and high > basis else f.planned_units
        line = Shortfall(
            session_id=session.pk,
            session_title=session.title,
            starts_at=session.starts_at,
            shop=session.shop.name,
            sku=f.sku.code,
            name=f.sku.name,
            planned=f.planned_units,
            needed=needed,
            available=available.get(f.sku_id, 0),
        )
        if line.short:
            out.append(line)
    return out
