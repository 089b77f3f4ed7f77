"""The label of each issued waybill (what goes on the 面单), built from the order, its shop and the
waybill; test waybills say so on the label. Drawing is :mod:`fahuo.fulfilment.labels.render`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from fahuo.carriers.models import Carrier
from fahuo.fulfilment.labels.render import LabelData
from fahuo.fulfilment.models import Waybill
from fahuo.fulfilment.providers import SANDBOX
from fahuo.fulfilment.services import SHANGHAI, printable_orders, sku_summary
from fahuo.orders.models import Order

LOAD_SLICE = 1000  # orders loaded at a time when building labels
TEST_MARK = "测试面单"


def is_test_waybill(*, carrier: Carrier, provider: str) -> bool:
    """A waybill that is not real: from a test carrier or the offline sandbox (marked 测试面单)."""
    return bool(carrier.test_mode) or provider == SANDBOX


def _now_text() -> str:
    return timezone.now().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True, slots=True)
class PrintedLabel:
    """One label to print and what it stands for (the print count goes on the parcel's waybill)."""

    order_id: int
    parcel_id: int
    label: LabelData


def label_for(
    order: Order,
    waybill: Waybill,
    *,
    printed_at: str,
    index: int = 1,
    count: int = 1,
    summary: str | None = None,
) -> LabelData:
    """The label of one waybill (``waybill.parcel`` and ``waybill.carrier`` loaded)."""
    shop, parcel, carrier = order.shop, waybill.parcel, waybill.carrier
    test = is_test_waybill(carrier=carrier, provider=waybill.provider)
    return LabelData(
        tracking_no=waybill.tracking_no,
        carrier_name=f"{TEST_MARK} {carrier.name}" if test else carrier.name,
        service_name=f"{TEST_MARK} 不可发货" if test else carrier.service_name,
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
        sku_summary=sku_summary(order) if summary is None else summary,
        parcel_index=index,
        parcel_count=count,
        weight_g=parcel.packed_weight_g or parcel.weight_g,
        printed_at=printed_at,
        privacy=True,
    )


def build_labels(*, orders: Sequence[Order], printed_at: str | None = None) -> list[PrintedLabel]:
    """Labels for the orders' waybills, in the orders' order (then parcel seq). Orders without a
    waybill are left out."""
    printed_at = printed_at or _now_text()
    waybills: dict[int, list[Waybill]] = defaultdict(list)
    for w in (
        Waybill.objects.select_related("parcel", "carrier")
        .filter(parcel__order_id__in=[o.pk for o in orders])
        .order_by("parcel__seq")
    ):
        waybills[w.parcel.order_id].append(w)
    out: list[PrintedLabel] = []
    for order in orders:
        mine = waybills.get(order.pk, [])
        summary = sku_summary(order) if mine else ""
        for index, waybill in enumerate(mine, start=1):
            label = label_for(
                order, waybill, printed_at=printed_at, index=index, count=len(mine), summary=summary
            )
            out.append(PrintedLabel(order.pk, waybill.parcel_id, label))
    return out


def load_labels(*, order_ids: Sequence[int], printed_at: str | None = None) -> list[PrintedLabel]:
    """``build_labels`` for order ids (kept in the given order), loading a slice at a time."""
    out: list[PrintedLabel] = []
    printed_at = printed_at or _now_text()
    for start in range(0, len(order_ids), LOAD_SLICE):
        ids = order_ids[start : start + LOAD_SLICE]
        by_id = {o.pk: o for o in printable_orders(Order.objects.filter(pk__in=ids))}
        out.extend(build_labels(orders=[by_id[i] for i in ids if i in by_id], printed_at=printed_at))
    return out


def default_label_path(prefix: str = "labels") -> Path:
    out_dir = Path(settings.FAHUO_OUTPUT_DIR) / "labels"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(SHANGHAI).strftime("%Y%m%d-%H%M%S-%f")
    return out_dir / f"{prefix}-{stamp}.pdf"
