"""Parcels, e-waybills and label printing for ready orders — set-based, crash-safe, never twice.

Issuing talks to an external provider, so these services keep their own short transactions
(one per chunk of parcels): a waybill the provider issued is recorded as soon as it is known,
and a crash between the provider's answer and our write is repaired by asking again with the same
request id (the provider answers with the number it already issued).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from fahuo.carriers.models import Carrier
from fahuo.fulfilment.models import (
    Parcel,
    ParcelStatus,
    Waybill,
)
from fahuo.fulfilment.providers import SANDBOX, ProviderPool
from fahuo.integrations.base import Party, WaybillProvider, WaybillRequest, WaybillResult
from fahuo.kit.address import parse_address
from fahuo.kit.bulk import bulk_insert
from fahuo.kit.errors import FahuoError
from fahuo.kit.privacy import is_unreadable
from fahuo.orders.models import Order, OrderStatus

if TYPE_CHECKING:
    pass

SHANGHAI = ZoneInfo("Asia/Shanghai")
CHUNK = 500  # parcels per provider call and per transaction

Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass(slots=True)
class PrintResult:
    path: Path
    pages: int
    issued: int
    failed: list[tuple[int, str]] = field(default_factory=list)  # (order id, reason)
    platform_printed: int = 0  # labels the platform's print component took (抖音电子面单), not in the PDF


@dataclass(slots=True)
class IssueOutcome:
    """What one issuing pass did, by order id."""

    issued: set[int] = field(default_factory=set)  # orders whose parcel has a waybill now
    new: int = 0  # waybills recorded by this pass
    failed: dict[int, str] = field(default_factory=dict)  # this order only (超区, 余额不足, no weight …)
    call_error: str = ""  # a whole-call failure (network down, account refused) …
    untried: list[int] = field(default_factory=list)  # … which left these orders as they were
    recorded: dict[int, Waybill] = field(default_factory=dict)  # waybills this pass saved, by order


NO_CARRIER = (
    "订单还没有分配快递，不能打单：请先分配快递（智能分配，或 fahuo allocate --pending --apply），"
    "或为订单选择快递"
)


def without_carrier(orders: Sequence[Order]) -> set[int]:
    """Orders with no carrier — never allocated, no parcel with one. They are refused: fahuo never
    prints a made-up waybill for them."""
    missing = [o.pk for o in orders if o.carrier_id is None]
    if not missing:
        return set()
    have = set(Parcel.objects.filter(order_id__in=missing, seq=1).values_list("order_id", flat=True))
    return set(missing) - have


def request_id_for(parcel: Parcel, shop_code: str, platform_order_id: str) -> str:
    # Stable per parcel: after a crash the same id goes to the provider, which answers with the
    # waybill it already issued rather than a new one.
    # A cancelled waybill bumps ``attempt`` so the replacement is a new request.
    base = f"{shop_code}-{platform_order_id}-{parcel.seq}"
    return f"{base}-r{parcel.attempt}" if parcel.attempt else base


def ensure_parcels(*, orders: Sequence[Order]) -> dict[int, Parcel]:
    """One parcel per order (created if missing; not for an order without a carrier, see
    ``without_carrier``); returns order id -> parcel."""
    order_ids = [o.pk for o in orders]
    existing = {p.order_id: p for p in Parcel.objects.filter(order_id__in=order_ids, seq=1)}
    missing = [(o, o.carrier_id) for o in orders if o.pk not in existing]
    if missing:
        new = [
            Parcel(
                order=o,
                seq=1,
                carrier_id=carrier_id,
                warehouse_id=o.warehouse_id,
                weight_g=_order_weight(o),
            )
            for o, carrier_id in missing
            if carrier_id is not None
        ]
        try:
            with transaction.atomic():  # a savepoint: SQLite and PostgreSQL hand the new ids back
                bulk_insert(new)
            existing.update((p.order_id, p) for p in new)
        except IntegrityError:  # another run made some of them meanwhile: take what is there
            for p in new:
                p.pk = None
            Parcel.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
            existing = {p.order_id: p for p in Parcel.objects.filter(order_id__in=order_ids, seq=1)}
    return existing


def _order_weight(order: Order) -> int | None:
    weight, _missing = order_weight(order)
    return weight


def order_weight(order: Order) -> tuple[int | None, str]:
    """The goods' weight in grams from the catalog, or (None, the first SKU without a weight)."""
    total = 0
    for line in order.lines.all():
        if line.sku is None or line.sku.weight_g is None:
            return None, (line.sku.code if line.sku is not None else line.sku_code or line.title)
        total += line.sku.weight_g * line.quantity
    return total, ""


