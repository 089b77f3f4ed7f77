"""Background jobs for printing (Huey; SQLite storage by default, Redis with FAHUO_REDIS_URL)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from django.db import close_old_connections
from huey.contrib.djhuey import db_task, on_startup

from fahuo.fulfilment.batches import resume_interrupted, run_batch
from fahuo.fulfilment.services import print_orders
from fahuo.fulfilment.shipback import send_due_shipbacks_every_minute, send_shipbacks_task  # noqa: F401
from fahuo.orders.models import Order

log = logging.getLogger(__name__)
_startup_lock = threading.Lock()
_started = False


@db_task()
def print_orders_task(
    order_ids: list[int], size: str = "100x180", out: str | None = None
) -> dict[str, object]:
    """Issue waybills and render labels for the given orders in the worker; returns the summary."""
    result = print_orders(
        orders=Order.objects.filter(pk__in=order_ids), size=size, out=Path(out) if out else None
    )
    return {"path": str(result.path), "pages": result.pages, "issued": result.issued, "failed": result.failed}


@db_task()
def run_batch_task(batch_id: int) -> dict[str, object] | None:
    """Work one print batch (波次); a batch another live worker has, or a finished one, is left alone."""
    batch = run_batch(batch_id=batch_id)
    if batch is None:
        return None
    return {"batch": batch.pk, "status": batch.status, "issued": batch.issued, "failed": batch.failed}


@on_startup()
def resume_interrupted_batches() -> None:
    """When the worker starts, batches a killed worker left running are queued again (once per process)."""
    global _started
    with _startup_lock:
        if _started:
            return
        _started = True
    try:
        resumed = resume_interrupted()
        if resumed:
            log.warning("resuming interrupted print batches: %s", resumed)
    finally:
        close_old_connections()


@db_task()
def render_part_task(batch_id: int, path: str, order_ids: list[int], printed_at: str, size: str) -> int | None:
    """Draw one part of a print batch another process worker is issuing (ids only on the queue)."""
    from fahuo.fulfilment.batch_render import draw_queued_part

    return draw_queued_part(path=path, order_ids=order_ids, printed_at=printed_at, size=size)
