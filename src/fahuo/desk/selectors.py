"""Reads only the desk needs: an order with everything its page shows, its audit trail, import batches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from fahuo.accounts.models import AuditLog
from fahuo.orders.formats import SHANGHAI
from fahuo.orders.models import ImportBatch, ImportRowError, Order
from fahuo.orders.selectors import order_list


def desk_order_list(
    *, batch: int | None = None, created_on: dt.date | None = None, **filters: Any
) -> QuerySet[Order]:
    """``orders.selectors.order_list`` plus the two filters the desk links to: one import batch
    (its flagged orders) and the day orders arrived (the dashboard's "new today")."""
    qs = order_list(**filters)
    if batch:
        qs = qs.filter(import_batch_id=batch)
    if created_on:
        start = dt.datetime.combine(created_on, dt.time.min, tzinfo=SHANGHAI)
        qs = qs.filter(created_at__gte=start, created_at__lt=start + dt.timedelta(days=1))
    return qs


def order_for_page(*, pk: int) -> Order:
    """One order with its shop, lines (and SKUs), carrier and import batch; 404 when missing."""
    return get_object_or_404(
        Order.objects.select_related("shop", "carrier", "warehouse", "import_batch").prefetch_related(
            "lines__sku"
        ),
        pk=pk,
    )


def order_audit_trail(*, order: Order, limit: int = 50) -> list[AuditLog]:
    """The newest audit rows about one order (edits, reveals, denied reveals)."""
    rows = AuditLog.objects.filter(object_type="order", object_id=str(order.pk)).select_related("user")
    return list(rows.order_by("-at", "-id")[:limit])


def orders_by_ids(*, ids: Iterable[int]) -> QuerySet[Order]:
    return Order.objects.filter(pk__in=list(ids))


def order_numbers(*, ids: Iterable[int]) -> dict[int, str]:
    """Order id -> platform order number, for messages about orders picked by id."""
    return dict(Order.objects.filter(pk__in=list(ids)).values_list("pk", "platform_order_id"))


def recent_imports(*, limit: int = 10) -> list[ImportBatch]:
    return list(
        ImportBatch.objects.select_related("shop", "created_by").order_by("-created_at", "-id")[:limit]
    )


def import_batch(*, pk: int) -> ImportBatch:
    """One import batch with its unreadable rows (their raw cells are not loaded: personal data)."""
    return get_object_or_404(
        ImportBatch.objects.select_related("shop", "created_by").prefetch_related(
            Prefetch("row_errors", queryset=ImportRowError.objects.defer("raw"))
        ),
        pk=pk,
    )