def needs_weight(provider_key: str) -> bool:
    """Real providers bill and route by weight; the built-in sandbox prints without one."""
    return provider_key != SANDBOX


def _party(order: Order) -> Party:
    return Party(
        name=order.recipient_name,
        phone=order.recipient_phone,
        province=order.province,
        city=order.city,
        district=order.district,
        detail=f"{order.street}{order.address_detail}",
    )


@lru_cache(maxsize=256)
def _sender_party(name: str, phone: str, address: str) -> Party:
    # A shop keeps its sender address as one line; split it once here rather than in every
    # provider request (Kdniao needs 省/市 apart).
    parsed = parse_address(address) if address else None
    if parsed is not None and parsed.province:
        return Party(name, phone, parsed.province, parsed.city, parsed.district, parsed.detail)
    return Party(name, phone, "", "", "", address)


def _sender(order: Order) -> Party:
    shop = order.shop
    return _sender_party(shop.sender_name or shop.name, shop.sender_phone, shop.sender_address)


def sku_summary(order: Order) -> str:
    parts = []
    for line in order.lines.all():
        name = line.sku.label_name if line.sku is not None else f"{line.title}{line.spec}"
        parts.append(f"{name}×{line.quantity}")
    return "; ".join(parts)


# --- issuing -----------------------------------------------------------------------------------


@dataclass(slots=True)
class ProviderCall:
    """One call to a provider: a chunk of parcels of one carrier and account, with their requests."""

    provider_key: str
    carrier: Carrier
    chunk: list[tuple[Order, Parcel]]
    requests: list[WaybillRequest]
    adapter: WaybillProvider | None = None
    error: str = ""  # no adapter could be made (no account, bad credentials)


@dataclass(slots=True)
class IssuePlan:
    """What ``plan_issue`` found: orders already settled (in ``outcome``) and the calls to make."""

    outcome: IssueOutcome
    calls: list[ProviderCall]


Answer = list[WaybillResult] | FahuoError  # what a call came back with


def plan_issue(*, orders: Sequence[Order], parcels: dict[int, Parcel], pool: ProviderPool) -> IssuePlan:
    """Which parcels need a waybill and the provider calls to get them (database reads and the
    weight check happen here; ``send_calls`` then needs no database)."""
    outcome = IssueOutcome()
    with_waybill = set(
        Waybill.objects.filter(parcel_id__in=[p.pk for p in parcels.values()]).values_list(
            "parcel_id", flat=True
        )
    )
    carriers = {c.pk: c for c in Carrier.objects.filter(pk__in={p.carrier_id for p in parcels.values()})}
    groups: dict[tuple[str, int, int], list[tuple[Order, Parcel]]] = defaultdict(list)
    touched: list[Parcel] = []
    for order in orders:
        parcel = parcels.get(order.pk)
        if parcel is None:
            continue
        if parcel.pk in with_waybill:
            outcome.issued.add(order.pk)
            continue
        provider_key = carriers[parcel.carrier_id].provider
        if needs_weight(provider_key) and parcel.packed_weight_g is None and parcel.weight_g is None:
            weight, missing = order_weight(order)
            if weight is None:
                parcel.error = f"商品 {missing} 缺少重量，无法计算运费"
                outcome.failed[order.pk] = parcel.error
                touched.append(parcel)
                continue
            parcel.weight_g = weight
            touched.append(parcel)
        groups[(provider_key, parcel.carrier_id, order.shop_id)].append((order, parcel))
    if touched:
        Parcel.objects.bulk_update(touched, ["weight_g", "error"])
    calls: list[ProviderCall] = []
    for (provider_key, carrier_id, shop_id), items in groups.items():
        carrier = carriers[carrier_id]
        try:
            adapter: WaybillProvider | None = pool.adapter(
                provider=provider_key, carrier_id=carrier_id, shop_id=shop_id
            )
            error = ""
        except FahuoError as exc:  # no usable account (NotSupported / InvalidInput)
            adapter, error = None, exc.message
        for start in range(0, len(items), CHUNK):
            chunk = items[start : start + CHUNK]
            requests = [_request(order, parcel, carrier) for order, parcel in chunk]
            calls.append(ProviderCall(provider_key, carrier, chunk, requests, adapter, error))
    return IssuePlan(outcome, calls)


