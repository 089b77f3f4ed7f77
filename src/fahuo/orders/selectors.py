"""Reads of orders for lists, the API and the dashboard."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from fahuo.accounts.selectors import can, shops_for, visible
from fahuo.accounts.services import REVEAL_PERMISSION
from fahuo.kit.address import normalize_phone
from fahuo.kit.privacy import lookup_hash
from fahuo.orders.formats import SHANGHAI
from fahuo.orders.models import Order, OrderLine, OrderStatus, Shop


def order_list(
    *,
    user: Any = None,
    status: str | None = None,
    shop: Shop | str | None = None,
    reason: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    q: str | None = None,
    batch: int | None = None,
    created_on: dt.date | None = None,
) -> QuerySet[Order]:
    """Orders, newest paid first, filtered; dates are paid dates in Beijing time, both ends inclusive.
    With ``user``, only the orders of the user's shops (None: every shop — the CLI and workers).
    ``batch``: one import batch (its flagged orders, linked from the import report); ``created_on``:
    the day orders arrived (the dashboard's "new today")."""
    qs = Order.objects.select_related("shop", "customer", "carrier", "warehouse").prefetch_related("lines")
    if user is not None:
        qs = visible(qs, user)
    if status:
        qs = qs.filter(status=status)
    if isinstance(shop, Shop):
        qs = qs.filter(shop=shop)
    elif shop:
        qs = qs.filter(shop__code=shop)
    if reason:
        qs = qs.filter(_has_reason(reason))
    if date_from:
        qs = qs.filter(paid_at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(paid_at__lt=_day_start(date_to + dt.timedelta(days=1)))
    if q and q.strip():
        qs = qs.filter(_search(q.strip(), user=user))
    if batch:
        qs = qs.filter(import_batch_id=batch)
    if created_on:
        qs = qs.filter(
            created_at__gte=_day_start(created_on),
            created_at__lt=_day_start(created_on + dt.timedelta(days=1)),
        )
    return qs


def dashboard_counts(*, day: dt.date, shop: Shop | str | None = None, user: Any = None) -> dict[str, int]:
    """Orders created on ``day`` (Beijing time), and the orders now waiting in each desk queue."""
    qs = Order.objects.all() if user is None else visible(Order.objects.all(), user)
    if isinstance(shop, Shop):
        qs = qs.filter(shop=shop)
    elif shop:
        qs = qs.filter(shop__code=shop)
    start = _day_start(day)
    counts = qs.aggregate(
        new_today=Count("id", filter=Q(created_at__gte=start, created_at__lt=start + dt.timedelta(days=1))),
        needs_review=Count("id", filter=Q(status=OrderStatus.NEEDS_REVIEW)),
        ready=Count("id", filter=Q(status=OrderStatus.READY)),
        printed=Count("id", filter=Q(status=OrderStatus.PRINTED)),
    )
    return {key: int(value or 0) for key, value in counts.items()}


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


def _has_reason(code: str) -> Q:
    if connection.features.supports_json_field_contains:
        return Q(review_reasons__contains=[{"code": code}])
    # SQLite keeps the JSON text as json.dumps wrote it: match the serialised key/value pair.
    return Q(review_reasons__icontains=json.dumps({"code": code})[1:-1])


def _search(q: str, *, user: Any = None) -> Q:
    lines = OrderLine.objects.filter(order=OuterRef("pk"))
    cond = (
        Q(platform_order_id__icontains=q)
        | Exists(lines.filter(sku_code__iexact=q))
        | Exists(lines.filter(title__icontains=q))
    )
    phone, error = normalize_phone(q)
    if not error and phone:
        by_phone = Q(customer__phone_hash=lookup_hash(phone))
        if user is not None:
            # A phone matches only in the shops where the user may reveal the recipient: elsewhere
            # a hit would confirm the digits the mask hides (issue #12, finding 2).
            reveal_ids = [s.pk for s in shops_for(user) if can(user, REVEAL_PERMISSION, s)]
            by_phone &= Q(shop_id__in=reveal_ids)
        cond |= by_phone
    return cond
