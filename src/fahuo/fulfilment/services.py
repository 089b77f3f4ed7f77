"""Parcels, e-waybills and label printing for ready orders — set-based, crash-safe, never twice."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from fahuo.carriers.models import Carrier
from fahuo.fulfilment.models import Parcel, ParcelStatus, Waybill
from fahuo.integrations.base import Party, WaybillRequest
from fahuo.integrations.registry import waybill_provider
from fahuo.kit.errors import ProviderError
from fahuo.orders.models import Order, OrderStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
CHUNK = 500  # parcels per provider call and per transaction


@dataclass(slots=True)
class PrintResult:
    path: Path
    pages: int
    issued: int
    failed: list[tuple[int, str]] = field(default_factory=list)  # (order id, reason)


def default_carrier() -> Carrier:
    """The carrier used when an order has none allocated: the built-in sandbox."""
    carrier, _ = Carrier.objects.get_or_create(
        code="SANDBOX", defaults={"name": "沙箱快递", "provider": "sandbox", "service_name": "标准快递"}
    )
    return carrier


def request_id_for(parcel: Parcel, shop_code: str, platform_order_id: str) -> str:
    # Stable per parcel: after a crash the same id goes to the provider, which answers with the
    # waybill it already issued rather than a new one.
    # A cancelled waybill bumps ``attempt`` so the replacement is a new request.
    base = f"{shop_code}-{platform_order_id}-{parcel.seq}"
    return f"{base}-r{parcel.attempt}" if parcel.attempt else base


def ensure_parcels(*, orders: Sequence[Order]) -> dict[int, Parcel]:
    """One parcel per order (created if missing); returns order id -> parcel."""
    order_ids = [o.pk for o in orders]
    existing = {p.order_id: p for p in Parcel.objects.filter(order_id__in=order_ids, seq=1)}
    missing = [o for o in orders if o.pk not in existing]
    if missing:
        fallback = default_carrier()
        Parcel.objects.bulk_create(
            [
                Parcel(
                    order=o,
                    seq=1,
                    carrier_id=o.carrier_id or fallback.pk,
                    warehouse_id=o.warehouse_id,
                    weight_g=_order_weight(o),
                )
                for o in missing
            ],
            ignore_conflicts=True,
        )
        existing = {p.order_id: p for p in Parcel.objects.filter(order_id__in=order_ids, seq=1)}
    return existing


def _order_weight(order: Order) -> int | None:
    total = 0
    for line in order.lines.all():
        if line.sku is None or line.sku.weight_g is None:
            return None
        total += line.sku.weight_g * line.quantity
    return total


def _party(order: Order) -> Party:
    return Party(
        name=order.recipient_name,
        phone=order.recipient_phone,
        province=order.province,
        city=order.city,
        district=order.district,
        detail=f"{order.street}{order.address_detail}",
    )


def _sender(order: Order) -> Party:
    shop = order.shop
    return Party(
        name=shop.sender_name or shop.name,
        phone=shop.sender_phone,
        province="",
        city="",
        district="",
        detail=shop.sender_address,
    )


def issue_waybills(
    *, orders: Sequence[Order], parcels: dict[int, Parcel]
) -> tuple[int, list[tuple[int, str]]]:
    """Issue e-waybills for parcels that have none; returns (issued count, failures)."""
    with_waybill = set(
        Waybill.objects.filter(parcel_id__in=[p.pk for p in parcels.values()]).values_list(
            "parcel_id", flat=True
        )
    )
    todo: dict[str, list[tuple[Order, Parcel]]] = defaultdict(list)
    carriers = {c.pk: c for c in Carrier.objects.filter(pk__in={p.carrier_id for p in parcels.values()})}
    for order in orders:
        parcel = parcels.get(order.pk)
        if parcel is not None and parcel.pk not in with_waybill:
            todo[carriers[parcel.carrier_id].provider].append((order, parcel))
    issued = 0
    failed: list[tuple[int, str]] = []
    for provider_key, items in todo.items():
        provider = waybill_provider(provider_key)
        for start in range(0, len(items), CHUNK):
            chunk = items[start : start + CHUNK]
            requests = [
                WaybillRequest(
                    request_id=request_id_for(p, o.shop.code, o.platform_order_id),
                    carrier_code=carriers[p.carrier_id].code,
                    sender=_sender(o),
                    recipient=_party(o),
                    weight_g=p.weight_g,
                    goods=_sku_summary(o),
                )
                for o, p in chunk
            ]
            try:
                results = provider.issue(requests)
            except ProviderError as exc:
                failed.extend((o.pk, exc.message) for o, _ in chunk)
                continue
            new: list[Waybill] = []
            errors: list[Parcel] = []
            for (order, parcel), result in zip(chunk, results, strict=True):
                if result.ok:
                    new.append(
                        Waybill(
                            parcel=parcel,
                            carrier_id=parcel.carrier_id,
                            provider=provider_key,
                            tracking_no=result.tracking_no,
                            sort_code=result.sort_code,
                            mark_destination=result.mark_destination,
                            request_id=result.request_id,
                            children=list(result.children),
                            provider_ref=result.provider_ref,
                        )
                    )
                    parcel.status = ParcelStatus.LABELLED
                    parcel.error = ""
                else:
                    parcel.error = result.error[:300]
                    errors.append(parcel)
                    failed.append((order.pk, result.error))
            with transaction.atomic():
                Waybill.objects.bulk_create(new)
                Parcel.objects.bulk_update([w.parcel for w in new] + errors, ["status", "error"])
            issued += len(new)
    return issued, failed


def _sku_summary(order: Order) -> str:
    parts = []
    for line in order.lines.all():
        name = line.sku.label_name if line.sku is not None else f"{line.title}{line.spec}"
        parts.append(f"{name}×{line.quantity}")
    return "; ".join(parts)


def printable_orders(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.select_related("shop").prefetch_related("lines__sku")


def print_orders(
    *,
    orders: QuerySet[Order] | Iterable[Order],
    size: str = "100x180",
    user: Any = None,
    out: Path | None = None,
) -> PrintResult:
    """Issue waybills (once) for ready or printed orders and write their labels into one PDF."""
    from fahuo.fulfilment.labels import LabelData, render_labels_to

    if isinstance(orders, QuerySet):
        order_list = list(printable_orders(orders))
    else:
        ids = [o.pk for o in orders]
        order_list = list(printable_orders(Order.objects.filter(pk__in=ids)))
    failed: list[tuple[int, str]] = []
    printable = []
    for order in order_list:
        if order.status in (OrderStatus.READY, OrderStatus.PRINTED):
            printable.append(order)
        elif order.status == OrderStatus.NEEDS_REVIEW:
            failed.append((order.pk, "订单待审核：" + (order.review_text or "请先修正收件信息")))
        else:
            failed.append((order.pk, f"订单状态为{order.get_status_display()}，不能打单"))
    parcels = ensure_parcels(orders=printable)
    issued, issue_failures = issue_waybills(orders=printable, parcels=parcels)
    failed.extend(issue_failures)
    waybills = {
        w.parcel.order_id: w
        for w in Waybill.objects.select_related("parcel", "carrier").filter(
            parcel__order_id__in=[o.pk for o in printable]
        )
    }
    now_text = timezone.now().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    labels = []
    printed_ids = []
    for order in printable:
        waybill = waybills.get(order.pk)
        if waybill is None:
            continue
        shop = order.shop
        labels.append(
            LabelData(
                tracking_no=waybill.tracking_no,
                carrier_name=waybill.carrier.name,
                service_name=waybill.carrier.service_name,
                sort_code=waybill.sort_code,
                mark_destination=waybill.mark_destination,
                recipient_name=order.recipient_name,
                recipient_phone=order.recipient_phone,
                recipient_region=order.region,
                recipient_detail=f"{order.street}{order.address_detail}",
                sender_name=shop.sender_name or shop.name,
                sender_phone=shop.sender_phone,
                sender_address=shop.sender_address,
                order_no=order.platform_order_id,
                sku_summary=_sku_summary(order),
                weight_g=waybill.parcel.weight_g,
                printed_at=now_text,
                privacy=True,
            )
        )
        printed_ids.append(order.pk)
    if out is None:
        out_dir = Path(settings.FAHUO_OUTPUT_DIR) / "labels"
        out_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(SHANGHAI).strftime("%Y%m%d-%H%M%S-%f")
        out = out_dir / f"labels-{stamp}.pdf"
    pages = render_labels_to(out, labels, size=size) if labels else 0
    if printed_ids:
        with transaction.atomic():
            Order.objects.filter(pk__in=printed_ids, status=OrderStatus.READY).update(
                status=OrderStatus.PRINTED, updated_at=timezone.now()
            )
            Waybill.objects.filter(parcel__order_id__in=printed_ids).update(
                print_count=F("print_count") + 1, last_printed_at=timezone.now()
            )
    return PrintResult(path=out, pages=pages, issued=issued, failed=failed)