def send_call(call: ProviderCall) -> Answer:
    """Make one provider call (no database access: safe in another thread)."""
    if call.adapter is None:
        return FahuoError(call.error)
    try:
        return call.adapter.issue(call.requests)
    except FahuoError as exc:  # the whole call failed: network, 5xx after retries, refused account
        return exc


def send_calls(plan: IssuePlan, *, stop_on_call_error: bool = True) -> list[Answer]:
    """Make the plan's calls in order; with ``stop_on_call_error`` none after a failed one."""
    answers: list[Answer] = []
    for call in plan.calls:
        answers.append(send_call(call))
        if stop_on_call_error and isinstance(answers[-1], FahuoError):
            break
    return answers


def apply_answers(
    plan: IssuePlan,
    answers: Sequence[Answer],
    *,
    stop_on_call_error: bool = False,
    on_progress: Progress | None = None,
) -> IssueOutcome:
    """Record the answers, each call in its own transaction. A whole-call failure fails its chunk;
    with ``stop_on_call_error`` it leaves that chunk and every later call untried (as it does a call
    that was never made)."""
    outcome = plan.outcome
    total = sum(len(c.chunk) for c in plan.calls)
    done = 0
    for index, call in enumerate(plan.calls):
        answer = answers[index] if index < len(answers) else None
        if answer is None or (stop_on_call_error and isinstance(answer, FahuoError)):
            if isinstance(answer, FahuoError):
                outcome.call_error = answer.message
            outcome.untried = [o.pk for c in plan.calls[index:] for o, _ in c.chunk]
            break
        if isinstance(answer, FahuoError):
            outcome.failed.update((o.pk, answer.message) for o, _ in call.chunk)
        else:
            _record(call.chunk, answer, call.provider_key, call.carrier, outcome)
        done += len(call.chunk)
        if on_progress is not None:
            on_progress("issue", done, total)
    return outcome


def issue_for_orders(
    *,
    orders: Sequence[Order],
    parcels: dict[int, Parcel],
    pool: ProviderPool,
    stop_on_call_error: bool = False,
    on_progress: Progress | None = None,
) -> IssueOutcome:
    """Issue e-waybills for the orders' parcels that have none, chunk by chunk, each chunk recorded
    in its own transaction as soon as it is answered. A whole-call failure fails the chunk
    (``stop_on_call_error``: stops, leaving the rest untried)."""
    plan = plan_issue(orders=orders, parcels=parcels, pool=pool)
    answers: list[Answer] = []
    recorded = 0

    def progress(phase: str, done: int, total: int) -> None:
        if on_progress is not None:
            on_progress(phase, recorded + done, sum(len(c.chunk) for c in plan.calls))

    for call in plan.calls:
        answer = send_call(call)
        answers.append(answer)
        single = IssuePlan(plan.outcome, [call])
        apply_answers(single, [answer], stop_on_call_error=stop_on_call_error, on_progress=progress)
        if stop_on_call_error and isinstance(answer, FahuoError):
            plan.outcome.untried = [o.pk for c in plan.calls[len(answers) - 1 :] for o, _ in c.chunk]
            break
        recorded += len(call.chunk)
    return plan.outcome


