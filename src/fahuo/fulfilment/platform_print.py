"""Labels the platform prints itself: waybills of a provider that prints encrypted orders (抖音电子面单)
go to the platform's print component as one task per account, never into fahuo's PDF.

fahuo holds no receiver for these orders (the export gave ciphertext), so nothing of the receiver is
written anywhere: the print component decrypts the platform's print data on the desk PC. After the
task is accepted the orders are printed like any other (print count, tracking, ship-back).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from fahuo.accounts.services import audit
from fahuo.carriers.models import Carrier
from fahuo.fulfilment.models import Waybill
from fahuo.fulfilment.providers import ProviderPool
from fahuo.integrations.base import PlatformLabelPrinter
from fahuo.integrations.registry import PRINTS_ENCRYPTED
from fahuo.kit.errors import FahuoError
from fahuo.orders.models import Order, OrderStatus
from fahuo.orders.platform_waybill import is_platform_waybill

NEEDS_PLATFORM_WAYBILL = (
    "收件信息为平台密文，只能用抖音电子面单打印：请把订单改派到电子面单服务为抖音电子面单的快递"
)


@dataclass(slots=True)
class PlatformPrintResult:
    printed: list[int] = field(default_factory=list)  # order ids whose labels the component took
    failed: list[tuple[int, str]] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)


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
    if not held:
        return {}
    providers: dict[int, str] = dict(
        Carrier.objects.filter(pk__in={o.carrier_id for o in held}).values_list("pk", "provider")
    )
    return {
        o.pk: NEEDS_PLATFORM_WAYBILL
        for o in held
        if o.carrier_id is not None and providers.get(o.carrier_id, "") not in PRINTS_ENCRYPTED
    }


def print_via_platform(*, orders: Sequence[Order], user: Any = None) -> PlatformPrintResult:
    """Send the labels of these orders (their waybills issued by a platform-printing provider) to the
    print component; the orders it took become printed."""
    from fahuo.fulfilment.services import after_printed, count_print

    result = PlatformPrintResult()
    if not orders:
        return result
    waybills = list(
        Waybill.objects.filter(parcel__order_id__in=[o.pk for o in orders], provider__in=PRINTS_ENCRYPTED)
        .select_related("carrier", "parcel")
        .order_by("pk")
    )
    shop_of = {o.pk: o.shop_id for o in orders}
    groups: dict[tuple[str, int, int], list[Waybill]] = defaultdict(list)
    for w in waybills:
        groups[(w.provider, w.carrier_id, shop_of[w.parcel.order_id])].append(w)
    done: list[Waybill] = []
    with ProviderPool() as pool:
        for (provider, carrier_id, shop_id), items in groups.items():
            task_id = uuid.uuid4().hex
            try:
                adapter = pool.adapter(provider=provider, carrier_id=carrier_id, shop_id=shop_id)
                if not isinstance(adapter, PlatformLabelPrinter):
                    raise FahuoError(f"电子面单服务 {provider} 不能由平台打印组件打印")
                errors = adapter.print_labels(
                    [(w.carrier.code, w.tracking_no) for w in items], task_id=task_id
                )
            except FahuoError as exc:
                result.failed.extend((w.parcel.order_id, exc.message) for w in items)
                continue
            result.tasks.append(task_id)
            for w in items:
                if w.tracking_no in errors:
                    result.failed.append((w.parcel.order_id, errors[w.tracking_no]))
                else:
                    done.append(w)
    result.printed = [w.parcel.order_id for w in done]
    if done:
        with transaction.atomic():
            Order.objects.filter(pk__in=result.printed, status=OrderStatus.READY).update(
                status=OrderStatus.PRINTED, updated_at=timezone.now()
            )
            count_print(parcel_ids=[w.parcel_id for w in done])
            after_printed(order_ids=result.printed)
            audit(
                user=user,
                action="labels.platform_print",
                object_type="print",
                object_id=",".join(result.tasks),
                detail={"orders": result.printed, "tracking_nos": [w.tracking_no for w in done]},
            )
    return result
