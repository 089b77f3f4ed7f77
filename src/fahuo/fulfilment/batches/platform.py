"""Print batches whose labels the platform prints (抖音电子面单): numbers drawn chunk by chunk like any
batch, but no PDF — each label becomes a ``PlatformPrint`` for the print component on the desk PC.

A batch is made per (warehouse, carrier), so a batch is a platform batch when its carrier's waybill
provider prints encrypted orders (``integrations.registry.PRINTS_ENCRYPTED``); ``batches.run_batch``
sends such a batch here and every other to the PDF worker (``batches.worker.run_batch``).

The numbers come from ``logistics.newCreateOrder`` with the order's own ciphertext receiver: no
decryption. Each provider call is recorded in its own transaction as soon as it is answered; a run
that dies between the platform's answer and that write is resumed from the batch's pending items
and asks again with the same request id (the same pack_id), which the platform answers with the
number it already drew — never a second waybill. When the numbers are in, the batch is done and its
labels wait for the desk's print component (or are printed from this server for an account whose
``print_from`` is ``server``); an order becomes printed, and is shipped back, when its label is.
"""

from __future__ import annotations

from django.db import transaction

from fahuo.fulfilment.batches.worker import (
    INTERRUPTED,
    RUN_CHUNK,
    BatchProgress,
    claim_batch,
    fail_batch,
    mark_done,
    next_pending,
    record_items,
)
from fahuo.fulfilment.labels import platform_print
from fahuo.fulfilment.models import BatchItemStatus, PrintBatch, PrintBatchItem
from fahuo.fulfilment.providers import ProviderPool
from fahuo.fulfilment.services import ensure_parcels, issue_for_orders
from fahuo.integrations.registry import PRINTS_ENCRYPTED


def is_platform_batch(batch_id: int) -> bool:
    """Whether the batch's carrier has its labels printed by the platform (抖音电子面单)."""
    return PrintBatch.objects.filter(pk=batch_id, carrier__provider__in=PRINTS_ENCRYPTED).exists()


def run_platform_batch(
    *, batch_id: int, chunk: int = RUN_CHUNK, on_progress: BatchProgress | None = None
) -> PrintBatch | None:
    """Draw the numbers of a platform batch's pending items, then queue their labels for the print
    component. Safe to run again: a finished batch is left alone, an interrupted one continues."""
    batch = claim_batch(batch_id=batch_id)
    if batch is None:
        return None
    try:
        with ProviderPool() as pool:
            after = 0
            while True:
                step = _step(batch, after, chunk, pool)
                if step is None:
                    break
                after, ok = step
                if not ok:
                    return PrintBatch.objects.get(pk=batch.pk)
                if on_progress is not None:
                    on_progress(PrintBatch.objects.get(pk=batch.pk))
        _finish(batch)
    except Exception as exc:
        fail_batch(batch, INTERRUPTED.format(type(exc).__name__))
        raise
    return PrintBatch.objects.get(pk=batch.pk)


def _step(batch: PrintBatch, after: int, chunk: int, pool: ProviderPool) -> tuple[int, bool] | None:
    """Issue the next chunk of pending items; (last seq, go on) or None when none is left."""
    pending = next_pending(batch, after, chunk, refuse=platform_print.wrong_route)
    if pending is None:
        return None
    item_of, workable = pending.item_of, pending.workable
    outcome = issue_for_orders(
        orders=workable, parcels=ensure_parcels(orders=workable), pool=pool, stop_on_call_error=True
    )
    failed = dict(pending.refused)
    failed.update((item_of[pk], why) for pk, why in outcome.failed.items())
    _, _, still_ours = record_items(batch, [item_of[pk] for pk in outcome.issued], failed)
    if outcome.call_error:
        fail_batch(batch, outcome.call_error)
        return pending.last_seq, False
    return pending.last_seq, still_ours


def _finish(batch: PrintBatch) -> None:
    """The batch is done: its issued orders' labels wait for the print component (or are printed
    from this server); the orders become printed when their labels are."""
    order_ids = list(
        PrintBatchItem.objects.filter(batch_id=batch.pk, status=BatchItemStatus.ISSUED)
        .order_by("seq")
        .values_list("order_id", flat=True)
    )
    with transaction.atomic():
        if not mark_done(batch):
            return  # another run took the batch over; it finishes it
        print_ids = platform_print.queue(order_ids=order_ids, batch_id=batch.pk)
    platform_print.dispatch_from_server(print_ids=print_ids, user=batch.created_by)
