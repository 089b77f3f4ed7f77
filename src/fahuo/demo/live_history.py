"""Live sessions of the demo: earlier streams with their shipped orders, the reviewed stream and
tomorrow's planned one with its plan and carrier peak notices."""

from __future__ import annotations

import math
import random
from datetime import datetime, time, timedelta
from typing import Any

from django.db import models
from django.utils import timezone

from fahuo.carriers.models import Carrier
from fahuo.catalog.models import Sku
from fahuo.demo import data
from fahuo.demo.data import BATCH, PACKAGING_G, TZ
from fahuo.demo.reference import rate_card
from fahuo.fulfilment.models import Parcel, ParcelStatus, Waybill
from fahuo.inventory.models import Warehouse
from fahuo.kit.bulk import bulk_insert
from fahuo.orders.models import Order, OrderLine, OrderStatus, Shop

LIVE_HISTORY = (  # earlier streams: (days before last evening, start "HH:MM", minutes, size vs last evening)
    (4, "20:00", 120, 0.8), (7, "19:30", 150, 1.3), (11, "20:00", 90, 0.45), (14, "20:00", 120, 1.0),
    (18, "20:30", 180, 1.9), (21, "20:00", 120, 0.9), (25, "19:00", 240, 2.4), (28, "20:00", 120, 0.7),
)  # fmt: skip


def seed_live_sessions(
    rng: random.Random,
    shop: Shop,
    warehouses: dict[str, Warehouse],
    skus: dict[str, Sku],
    carriers: dict[str, Carrier],
    stream_start: datetime,
    *,
    with_history: bool,
) -> None:
    """Live sessions: eight earlier streams (with their shipped orders, personal data already purged;
    the most recent one fully reviewed) and tomorrow's planned stream with its plan and carrier peak
    notices. Last evening's stream has no session: its orders are the desk's open work."""
    from fahuo.livestream.models import FeaturedSku, LiveSession, SessionStatus
    from fahuo.livestream.notices import create_notices
    from fahuo.livestream.review import compute_review
    from fahuo.livestream.services import refresh_forecast

    LiveSession.objects.filter(shop=shop).delete()
    wh = next(iter(warehouses.values()))
    drops = [code for d in data.STREAM_DROPS for code, _ in d.skus[:1]]
    common = {"shop": shop, "host": "小雨", "room": "小雨直播间", "pickup_address": f"{wh.city}{wh.district}{wh.address}",
              "contact": f"{wh.contact_name} {wh.contact_phone}".strip(), "packers": 6}  # fmt: skip
    # Last evening's stream was an extra one (加播) that was never entered as a session: its orders are
    # the desk's work today, not linked to a finished session, so `latest` is the reviewed stream.
    sessions: list[LiveSession] = []
    base = max(300, Order.objects.filter(shop=shop, paid_at__gte=stream_start).count())
    _seed_live_contracts(carriers, stream_start, base)
    finished: list[tuple[Any, list[Order], list[str]]] = []  # the most recent first
    for days, hhmm, minutes, size in LIVE_HISTORY if with_history else ():
        day = stream_start.astimezone(TZ).date() - timedelta(days=days)
        start = datetime.combine(day, time.fromisoformat(hhmm), tzinfo=TZ)
        session = LiveSession.objects.create(title=f"{day:%m月%d日}直播", starts_at=start, status=SessionStatus.FINISHED,
                                             ends_at=start + timedelta(minutes=minutes), **common)  # fmt: skip
        sessions.append(session)
        made, picks = _past_stream_orders(rng, shop, wh, skus, carriers, drops, start, days=days, minutes=minutes,
                                          count=min(5000, max(300, round(base * size * rng.lognormvariate(0, 0.15)))))  # fmt: skip
        finished.append((session, made, picks))
    for session in sessions:
        FeaturedSku.objects.bulk_create(
            [FeaturedSku(session=session, sku=skus[c]) for c in dict.fromkeys(drops)]
        )
    tomorrow = stream_start + timedelta(days=2)
    upcoming = LiveSession.objects.create(title="周末福利专场", starts_at=tomorrow, expected_orders=round(base * 1.2),
                                          ends_at=tomorrow + timedelta(hours=2), **common)  # fmt: skip
    FeaturedSku.objects.bulk_create(
        [FeaturedSku(session=upcoming, sku=skus[c], planned_units=round(base * 0.4 * (0.6**i)))
         for i, c in enumerate(dict.fromkeys(drops))]
    )  # fmt: skip
    refresh_forecast(session=upcoming)
    create_notices(session=upcoming)
    # Every finished stream shipped and was reviewed, so the review's comparison has figures for
    # each, not "—": the most recent one (``latest``) within its plan's peak parcels, the streams
    # before it within their contracts' peak shares.
    for i, (session, made, picks) in enumerate(finished):
        stream_rng = random.Random(rng.random())
        if i == 0:
            room = _plan_reviewed(session)
        else:
            room = {code: math.ceil(len(made) * share * 1.15) for code, share in LIVE_CONTRACTS}
        _ship_stream(stream_rng, session, made, picks, carriers=carriers, warehouse=wh, skus=skus, room=room)
        for kind in ("24h", "7d"):
            compute_review(session=session, kind=kind)


