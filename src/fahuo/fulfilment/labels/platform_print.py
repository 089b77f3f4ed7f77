"""Labels the platform prints itself: waybills of a provider that prints encrypted orders (抖音电子面单)
go to the platform's print component (打印组件, a client on the desk PC), never into fahuo's PDF.

fahuo holds no receiver for these orders (the export gave ciphertext), so nothing of the receiver is
written anywhere: the print component decrypts the platform's print data on the desk PC.

Each such label is a ``PlatformPrint`` row: ``queue`` makes it pending (a batch, or the desk's
"打印面单"); ``prepare`` asks the platform for the signed print data (``logistics.waybillApply``)
and hands back the component's tasks; the desk's browser sends them to the component on its own
PC (``static/fulfilment/platform_print.js``) and reports the component's ``notifyPrintResult``
to ``record``, which marks each label printed or failed. A printed label makes its order printed
(print count, tracking, ship-back). An account whose ``print_from`` is ``server`` is printed from
this process instead (``dispatch_from_server``: fahuo runs on the desk PC).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from fahuo.accounts.services import audit
from fahuo.carriers.models import Carrier
from fahuo.fulfilment.models import PlatformPrint, PlatformPrintStatus, Waybill
from fahuo.fulfilment.providers import ProviderPool
from fahuo.integrations.base import PlatformLabelPrinter
from fahuo.integrations.registry import PRINTS_ENCRYPTED
from fahuo.kit.errors import FahuoError
from fahuo.orders.models import Order, OrderStatus
from fahuo.orders.platform_waybill import PLATFORM_WAYBILL, is_platform_waybill

NEEDS_PLATFORM_WAYBILL = (
    "收件信息为平台密文，只能用抖音电子面单打印：请把订单改派到电子面单服务为抖音电子面单的快递"
)
TASK_SIZE = 10  # documents per print task ("尽可能以10个文档构成一个打印请求")
OPEN = (PlatformPrintStatus.PENDING, PlatformPrintStatus.SENT, PlatformPrintStatus.FAILED)


@dataclass(slots=True)
class PlatformPrintResult:
    printed: list[int] = field(default_factory=list)  # order ids whose labels were printed
    failed: list[tuple[int, str]] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    queued: list[int] = field(default_factory=list)  # order ids waiting for the desk's print component


@dataclass(slots=True)
class PreparedTask:
    """One print task for the component at ``url``: the frame's ``task`` and the rows it prints."""

    url: str
    task: dict[str, Any]
    from_server: bool
    print_ids: list[int] = field(default_factory=list)


def platform_printed_ids(order_ids: Iterable[int]) -> set[int]:
    """The orders among these whose waybill the platform prints (one query)."""
    return set(
        Waybill.objects.filter(
            parcel__order_id__in=list(order_ids), provider__in=PRINTS_ENCRYPTED
        ).values_list("parcel__order_id", flat=True)
    )


def wrong_route(orders: Sequence[Order]) -> dict[int, str]:
    """Orders held for a platform waybill whose carrier's provider cannot print them -> why."""
    held = [o for o in orders if is_platform_waybill(o)]
    return wrong_route_ids([(o.pk, o.carrier_id) for o in held])


def wrong_route_ids(held: Sequence[tuple[int, int | None]]) -> dict[int, str]:
    """(order id, carrier id) of orders marked ``platform_waybill`` -> why, for those whose carrier's
    waybill provider cannot print an encrypted order."""
    if not held:
        return {}
    providers: dict[int, str] = dict(
        Carrier.objects.filter(pk__in={c for _, c in held if c is not None}).values_list("pk", "provider")
    )
    return {
        pk: NEEDS_PLATFORM_WAYBILL
        for pk, carrier_id in held
        if carrier_id is not None and providers.get(carrier_id, "") not in PRINTS_ENCRYPTED
    }


def needs_platform(reasons: Sequence[Mapping[str, Any]] | None) -> bool:
    return any(r.get("code") == PLATFORM_WAYBILL for r in reasons or [])


# --- queue ---------------------------------------------------------------------------------------


