"""Hand-built live sessions for the board and review tests: parcels picked up at known times."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from fahuo.carriers.models import Carrier
from fahuo.fulfilment.models import Parcel, ParcelStatus, Waybill
from fahuo.livestream.models import LiveSession, SessionStatus
from fahuo.orders.models import Order, OrderStatus, Shop
from fahuo.tracking.models import Track, TrackEvent, TrackStatus

T0 = dt.datetime(2025, 6, 18, 12, 0, tzinfo=dt.UTC)  # 20:00 in Shanghai
_seq = itertools.count(1)


def carrier(code: str, name: str = "") -> Carrier:
    obj, _ = Carrier.objects.get_or_create(code=code, defaults={"name": name or code, "provider": "sandbox"})
    return obj


def session(shop: Shop, **fields: Any) -> LiveSession:
    defaults: dict[str, Any] = {
        "title": "618 美妆专场",
        "host": "小雨",
        "starts_at": T0,
        "ends_at": T0 + dt.timedelta(hours=2),
        "tail_hours": 2,
        "status": SessionStatus.FINISHED,
        "forecast_orders": 10,
        "forecast_hourly": [6, 3, 1, 0],
    }
    defaults.update(fields)
    return LiveSession.objects.create(shop=shop, **defaults)


def order(shop: Shop, paid: dt.datetime, **fields: Any) -> Order:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "platform_order_id": f"6931{n:010d}",
        "status": OrderStatus.PRINTED,
        "recipient_name": "张三丰",
        "recipient_phone": "13812345678",
        "province": "浙江省",
        "city": "杭州市",
        "district": "临平区",
        "address_detail": "南苑街道88号",
        "paid_at": paid,
        "ship_by": paid + dt.timedelta(hours=48),
    }
    defaults.update(fields)
    return Order.objects.create(shop=shop, **defaults)


def parcel(
    shop: Shop,
    *,
    code: str,
    paid: dt.datetime,
    issued: dt.datetime | None = None,
    picked: dt.datetime | None = None,
    province: str = "浙江省",
    status: str = TrackStatus.IN_TRANSIT,
    **order_fields: Any,
) -> Track:
    """An order paid at ``paid`` with a waybill issued at ``issued`` and a track picked up at ``picked``."""
    c = carrier(code)
    o = order(shop, paid, province=province, carrier=c, **order_fields)
    p = Parcel.objects.create(
        order=o, carrier=c, status=ParcelStatus.PICKED_UP if picked else ParcelStatus.LABELLED
    )
    number = f"7{next(_seq):012d}"
    w = Waybill.objects.create(
        parcel=p, carrier=c, provider="sandbox", tracking_no=number, request_id=f"req-{number}"
    )
    Waybill.objects.filter(pk=w.pk).update(issued_at=issued or paid + dt.timedelta(hours=1))
    return Track.objects.create(
        waybill=w,
        order=o,
        tracking_no=number,
        carrier_code=code,
        status=status if picked else TrackStatus.AWAITING_PICKUP,
        issued_at=issued,
        picked_up_at=picked,
        dest_province=province,
    )


def damage(track: Track, *, provider: str = "kdniao", code: str = "414", text: str = "快件破损") -> None:
    TrackEvent.objects.create(
        track=track,
        at=T0 + dt.timedelta(hours=40),
        status=TrackStatus.EXCEPTION,
        provider=provider,
        provider_code=code,
        description=text,
        event_key=f"ev-{next(_seq)}",
    )