def _request(order: Order, parcel: Parcel, carrier: Carrier) -> WaybillRequest:
    return WaybillRequest(
        request_id=request_id_for(parcel, order.shop.code, order.platform_order_id),
        carrier_code=carrier.code,
        sender=_sender(order),
        recipient=_party(order),
        weight_g=parcel.packed_weight_g or parcel.weight_g,
        goods=sku_summary(order),
        order_id=order.platform_order_id,
    )


def _record(
    chunk: Sequence[tuple[Order, Parcel]],
    results: Sequence[Any],
    provider_key: str,
    carrier: Carrier,
    outcome: IssueOutcome,
) -> None:
    new: dict[int, Waybill] = {}
    for (order, parcel), result in zip(chunk, results, strict=True):
        if result.ok:
            new[order.pk] = Waybill(
                parcel=parcel,
                carrier=carrier,
                provider=provider_key,
                tracking_no=result.tracking_no,
                sort_code=result.sort_code,
                mark_destination=result.mark_destination,
                request_id=result.request_id,
                children=list(result.children),
                provider_ref=result.provider_ref,
            )
    labelled: list[int] = []
    errors: dict[str, list[int]] = defaultdict(list)
    with transaction.atomic():
        # A second run racing this one records the same numbers (same request ids): keep one.
        bulk_insert(list(new.values()), ignore_conflicts=True)
        have = set(
            Waybill.objects.filter(parcel_id__in=[p.pk for _, p in chunk]).values_list("parcel_id", flat=True)
        )
        for (order, parcel), result in zip(chunk, results, strict=True):
            if result.ok and parcel.pk in have:
                parcel.status, parcel.error = ParcelStatus.LABELLED, ""
                labelled.append(parcel.pk)
                outcome.issued.add(order.pk)
            else:
                parcel.error = (result.error or "面单号与已有面单重复，请联系服务商")[:300]
                errors[parcel.error].append(parcel.pk)
                outcome.failed[order.pk] = parcel.error
        # One UPDATE per outcome rather than bulk_update's CASE per row (hot path of a batch).
        Parcel.objects.filter(pk__in=labelled).update(status=ParcelStatus.LABELLED, error="")
        for text, ids in errors.items():
            Parcel.objects.filter(pk__in=ids).update(error=text)
        if labelled:
            from fahuo.fulfilment.shipback.moment import after_issued

            done = set(labelled)
            after_issued(orders=[order for order, parcel in chunk if parcel.pk in done])
    saved = {oid: w for oid, w in new.items() if w.parcel_id in have}
    outcome.new += len(saved)
    outcome.recorded.update(saved)


def issue_waybills(
    *, orders: Sequence[Order], parcels: dict[int, Parcel]
) -> tuple[int, list[tuple[int, str]]]:
    """Issue e-waybills for parcels that have none; returns (issued count, failures)."""
    with ProviderPool() as pool:
        outcome = issue_for_orders(orders=orders, parcels=parcels, pool=pool)
    return outcome.new, list(outcome.failed.items())


# --- labels ------------------------------------------------------------------------------------


def printable_orders(orders: QuerySet[Order]) -> QuerySet[Order]:
    # prefetch (not select_related) the shop: one instance per shop instead of one per order row
    return orders.prefetch_related("shop", "lines__sku")


def count_print(*, parcel_ids: Iterable[int]) -> None:
    """One more print on the waybills of these parcels."""
    ids = list(parcel_ids)
    for start in range(0, len(ids), 5000):
        Waybill.objects.filter(parcel_id__in=ids[start : start + 5000]).update(
            print_count=F("print_count") + 1, last_printed_at=timezone.now()
        )


