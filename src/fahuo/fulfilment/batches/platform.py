"""Print batches whose labels the platform prints (抖音电子面单): numbers drawn chunk by chunk like any
batch, but no PDF — each label becomes a ``PlatformPrint`` for the print component on the desk PC.

A batch is made per (warehouse, carrier), so a batch is a platform batch when its carrier's waybill
provider prints encrypted orders (``integrations.registry.PRINTS_ENCRYPTED``); ``batches.run_batch``
sends such a batch here and every other to the PDF worker (``batch_worker.run_batch``).

The numbers come from ``logistics.newCreateOrder`` with the order's own ciphertext receiver: no
decryption. Each provider call is recorded in its own transaction as soon as it is answered; a run
that dies between the platform's answer and that write is resumed from the batch's pending items
and asks again with the same request id (the same pack_id), which the platform answers with the
number it already drew — never a second waybill. When the numbers are in, the batch is done and its
labels wait for the desk's print component (or are printed from this server for an account whose
``print_from`` is ``server``); an order becomes printed, and is shipped back, when its label is.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from django.db import transaction
from django.db.models import Case, Count, F, QuerySet, Value, When
from django.utils import timezone

from fahuo.fulfilment.batches.worker import claim_batch
from fahuo.fulfilment.labels import platform_print
from fahuo.fulfilment.models import BatchItemStatus, BatchStatus, PrintBatch, PrintBatchItem
from fahuo.fulfilment.providers import ProviderPool
from fahuo.fulfilment.services import (
    NO_CARRIER,
    ensure_parcels,
    issue_for_orders,
    not_printable_reason,
    printable_orders,
    without_carrier,
)
from fahuo.integrations.registry import PRINTS_ENCRYPTED
from fahuo.orders.models import Order

RUN_CHUNK = int(os.environ.get("FAHUO_BATCH_CHUNK") or 200)

BatchProgress = Callable[[PrintBatch], None]


def is_platform_batch(batch_id: int) -> bool:
    """Whether the batch's carrier has its labels printed by the platform (抖音电子面单)."""
    return PrintBatch.objects.filter(pk=batch_id, carrier__provider__in=PRINTS_ENCRYPTED).exists()


def _ours(batch: PrintBatch) -> QuerySet[PrintBatch]:
    return PrintBatch.objects.filter(pk=batch.pk, worker=batch.worker, status=BatchStatus.RUNNING)


def _fail(batch: PrintBatch, message: str) -> None:
    _ours(batch).update(status=BatchStatus.FAILED, error=message[:300], heartbeat_at=timezone.now())


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
        _fail(batch, f"打印中断（{type(exc).__name__}），可点击“继续打印”从中断处接着打")
        raise
    return PrintBatch.objects.get(pk=batch.pk)


def _step(batch: PrintBatch, after: int, chunk: int, pool: ProviderPool) -> tuple[int, bool] | None:
    """Issue the next chunk of pending items; (last seq, go on) or None when none is left."""
    rows = list(
        PrintBatchItem.objects.filter(batch_id=batch.pk, status=BatchItemStatus.PENDING, seq__gt=after)
        .order_by("seq")
        .values_list("pk", "order_id", "seq")[:chunk]
    )
    if not rows:
        return None
    item_of = {order_id: item_id for item_id, order_id, _ in rows}
    orders = {o.pk: o for o in printable_orders(Order.objects.filter(pk__in=list(item_of)))}
    failed: dict[int, str] = {}
    workable = []
    for item_id, order_id, _ in rows:
        order = orders.get(order_id)
        reason = "订单已删除" if order is None else not_printable_reason(order)
        if reason:
            failed[item_id] = reason
        elif order is not None:
            workable.append(order)
    refused = {pk: NO_CARRIER for pk in without_carrier(workable)}
    refused.update(platform_print.wrong_route(workable))
    failed.update((item_of[pk], why) for pk, why in refused.items())
    workable = [o for o in workable if o.pk not in refused]
    outcome = issue_for_orders(
        orders=workable, parcels=ensure_parcels(orders=workable), pool=pool, stop_on_call_error=True
    )
    failed.update((item_of[pk], why) for pk, why in outcome.failed.items())
    issued = [item_of[pk] for pk in outcome.issued]
    with transaction.atomic():
        pending = PrintBatchItem.objects.filter(status=BatchItemStatus.PENDING)
        n_issued = pending.filter(pk__in=issued).update(status=BatchItemStatus.ISSUED, error="")
        n_failed = 0
        if failed:
            n_failed = pending.filter(pk__in=list(failed)).update(
                status=BatchItemStatus.FAILED,
                error=Case(*[When(pk=pk, then=Value(text[:300])) for pk, text in failed.items()]),
            )
        still_ours = _ours(batch).update(
            issued=F("issued") + n_issued, failed=F("failed") + n_failed, heartbeat_at=timezone.now()
        )
    if outcome.call_error:
        _fail(batch, outcome.call_error)
        return rows[-1][2], False
    return rows[-1][2], bool(still_ours)


def _finish(batch: PrintBatch) -> None:
    """The batch is done: its issued orders' labels wait for the print component (or are printed
    from this server); the orders become printed when their labels are."""
    counts = dict(
        PrintBatchItem.objects.filter(batch_id=batch.pk)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("status", "n")
    )
    order_ids = list(
        PrintBatchItem.objects.filter(batch_id=batch.pk, status=BatchItemStatus.ISSUED)
        .order_by("seq")
        .values_list("order_id", flat=True)
    )
    with transaction.atomic():
        done = _ours(batch).update(
            status=BatchStatus.DONE,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
            pdf_path="",
            error="",
            total=sum(counts.values()),
            issued=counts.get(BatchItemStatus.ISSUED, 0),
            failed=counts.get(BatchItemStatus.FAILED, 0),
        )
        if not done:
            return  # another run took the batch over; it finishes it
        print_ids = platform_print.queue(order_ids=order_ids, batch_id=batch.pk)
    platform_print.dispatch_from_server(print_ids=print_ids, user=batch.created_by)
