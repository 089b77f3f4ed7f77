"""The "printed but not packed" rule (已打单未打包) of the sweep.

A printed order whose parcels are not all pack-scanned within ``Shop.unpacked_alert_hours`` of its
promised ship time (the platform's ship-by, else paid + the shop's ship hours) gets one open alert. For
a shop that ships back at pack scan the platform has not been told yet, so the ship-by is still at
stake; for one that ships back at issue or print the platform already believes the parcel shipped
while the goods are still on the shelf. The alert resolves once every parcel is packed (or the order
is no longer waiting: cancelled, picked up).

Reads only the printed-not-packed parcels (a day's work at most), decides in Python like the ship-by
rules, one bulk insert and one UPDATE.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.utils import timezone

from fahuo.fulfilment.models import Parcel, ParcelStatus
from fahuo.orders.models import OrderStatus, ShipBackMoment, Shop
from fahuo.tracking import rules
from fahuo.tracking.models import Alert, AlertKind, AlertStatus

KIND = AlertKind.UNPACKED


def _waiting() -> dict[int, dict[str, Any]]:
    """order id -> {ship_by, paid_at, shop_id, numbers} over printed parcels not packed yet."""
    rows = (
        Parcel.objects.filter(
            packed_at__isnull=True, waybill__isnull=False, order__status=OrderStatus.PRINTED
        )
        .exclude(status=ParcelStatus.CANCELLED)
        .order_by("order_id", "seq")
        .values_list("order_id", "waybill__tracking_no", "order__ship_by", "order__paid_at", "order__shop_id")
    )
    out: dict[int, dict[str, Any]] = {}
    numbers: dict[int, list[str]] = defaultdict(list)
    for order_id, number, ship_by, paid_at, shop_id in rows:
        out.setdefault(order_id, {"ship_by": ship_by, "paid_at": paid_at, "shop_id": shop_id})
        numbers[order_id].append(number)
    for order_id, row in out.items():
        row["numbers"] = numbers[order_id]
    return out


def _detail(deadline: dt.datetime, numbers: list[str], moment: str, now: dt.datetime) -> str:
    local = timezone.localtime(deadline)
    when = "已过" if deadline <= now else "将到"
    told = "抖店已收到单号（已回传），货还没打包" if moment != ShipBackMoment.PACK else "打包扫描后才回传单号"
    return f"{len(numbers)} 个包裹已打单未打包；承诺发货时间{when} {local:%m-%d %H:%M}；{told}"[:200]


def unpacked_rule(params: dict[str, Any], now: dt.datetime, result: Any, state: Any) -> None:
    """Open the alerts of printed orders not packed in time; resolve the ones packed since."""
    shops = {
        pk: (hours, lead, moment)
        for pk, hours, lead, moment in Shop.objects.values_list(
            "pk", "default_ship_hours", "unpacked_alert_hours", "shipback_at"
        )
    }
    firing: dict[int, Alert] = {}
    for order_id, row in _waiting().items():
        hours, lead, moment = shops.get(row["shop_id"], (48, 4, ShipBackMoment.PACK))
        deadline = rules.ship_by_deadline(row["ship_by"], row["paid_at"], hours)
        if deadline is None or deadline - dt.timedelta(hours=lead) > now:
            continue
        firing[order_id] = Alert(
            kind=KIND,
            order_id=order_id,
            tracking_no=row["numbers"][0],
            since=min(deadline - dt.timedelta(hours=lead), now),
            severity="critical" if deadline <= now else str(params.get("severity", "warning")),
            detail=_detail(deadline, row["numbers"], moment, now),
            buyer_message=state(KIND, False),
        )
    open_rows = list(
        Alert.objects.filter(kind=KIND, track__isnull=True)
        .exclude(status=AlertStatus.RESOLVED)
        .order_by()
        .values_list("pk", "order_id")
    )
    have = {order_id for _, order_id in open_rows}
    new = [a for order_id, a in firing.items() if order_id not in have]
    Alert.objects.bulk_create(new, ignore_conflicts=True)
    result.created[KIND] += len(new)
    cleared = [pk for pk, order_id in open_rows if order_id not in firing]
    for start in range(0, len(cleared), 900):
        result.resolved[KIND] += Alert.objects.filter(pk__in=cleared[start : start + 900]).update(
            status=AlertStatus.RESOLVED, resolved_at=now
        )
