"""The worker's side of a print batch (波次): claim it, issue its waybills chunk by chunk, render its
one PDF — and know when the worker that claimed a batch is gone, so the batch can be resumed.

A run that dies half-way is resumed from the pending items: request ids are stable per parcel, the
providers answer a repeated request id with the number they already issued, and a parcel holds at
most one waybill, so no number is issued twice and no order is lost. See docs/printing.md.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, F, QuerySet, Subquery, Value, When
from django.utils import timezone

from fahuo.fulfilment.batches.render import PartRenderer, part_queue
from fahuo.fulfilment.labels.build import PrintedLabel, default_label_path, label_for, load_labels
from fahuo.fulfilment.models import BatchItemStatus, BatchStatus, Parcel, PrintBatch, PrintBatchItem
from fahuo.fulfilment.providers import ProviderPool
from fahuo.fulfilment.services import (
    NO_CARRIER,
    SHANGHAI,
    Answer,
    IssuePlan,
    after_printed,
    apply_answers,
    count_print,
    ensure_parcels,
    not_printable_reason,
    plan_issue,
    printable_orders,
    send_calls,
    without_carrier,
)
from fahuo.kit import leases
from fahuo.kit.errors import FahuoError, NotFound
from fahuo.kit.leases import LEASE, worker_id  # noqa: F401  (re-exported: batches, tests)
from fahuo.orders.models import Order, OrderStatus

RUN_CHUNK = int(os.environ.get("FAHUO_BATCH_CHUNK") or 200)  # items per provider round and progress step
# A running batch whose worker runs elsewhere is taken as dead after this long without a heartbeat
# (a chunk beats; rendering 10,000 labels takes well under a minute). On this host the worker's pid
# is checked instead, and the heartbeat only guards against a reused pid.
IN_SLICE = 5000  # ids per IN (...) list

BatchProgress = Callable[[PrintBatch], None]
INTERRUPTED = "打印中断（{}），可点击“继续打印”从中断处接着打"
Refusal = Callable[[list[Order]], dict[int, str]]  # orders -> (order id -> why it cannot be issued)


def _slices(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), IN_SLICE):
        yield ids[start : start + IN_SLICE]


def holder_alive(batch: PrintBatch, now: datetime | None = None) -> bool:
    """Is the worker that claimed this running batch still at it? (``kit.leases``)"""
    if batch.status != BatchStatus.RUNNING:
        return False
    return leases.holder_alive(batch.worker, batch.heartbeat_at, now=now)


def claim_batch(*, batch_id: int) -> PrintBatch | None:
    """Mark the batch as ours and running; None when it is finished or a live worker has it."""
    with transaction.atomic():
        batch = PrintBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None:
            raise NotFound(f"波次不存在：{batch_id}")
        if batch.status in (BatchStatus.DONE, BatchStatus.CANCELLED):
            return None
        me = worker_id()
        if batch.status == BatchStatus.RUNNING and batch.worker != me and holder_alive(batch):
            return None
        now = timezone.now()
        batch.status, batch.worker, batch.heartbeat_at, batch.error = BatchStatus.RUNNING, me, now, ""
        batch.started_at = batch.started_at or now
        batch.finished_at = None
        batch.save(update_fields=["status", "worker", "heartbeat_at", "error", "started_at", "finished_at"])
    return batch


def run_batch(
    *, batch_id: int, chunk: int = RUN_CHUNK, on_progress: BatchProgress | None = None
) -> PrintBatch | None:
    """Work the batch's pending items in seq order, chunk by chunk, then render its one PDF.

    Safe to run again at any time: a finished batch is left alone, an interrupted one continues.
    Returns the batch as it ends, or None when there was nothing for this run to do.
    """
    batch = claim_batch(batch_id=batch_id)
    if batch is None:
        return None
    # Labels of the waybills this run issues, built while their orders are in memory anyway and
    # drawn in parts while the next chunks are issued; items issued by an earlier (interrupted)
    # run are loaded again at the end.
    printed_at = timezone.now().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    queue = part_queue(batch_id=batch.pk, printed_at=printed_at, size=batch.size)
    run = _Run(
        printed_at=printed_at,
        parts=PartRenderer(batch_pdf_path(batch).with_suffix(".parts"), size=batch.size, queue=queue),
    )
    try:
        with ProviderPool() as pool, ThreadPoolExecutor(1, thread_name_prefix="fahuo-batch") as sender:
            if not _work(batch, run, pool, sender, chunk, on_progress):
                return PrintBatch.objects.get(pk=batch.pk)
        _finish(batch, run)
    except Exception as exc:
        fail_batch(batch, INTERRUPTED.format(type(exc).__name__))
        raise
    finally:
        run.parts.close()
    return PrintBatch.objects.get(pk=batch.pk)


@dataclass(slots=True)
class _Run:
    printed_at: str
    parts: PartRenderer
    labels: dict[int, PrintedLabel] = field(default_factory=dict)  # order id -> its label


@dataclass(slots=True)
class Pending:
    """The next chunk of a batch's pending items, with their orders and which of them can be issued."""

    item_of: dict[int, int]  # order id -> item id, in seq order
    last_seq: int
    orders: dict[int, Order]
    refused: dict[int, str]  # item id -> why its order cannot be printed now
    workable: list[Order]


