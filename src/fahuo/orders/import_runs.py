"""Import runs: an order file worked in chunks of orders, each chunk in its own short transaction.

A 50,000-order file used to be one 44-second transaction, and on SQLite every push and API write
meanwhile failed with "database is locked" (issue #12, finding 7). Now:

* the desk and the API *stage* the file (read and recognised in the request, so a wrong file is
  refused at once; stored encrypted) and a Huey job (``tasks.import_orders_task``) works it;
* ``fahuo import orders`` works it inline, in the same chunks;
* each chunk verifies and builds its orders outside any transaction, then writes them, moves
  ``orders_done`` on and beats the heartbeat in one short transaction;
* a cancel (desk, API, Ctrl-C) stops before the next chunk: what was imported stays and is reported;
* a run whose worker died continues from ``orders_done`` when a worker starts again; orders are
  idempotent on (shop, platform order id), so nothing is created twice.

See docs/import.md.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from django.db import OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from fahuo.kit import sheets
from fahuo.kit.errors import Conflict, FahuoError
from fahuo.kit.leases import holder_alive, worker_id
from fahuo.kit.privacy import decrypt_bytes, encrypt_bytes
from fahuo.orders import importing as intake  # first: file_import builds on it
from fahuo.orders.file_import import (
    ImportReport,
    Parsed,
    Planned,
    held_of,
    plan_file,
    read_file,
    resolve_row_errors,
    reverify_changed_addresses,
)
from fahuo.orders.importing import (
    OrderDraft,
    Prepared,
    Progress,
)
from fahuo.orders.models import (
    ImportBatch,
    ImportFile,
    ImportRowError,
    ImportStatus,
    Order,
    OrderStatus,
    Shop,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

log = logging.getLogger(__name__)
CHUNK_ORDERS = int(os.environ.get("FAHUO_IMPORT_CHUNK") or 500)  # orders per write transaction
WRITE_ATTEMPTS = 4
ENDED = (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED)
CANCELLED_AT_DESK = "已取消：已导入的订单保留；重新导入同一文件会跳过它们、接着导入其余的"
CANCELLED_BY_CTRL_C = "已在命令行取消（Ctrl-C）：已导入的订单保留；重新导入同一文件会接着导入其余的"
INTERRUPTED_NO_FILE = (
    "导入进程中断（从命令行导入，文件不在服务器上）：请重新导入同一文件，已导入的订单不会重复"
)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during an inline run: the chunk in flight was rolled back, the run is marked cancelled."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__()
        self.report = report


class _ClaimLost(Exception):
    """Another worker took the run over (this one was presumed dead): stop without writing."""


# --- inline: the CLI (and tests) ------------------------------------------------------------------


def import_orders_file(
    *,
    fileobj: BinaryIO,
    filename: str,
    shop: Shop,
    user: Any = None,
    on_progress: Progress | None = None,
    chunk: int | None = None,
) -> ImportReport:
    """Import a 抖店 order export or a fahuo template (CSV, XLSX or a .zip) into ``shop`` in this
    process, chunk by chunk; see docs/import.md. ``on_progress(step, done, total)`` hears the steps
    (read, verify, write). Ctrl-C raises ``Interrupted`` with the report of what was kept."""
    parsed = read_file(fileobj=fileobj, filename=filename)
    if on_progress is not None:
        on_progress("read", parsed.rows, parsed.rows)
    now = timezone.now()
    batch = _new_batch(
        shop=shop,
        filename=filename,
        parsed=parsed,
        user=user,
        status=ImportStatus.RUNNING,
        worker=worker_id(),
        started_at=now,
        heartbeat_at=now,
    )
    report = work(batch=batch, parsed=parsed, on_progress=on_progress, chunk=chunk)
    assert report is not None  # an inline run is never taken over
    return report


# --- staged: the desk and the API, worked by the Huey worker ------------------------------------


def stage_import(*, fileobj: BinaryIO, filename: str, shop: Shop, user: Any = None) -> ImportBatch:
    """Check the file now (a wrong file is refused with its sentence, nothing kept), store it
    encrypted and queue its run for the worker (after the surrounding transaction commits)."""
    data = sheets.read_upload(fileobj)
    parsed = read_file(fileobj=io.BytesIO(data), filename=filename)
    with transaction.atomic():
        batch = _new_batch(shop=shop, filename=filename, parsed=parsed, user=user, status=ImportStatus.QUEUED)
        ImportFile.objects.create(batch=batch, data=encrypt_bytes(data), size=len(data))
        enqueue_import(batch.pk)
    return batch


def _new_batch(*, shop: Shop, filename: str, parsed: Parsed, user: Any, **state: Any) -> ImportBatch:
    """The run's row: which file, for which shop, by whom; ``state`` is its status (and times)."""
    return ImportBatch.objects.create(
        shop=shop,
        filename=filename[:255],
        file_format=parsed.layout.key,
        created_by=_user_or_none(user),
        rows_total=parsed.rows,
        **state,
    )


