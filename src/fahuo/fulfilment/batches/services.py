"""Print batches (波次): ready orders grouped by warehouse and carrier, printed by the worker.

``create_batch`` makes one batch per (warehouse, carrier) — and per pickup hour when asked
(``by_pickup_hour``) — with its items in packing order (earliest pickup hour first) and hands
it to the worker, whose job (``run_batch``, in ``batch_worker``) issues the waybills chunk by chunk in
``seq`` order and renders one PDF. ``resume_batch`` / ``cancel_batch`` and the reads the pages use
live here too. See docs/printing.md.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone

from fahuo.accounts.selectors import visible_whole
from fahuo.accounts.services import audit
from fahuo.carriers.models import Carrier
from fahuo.fulfilment.batches.worker import (  # noqa: F401  (the worker's side, re-exported)
    LEASE,
    RUN_CHUNK,
    batch_pdf_path,
    claim_batch,
    holder_alive,
    print_batch_labels,
    worker_id,
)
from fahuo.fulfilment.labels import platform_print
from fahuo.fulfilment.models import (
    BatchItemStatus,
    BatchStatus,
    Parcel,
    PrintBatch,
    PrintBatchItem,
)
from fahuo.fulfilment.services import NO_CARRIER, SHANGHAI
from fahuo.inventory.models import Warehouse
from fahuo.kit.errors import Conflict, InvalidInput, NotFound
from fahuo.orders.models import Order, OrderLine, OrderStatus

UNFINISHED = (BatchStatus.QUEUED, BatchStatus.RUNNING, BatchStatus.FAILED)
SIZES = ("100x180", "76x130")
IN_SLICE = 5000  # ids per IN (...) list


def run_batch(*, batch_id: int, chunk: int | None = None, on_progress: Any = None) -> PrintBatch | None:
    """Work a batch: a batch whose labels the platform prints (抖音电子面单) draws its numbers and
    queues its labels for the print component (``platform_batch``); any other renders its PDF
    (``batch_worker``)."""
    from fahuo.fulfilment.batches import platform as platform_batch
    from fahuo.fulfilment.batches import worker as batch_worker

    if platform_batch.is_platform_batch(batch_id):
        return platform_batch.run_platform_batch(
            batch_id=batch_id, chunk=chunk or platform_batch.RUN_CHUNK, on_progress=on_progress
        )
    return batch_worker.run_batch(batch_id=batch_id, chunk=chunk or RUN_CHUNK, on_progress=on_progress)


class BatchList(list[PrintBatch]):
    """The batches made, and the orders left out with the reason (``skipped``: (order id, reason))."""

    def __init__(self, batches: Iterable[PrintBatch] = (), skipped: Iterable[tuple[int, str]] = ()) -> None:
        super().__init__(batches)
        self.skipped: list[tuple[int, str]] = list(skipped)

    @property
    def orders(self) -> int:
        return sum(b.total for b in self)


# --- create --------------------------------------------------------------------------------------


_Ready = tuple[int, int | None, int | None, datetime | None, datetime | None]
"""(order id, warehouse id, carrier id, paid at, pickup at) of a ready order."""


@dataclass(slots=True)
class _Row:
    order_id: int
    warehouse_id: int | None
    carrier_id: int
    paid_at: datetime | None
    skus: Counter[str]
    pickup_at: datetime | None = None  # the applied allocation's pickup hour


def create_batch(
    *,
    orders: QuerySet[Order] | Iterable[Order] | Iterable[int],
    name: str | None = None,
    user: Any = None,
    size: str = "100x180",
    criteria: dict[str, Any] | None = None,
    enqueue: bool = True,
    by_pickup_hour: bool = False,
) -> BatchList:
    """One batch per (warehouse, carrier) of the given ready orders, items in packing order
    (earliest pickup hour first, then single-SKU orders by SKU, then multi-SKU orders by SKU mix);
    queued for the worker. ``by_pickup_hour``: one batch per (warehouse, carrier, pickup hour),
    earliest hour first (orders without a pickup hour form their own batch, last)."""
    if size not in SIZES:
        raise InvalidInput(f"不支持的面单尺寸：{size}")
    candidates = _order_query(orders)
    if connection.in_atomic_block and connection.features.has_select_for_update:
        candidates = candidates.select_for_update()
    rows = list(
        candidates.values_list(
            "pk", "status", "warehouse_id", "carrier_id", "paid_at", "pickup_at", "review_reasons"
        )
    )
    skipped: list[tuple[int, str]] = []
    labels = dict(OrderStatus.choices)
    ready: list[_Ready] = []
    platform_only: list[tuple[int, int | None]] = []  # encrypted receivers: 抖音电子面单 carriers only
    for pk, status, warehouse_id, carrier_id, paid_at, pickup_at, reasons in rows:
        if status == OrderStatus.READY:
            ready.append((pk, warehouse_id, carrier_id, paid_at, pickup_at))
            if platform_print.needs_platform(reasons):
                platform_only.append((pk, carrier_id))
        elif status == OrderStatus.NEEDS_REVIEW:
            skipped.append((pk, "订单待审核，请先修正收件信息"))
        else:
            skipped.append((pk, f"订单状态为{labels.get(status, status)}，不在待打单中"))
    wrong = platform_print.wrong_route_ids(platform_only)
    skipped.extend(wrong.items())
    ready = [r for r in ready if r[0] not in wrong]
    busy = _in_unfinished_batch([r[0] for r in ready])
    skipped.extend((pk, f"已在未完成的波次「{busy[pk]}」中") for pk, *_ in ready if pk in busy)
    ready = [r for r in ready if r[0] not in busy]
    groups = _group(ready, by_pickup_hour=by_pickup_hour, skipped=skipped)
    batches = BatchList(skipped=skipped)
    now = timezone.now()
    never = datetime.max.replace(tzinfo=SHANGHAI)
    for (warehouse_id, carrier_id, hour), group in sorted(
        groups.items(), key=lambda kv: (kv[0][2] or never, -len(kv[1]))
    ):
        batch = PrintBatch.objects.create(
            name=_batch_name(name, warehouse_id, carrier_id, now, several=len(groups) > 1, pickup_at=hour),
            created_by=user if getattr(user, "is_authenticated", False) else None,
            warehouse_id=warehouse_id,
            carrier_id=carrier_id,
            criteria={
                **(criteria or {}),
                **({"by_pickup_hour": True} if by_pickup_hour else {}),
                **({"pickup_at": hour.astimezone(SHANGHAI).isoformat()} if hour else {}),
            },
            size=size,
            total=len(group),
        )
        PrintBatchItem.objects.bulk_create(
            [
                PrintBatchItem(batch=batch, order_id=row.order_id, seq=seq)
                for seq, row in enumerate(packing_order(group), start=1)
            ],
            batch_size=1000,
        )
        batches.append(batch)
        if enqueue:
            enqueue_batch(batch.pk)
    return batches


def _order_query(orders: QuerySet[Order] | Iterable[Order] | Iterable[int]) -> QuerySet[Order]:
    if isinstance(orders, QuerySet):
        return Order.objects.filter(pk__in=Subquery(orders.order_by().values("pk")))
    ids = [o if isinstance(o, int) else o.pk for o in orders]
    return Order.objects.filter(pk__in=ids)


def _slices(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), IN_SLICE):
        yield ids[start : start + IN_SLICE]


def free_orders(orders: QuerySet[Order]) -> QuerySet[Order]:
    """The orders no unfinished batch holds (what ``create_batch`` would take of them)."""
    held = PrintBatchItem.objects.filter(batch__status__in=UNFINISHED).exclude(status=BatchItemStatus.FAILED)
    return orders.exclude(pk__in=Subquery(held.values("order_id")))


def _in_unfinished_batch(order_ids: Sequence[int]) -> dict[int, str]:
    """Order id -> batch name, for orders held by a batch that is not done (a failed item frees it)."""
    busy: dict[int, str] = {}
    for part in _slices(order_ids):
        busy.update(
            PrintBatchItem.objects.filter(order_id__in=part, batch__status__in=UNFINISHED)
            .exclude(status=BatchItemStatus.FAILED)
            .values_list("order_id", "batch__name")
        )
    return busy


def _group(
    ready: list[_Ready], *, by_pickup_hour: bool = False, skipped: list[tuple[int, str]] | None = None
) -> dict[tuple[Any, int, datetime | None], list[_Row]]:
    """Group by (warehouse, carrier): the parcel's own if it has one, else the order's allocation
    (an order with neither is left out into ``skipped``: no made-up sandbox waybill); and by the
    order's pickup hour with ``by_pickup_hour`` (else the key's hour is None)."""
    ids = [r[0] for r in ready]
    parcels: dict[int, tuple[int | None, int | None]] = {}
    skus: dict[int, Counter[str]] = defaultdict(Counter)
    for part in _slices(ids):
        for order_id, p_carrier, p_warehouse in Parcel.objects.filter(order_id__in=part, seq=1).values_list(
            "order_id", "carrier_id", "warehouse_id"
        ):
            parcels[order_id] = (p_carrier, p_warehouse)
        for order_id, code, sku_code, title, spec, qty in OrderLine.objects.filter(
            order_id__in=part
        ).values_list("order_id", "sku__code", "sku_code", "title", "spec", "quantity"):
            skus[order_id][code or sku_code or f"{title} {spec}".strip()] += qty
    groups: dict[tuple[Any, int, datetime | None], list[_Row]] = defaultdict(list)
    for pk, warehouse_id, carrier_id, paid_at, pickup_at in ready:
        parcel_carrier, parcel_warehouse = parcels.get(pk, (None, None))
        carrier = parcel_carrier or carrier_id
        if carrier is None:
            if skipped is not None:
                skipped.append((pk, NO_CARRIER))
            continue
        warehouse = parcel_warehouse or warehouse_id
        hour = pickup_at if by_pickup_hour else None
        groups[(warehouse, carrier, hour)].append(_Row(pk, warehouse, carrier, paid_at, skus[pk], pickup_at))
    return groups


def packing_order(rows: Sequence[_Row]) -> list[_Row]:
    """Pickup hour by pickup hour, earliest first (orders without one last); within an hour
    single-SKU orders first, SKU by SKU (the biggest run first, then by quantity so a packer
    picks in one go), then multi-SKU orders grouped by their SKU mix (most frequent mix first)."""
    never = datetime.max.replace(tzinfo=SHANGHAI)
    by_hour: dict[datetime | None, list[_Row]] = defaultdict(list)
    for row in rows:
        by_hour[row.pickup_at].append(row)
    out: list[_Row] = []
    for hour in sorted(by_hour, key=lambda h: h or never):
        out.extend(_sku_order(by_hour[hour]))
    return out


def _sku_order(rows: Sequence[_Row]) -> list[_Row]:
    never = datetime.max.replace(tzinfo=SHANGHAI)
    single: dict[str, list[_Row]] = defaultdict(list)
    multi: dict[tuple[str, ...], list[_Row]] = defaultdict(list)
    for row in rows:
        if len(row.skus) <= 1:
            single[next(iter(row.skus), "")].append(row)
        else:
            multi[tuple(sorted(row.skus))].append(row)
    out: list[_Row] = []
    for sku in sorted(single, key=lambda s: (-len(single[s]), s)):
        out.extend(sorted(single[sku], key=lambda r: (r.skus[sku], r.paid_at or never, r.order_id)))
    for mix in sorted(multi, key=lambda m: (-len(multi[m]), len(m), m)):
        out.extend(sorted(multi[mix], key=lambda r: (r.paid_at or never, r.order_id)))
    return out


def _batch_name(
    name: str | None,
    warehouse_id: int | None,
    carrier_id: int,
    now: datetime,
    *,
    several: bool,
    pickup_at: datetime | None = None,
) -> str:
    warehouse = (
        Warehouse.objects.filter(pk=warehouse_id).values_list("name", flat=True).first()
        if warehouse_id
        else None
    ) or "未分仓"
    carrier = Carrier.objects.filter(pk=carrier_id).values_list("name", flat=True).first() or ""
    where = f"{warehouse} · {carrier}"
    if pickup_at is not None:
        where += f" · {pickup_at.astimezone(SHANGHAI):%H:%M}揽收"
    if name:
        return f"{name.strip()} · {where}"[:80] if several else name.strip()[:80]
    return f"{where} {now.astimezone(SHANGHAI):%m-%d %H:%M}"[:80]


def enqueue_batch(batch_id: int) -> None:
    """Hand the batch to the worker once the surrounding transaction has committed."""
    from fahuo.fulfilment.tasks import run_batch_task

    transaction.on_commit(lambda: run_batch_task(batch_id))


# --- resume, cancel, startup ---------------------------------------------------------------------


def resume_batch(*, batch_id: int, user: Any = None, request: HttpRequest | None = None) -> PrintBatch:
    """Queue a failed or interrupted batch again; the worker continues from its pending items."""
    batch = PrintBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(f"波次不存在：{batch_id}")
    if batch.status == BatchStatus.DONE:
        raise Conflict("波次已完成，无需继续")
    if batch.status == BatchStatus.CANCELLED:
        raise Conflict("波次已取消")
    if batch.status == BatchStatus.RUNNING and holder_alive(batch):
        raise Conflict("波次正在打印中")
    PrintBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.QUEUED, error="")
    enqueue_batch(batch.pk)
    audit(user=user, action="batch.resume", object_type="print_batch", object_id=batch.pk, request=request)
    batch.refresh_from_db()
    return batch


def cancel_batch(*, batch_id: int, user: Any = None, request: HttpRequest | None = None) -> PrintBatch:
    """Stop a batch: its pending orders are released (back to the ready queue, free for a new batch).

    Waybills already issued stay with their parcels and are reused when those orders print again.
    """
    batch = PrintBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(f"波次不存在：{batch_id}")
    if batch.status in (BatchStatus.DONE, BatchStatus.CANCELLED):
        raise Conflict("波次已结束，不能取消")
    with transaction.atomic():
        PrintBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.CANCELLED, finished_at=timezone.now(), error=""
        )
        released = PrintBatchItem.objects.filter(batch_id=batch.pk, status=BatchItemStatus.PENDING).update(
            status=BatchItemStatus.FAILED, error="波次已取消"
        )
        PrintBatch.objects.filter(pk=batch.pk).update(failed=F("failed") + released)
        audit(
            user=user,
            action="batch.cancel",
            object_type="print_batch",
            object_id=batch.pk,
            request=request,
            detail={"released": released},
        )
    batch.refresh_from_db()
    return batch


def resume_interrupted() -> list[int]:
    """Queue again every batch left running by a worker that is gone (the worker's startup hook)."""
    resumed = []
    for batch in PrintBatch.objects.filter(status=BatchStatus.RUNNING):
        if holder_alive(batch):
            continue
        if PrintBatch.objects.filter(pk=batch.pk, status=BatchStatus.RUNNING, worker=batch.worker).update(
            status=BatchStatus.QUEUED
        ):
            enqueue_batch(batch.pk)
            resumed.append(batch.pk)
    return resumed


# --- reads ---------------------------------------------------------------------------------------


def is_interrupted(batch: PrintBatch) -> bool:
    return batch.status == BatchStatus.RUNNING and not holder_alive(batch)


def can_resume(batch: PrintBatch) -> bool:
    return batch.status == BatchStatus.FAILED or is_interrupted(batch)


def percent(batch: PrintBatch) -> int:
    if not batch.total:
        return 100 if batch.status == BatchStatus.DONE else 0
    return min(100, (batch.issued + batch.failed) * 100 // batch.total)


def visible_batches(user: Any) -> QuerySet[PrintBatch]:
    """The batches a user may see: none holding an order of a shop outside theirs (None: all)."""
    qs = PrintBatch.objects.all()
    return qs if user is None else visible_whole(qs, user, through="items__order__shop")


def batch_list(*, limit: int | None = None, user: Any = None) -> QuerySet[PrintBatch]:
    qs = (
        visible_batches(user)
        .select_related("warehouse", "carrier", "created_by")
        .order_by("-created_at", "-id")
    )
    return qs[:limit] if limit else qs


def get_batch(*, pk: int, user: Any = None) -> PrintBatch:
    """One batch; 404 when missing or (with ``user``) holding another shop's orders."""
    batch = visible_batches(user).select_related("warehouse", "carrier", "created_by").filter(pk=pk).first()
    if batch is None:
        raise NotFound(f"波次不存在：{pk}")
    return batch


def batch_items(*, batch: PrintBatch, status: str | None = None) -> QuerySet[PrintBatchItem]:
    """The batch's items in seq order with their order, shop and the parcel's current waybill."""
    qs = PrintBatchItem.objects.filter(batch=batch).select_related("order__shop").order_by("seq")
    if status:
        qs = qs.filter(status=status)
    return qs


def any_active(batches: Iterable[PrintBatch]) -> bool:
    return any(
        b.status in (BatchStatus.QUEUED, BatchStatus.RUNNING) and not is_interrupted(b) for b in batches
    )
