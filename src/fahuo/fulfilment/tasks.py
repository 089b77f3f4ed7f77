"""Background jobs for printing (Huey; SQLite storage by default, Redis with FAHUO_REDIS_URL)."""

from __future__ import annotations

import logging
from pathlib import Path

from huey.contrib.djhuey import db_task, on_startup

from fahuo.accounts.selectors import acting_user, shops_refused
from fahuo.fulfilment.batches.services import cancel_batch, resume_interrupted, run_batch
from fahuo.fulfilment.models import PrintBatch, PrintBatchItem
from fahuo.fulfilment.services import print_orders
from fahuo.fulfilment.shipback.services import send_due_shipbacks_every_minute, send_shipbacks_task  # noqa: F401
from fahuo.kit import leases
from fahuo.kit.errors import Conflict
from fahuo.orders.models import Order

log = logging.getLogger(__name__)


PRINT_PERMISSION = "fulfilment.print_labels"


@db_task()
def print_orders_task(
    order_ids: list[int], size: str = "100x180", out: str | None = None, user_id: int | None = None
) -> dict[str, object]:
    """Issue waybills and render labels for the given orders in the worker; returns the summary.
    ``user_id``: the person it prints for — only orders of shops where they may print now are
    printed, the rest are left out (``refused``); without it (CLI, scripts) every shop's."""
    orders = Order.objects.filter(pk__in=order_ids)
    refused: list[int] = []
    if user_id is not None:
        user = acting_user(user_id)
        shops = set(orders.values_list("shop_id", flat=True))
        bad = shops if user is None else set(shops_refused(user, PRINT_PERMISSION, shops))
        refused = list(orders.filter(shop_id__in=bad).values_list("pk", flat=True))
        orders = orders.exclude(shop_id__in=bad)
    result = print_orders(orders=orders, size=size, out=Path(out) if out else None)
    return {
        "path": str(result.path),
        "pages": result.pages,
        "issued": result.issued,
        "failed": result.failed,
        "refused": sorted(refused),
    }


def _creator_out_of_scope(batch_id: int) -> list[int]:
    """Shops of the batch's orders where the person who made it may not print any more (their
    membership or role changed since, e.g. before a resume); [] for batches made by the CLI."""
    creator_id = PrintBatch.objects.filter(pk=batch_id).values_list("created_by_id", flat=True).first()
    if creator_id is None:
        return []
    shops = (
        PrintBatchItem.objects.filter(batch_id=batch_id).values_list("order__shop_id", flat=True).distinct()
    )
    user = acting_user(creator_id)
    if user is None:
        return []  # made by the CLI (acts for every shop), or its maker's account is gone
    return shops_refused(user, PRINT_PERMISSION, shops)


@db_task()
def run_batch_task(batch_id: int) -> dict[str, object] | None:
    """Work one print batch (波次) for the person who made it; a batch another live worker has, or
    a finished one, is left alone. A batch holding orders of a shop where its maker may no longer
    print is cancelled (its orders go back to the ready queue) instead of printing their addresses."""
    refused = _creator_out_of_scope(batch_id)
    if refused:
        log.warning("print batch %s cancelled: its maker may not print for shops %s", batch_id, refused)
        try:
            cancel_batch(batch_id=batch_id)
        except Conflict:
            pass  # already finished or cancelled
        return {"batch": batch_id, "status": "cancelled", "refused_shops": refused}
    batch = run_batch(batch_id=batch_id)
    if batch is None:
        return None
    return {"batch": batch.pk, "status": batch.status, "issued": batch.issued, "failed": batch.failed}


# When the worker starts, batches a killed worker left running are queued again (once per process).
resume_interrupted_batches = on_startup("resume_interrupted_batches")(
    leases.resume_once(resume_interrupted, "print batches", log)
)


@db_task()
def render_part_task(
    batch_id: int, path: str, order_ids: list[int], printed_at: str, size: str
) -> int | None:
    """Draw one part of a print batch another process worker is issuing (ids only on the queue)."""
    from fahuo.fulfilment.batches.render import draw_queued_part

    return draw_queued_part(path=path, order_ids=order_ids, printed_at=printed_at, size=size)
