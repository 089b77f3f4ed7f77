"""Which orders' full addresses went into which label file, and who took it (issue #12, finding 9).

A label carries the buyer's full name, phone and address, so every label PDF written (desk print,
API or desk reprint, the batch worker, the CLI) and every download of a batch's PDF leaves one
audit row per order — ``object_type="order"``, so the order's own audit trail lists each file its
address went into, and "which files hold order X" is one indexed query.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest

from fahuo.accounts.middleware import current_ip
from fahuo.accounts.models import AuditLog
from fahuo.fulfilment.models import BatchItemStatus, PrintBatch, PrintBatchItem
from fahuo.kit.bulk import bulk_insert

WRITTEN = "labels.written"
DOWNLOADED = "labels.downloaded"


def record(
    *,
    action: str,
    order_ids: Iterable[int],
    user: Any,
    file: str,
    request: HttpRequest | None = None,
    **detail: Any,
) -> int:
    """One audit row per order whose label is in ``file``; returns how many."""
    ip = request.META.get("REMOTE_ADDR") if request is not None else current_ip.get()
    who = user.pk if getattr(user, "is_authenticated", False) else None
    detail = {"file": file, **detail}
    # A batch writes one row per order (thousands): set-wise, without bulk_create's per-value SQL.
    rows = [
        AuditLog(
            user_id=who,
            action=action,
            object_type="order",
            object_id=str(pk),
            ip=ip or None,
            detail=detail,
        )
        for pk in dict.fromkeys(order_ids)
    ]
    bulk_insert(rows)
    return len(rows)


def record_batch_download(*, batch: PrintBatch, user: Any, request: HttpRequest | None, via: str) -> int:
    """A batch's PDF handed out: its printed orders, each audited."""
    ids = PrintBatchItem.objects.filter(batch=batch, status=BatchItemStatus.ISSUED).values_list(
        "order_id", flat=True
    )
    return record(
        action=DOWNLOADED,
        order_ids=list(ids),
        user=user,
        file=batch.pdf_path,
        request=request,
        batch=batch.pk,
        via=via,
    )


def batch_pdf_response(
    *, batch: PrintBatch, user: Any, request: HttpRequest, via: str
) -> FileResponse | None:
    """The batch's PDF as a download, its orders audited; None when it has no file (yet) under the
    output folder."""
    root = Path(settings.FAHUO_OUTPUT_DIR).resolve()
    path = (root / batch.pdf_path).resolve() if batch.pdf_path else None
    if path is None or root not in path.parents or not path.is_file():
        return None
    record_batch_download(batch=batch, user=user, request=request, via=via)
    response = FileResponse(path.open("rb"), as_attachment=True, filename=f"fahuo-batch-{batch.pk}.pdf")
    response["Content-Type"] = "application/pdf"
    return response
