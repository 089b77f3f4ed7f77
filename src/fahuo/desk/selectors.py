"""Reads only the desk needs: an order with everything its page shows, its audit trail, import batches."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from fahuo.accounts.models import AuditLog
from fahuo.accounts.selectors import visible
from fahuo.orders.models import ImportBatch, ImportRowError, Order


def order_for_page(*, pk: int, user: Any) -> Order:
    """One order of the user's shops with its shop, lines (and SKUs), carrier and import batch; 404
    when missing or another shop's."""
    return get_object_or_404(
        visible(Order.objects.all(), user)
        .select_related("shop", "carrier", "warehouse", "import_batch")
        .prefetch_related("lines__sku"),
        pk=pk,
    )


def order_audit_trail(*, order: Order, limit: int = 50) -> list[AuditLog]:
    """The newest audit rows about one order (edits, reveals, denied reveals)."""
    rows = AuditLog.objects.filter(object_type="order", object_id=str(order.pk)).select_related("user")
    return list(rows.order_by("-at", "-id")[:limit])


def orders_by_ids(*, ids: Iterable[int], user: Any) -> QuerySet[Order]:
    """The orders picked by id that belong to the user's shops (another shop's ids are dropped)."""
    return visible(Order.objects.filter(pk__in=list(ids)), user)


def order_numbers(*, ids: Iterable[int], user: Any) -> dict[int, str]:
    """Order id -> platform order number, for messages about orders picked by id."""
    return dict(visible(Order.objects.filter(pk__in=list(ids)), user).values_list("pk", "platform_order_id"))


def recent_imports(*, user: Any, limit: int = 10) -> list[ImportBatch]:
    return list(
        visible(ImportBatch.objects.all(), user)
        .select_related("shop", "created_by")
        .order_by("-created_at", "-id")[:limit]
    )


def import_batch(*, pk: int, user: Any) -> ImportBatch:
    """One import batch with its unreadable rows (their raw cells are not loaded: personal data)."""
    return get_object_or_404(
        visible(ImportBatch.objects.all(), user)
        .select_related("shop", "created_by")
        .prefetch_related(Prefetch("row_errors", queryset=ImportRowError.objects.defer("raw"))),
        pk=pk,
    )
