"""Order imports API: start a background import of an order file, read its progress and report, cancel it.

Runs are filtered to the user's shops: another shop's run answers 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, BinaryIO, cast

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from fahuo.accounts.selectors import shops_for, visible
from fahuo.accounts.services import require
from fahuo.kit.errors import NotFound
from fahuo.orders import import_runs
from fahuo.orders.models import ImportBatch

router = Router()
IMPORT = "orders.import_orders"


class RowErrorOut(Schema):
    row: int
    reason: str
    resolved: bool


class ImportRunOut(Schema):
    id: int
    shop: str
    file: str
    state: str  # queued / running / interrupted / done / failed / cancelled
    percent: int
    rows_total: int
    orders_total: int | None
    orders_done: int
    created: int  # accepted
    needs_review: int  # held
    duplicates: int
    rejected_rows: int  # unreadable rows
    skipped_orders: int  # left out: nothing to ship
    cancel_requested: bool
    error: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    recognised: str
    # The row-level report, once the run has ended (empty while it runs).
    held: list[dict[str, Any]]
    skipped: list[dict[str, Any]]
    shipped_elsewhere: list[str]
    address_reverified: list[dict[str, Any]]
    errors: list[RowErrorOut]


def _out(batch: ImportBatch) -> dict[str, Any]:
    summary = batch.summary or {}
    ended = not batch.active
    return {
        "id": batch.pk,
        "shop": batch.shop.code,
        "file": batch.filename,
        "state": import_runs.state_of(batch),
        "percent": batch.percent,
        "rows_total": batch.rows_total,
        "orders_total": batch.orders_total,
        "orders_done": batch.orders_done,
        "created": batch.orders_created,
        "needs_review": batch.needs_review,
        "duplicates": batch.duplicates,
        "rejected_rows": batch.error_count,
        "skipped_orders": summary.get("skipped_orders", 0),
        "cancel_requested": batch.cancel_requested,
        "error": batch.error,
        "created_at": batch.created_at,
        "started_at": batch.started_at,
        "finished_at": batch.finished_at,
        "recognised": summary.get("recognised", ""),
        "held": summary.get("held", []) if ended else [],
        "skipped": summary.get("skipped", []) if ended else [],
        "shipped_elsewhere": summary.get("shipped_elsewhere", []) if ended else [],
        "address_reverified": summary.get("address_reverified", []) if ended else [],
        "errors": [
            {"row": e.row_number, "reason": e.reason, "resolved": e.resolved}
            for e in batch.row_errors.defer("raw").order_by("row_number")
        ]
        if ended
        else [],
    }


def _run(request: HttpRequest, run_id: int) -> ImportBatch:
    require(request, IMPORT)
    batch = visible(ImportBatch.objects.select_related("shop"), request.user).filter(pk=run_id).first()
    if batch is None:
        raise NotFound(f"导入不存在：{run_id}")
    require(request, IMPORT, batch.shop)
    return batch


@router.post("", response={202: ImportRunOut}, summary="Start importing an order file in the background")
def start(
    request: HttpRequest,
    shop: Form[str],
    file: UploadedFile = File(...),  # noqa: B008
) -> Status[dict[str, Any]]:
    """Multipart form: ``shop`` (code) and ``file`` (a 抖店 export or the fahuo template; CSV, XLSX
    or .zip). The file is checked now — a file that is not an order export answers 422 with the
    reason — and imported by the worker in short chunks; poll ``GET /api/imports/{id}``."""
    require(request, IMPORT)
    found = shops_for(request.user).filter(code=shop).first()
    if found is None:
        raise NotFound(f"店铺不存在：{shop}")
    require(request, IMPORT, found)
    batch = import_runs.stage_import(
        fileobj=cast(BinaryIO, file), filename=file.name or "orders.csv", shop=found, user=request.user
    )
    import_runs.audit_staged(batch=batch, request=request, via="api")
    batch.refresh_from_db()
    return Status(202, _out(batch))


@router.get(
    "/{run_id}", response=ImportRunOut, summary="Read an import's progress and, once ended, its report"
)
def status(request: HttpRequest, run_id: int) -> dict[str, Any]:
    return _out(_run(request, run_id))


@router.post("/{run_id}/cancel", response=ImportRunOut, summary="Cancel an import before its next chunk")
def cancel(request: HttpRequest, run_id: int) -> dict[str, Any]:
    """Orders already imported stay; importing the same file again continues with the rest. 409 when
    the run has already ended."""
    batch = import_runs.cancel_import(batch=_run(request, run_id))
    import_runs.audit_run("orders.import_cancel", batch=batch, request=request)
    return _out(batch)
