"""Ingestion: idempotent, order-independent, set-based."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fahuo.carriers.models import RateLine
from fahuo.inventory.models import Warehouse
from fahuo.tracking.ingest import ensure_tracks, event_key, ingest_events
from fahuo.tracking.models import Track, TrackEvent, TrackStatus
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.django_db
T0 = f.NOW - dt.timedelta(hours=40)


def h(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def state(track: Track) -> tuple[Any, ...]:
    track.refresh_from_db()
    return (track.status, track.last_event_at, track.picked_up_at, track.delivered_at, track.active)


def test_the_same_push_twice_changes_nothing(shop: Any) -> None:
    t = f.track(shop)
    events = [f.event(t, "picked_up", h(0)), f.event(t, "in_transit", h(5))]
    first = ingest_events(events)
    before = state(t)
    again = ingest_events(events)
    assert (first.accepted, first.duplicates) == (2, 0)
    assert (again.accepted, again.duplicates, again.unknown) == (0, 2, 0)
    assert TrackEvent.objects.filter(track=t).count() == 2
    assert state(t) == before


def test_a_duplicate_inside_one_push_is_counted_once(shop: Any) -> None:
    t = f.track(shop)
    e = f.event(t, "picked_up", h(0))
    result = ingest_events([e, e])
    assert (result.accepted, result.duplicates) == (1, 1)


def test_state_follows_the_latest_event_by_time(shop: Any) -> None:
    t = f.track(shop)
    ingest_events([f.event(t, "picked_up", h(0)), f.event(t, "in_transit", h(6), location="嘉兴转运中心")])
    t.refresh_from_db()
    assert t.status == TrackStatus.IN_TRANSIT
    assert t.last_event_at == h(6)
    assert t.picked_up_at == h(0)
    assert t.status_at == h(6)
    assert t.last_location == "嘉兴转运中心"
    assert t.active


def test_an_older_event_arriving_late_never_moves_a_parcel_backwards(shop: Any) -> None:
    t = f.track(shop)
    ingest_events([f.event(t, "delivered", h(30))])
    result = ingest_events([f.event(t, "in_transit", h(10)), f.event(t, "picked_up", h(1))])
    assert result.accepted == 2
    t.refresh_from_db()
    assert t.status == TrackStatus.DELIVERED
    assert t.delivered_at == h(30)
    assert t.last_event_at == h(30)
    assert t.picked_up_at == h(1)  # the earliest pickup still counts
    assert not t.active


def test_events_in_any_order_give_the_same_state(shop: Any) -> None:
    a, b = f.track(shop), f.track(shop)
    trace = [("picked_up", 0), ("in_transit", 5), ("out_for_delivery", 20), ("delivered", 22)]
    ingest_events([f.event(a, s, h(x)) for s, x in trace])
    for s, x in reversed(trace):
        ingest_events([f.event(b, s, h(x))])
    assert state(a)[:4] == state(b)[:4]


def test_same_minute_ties_go_to_the_further_status(shop: Any) -> None:
    a, b = f.track(shop), f.track(shop)
    ingest_events([f.event(a, "out_for_delivery", h(3)), f.event(a, "delivered", h(3))])
    ingest_events([f.event(b, "delivered", h(3))])
    ingest_events([f.event(b, "out_for_delivery", h(3))])
    assert state(a)[0] == state(b)[0] == TrackStatus.DELIVERED


def test_a_final_status_deactivates_and_a_later_event_reactivates(shop: Any) -> None:
    t = f.track(shop)
    ingest_events([f.event(t, "delivered", h(3))])
    assert not state(t)[4]
    ingest_events([f.event(t, "returning", h(8))])
    assert state(t)[0] == TrackStatus.RETURNING
    assert state(t)[4]


def test_unknown_tracking_numbers_are_counted_not_stored(shop: Any) -> None:
    t = f.track(shop)
    result = ingest_events([f.event(t, "picked_up", h(0)), f.event("9999000011112222", "in_transit", h(1))])
    assert (result.accepted, result.unknown) == (1, 1)
    assert result.unknown_numbers == ["9999000011112222"]
    assert TrackEvent.objects.count() == 1


def test_a_carrier_alias_still_matches_a_unique_number(shop: Any) -> None:
    t = f.track(shop, carrier_code="YD")
    result = ingest_events([f.event(t.tracking_no, "picked_up", h(0), carrier_code="YUNDA")])
    assert result.accepted == 1


def test_proxy_signature_and_locker_mark_the_parcel(shop: Any) -> None:
    a, b = f.track(shop), f.track(shop)
    ingest_events([f.event(a, "delivered", h(5), proxy=True)])
    ingest_events([f.event(b, "in_locker", h(5))])
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.signed_by_proxy and b.signed_by_proxy


def test_due_at_is_pickup_plus_the_promise(shop: Any) -> None:
    t = f.track(shop, promised_hours=48)
    other = f.track(shop)  # no lane promise: the LATE rule's default (72 h)
    ingest_events([f.event(t, "picked_up", h(1)), f.event(other, "picked_up", h(1))])
    t.refresh_from_db()
    other.refresh_from_db()
    assert t.due_at == h(49)
    assert other.due_at == h(73)


def test_event_key_ignores_the_location_but_not_the_text(shop: Any) -> None:
    e = f.event("123", "in_transit", h(0), "到达杭州", location="杭州")
    same = f.event(
        "123", "in_transit", h(0).astimezone(dt.timezone(dt.timedelta(hours=8))), "到达杭州", location=""
    )
    other = f.event("123", "in_transit", h(0), "离开杭州")
    assert event_key(e) == event_key(same)
    assert event_key(e) != event_key(other)
    assert len(event_key(e)) == 32


def test_a_waybill_without_a_track_gets_one_on_its_first_event(shop: Any) -> None:
    o = f.order(shop, door_delivery=True)
    w = f.waybill(o, number="7300000000001")
    result = ingest_events([f.event("7300000000001", "picked_up", h(0))])
    assert result.accepted == 1
    t = Track.objects.get(waybill=w)
    assert (t.order_id, t.status, t.door_delivery, t.dest_province) == (
        o.pk,
        TrackStatus.PICKED_UP,
        True,
        "浙江省",
    )


def test_ensure_tracks_is_idempotent_and_takes_the_lane_promise(shop: Any) -> None:
    wh = Warehouse.objects.create(
        code="HZ", name="杭州仓", province="浙江省", city="杭州市", district="余杭区"
    )
    o = f.order(shop, province="四川省", warehouse=wh)
    w = f.waybill(o)
    RateLine.objects.create(
        carrier=w.carrier,
        origin_province="浙江省",
        dest_province="四川省",
        first_price_fen=800,
        step_price_fen=500,
        transit_hours=60,
    )
    RateLine.objects.create(
        carrier=w.carrier,
        origin_province="广东省",
        dest_province="四川省",
        first_price_fen=800,
        step_price_fen=500,
        transit_hours=36,
    )
    [t] = ensure_tracks([w])
    again = ensure_tracks([w])
    assert [x.pk for x in again] == [t.pk]
    assert (t.promised_hours, t.status, t.issued_at) == (60, TrackStatus.AWAITING_PICKUP, w.issued_at)
    assert Track.objects.count() == 1


def test_ensure_tracks_falls_back_to_the_order_promise(shop: Any) -> None:
    o = f.order(shop, promise_hours=36)
    [t] = ensure_tracks([f.waybill(o)])
    assert t.promised_hours == 36


def test_a_track_is_made_from_its_parcel_warehouse_lane_with_every_column(shop: Any) -> None:
    hz = Warehouse.objects.create(
        code="HZ", name="杭州仓", province="浙江省", city="杭州市", district="余杭区"
    )
    gz = Warehouse.objects.create(
        code="GZ", name="广州仓", province="广东省", city="广州市", district="白云区"
    )
    o = f.order(shop, province="四川省", warehouse=hz, door_delivery=True, promise_hours=99)
    w = f.waybill(o)
    w.parcel.warehouse = gz  # the parcel leaves from another warehouse than the order's
    w.parcel.save()
    for origin, hours in (("浙江省", 60), ("广东省", 36)):
        RateLine.objects.create(
            carrier=w.carrier,
            origin_province=origin,
            dest_province="四川省",
            first_price_fen=800,
            step_price_fen=500,
            transit_hours=hours,
        )
    [t] = ensure_tracks([w])
    row = Track.objects.filter(pk=t.pk).values().get()
    assert row == {
        **row,
        "waybill_id": w.pk,
        "order_id": o.pk,
        "tracking_no": w.tracking_no,
        "carrier_code": "ZTO",
        "status": TrackStatus.AWAITING_PICKUP,
        "status_at": w.issued_at,
        "issued_at": w.issued_at,
        "dest_province": "四川省",
        "door_delivery": True,
        "promised_hours": 36,
        "last_event_at": None,
        "picked_up_at": None,
        "due_at": None,
        "last_location": "",
        "subscribed_provider": "",
        "active": True,
        "token": None,
    }


def _batch(tracks: list[Track], start: float) -> list[Any]:
    return [f.event(t, s, h(start + i)) for t in tracks for i, s in enumerate(["picked_up", "in_transit"])]


def test_queries_do_not_grow_with_the_number_of_events(shop: Any) -> None:
    small = [f.track(shop) for _ in range(3)]
    large = [f.track(shop) for _ in range(40)]  # 80 events: one INSERT batch even on SQLite
    with CaptureQueriesContext(connection) as few:
        ingest_events(_batch(small, 0))
    with CaptureQueriesContext(connection) as many:
        ingest_events(_batch(large, 0))
    assert len(many) == len(few) <= 8


def test_a_parcel_reaching_a_milestone_queues_the_buyer_message(
    shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from fahuo.notify.models import OutboxMessage
    from fahuo.notify.services import ensure_default_templates

    ensure_default_templates()
    t = f.track(shop)
    with django_capture_on_commit_callbacks(execute=True):
        ingest_events([f.event(t, "picked_up", h(0)), f.event(t, "out_for_delivery", h(20))])
    keys = set(OutboxMessage.objects.filter(order=t.order).values_list("template_key", flat=True))
    assert "out_for_delivery" in keys
    with django_capture_on_commit_callbacks(execute=True):
        ingest_events([f.event(t, "picked_up", h(0))])  # an old event again: no new message
    assert OutboxMessage.objects.filter(order=t.order).count() == len(keys)