def print_orders(
    *,
    orders: QuerySet[Order] | Iterable[Order],
    size: str = "100x180",
    user: Any = None,
    out: Path | None = None,
    on_progress: Progress | None = None,
) -> PrintResult:
    """Issue waybills (once) for ready or printed orders and write their labels into one PDF.

    A printed order prints again with the waybill it has (a reprint); an order whose waybill was
    voided gets a new one.
    """
    from fahuo.fulfilment.labels import audit as label_audit
    from fahuo.fulfilment.labels import platform_print
    from fahuo.fulfilment.labels.build import build_labels, default_label_path
    from fahuo.fulfilment.labels.render import render_labels_to

    if isinstance(orders, QuerySet):
        order_list = list(printable_orders(orders))
    else:
        ids = [o.pk for o in orders]
        order_list = list(printable_orders(Order.objects.filter(pk__in=ids)))
    failed: list[tuple[int, str]] = []
    printable = []
    for order in order_list:
        reason = not_printable_reason(order)
        if reason:
            failed.append((order.pk, reason))
        else:
            printable.append(order)
    bare = without_carrier(printable)
    failed.extend((pk, NO_CARRIER) for pk in sorted(bare))
    printable = [o for o in printable if o.pk not in bare]
    wrong = platform_print.wrong_route(printable)
    failed.extend(wrong.items())
    printable = [o for o in printable if o.pk not in wrong]
    parcels = ensure_parcels(orders=printable)
    with ProviderPool() as pool:
        outcome = issue_for_orders(orders=printable, parcels=parcels, pool=pool, on_progress=on_progress)
    failed.extend(outcome.failed.items())
    done = [o for o in printable if o.pk in outcome.issued]
    by_platform = platform_print.platform_printed_ids(o.pk for o in done)
    platform = platform_print.print_via_platform(orders=[o for o in done if o.pk in by_platform], user=user)
    failed.extend(platform.failed)
    done = [o for o in done if o.pk not in by_platform]
    printed = build_labels(orders=done)
    labels = [p.label for p in printed]
    out = out or default_label_path()
    if on_progress is not None:
        on_progress("render", 0, len(labels))
    pages = render_labels_to(out, labels, size=size) if labels else 0
    if on_progress is not None:
        on_progress("render", len(labels), len(labels))
    if labels:
        with transaction.atomic():
            Order.objects.filter(pk__in=[o.pk for o in done], status=OrderStatus.READY).update(
                status=OrderStatus.PRINTED, updated_at=timezone.now()
            )
            count_print(parcel_ids=[p.parcel_id for p in printed])
            after_printed(order_ids=[o.pk for o in done])
            # The full addresses are in this file now: one audit row per order (finding 9, #12).
            label_audit.record(
                action=label_audit.WRITTEN,
                order_ids=[o.pk for o in done],
                user=user,
                file=out.name,
                pages=pages,
            )
    return PrintResult(
        path=out, pages=pages, issued=outcome.new, failed=failed, platform_printed=len(platform.printed)
    )


def after_printed(*, order_ids: Sequence[int]) -> None:
    """What follows a label at once: watch the parcel (tracking) and upload the number to the shop
    platform (ship-back). Runs inside the transaction that marks the orders printed; the provider
    calls happen in the worker after commit. Shops that ship back at pack scan wait for the scan
    station (``ship_moment``)."""
    from fahuo.fulfilment.shipback import moment as ship_moment
    from fahuo.tracking.ingest import create_tracks

    if not order_ids:
        return
    waybills = Waybill.objects.filter(parcel__order_id__in=order_ids).values_list("pk", flat=True)
    create_tracks(waybill_ids=list(waybills))
    ship_moment.after_printed(order_ids=order_ids)


UNREADABLE_RECIPIENT = "收件信息无法解密，请在订单页重新填写收件人后再打单"


def not_printable_reason(order: Order) -> str:
    """Why an order cannot be printed now; empty when it can (ready, or printed for a reprint)."""
    if any(is_unreadable(v) for v in (order.recipient_name, order.recipient_phone, order.address_detail)):
        return UNREADABLE_RECIPIENT
    if order.status in (OrderStatus.READY, OrderStatus.PRINTED):
        return ""
    if order.status == OrderStatus.NEEDS_REVIEW:
        return "订单待审核：" + (order.review_text or "请先修正收件信息")
    return f"订单状态为{order.get_status_display()}，不能打单"
