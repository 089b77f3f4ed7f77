"""Database builders for contract tests: a contracted carrier, parcels with their tracking times."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from fahuo.carriers.models import Carrier, Contract, RateLine, VolumeTier
from fahuo.contracts.models import ContractTerms
from fahuo.fulfilment.models import Parcel, ParcelStatus, Waybill
from fahuo.livestream.models import LiveSession
from fahuo.orders.models import Order, OrderStatus, Shop
from fahuo.tracking.models import Track, TrackEvent

_seq = itertools.count(1)
RATES = {"上海市": (1000, 500, 1000, 200, 0), "新疆维吾尔自治区": (1000, 1200, 1000, 1000, 1000)}


def contracted_carrier(
    *, code: str = "YTO", min_daily: int = 2, shortfall_fen: int | None = 300, peak: int | None = 5,
    tiers: tuple[tuple[int, int], ...] = ((3, -50), (5, -70)), starts_on: dt.date = dt.date(2026, 1, 1),
    ends_on: dt.date | None = None, **terms: Any,
) -> tuple[Carrier, Contract, ContractTerms]:  # fmt: skip
    carrier, _ = Carrier.objects.get_or_create(
        code=code, defaults={"name": "圆通速递", "provider": "sandbox"}
    )
    contract = Contract.objects.create(
        carrier=carrier, name="2026 年框架合同", starts_on=starts_on, ends_on=ends_on,
        min_daily_parcels=min_daily, shortfall_price_fen=shortfall_fen, peak_capacity_per_stream=peak,
    )  # fmt: skip
    for min_avg, delta in tiers:
        VolumeTier.objects.create(contract=contract, min_daily_avg=min_avg, first_price_delta_fen=delta)
    for dest, (fw, fp, sw, sp, remote) in RATES.items():
        RateLine.objects.create(
            carrier=carrier, origin_province="浙江省", dest_province=dest, first_weight_g=fw, first_price_fen=fp,
            step_weight_g=sw, step_price_fen=sp, remote_surcharge_fen=remote,
        )  # fmt: skip
    t = ContractTerms.objects.create(
        contract=contract, version=1, effective_from=starts_on, origin_province="浙江省", **terms
    )
    return carrier, contract, t


def session(shop: Shop, starts_at: dt.datetime, hours: int = 2) -> LiveSession:
    return LiveSession.objects.create(
        shop=shop, title=f"直播 {starts_at:%m-%d}", starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours), tail_hours=1,
    )  # fmt: skip


def parcel(
    shop: Shop, carrier: Carrier, *, ready_at: dt.datetime, picked_up_at: dt.datetime | None = None,
    departed_at: dt.datetime | None = None, paid_at: dt.datetime | None = None, dest: str = "上海市",
    weight_g: int = 800, volumetric_g: int | None = None, tracking_no: str | None = None,
) -> Track:  # fmt: skip
    n = next(_seq)
    number = tracking_no or f"YT{n:011d}"
    order = Order.objects.create(
        shop=shop, platform_order_id=f"6930{n:012d}", status=OrderStatus.PRINTED, province=dest,
        paid_at=paid_at or ready_at - dt.timedelta(days=3),
    )  # fmt: skip
    p = Parcel.objects.create(
        order=order,
        carrier=carrier,
        status=ParcelStatus.LABELLED,
        weight_g=weight_g,
        volumetric_weight_g=volumetric_g,
    )
    w = Waybill.objects.create(
        parcel=p, carrier=carrier, provider="sandbox", tracking_no=number, request_id=f"r-{number}"
    )
    Waybill.objects.filter(pk=w.pk).update(issued_at=ready_at)  # the label was printed when it was ready
    track = Track.objects.create(
        waybill=w, order=order, tracking_no=number, carrier_code=carrier.code, issued_at=ready_at,
        picked_up_at=picked_up_at, dest_province=dest, status="picked_up" if picked_up_at else "awaiting_pickup",
    )  # fmt: skip
    if picked_up_at is not None:
        TrackEvent.objects.create(
            track=track, at=picked_up_at, status="picked_up", provider="kdniao", description="已揽收",
            event_key=f"{number}-p",
        )  # fmt: skip
    if departed_at is not None:
        TrackEvent.objects.create(
            track=track, at=departed_at, status="in_transit", provider="kdniao", description="离开杭州转运中心",
            event_key=f"{number}-d",
        )  # fmt: skip
    return track