@dataclass(slots=True)
class _Chunk:
    pending: Pending
    plan: IssuePlan


def _work(
    batch: PrintBatch,
    run: _Run,
    pool: ProviderPool,
    sender: ThreadPoolExecutor,
    chunk: int,
    on_progress: BatchProgress | None,
) -> bool:
    """Issue every pending item, two chunks in a pipeline: while one chunk's provider calls are in
    flight (in ``sender``, which touches no database), this thread loads and plans the next chunk
    and records the previous one. False when the batch had to stop."""
    current = _prepare(batch, 0, chunk, pool)
    flight: Future[list[Answer]] | None = sender.submit(send_calls, current.plan) if current else None
    while current is not None and flight is not None:
        upcoming = _prepare(batch, current.pending.last_seq, chunk, pool)
        answers = flight.result()
        failed_call = any(isinstance(a, FahuoError) for a in answers)
        flight = sender.submit(send_calls, upcoming.plan) if upcoming and not failed_call else None
        if not _record_chunk(batch, current, answers, run):
            if flight is not None:  # the claim was lost: still record what the provider issued
                _record_chunk(batch, upcoming, flight.result(), run)  # type: ignore[arg-type]
            return False
        if on_progress is not None:
            on_progress(PrintBatch.objects.get(pk=batch.pk))
        current = upcoming
    return True


def _ours(batch: PrintBatch) -> QuerySet[PrintBatch]:
    return PrintBatch.objects.filter(pk=batch.pk, worker=batch.worker, status=BatchStatus.RUNNING)


def next_pending(
    batch: PrintBatch, after_seq: int, chunk: int, *, refuse: Refusal | None = None
) -> Pending | None:
    """The next ``chunk`` pending items after ``after_seq``; an order that cannot be printed now (gone,
    held, no carrier, or what ``refuse`` says: order id -> why) is refused with its reason."""
    rows = list(
        PrintBatchItem.objects.filter(batch_id=batch.pk, status=BatchItemStatus.PENDING, seq__gt=after_seq)
        .order_by("seq")
        .values_list("pk", "order_id", "seq")[:chunk]
    )
    if not rows:
        return None
    item_of = {order_id: item_id for item_id, order_id, _ in rows}
    orders = {o.pk: o for o in printable_orders(Order.objects.filter(pk__in=list(item_of)))}
    refused: dict[int, str] = {}
    workable = []
    for item_id, order_id, _ in rows:
        order = orders.get(order_id)
        reason = "订单已删除" if order is None else not_printable_reason(order)
        if reason:
            refused[item_id] = reason
        elif order is not None:
            workable.append(order)
    why = {pk: NO_CARRIER for pk in without_carrier(workable)}
    if refuse is not None:
        why.update(refuse(workable))
    refused.update((item_of[pk], text) for pk, text in why.items())
    workable = [o for o in workable if o.pk not in why]
    return Pending(item_of, rows[-1][2], orders, refused, workable)


def record_items(batch: PrintBatch, issued: Sequence[int], failed: dict[int, str]) -> tuple[int, int, bool]:
    """Move a chunk's items to issued / failed (with why) and count them on the batch, in one
    transaction; (issued, failed, the batch still ours)."""
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
    return n_issued, n_failed, bool(still_ours)


def mark_done(batch: PrintBatch, *, pdf: str = "") -> bool:
    """The batch is done, with its items counted; False when another run has taken it over."""
    counts = dict(
        PrintBatchItem.objects.filter(batch_id=batch.pk)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("status", "n")
    )
    return bool(
        _ours(batch).update(
            status=BatchStatus.DONE,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
            pdf_path=pdf,
            error="",
            total=sum(counts.values()),
            issued=counts.get(BatchItemStatus.ISSUED, 0),
            failed=counts.get(BatchItemStatus.FAILED, 0),
        )
    )


def _prepare(batch: PrintBatch, after_seq: int, chunk: int, pool: ProviderPool) -> _Chunk | None:
    """The next chunk of pending items, with its parcels and provider calls planned."""
    pending = next_pending(batch, after_seq, chunk)
    if pending is None:
        return None
    workable = pending.workable
    return _Chunk(pending, plan_issue(orders=workable, parcels=ensure_parcels(orders=workable), pool=pool))