def _past_stream_orders(
    rng: random.Random,
    shop: Shop,
    wh: Warehouse,
    skus: dict[str, Sku],
    carriers: dict[str, Carrier],
    drops: list[str],
    start: datetime,
    *,
    days: int,
    minutes: int,
    count: int,
) -> tuple[list[Order], list[str]]:
    """An earlier stream's ``count`` shipped orders (one line each, personal data already purged)."""
    picks = [rng.choice(drops[: 3 + days % 5]) for _ in range(count)]
    paid = sorted(  # front-loaded through the stream, then a thinning tail
        start + timedelta(minutes=minutes * rng.betavariate(1.0, 1.8) if rng.random() < 0.9
                          else minutes + min(119.0, rng.expovariate(1 / 30)))
        for _ in range(count)
    )  # fmt: skip
    made = Order.objects.bulk_create(
        [Order(shop=shop, platform_order_id=f"L{days:02d}{k:05d}", status=OrderStatus.SHIPPED, source="demo",
               channel="live", paid_at=t, ordered_at=t, warehouse=wh, influencer=data.INFLUENCER,
               carrier=carriers[rng.choice(list(carriers))], province=rng.choice(data.PROVINCES).name)
         for k, t in enumerate(paid)],
        batch_size=BATCH,
    )  # fmt: skip
    OrderLine.objects.bulk_create(
        [OrderLine(order=o, platform_line_id=f"{o.platform_order_id}-1", sku=skus[c], sku_code=c,
                   title=skus[c].name, quantity=1) for o, c in zip(made, picks, strict=True)],
        batch_size=BATCH,
    )  # fmt: skip
    return made, picks


LIVE_CONTRACTS = (("ZTO", 0.30), ("YTO", 0.22), ("YD", 0.18), ("SF", 0.12), ("JD", 0.09), ("EMS", 0.09))
LIVE_CONTRACT_NAME = "直播合作（峰值）"
REVIEW_NUMBER_PREFIX = "DMR"  # tracking numbers of the reviewed stream's parcels


def _seed_live_contracts(carriers: dict[str, Carrier], stream_start: datetime, base: int) -> None:
    """Stream contracts (直播合作): peak parcels per stream and per pickup hour, 1.5× last evening's
    orders in all, so the planned stream's forecast fits and the high end of its interval does not."""
    from fahuo.carriers.models import Contract

    total = round(base * 1.5)
    for code, share in LIVE_CONTRACTS:
        peak = max(50, round(total * share, -1))
        Contract.objects.update_or_create(
            carrier=carriers[code],
            name=LIVE_CONTRACT_NAME,
            defaults={"starts_on": stream_start.date() - timedelta(days=120), "peak_capacity_per_stream": peak,
                      "pickup_capacity_per_hour": math.ceil(peak / 8), "pickup_window": "08:00-21:00"},
        )  # fmt: skip