def audit_run(
    action: str, *, batch: ImportBatch, request: HttpRequest, detail: dict[str, Any] | None = None
) -> None:
    """Who started, cancelled or resumed an import run (desk or API), in the audit log."""
    from fahuo.accounts.services import audit

    audit(
        user=request.user,
        action=action,
        object_type="import_batch",
        object_id=batch.pk,
        request=request,
        detail=detail,
    )


def audit_staged(*, batch: ImportBatch, request: HttpRequest, via: str = "") -> None:
    """The audit entry of a file staged from the desk (or ``via="api"``)."""
    detail: dict[str, Any] = {"file": batch.filename, "rows": batch.rows_total, "shop": batch.shop.code}
    if via:
        detail["via"] = via
    audit_run("orders.import", batch=batch, request=request, detail=detail)


def enqueue_import(batch_id: int) -> None:
    from fahuo.orders.import_tasks import import_orders_task

    transaction.on_commit(lambda: import_orders_task(batch_id))


def run_import(*, batch_id: int, chunk: int | None = None) -> ImportReport | None:
    """The worker's side: claim the run, read its staged file, work it (continuing where a dead
    worker stopped). None when there was nothing for this worker to do."""
    batch = _claim(batch_id)
    if batch is None:
        return None
    try:
        staged = ImportFile.objects.filter(batch=batch).first()
        if staged is None:
            _end(
                batch,
                ImportStatus.FAILED,
                error="上传的文件已不在服务器上：请重新导入同一文件，已导入的订单不会重复",
            )
            return None
        data = decrypt_bytes(bytes(staged.data))
        parsed = read_file(fileobj=io.BytesIO(data), filename=batch.filename)
    except (FahuoError, ValueError) as exc:
        _end(batch, ImportStatus.FAILED, error=getattr(exc, "message", str(exc)))
        return None
    return work(batch=batch, parsed=parsed, chunk=chunk)


def _claim(batch_id: int) -> ImportBatch | None:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.status in ENDED:
            return None
        me = worker_id()
        if (
            batch.status == ImportStatus.RUNNING
            and batch.worker != me
            and holder_alive(batch.worker, batch.heartbeat_at)
        ):
            return None
        now = timezone.now()
        if batch.cancel_requested:
            batch.status, batch.finished_at, batch.error = ImportStatus.CANCELLED, now, CANCELLED_AT_DESK
            batch.save(update_fields=["status", "finished_at", "error"])
            ImportFile.objects.filter(batch=batch).delete()
            return None
        batch.status, batch.worker, batch.heartbeat_at, batch.error = ImportStatus.RUNNING, me, now, ""
        batch.started_at = batch.started_at or now
        batch.save(update_fields=["status", "worker", "heartbeat_at", "error", "started_at"])
    return batch


