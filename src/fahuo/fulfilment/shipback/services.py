"""Ship-back (发货回传): upload each waybill number to the shop platform until it lands, never dropping one.

A printed order of a 抖店 shop gets one ``ShipBack`` row per waybill (``queue_shipbacks``); the worker
sends due rows every minute and right after printing (``send_due_shipbacks``). A row ends ``sent``,
or ``failed`` with the platform's own message when only a person can help (order cancelled on the
platform, number refused …); anything that may pass later stays ``pending`` with ``attempts``,
``next_attempt_at`` (1 min, 2, 4 … capped at 1 h) and ``last_error``. The ship-back page lists both.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from fahuo.accounts.selectors import visible
from fahuo.fulfilment.models import Parcel, ParcelStatus, ShipBack, ShipBackStatus, Waybill
from fahuo.integrations.base import ShopPlatform
from fahuo.integrations.douyin.codes import company_code_for
from fahuo.integrations.douyin.settings import account_for_shop, company_code_overrides
from fahuo.integrations.registry import shop_platform
from fahuo.kit.bulk import bulk_insert
from fahuo.kit.errors import FahuoError, ProviderError
from fahuo.orders.models import Order, OrderLine, OrderStatus, Platform, Shop

log = logging.getLogger(__name__)

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
# A claimed row's next_attempt_at moves this far ahead while it is being sent, so a second worker
# leaves it alone; a worker that dies mid-send leaves the row pending, due again after the lease.
LEASE = timedelta(minutes=5)
SHIPPABLE_STATUSES = (OrderStatus.PRINTED, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
MAX_ERROR = 300  # ShipBack.last_error length

MULTI_PARCEL_REST = (
    "同一订单已用第一个包裹的单号整单回传；没有记录这个包裹装了哪些子订单，所以它的单号不单独回传。"
    "如需拆包回传，请指定每个包裹的子订单后重试。"
)


@dataclass(slots=True)
class QueueResult:
    created: int = 0  # new rows waiting to be sent
    failed: int = 0  # new rows that cannot be sent as they are (reason in last_error)


@dataclass(slots=True)
class SendResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed try: 1 min, 2, 4 … never more than an hour."""
    if attempts <= 1:
        return BACKOFF_FIRST
    return min(BACKOFF_FIRST * 2 ** min(attempts - 1, 16), BACKOFF_CAP)


# --- queueing ------------------------------------------------------------------------------------


def queue_shipbacks(
    *,
    orders: Iterable[Order] | QuerySet[Order],
    parcel_lines: Mapping[int, Sequence[str]] | None = None,
    now: datetime | None = None,
    send: bool = True,
    moments: Sequence[str] | None = None,
    statuses: Sequence[str] = SHIPPABLE_STATUSES,
) -> QueueResult:
    """Create the ship-back rows of printed 抖店 orders' waybills (idempotent on order + number).

    ``parcel_lines`` maps a parcel id to the platform sub-order ids (子订单编号) packed in it, for an
    order split over several parcels; without it an order's first parcel ships the whole order.
    ``moments``: only orders of shops shipping back at one of these moments (``Shop.shipback_at``).
    With ``send`` the worker is asked to send them once the surrounding transaction commits.
    """
    now = now or timezone.now()
    parcel_lines = parcel_lines or {}
    order_ids = (
        list(orders.values_list("pk", flat=True)) if isinstance(orders, QuerySet) else [o.pk for o in orders]
    )
    at_moment = Q() if moments is None else Q(order__shop__shipback_at__in=list(moments))
    parcels = list(
        Parcel.objects.filter(
            at_moment,
            order_id__in=order_ids,
            order__shop__platform=Platform.DOUYIN,
            order__status__in=statuses,
            waybill__isnull=False,
        )
        .exclude(status=ParcelStatus.CANCELLED)
        .select_related("waybill__carrier", "order__shop")
        .order_by("order_id", "seq", "pk")
    )
    if not parcels:
        return QueueResult()
    by_order: dict[int, list[Parcel]] = defaultdict(list)
    for parcel in parcels:
        by_order[parcel.order_id].append(parcel)
    lines: dict[int, set[str]] = defaultdict(set)
    for oid, line_id in OrderLine.objects.filter(order_id__in=by_order).values_list(
        "order_id", "platform_line_id"
    ):
        lines[oid].add(line_id)
    existing = set(ShipBack.objects.filter(order_id__in=by_order).values_list("order_id", "waybill_no"))
    overrides = _company_overrides({p.order.shop for p in parcels})

    rows: list[ShipBack] = []
    for order_id, group in by_order.items():
        for index, parcel in enumerate(group):
            waybill = parcel.waybill
            if (order_id, waybill.tracking_no) in existing:
                continue
            line_ids, reason = _lines_for(parcel, index, len(group), parcel_lines, lines[order_id])
            company = company_code_for(waybill.carrier.code, overrides.get(parcel.order.shop_id))
            if company is None and not reason:
                reason = _unknown_company(waybill.carrier.code, waybill.carrier.name)
            rows.append(
                ShipBack(
                    order_id=order_id,
                    waybill_no=waybill.tracking_no,
                    company_code=company or "",
                    line_ids=line_ids,
                    status=ShipBackStatus.FAILED if reason else ShipBackStatus.PENDING,
                    next_attempt_at=None if reason else now,
                    last_error=reason[:MAX_ERROR],
                )
            )
    bulk_insert(rows, ignore_conflicts=True)
    result = QueueResult(
        created=sum(r.status == ShipBackStatus.PENDING for r in rows),
        failed=sum(r.status == ShipBackStatus.FAILED for r in rows),
    )
    if send and result.created:
        enqueue_send()
    return result