def _record_chunk(batch: PrintBatch, part: _Chunk, answers: list[Answer], run: _Run) -> bool:
    """Record one chunk's answers and its items; False when the batch must stop (a whole-call
    failure, the claim lost, or no item moved)."""
    outcome = apply_answers(part.plan, answers, stop_on_call_error=True)
    chunk = part.pending
    # The goods line of each label is the one the provider was sent: not built again per order.
    goods = {o.pk: r.goods for c in part.plan.calls for (o, _), r in zip(c.chunk, c.requests, strict=True)}
    recorded = []
    for order_id in chunk.item_of:  # seq order
        waybill = outcome.recorded.get(order_id)
        if waybill is not None:
            label = label_for(
                chunk.orders[order_id], waybill, printed_at=run.printed_at, summary=goods.get(order_id)
            )
            run.labels[order_id] = PrintedLabel(order_id, waybill.parcel_id, label)
            recorded.append(run.labels[order_id])
    issued = [chunk.item_of[order_id] for order_id in outcome.issued]
    failed = dict(chunk.refused)
    failed.update((chunk.item_of[order_id], reason) for order_id, reason in outcome.failed.items())
    n_issued, n_failed, still_ours = record_items(batch, issued, failed)
    if still_ours:
        run.parts.add(recorded)  # drawn while the next chunks are issued
    if outcome.call_error:
        fail_batch(batch, outcome.call_error)
        return False
    if still_ours and not n_issued + n_failed:  # nothing moved: stop rather than loop on the same chunk
        fail_batch(batch, "打印没有进展（订单可能正被另一个任务处理），请稍后点击“继续打印”")
        return False
    return still_ours


def fail_batch(batch: PrintBatch, message: str) -> None:
    _ours(batch).update(status=BatchStatus.FAILED, error=message[:300], heartbeat_at=timezone.now())


def batch_pdf_path(batch: PrintBatch) -> Path:
    return Path(settings.FAHUO_OUTPUT_DIR) / "batches" / f"batch-{batch.pk}.pdf"


def _finish(batch: PrintBatch, run: _Run) -> None:
    """Render the one PDF of the issued items (seq order); orders become printed, batch done."""
    from fahuo.fulfilment.labels import audit as label_audit

    issued_items = PrintBatchItem.objects.filter(batch_id=batch.pk, status=BatchItemStatus.ISSUED)
    order_ids = list(issued_items.order_by("seq").values_list("order_id", flat=True))
    # An order with more than one parcel prints all of its waybills: load those from the database.
    several = set(
        Parcel.objects.filter(order_id__in=Subquery(issued_items.values("order_id")), seq__gt=1).values_list(
            "order_id", flat=True
        )
    )
    loaded: dict[int, list[PrintedLabel]] = defaultdict(list)
    for printed in load_labels(
        order_ids=[i for i in order_ids if i not in run.labels or i in several], printed_at=run.printed_at
    ):
        loaded[printed.order_id].append(printed)
    labels = [
        p
        for i in order_ids
        for p in ([run.labels[i]] if i in run.labels and i not in several else loaded.get(i, []))
    ]
    _ours(batch).update(heartbeat_at=timezone.now())
    pdf = ""
    if labels:
        path = batch_pdf_path(batch)
        run.parts.write(labels, path)  # the parts drawn while issuing, and what they lack
        pdf = str(path.relative_to(Path(settings.FAHUO_OUTPUT_DIR)))
    with transaction.atomic():
        if not mark_done(batch, pdf=pdf):
            return  # another run took the batch over; it finishes it
        for ids in _slices(sorted({p.order_id for p in labels})):
            Order.objects.filter(pk__in=ids, status=OrderStatus.READY).update(
                status=OrderStatus.PRINTED, updated_at=timezone.now()
            )
            after_printed(order_ids=ids)
        count_print(parcel_ids=[p.parcel_id for p in labels])
        if pdf:  # the full addresses are in the batch's file now (finding 9 of #12)
            label_audit.record(
                action=label_audit.WRITTEN,
                order_ids=[p.order_id for p in labels],
                user=batch.created_by,
                file=pdf,
                batch=batch.pk,
                via="batch",
            )


def print_batch_labels(*, batch_id: int, out: Path | None = None, size: str | None = None) -> int:
    """Print a batch's labels again (its issued orders, seq order, same waybills); returns pages."""
    from fahuo.fulfilment.labels import audit as label_audit
    from fahuo.fulfilment.labels.render import render_labels_to

    batch = PrintBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(f"波次不存在：{batch_id}")
    order_ids = list(
        PrintBatchItem.objects.filter(batch_id=batch.pk, status=BatchItemStatus.ISSUED)
        .order_by("seq")
        .values_list("order_id", flat=True)
    )
    printed = load_labels(order_ids=order_ids)
    if not printed:
        return 0
    out = out or default_label_path(f"batch-{batch.pk}-reprint")
    pages = render_labels_to(out, [p.label for p in printed], size=size or batch.size)
    count_print(parcel_ids=[p.parcel_id for p in printed])
    label_audit.record(
        action=label_audit.WRITTEN,
        order_ids=[p.order_id for p in printed],
        user=None,
        file=out.name,
        batch=batch.pk,
        via="cli",
    )
    return pages