# --- the chunked run ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Ticker:
    """Progress lines every PROGRESS_EVERY orders and at the end (what the CLI prints)."""

    on_progress: Progress | None
    total: int

    def __call__(self, step: str, before: int, after: int) -> None:
        if self.on_progress is None:
            return
        if after // intake.PROGRESS_EVERY > before // intake.PROGRESS_EVERY or after == self.total:
            self.on_progress(step, after, self.total)


def work(
    *, batch: ImportBatch, parsed: Parsed, on_progress: Progress | None = None, chunk: int | None = None
) -> ImportReport | None:
    """Work the run's orders from ``orders_done`` on, one short transaction per chunk; then the report."""
    size = chunk or CHUNK_ORDERS
    planned: Planned | None = None
    try:
        planned = plan_file(parsed)
        drafts = planned.drafts
        if batch.orders_total is None:
            _start(batch, planned)
        tick = _Ticker(on_progress, len(drafts))
        for start in range(batch.orders_done, len(drafts), size):
            _stop_if_ctrl_c()
            if ImportBatch.objects.filter(pk=batch.pk, cancel_requested=True).exists():
                return _end(batch, ImportStatus.CANCELLED, error=CANCELLED_AT_DESK, planned=planned)
            part = drafts[start : start + size]
            prepared = intake.prepare_orders(shop=batch.shop, drafts=part, source="import", batch=batch)
            tick("verify", start, start + len(part))
            _stop_if_ctrl_c()
            _write_chunk(batch, start, part, prepared)
            tick("write", start, start + len(part))
    except _ClaimLost:
        log.warning("import run %s was taken over by another worker", batch.pk)
        return None
    except KeyboardInterrupt:
        raise Interrupted(
            _end(batch, ImportStatus.CANCELLED, error=CANCELLED_BY_CTRL_C, planned=planned)
        ) from None
    except Exception as exc:
        _end(
            batch,
            ImportStatus.FAILED,
            error=f"导入中断（{type(exc).__name__}）：可重新导入同一文件，已导入的订单不会重复",
        )
        raise
    return _end(batch, ImportStatus.DONE, planned=planned)


_ctrl_c = threading.Event()


@contextmanager
def ctrl_c_remembered() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt as usual and is also remembered for the run.

    Python swallows a KeyboardInterrupt that lands in a finaliser the garbage collector runs
    ("Exception ignored in …"); remembered, it still stops the run before its next chunk is verified
    or written. Only in the main thread (where signal handlers live); elsewhere a no-op.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_sigint(signum: int, frame: Any) -> None:
        _ctrl_c.set()
        raise KeyboardInterrupt

    _ctrl_c.clear()
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _ctrl_c.clear()


def _stop_if_ctrl_c() -> None:
    if _ctrl_c.is_set():
        raise KeyboardInterrupt


def _start(batch: ImportBatch, planned: Planned) -> None:
    """Record the plan once: the unreadable rows, what the file is and what it leaves out."""
    skipped = planned.plan.skipped
    summary = {
        "recognised": planned.parsed.recognition.sentence,
        "skipped": [s.as_dict() for s in skipped],
        "skipped_orders": sum(1 for s in skipped if not s.line_id),
        "held_known": [],
        "address_reverified": [],
    }
    with transaction.atomic():
        ImportRowError.objects.bulk_create(planned.row_errors(batch), batch_size=500)
        ImportBatch.objects.filter(pk=batch.pk).update(
            orders_total=len(planned.drafts), error_count=len(planned.plan.failed), summary=summary
        )
    batch.orders_total, batch.error_count, batch.summary = (
        len(planned.drafts),
        len(planned.plan.failed),
        summary,
    )