def _lines_for(
    parcel: Parcel,
    index: int,
    parcels: int,
    parcel_lines: Mapping[int, Sequence[str]],
    order_lines: set[str],
) -> tuple[list[str], str]:
    """(sub-order ids, reason it cannot be sent); no ids = the whole order."""
    given = parcel_lines.get(parcel.pk)
    if given is not None:
        ids = list(dict.fromkeys(str(i).strip() for i in given if str(i).strip()))
        unknown = [i for i in ids if i not in order_lines]
        if not ids:
            return [], "没有指定这个包裹的子订单编号"
        if unknown:
            return ids, f"子订单编号不属于该订单：{'、'.join(unknown)}"
        return ids, ""
    if parcels == 1 or index == 0:
        return [], ""
    return [], MULTI_PARCEL_REST


def _company_overrides(shops: set[Shop]) -> dict[int, dict[str, str]]:
    return {shop.pk: company_code_overrides(account_for_shop(shop)) for shop in shops}


# --- sending -------------------------------------------------------------------------------------


def send_due_shipbacks(*, now: datetime | None = None, limit: int = 500) -> SendResult:
    """Send the pending rows that are due; each row's outcome is saved as soon as it is known."""
    now = now or timezone.now()
    candidates = list(
        ShipBack.objects.filter(status=ShipBackStatus.PENDING)
        .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
        .select_related("order__shop")
        .order_by(F("next_attempt_at").asc(nulls_first=True), "pk")[:limit]
    )
    rows = _claim(candidates, until=now + LEASE)
    result = SendResult()
    if not rows:
        return result
    active = set(
        Waybill.objects.filter(parcel__order_id__in={r.order_id for r in rows}).values_list(
            "parcel__order_id", "tracking_no"
        )
    )
    by_shop: dict[int, list[ShipBack]] = defaultdict(list)
    for row in rows:
        by_shop[row.order.shop_id].append(row)
    for shop_rows in by_shop.values():
        shop = shop_rows[0].order.shop
        try:
            platform = shop_platform(shop.platform, account_for_shop(shop))
        except FahuoError as exc:
            # No account, or its credentials do not read: nothing can be sent for this shop yet.
            for row in shop_rows:
                _retry(row, exc.message, now=now, result=result)
            continue
        try:
            for row in shop_rows:
                _send_one(platform, row, active=active, now=now, result=result)
        finally:
            close = getattr(platform, "close", None)
            if callable(close):
                close()
    return result


def _claim(candidates: list[ShipBack], *, until: datetime) -> list[ShipBack]:
    """The rows this worker takes: each moved ahead only if nobody else moved it first."""
    claimed = []
    for row in candidates:
        taken = ShipBack.objects.filter(
            pk=row.pk, status=ShipBackStatus.PENDING, next_attempt_at=row.next_attempt_at
        ).update(next_attempt_at=until)
        if taken:
            row.next_attempt_at = until
            claimed.append(row)
    return claimed


def _send_one(
    platform: ShopPlatform, row: ShipBack, *, active: set[tuple[int, str]], now: datetime, result: SendResult
) -> None:
    if (row.order_id, row.waybill_no) not in active:
        _fail(row, f"运单 {row.waybill_no} 已作废或不存在，不再回传", now=now, result=result, tried=False)
        return
    try:
        platform.ship(
            order_id=row.order.platform_order_id,
            company_code=row.company_code,
            logistics_code=row.waybill_no,
            line_ids=list(row.line_ids or []),
        )
    except ProviderError as exc:
        detail = exc.detail if isinstance(exc.detail, dict) else {}
        if detail.get("retryable"):
            _retry(row, exc.message, now=now, result=result)
        else:
            _fail(row, exc.message, now=now, result=result)
    except FahuoError as exc:
        _retry(row, exc.message, now=now, result=result)
    except Exception:
        log.exception("ship-back %s failed unexpectedly", row.pk)
        _retry(row, "回传时发生内部错误，稍后自动重试", now=now, result=result)
    else:
        row.status = ShipBackStatus.SENT
        row.attempts += 1
        row.sent_at = now
        row.next_attempt_at = None
        row.last_error = ""
        row.save(update_fields=["status", "attempts", "sent_at", "next_attempt_at", "last_error"])
        result.sent += 1


