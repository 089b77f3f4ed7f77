"""Builders for message tests: orders with a recipient, parcels (Track) in a state, trace events."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from fahuo.carriers.models import Carrier
from fahuo.orders.models import Order, OrderStatus, Shop
from fahuo.tracking.models import Track, TrackEvent, TrackStatus

_seq = itertools.count(1)
NOW = dt.datetime(2025, 6, 18, 4, 0, tzinfo=dt.UTC)  # 12:00 in Beijing
FULL_NAME, FULL_PHONE, STREET = "张三丰", "13812345678", "南苑街道人民大道88号3幢201室"


def carrier(code: str = "ZTO", name: str = "中通快递") -> Carrier:
    obj, _ = Carrier.objects.get_or_create(code=code, defaults={"name": name, "provider": "sandbox"})
    return obj


def order(shop: Shop, **fields: Any) -> Order:
    n = next(_seq)
    values: dict[str, Any] = {
        "platform_order_id": f"69300000{n:011d}",
        "status": OrderStatus.SHIPPED,
        "recipient_name": FULL_NAME,
        "recipient_phone": FULL_PHONE,
        "province": "浙江省",
        "city": "杭州市",
        "district": "临平区",
        "address_detail": STREET,
        "paid_at": NOW - dt.timedelta(hours=30),
        "promise_hours": 72,
    }
    values.update(fields)
    return Order.objects.create(shop=shop, **values)


def track(o: Order | None, *, status: str = TrackStatus.PICKED_UP, code: str = "ZTO", **fields: Any) -> Track:
    carrier(code)
    n = next(_seq)
    values: dict[str, Any] = {
        "order": o,
        "tracking_no": f"7310{n:010d}",
        "carrier_code": code,
        "status": status,
        "status_at": NOW,
        "issued_at": NOW - dt.timedelta(hours=20),
        "picked_up_at": NOW - dt.timedelta(hours=6),
        "promised_hours": 48,
    }
    values.update(fields)
    return Track.objects.create(**values)


def event(t: Track, *, at: dt.datetime, status: str, description: str, location: str = "") -> TrackEvent:
    return TrackEvent.objects.create(
        track=t,
        at=at,
        status=status,
        provider="kdniao",
        description=description,
        location=location,
        event_key=f"ev-{t.pk}-{next(_seq)}",
    )


def shipped(shop: Shop, **fields: Any) -> Order:
    """An order with one parcel on its way (picked up)."""
    o = order(shop, **fields)
    track(o)
    return o
