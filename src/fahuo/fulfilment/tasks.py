"""Background jobs for printing (Huey; SQLite storage by default, Redis with FAHUO_REDIS_URL)."""

from __future__ import annotations

from pathlib import Path

from huey.contrib.djhuey import db_task

from fahuo.fulfilment.services import print_orders
from fahuo.orders.models import Order


@db_task()
def print_orders_task(
    order_ids: list[int], size: str = "100x180", out: str | None = None
) -> dict[str, object]:
    """Issue waybills and render labels for the given orders in the worker; returns the summary."""
    result = print_orders(
        orders=Order.objects.filter(pk__in=order_ids), size=size, out=Path(out) if out else None
    )
    return {"path": str(result.path), "pages": result.pages, "issued": result.issued, "failed": result.failed}