def _plan_reviewed(session: Any) -> dict[str, int]:
    """The most recent finished stream's plan and notices (sent the day before) as the desk had
    them; returns the peak parcels per carrier code it shipped within."""
    from fahuo.livestream.models import PeakNotice
    from fahuo.livestream.notices import create_notices
    from fahuo.livestream.planning import plan_session
    from fahuo.livestream.services import refresh_forecast
    from fahuo.tracking.models import Track

    Track.objects.filter(tracking_no__startswith=REVIEW_NUMBER_PREFIX).delete()
    refresh_forecast(session=session)
    plan = plan_session(session=session)
    create_notices(session=session, plan=plan)
    PeakNotice.objects.filter(session=session).update(
        sent_at=session.starts_at - timedelta(days=1), sent_via="wechat"
    )
    # The desk allocated cheapest first within the contracted peak (not the optimiser's split).
    specs = {spec.code for spec in data.CARRIERS}
    return {line.code: line.peak_parcels for line in plan.carriers if line.code in specs}


def _ship_stream(
    rng: random.Random,
    session: Any,
    orders: list[Order],
    picks: list[str],
    *,
    carriers: dict[str, Carrier],
    warehouse: Warehouse,
    skus: dict[str, Sku],
    room: dict[str, int],
) -> None:
    """A finished stream's orders as they shipped: each on the cheapest able carrier with ``room``
    left (peak parcels per carrier), labels, pickups (a few late), deliveries, some damage and loss."""
    from fahuo.tracking.models import Track, TrackStatus

    specs = {spec.code: spec for spec in data.CARRIERS}
    prices = {
        c: {dest: first for dest, first, _, _ in rate_card(specs[c], warehouse.province)} for c in specs
    }
    room = dict(room)
    now = timezone.now()
    parcels, bills, tracks, events = [], [], [], []
    for k, (order, code) in enumerate(zip(orders, picks, strict=True)):
        traits = set(skus[code].traits or [])
        able = [
            c for c in specs
            if order.province in prices[c] and ("cold" not in traits or specs[c].cold_chain)
            and ("valuable" not in traits or specs[c].insured)
        ] or ["EMS"]  # fmt: skip
        carrier = min(able, key=lambda c: (room.get(c, 0) <= 0, prices[c].get(order.province, 0), c))
        room[carrier] = room.get(carrier, 0) - 1
        order.carrier = carriers[carrier]
        issued, picked, delivered, lost = _shipping_times(
            rng, order.paid_at or session.starts_at, carrier, now
        )
        number = f"{REVIEW_NUMBER_PREFIX}{order.platform_order_id}"
        parcels.append(
            Parcel(
                order=order,
                seq=1,
                carrier=carriers[carrier],
                warehouse=warehouse,
                weight_g=(skus[code].weight_g or 0) + PACKAGING_G,
                status=ParcelStatus.PICKED_UP,
            )
        )
        bills.append(
            Waybill(
                carrier=carriers[carrier],
                provider="sandbox",
                tracking_no=number,
                request_id=f"demo-review-{order.platform_order_id}",
                print_count=1,
                last_printed_at=issued,
            )
        )
        tracks.append(
            Track(
                order=order,
                tracking_no=number,
                carrier_code=carrier,
                issued_at=issued,
                picked_up_at=picked,
                status=TrackStatus.LOST if lost else TrackStatus.DELIVERED,
                status_at=delivered,
                delivered_at=None if lost else delivered,
                last_event_at=delivered,
                dest_province=order.province,
                active=False,
            )
        )
        remote = order.province in data.REMOTE_PROVINCES
        if rng.random() < (0.15 if remote else 0.01):
            events.append((k, picked + (delivered - picked) * rng.uniform(0.3, 0.8)))  # before delivery
    _save_shipments(orders, parcels, bills, tracks, events)