def _write_chunk(batch: ImportBatch, start: int, part: list[OrderDraft], prepared: Prepared) -> None:
    """Write one chunk; when another writer holds the database longer than the busy timeout
    ("database is locked" on SQLite, a deadlock on PostgreSQL) the chunk, rolled back whole, is
    tried again a few times before the run fails (and can be resumed)."""
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            _write_chunk_once(batch, start, part, prepared)
            return
        except OperationalError as exc:
            if attempt == WRITE_ATTEMPTS or not any(w in str(exc).lower() for w in ("locked", "deadlock")):
                raise
            log.warning("import run %s: chunk at %s waited too long (%s); trying again", batch.pk, start, exc)
            time.sleep(attempt)


def _write_chunk_once(batch: ImportBatch, start: int, part: list[OrderDraft], prepared: Prepared) -> None:
    with transaction.atomic():
        ours = (
            ImportBatch.objects.select_for_update()
            .filter(pk=batch.pk, worker=batch.worker, status=ImportStatus.RUNNING, orders_done=start)
            .values_list("summary", flat=True)
            .first()
        )
        if ours is None:
            raise _ClaimLost
        result = intake.write_orders(prepared)
        notes = ImportReport()
        reverify_changed_addresses(part, result.outcomes, notes)
        created = result.created
        changes: dict[str, Any] = {
            "orders_done": start + len(result.outcomes),
            "orders_created": F("orders_created") + len(created),
            "order_lines": F("order_lines") + result.lines_created,
            "needs_review": F("needs_review")
            + sum(1 for o in created if o.status == OrderStatus.NEEDS_REVIEW),
            "duplicates": F("duplicates") + result.duplicates,
            "heartbeat_at": timezone.now(),
        }
        if notes.held or notes.address_reverified or result.skus_created:
            summary = dict(ours)
            summary["held_known"] = [
                *summary.get("held_known", []),
                *({"order_id": h.order_id, "reasons": h.reasons} for h in notes.held),
            ]
            summary["address_reverified"] = [
                *summary.get("address_reverified", []),
                *notes.address_reverified,
            ]
            summary["skus_created"] = summary.get("skus_created", 0) + result.skus_created
            changes["summary"] = summary
        ImportBatch.objects.filter(pk=batch.pk).update(**changes)
    batch.orders_done = start + len(result.outcomes)


def _end(batch: ImportBatch, status: str, *, error: str = "", planned: Planned | None = None) -> ImportReport:
    """Close the run: its report from what was written (held and shipped-elsewhere orders are read
    back), earlier rejected rows of these orders resolved, the staged file dropped unless it failed."""
    with transaction.atomic():
        fresh = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        created = list(
            Order.objects.filter(import_batch=fresh)
            .order_by("pk")
            .values_list("platform_order_id", "status", "review_reasons")
        )
        summary = dict(fresh.summary or {})
        held = [held_of(pid, reasons) for pid, _, reasons in created if reasons]
        held_dicts = [{"order_id": h.order_id, "reasons": h.reasons} for h in held]
        summary["held"] = held_dicts + list(summary.get("held_known", []))
        summary["shipped_elsewhere"] = [pid for pid, state, _ in created if state == OrderStatus.SHIPPED]
        summary.setdefault("address_reverified", [])
        summary.setdefault("skipped", [])
        fresh.summary, fresh.status, fresh.error = summary, status, error[:500]
        fresh.finished_at = timezone.now()
        fresh.save(update_fields=["summary", "status", "error", "finished_at"])
        if status != ImportStatus.FAILED:
            ImportFile.objects.filter(batch=fresh).delete()
        done_ids = {pid for pid, _, _ in created}
        if planned is not None:
            done_ids |= {d.platform_order_id for d in planned.drafts[: fresh.orders_done]}
        resolve_row_errors(shop=fresh.shop, order_ids=done_ids, exclude_batch=fresh)
    batch.status, batch.summary, batch.error, batch.finished_at = (
        fresh.status,
        summary,
        fresh.error,
        fresh.finished_at,
    )
    return report_for(fresh, planned)