def _retry(row: ShipBack, message: str, *, now: datetime, result: SendResult) -> None:
    row.attempts += 1
    row.status = ShipBackStatus.PENDING
    row.next_attempt_at = now + backoff(row.attempts)
    row.last_error = message[:MAX_ERROR]
    row.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])
    result.retrying += 1


def _fail(row: ShipBack, message: str, *, now: datetime, result: SendResult, tried: bool = True) -> None:
    row.attempts += int(tried)
    row.status = ShipBackStatus.FAILED
    row.next_attempt_at = None
    row.last_error = message[:MAX_ERROR]
    row.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])
    result.failed += 1


# --- retry by hand -------------------------------------------------------------------------------


def _mine(user: Any) -> QuerySet[ShipBack]:
    """Every ship-back (``user`` None: the worker, the CLI), or those of the user's shops."""
    qs = ShipBack.objects.all()
    return qs if user is None else visible(qs, user, field="order__shop")


def retry_shipbacks(*, ids: Iterable[int], now: datetime | None = None, user: Any = None) -> int:
    """Make these rows due now, failed or waiting (sent rows are left alone); returns how many."""
    return _make_due(_mine(user).filter(pk__in=list(ids)), now=now or timezone.now())


def retry_failed_shipbacks(*, now: datetime | None = None, user: Any = None) -> int:
    """Every failed row, due now."""
    return _make_due(_mine(user).filter(status=ShipBackStatus.FAILED), now=now or timezone.now())


def _make_due(shipbacks: QuerySet[ShipBack], *, now: datetime) -> int:
    # A company code that was unknown when the row was queued is looked up again: the seller may
    # have added it to the shop's account since.
    rows = list(shipbacks.exclude(status=ShipBackStatus.SENT).select_related("order__shop"))
    missing = [r for r in rows if not r.company_code]
    if missing:
        carriers = {
            (oid, no): (code, name)
            for oid, no, code, name in Waybill.objects.filter(
                parcel__order_id__in={r.order_id for r in missing}
            ).values_list("parcel__order_id", "tracking_no", "carrier__code", "carrier__name")
        }
        overrides = _company_overrides({r.order.shop for r in missing})
        for row in missing:
            code, name = carriers.get((row.order_id, row.waybill_no), ("", ""))
            row.company_code = company_code_for(code, overrides.get(row.order.shop_id)) or ""
            if not row.company_code and code:
                row.status = ShipBackStatus.FAILED
                row.last_error = _unknown_company(code, name)
    due = [r for r in rows if r.company_code]
    for row in due:
        row.status = ShipBackStatus.PENDING
        row.next_attempt_at = now
    ShipBack.objects.bulk_update(rows, ["status", "next_attempt_at", "company_code", "last_error"])
    return len(due)


def _unknown_company(code: str, name: str) -> str:
    return (
        f"抖店不认识这家快递公司：{name}（{code}）。请在店铺的抖店账号设置里填写这家快递公司"
        "在抖店的编码，然后重试回传"
    )


# --- reads ---------------------------------------------------------------------------------------


def shipback_counts(*, user: Any = None) -> dict[str, int]:
    """Rows per state: waiting (not tried yet), retrying, sent, failed — one query."""
    pending = Q(status=ShipBackStatus.PENDING)
    counts = _mine(user).aggregate(
        waiting=Count("pk", filter=pending & Q(attempts=0)),
        retrying=Count("pk", filter=pending & Q(attempts__gt=0)),
        sent=Count("pk", filter=Q(status=ShipBackStatus.SENT)),
        failed=Count("pk", filter=Q(status=ShipBackStatus.FAILED)),
    )
    return {k: int(v or 0) for k, v in counts.items()}


def problem_shipbacks(*, limit: int = 200, user: Any = None) -> list[ShipBack]:
    """Failed rows first, then rows being retried, with their order and shop."""
    qs = (
        _mine(user)
        .filter(Q(status=ShipBackStatus.FAILED) | Q(status=ShipBackStatus.PENDING, attempts__gt=0))
        .select_related("order__shop")
        .order_by("status", F("next_attempt_at").asc(nulls_last=True), "-pk")
    )
    return list(qs[:limit])


def shipbacks_for_order(*, order: Order) -> list[ShipBack]:
    return list(order.shipbacks.order_by("created_at", "pk"))


# --- worker --------------------------------------------------------------------------------------


def enqueue_send() -> None:
    """Ask the worker to send due rows once the current transaction commits."""
    transaction.on_commit(lambda: send_shipbacks_task())


@db_task()
def send_shipbacks_task() -> dict[str, Any]:
    """Send the due ship-backs now (enqueued after printing and after a retry by hand)."""
    return asdict(send_due_shipbacks())


@db_periodic_task(crontab(minute="*"))
def send_due_shipbacks_every_minute() -> dict[str, Any]:
    """The sweep that keeps retrying: every minute, whatever is due."""
    return asdict(send_due_shipbacks())