def queue(*, order_ids: Sequence[int], batch_id: int | None = None) -> list[int]:
    """Make the platform-printed labels of these orders pending (a printed or failed one again: a
    reprint of the same number); returns the PlatformPrint ids."""
    waybill_ids = list(
        Waybill.objects.filter(parcel__order_id__in=list(order_ids), provider__in=PRINTS_ENCRYPTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not waybill_ids:
        return []
    have = set(PlatformPrint.objects.filter(waybill_id__in=waybill_ids).values_list("waybill_id", flat=True))
    PlatformPrint.objects.bulk_create(
        [PlatformPrint(waybill_id=w, batch_id=batch_id) for w in waybill_ids if w not in have],
        ignore_conflicts=True,
    )
    if have:
        changes: dict[str, Any] = {"status": PlatformPrintStatus.PENDING, "task_id": "", "error": ""}
        if batch_id is not None:
            changes["batch_id"] = batch_id
        PlatformPrint.objects.filter(waybill_id__in=have).update(updated_at=timezone.now(), **changes)
    return list(PlatformPrint.objects.filter(waybill_id__in=waybill_ids).values_list("pk", flat=True))


def waiting(*, order_ids: Sequence[int]) -> int:
    """How many of these orders' platform-printed labels wait for the desk's print component."""
    return PlatformPrint.objects.filter(
        waybill__parcel__order_id__in=list(order_ids), status__in=OPEN
    ).count()


def batch_counts(batch_id: int) -> dict[str, int]:
    """status -> labels of a batch's platform prints."""
    counts = {str(s): 0 for s in PlatformPrintStatus}
    for status in PlatformPrint.objects.filter(batch_id=batch_id).values_list("status", flat=True):
        counts[status] += 1
    return counts


# --- prepare: the signed print data for the component ---------------------------------------------


def prepare(*, print_ids: Sequence[int], server: bool | None = None) -> list[PreparedTask]:
    """The component's tasks for these labels (not printed yet): print data from the platform,
    ``TASK_SIZE`` labels a task. Labels the platform gives no print data are marked failed; the
    rest are ``sent`` under their task id. ``server``: only accounts that print from this server
    (True), only those the browser prints (False), or both (None)."""
    rows = list(
        PlatformPrint.objects.filter(pk__in=list(print_ids), status__in=OPEN)
        .select_related("waybill__carrier", "waybill__parcel__order")
        .order_by("pk")
    )
    groups: dict[tuple[str, int, int], list[PlatformPrint]] = defaultdict(list)
    for row in rows:
        w = row.waybill
        groups[(w.provider, w.carrier_id, w.parcel.order.shop_id)].append(row)
    out: list[PreparedTask] = []
    failed: dict[int, str] = {}
    with ProviderPool() as pool:
        for (provider, carrier_id, shop_id), items in groups.items():
            try:
                adapter = pool.adapter(provider=provider, carrier_id=carrier_id, shop_id=shop_id)
                if not isinstance(adapter, PlatformLabelPrinter):
                    raise FahuoError(f"电子面单服务 {provider} 不能由平台打印组件打印")
            except FahuoError as exc:
                failed.update((r.pk, exc.message) for r in items)
                continue
            from_server = bool(getattr(adapter, "prints_from_server", False))
            if server is not None and from_server != server:
                continue
            for start in range(0, len(items), TASK_SIZE):
                part = items[start : start + TASK_SIZE]
                task_id = uuid.uuid4().hex
                try:
                    task, errors = adapter.print_task(
                        [(r.waybill.carrier.code, r.waybill.tracking_no) for r in part], task_id=task_id
                    )
                except FahuoError as exc:
                    failed.update((r.pk, exc.message) for r in part)
                    continue
                failed.update(
                    (r.pk, errors[r.waybill.tracking_no]) for r in part if r.waybill.tracking_no in errors
                )
                sent = [r.pk for r in part if r.waybill.tracking_no not in errors]
                if task is None or not sent:
                    continue
                PlatformPrint.objects.filter(pk__in=sent).update(
                    status=PlatformPrintStatus.SENT, task_id=task_id, error="", updated_at=timezone.now()
                )
                out.append(PreparedTask(adapter.component_url, task, from_server, sent))
    for pk, why in failed.items():
        PlatformPrint.objects.filter(pk=pk).update(
            status=PlatformPrintStatus.FAILED, error=why[:300], updated_at=timezone.now()
        )
    return out


# --- record: what the component reported ---------------------------------------------------------


@dataclass(slots=True)
class Recorded:
    printed: list[int] = field(default_factory=list)  # order ids
    failed: list[tuple[int, str]] = field(default_factory=list)  # (order id, why)


def record(
    *,
    task_id: str,
    results: Mapping[str, str],
    printer: str = "",
    accepted: Sequence[str] = (),
    user: Any = None,
    rows: QuerySet[PlatformPrint] | None = None,
) -> Recorded:
    """Record the component's report for one task: ``results`` tracking_no -> "" (printed) or why
    it failed (its ``notifyPrintResult``); ``accepted``: labels of a task the component took but
    said nothing more about (taken as printed, as the component reports failures). Labels already
    recorded are left as they are; a printed label makes its order printed and ships it back."""
    base = rows if rows is not None else PlatformPrint.objects.all()
    pending = list(
        base.filter(task_id=task_id, status=PlatformPrintStatus.SENT).select_related("waybill__parcel")
    )
    out = Recorded()
    if not task_id or not pending:
        return out
    now = timezone.now()
    done: list[PlatformPrint] = []
    for row in pending:
        number = row.waybill.tracking_no
        if results.get(number):
            row.status, row.error = PlatformPrintStatus.FAILED, results[number][:300]
            out.failed.append((row.waybill.parcel.order_id, row.error))
        elif number in results or number in accepted:
            row.status, row.error, row.printed_at = PlatformPrintStatus.PRINTED, "", now
            done.append(row)
        else:
            continue
        row.printer = printer[:100]
        row.attempts += 1
    with transaction.atomic():
        PlatformPrint.objects.bulk_update(
            [r for r in pending if r.status != PlatformPrintStatus.SENT],
            ["status", "error", "printed_at", "printer", "attempts"],
        )
        out.printed = [r.waybill.parcel.order_id for r in done]
        if done:
            _printed(done, user=user, task_id=task_id)
    return out


def _printed(rows: Sequence[PlatformPrint], *, user: Any, task_id: str) -> None:
    from fahuo.fulfilment.services import after_printed, count_print

    order_ids = [r.waybill.parcel.order_id for r in rows]
    Order.objects.filter(pk__in=order_ids, status=OrderStatus.READY).update(
        status=OrderStatus.PRINTED, updated_at=timezone.now()
    )
    count_print(parcel_ids=[r.waybill.parcel_id for r in rows])
    after_printed(order_ids=order_ids)
    audit(
        user=user,
        action="labels.platform_print",
        object_type="print",
        object_id=task_id,
        detail={"orders": order_ids, "tracking_nos": [r.waybill.tracking_no for r in rows]},
    )


# --- the server-side path (fahuo runs on the desk PC) -------------------------------------------


def dispatch_from_server(*, print_ids: Sequence[int], user: Any = None) -> Recorded:
    """Print these labels from this process for accounts whose ``print_from`` is ``server``."""
    from fahuo.integrations.douyin import print_component

    out = Recorded()
    for prepared in prepare(print_ids=print_ids, server=True):
        try:
            outcome = print_component.send_task(url=prepared.url, task=prepared.task)
        except FahuoError as exc:
            results = {str(d.get("documentID")): exc.message for d in prepared.task.get("documents") or []}
            got = record(task_id=str(prepared.task["taskID"]), results=results, user=user)
        else:
            got = record(
                task_id=outcome.task_id,
                results=outcome.results,
                printer=outcome.printer,
                accepted=outcome.unknown,
                user=user,
            )
        out.printed.extend(got.printed)
        out.failed.extend(got.failed)
    return out


def print_via_platform(*, orders: Sequence[Order], user: Any = None) -> PlatformPrintResult:
    """The desk's "打印面单" for orders whose waybill the platform prints: queued for the desk's
    print component (the browser sends them), or printed at once from this server for an account
    that prints from the server."""
    result = PlatformPrintResult()
    if not orders:
        return result
    ids = queue(order_ids=[o.pk for o in orders])
    got = dispatch_from_server(print_ids=ids, user=user)
    result.printed, result.failed = got.printed, got.failed
    result.tasks = sorted(
        set(PlatformPrint.objects.filter(pk__in=ids).exclude(task_id="").values_list("task_id", flat=True))
    )
    result.queued = list(
        PlatformPrint.objects.filter(pk__in=ids, status=PlatformPrintStatus.PENDING).values_list(
            "waybill__parcel__order_id", flat=True
        )
    )
    return result