def report_for(batch: ImportBatch, planned: Planned | None = None) -> ImportReport:
    """The run's report (counts, held, skipped, notes); row errors only when the plan is at hand."""
    from fahuo.orders.exports import Skip

    summary = batch.summary or {}
    skipped = [Skip(**s) for s in summary.get("skipped", [])] if planned is None else planned.plan.skipped
    return ImportReport(
        orders_created=batch.orders_created,
        order_lines=batch.order_lines,
        needs_review=batch.needs_review,
        duplicates=batch.duplicates,
        errors=planned.errors() if planned is not None else [],
        skipped=sum(1 for s in skipped if not s.line_id),
        skus_created=summary.get("skus_created", 0),
        file_format=batch.file_format,
        batch_id=batch.pk,
        filename=batch.filename,
        recognised=summary.get("recognised", ""),
        skipped_orders=skipped,
        held=[
            held_of(h["order_id"], [{"message": m} for m in h["reasons"]]) for h in summary.get("held", [])
        ],
        shipped_elsewhere=list(summary.get("shipped_elsewhere", [])),
        address_reverified=list(summary.get("address_reverified", [])),
    )


# --- cancel, resume, reads -----------------------------------------------------------------------


def cancel_import(*, batch: ImportBatch) -> ImportBatch:
    """Stop the run before its next chunk (a queued one, or one whose worker is gone, ends now)."""
    with transaction.atomic():
        fresh = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if fresh.status in ENDED:
            raise Conflict("导入已结束，无法取消")
        ImportBatch.objects.filter(pk=fresh.pk).update(cancel_requested=True)
        idle = fresh.status == ImportStatus.QUEUED or not holder_alive(fresh.worker, fresh.heartbeat_at)
    if idle:
        _end(fresh, ImportStatus.CANCELLED, error=CANCELLED_AT_DESK)
    fresh.refresh_from_db()
    return fresh


def resume_import(*, batch: ImportBatch) -> ImportBatch:
    """Queue a failed or interrupted run again; it continues from the orders it had done."""
    if batch.status == ImportStatus.RUNNING and holder_alive(batch.worker, batch.heartbeat_at):
        raise Conflict("导入正在进行中")
    if batch.status not in (ImportStatus.FAILED, ImportStatus.RUNNING):
        raise Conflict("只有失败或中断的导入可以继续")
    if not ImportFile.objects.filter(batch=batch).exists():
        raise Conflict("文件不在服务器上（从命令行导入的）：请重新导入同一文件，已导入的订单不会重复")
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.QUEUED, error="", cancel_requested=False
    )
    enqueue_import(batch.pk)
    batch.refresh_from_db()
    return batch


def resume_interrupted() -> list[int]:
    """Queue again every run a dead worker left running (the worker's startup hook); a run from the
    command line has no staged file and is closed with a sentence instead."""
    resumed = []
    for batch in ImportBatch.objects.filter(status=ImportStatus.RUNNING):
        if holder_alive(batch.worker, batch.heartbeat_at):
            continue
        if not ImportFile.objects.filter(batch=batch).exists():
            _end(batch, ImportStatus.FAILED, error=INTERRUPTED_NO_FILE)
            continue
        if ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.RUNNING, worker=batch.worker).update(
            status=ImportStatus.QUEUED
        ):
            with transaction.atomic():
                enqueue_import(batch.pk)
            resumed.append(batch.pk)
    return resumed


def is_interrupted(batch: ImportBatch) -> bool:
    return batch.status == ImportStatus.RUNNING and not holder_alive(batch.worker, batch.heartbeat_at)


def can_resume(batch: ImportBatch) -> bool:
    """Failed or interrupted, with its file still on the server."""
    stopped = batch.status == ImportStatus.FAILED or is_interrupted(batch)
    return stopped and ImportFile.objects.filter(batch=batch).exists()


def state_of(batch: ImportBatch) -> str:
    """queued / running / done / failed / cancelled, or interrupted (running, its worker gone)."""
    return "interrupted" if is_interrupted(batch) else batch.status


def _user_or_none(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None
