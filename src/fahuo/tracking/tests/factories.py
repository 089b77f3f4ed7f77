"""Builders for tracking tests: orders with issued waybills, tracks in a given state, trace events."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from fahuo.carriers.models import Carrier
from fahuo.fulfilment.models import Parcel, ParcelStatus, Waybill
from fahuo.integrations.base import TraceEvent
from fahuo.orders.models import Order, OrderStatus, Shop
from fahuo.tracking.models import Track, TrackStatus

_seq = itertools.count(1)
NOW = dt.datetime(2025, 6, 18, 12, 0, tzinfo=dt.UTC)


def carrier(code: str = "ZTO", name: str = "中通快递") -> Carrier:
    obj, _ = Carrier.objects.get_or_create(code=code, defaults={"name": name, "provider": "sandbox"})
    return obj


def order(shop: Shop, **fields: Any) -> Order:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "platform_order_id": f"69300000{n:08d}",
        "status": OrderStatus.PRINTED,
        "recipient_name": "张三丰",
        "recipient_phone": "13812345678",
        "province": "浙江省",
        "city": "杭州市",
        "district": "临平区",
        "address_detail": "南苑街道88号",
        "paid_at": NOW - dt.timedelta(hours=30),
        "ship_by": NOW + dt.timedelta(hours=18),
    }
    defaults.update(fields)
    return Order.objects.create(shop=shop, **defaults)


def waybill(
    o: Order, *, code: str = "ZTO", number: str | None = None, issued_at: dt.datetime | None = None
) -> Waybill:
    c = carrier(code)
    parcel = Parcel.objects.create(order=o, carrier=c, status=ParcelStatus.LABELLED)
    number = number or f"7{next(_seq):012d}"
    w = Waybill.objects.create(
        parcel=parcel, carrier=c, provider="sandbox", tracking_no=number, request_id=f"req-{number}"
    )
    if issued_at is not None:
        Waybill.objects.filter(pk=w.pk).update(issued_at=issued_at)
        w.refresh_from_db()
    return w


def track(shop: Shop | None = None, *, order_obj: Order | None = None, **fields: Any) -> Track:
    """A Track in a given state (no waybill), with an order when a shop is given."""
    n = next(_seq)
    o = order_obj if order_obj is not None else (order(shop) if shop is not None else None)
    defaults: dict[str, Any] = {
        "tracking_no": f"75{n:011d}",
        "carrier_code": "ZTO",
        "status": TrackStatus.AWAITING_PICKUP,
        "issued_at": NOW - dt.timedelta(hours=2),
        "status_at": NOW - dt.timedelta(hours=2),
        "dest_province": o.province if o is not None else "浙江省",
        "door_delivery": o.door_delivery if o is not None else False,
        "order": o,
    }
    defaults.update(fields)
    return Track.objects.create(**defaults)


def event(
    t: Track | str,
    status: str,
    at: dt.datetime,
    description: str = "",
    *,
    carrier_code: str = "ZTO",
    provider: str = "kdniao",
    location: str = "杭州",
    proxy: bool = False,
) -> TraceEvent:
    number = t.tracking_no if isinstance(t, Track) else t
    return TraceEvent(
        tracking_no=number,
        carrier_code=t.carrier_code if isinstance(t, Track) else carrier_code,
        at=at,
        status=status,
        provider=provider,
        provider_code={"picked_up": "1", "in_transit": "2", "delivered": "3"}.get(status, ""),
        description=description or f"{status} @ {at:%H:%M}",
        location=location,
        signed_by_proxy=proxy,
    )


def now() -> dt.datetime:
    return timezone.now()