def _shipping_times(
    rng: random.Random, paid: datetime, carrier: str, now: datetime
) -> tuple[datetime, datetime, datetime, bool]:
    """When a stream order's label was printed (packers work 8:00–22:00), picked up (a few late),
    delivered (or lost)."""
    issued: datetime = paid + timedelta(hours=rng.uniform(0.3, 6))
    if not 8 <= issued.astimezone(TZ).hour < 22:  # printed when the packers start
        morning = datetime.combine(issued.astimezone(TZ).date(), time(8), tzinfo=TZ)
        issued = (morning if morning > issued else morning + timedelta(days=1)) + timedelta(
            hours=rng.uniform(0, 3)
        )
    late = rng.random() < (0.12 if carrier == "YD" else 0.03)
    picked = issued + timedelta(hours=rng.uniform(26, 54) if late else rng.uniform(1, 14))
    lost = rng.random() < 0.003
    delivered = min(picked + timedelta(hours=rng.uniform(20, 70)), now - timedelta(hours=1))
    return issued, picked, delivered, lost


def _save_shipments(
    orders: list[Order],
    parcels: list[Parcel],
    bills: list[Waybill],
    tracks: list[Any],
    events: list[tuple[int, datetime]],
) -> None:
    """Write a stream's carriers, parcels, waybills, tracks and their events set-based (kit.bulk)."""
    from fahuo.tracking.models import TrackEvent, TrackStatus

    by_carrier: dict[int, list[int]] = {}
    for order in orders:  # one UPDATE per carrier (bulk_update compiles a CASE per row: slow)
        assert order.carrier_id is not None
        by_carrier.setdefault(order.carrier_id, []).append(order.pk)
    for carrier_id, ids in by_carrier.items():
        for start in range(0, len(ids), BATCH):
            Order.objects.filter(pk__in=ids[start : start + BATCH]).update(carrier_id=carrier_id)
    bulk_insert(parcels)  # set-based (kit.bulk): thousands of rows per past stream
    for bill, parcel in zip(bills, parcels, strict=True):
        bill.parcel = parcel
    bulk_insert(bills)
    for bill, track in zip(bills, tracks, strict=True):
        track.waybill = bill
    # issued_at is auto_now_add on insert; the real issue time is when the label was printed
    numbers = [bill.tracking_no for bill in bills]
    for start in range(0, len(numbers), BATCH):
        Waybill.objects.filter(tracking_no__in=numbers[start : start + BATCH]).update(
            issued_at=models.F("last_printed_at")
        )
    bulk_insert(tracks)
    bulk_insert(
        [TrackEvent(track=tracks[k], at=at, status=TrackStatus.EXCEPTION, provider="kdniao", provider_code="414",
                    description="快件外包装破损，已联系发件人", event_key=f"demo-review-{tracks[k].tracking_no}")
         for k, at in events],
        return_ids=False,
    )  # fmt: skip
    # Each parcel's trace as the carrier reported it (picked up, then delivered or lost), so its page
    # shows the scans behind the status instead of "no trace yet".
    bulk_insert(
        [TrackEvent(track=t, at=at, status=status, provider="kdniao", provider_code=code, description=text,
                    event_key=f"demo-review-{step}-{t.tracking_no}")
         for t in tracks
         for step, at, status, code, text in (
             ("pickup", t.picked_up_at, TrackStatus.PICKED_UP, "1", "快递员已揽收"),
             ("final", t.status_at, t.status, "3" if t.status == TrackStatus.DELIVERED else "",
              "已签收，感谢使用" if t.status == TrackStatus.DELIVERED else "快件丢失，快递公司已登记理赔"),
         ) if at is not None],
        return_ids=False,
    )  # fmt: skip
