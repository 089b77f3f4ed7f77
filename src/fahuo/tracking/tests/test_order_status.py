"""An order's status follows its parcels: shipped once picked up, delivered once signed, never back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fahuo.fulfilment.models import Parcel, Waybill
from fahuo.orders.models import Order, OrderStatus
from fahuo.tracking.ingest import ensure_tracks, ingest_events
from fahuo.tracking.models import Track, TrackStatus
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.django_db
T0 = f.NOW - dt.timedelta(hours=40)


def h(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def status(order: Order | int | None) -> str:
    pk = order if isinstance(order, int) else getattr(order, "pk", None)
    assert pk is not None
    return Order.objects.get(pk=pk).status


def test_a_pickup_ships_the_printed_order(shop: Any) -> None:
    t = f.track(shop)
    assert status(t.order_id) == OrderStatus.PRINTED
    ingest_events([f.event(t, "picked_up", h(0))])
    assert status(t.order_id) == OrderStatus.SHIPPED


def test_an_in_transit_scan_ships_it_when_the_pickup_scan_was_missed(shop: Any) -> None:
    t = f.track(shop)
    ingest_events([f.event(t, "in_transit", h(3))])
    assert status(t.order_id) == OrderStatus.SHIPPED


def test_signing_delivers_the_order(shop: Any) -> None:
    t = f.track(shop)
    ingest_events([f.event(t, "picked_up", h(0)), f.event(t, "in_transit", h(5))])
    ingest_events([f.event(t, "delivered", h(30))])
    assert status(t.order_id) == OrderStatus.DELIVERED


def test_a_printed_order_signed_in_one_push_goes_straight_to_delivered(shop: Any) -> None:
    t = f.track(shop)
    ingest_events([f.event(t, "picked_up", h(0)), f.event(t, "delivered", h(30))])
    assert status(t.order_id) == OrderStatus.DELIVERED


def test_a_late_in_transit_push_after_delivery_changes_nothing(shop: Any) -> None:
    t = f.track(shop)
    ingest_events([f.event(t, "picked_up", h(0)), f.event(t, "delivered", h(30))])
    ingest_events([f.event(t, "in_transit", h(10))])  # older line, arriving late
    assert status(t.order_id) == OrderStatus.DELIVERED
    ingest_events([f.event(t, "in_transit", h(40), "转运中（晚到的推送）")])  # even a newer one
    t.refresh_from_db()
    assert t.status == TrackStatus.IN_TRANSIT
    assert status(t.order_id) == OrderStatus.DELIVERED


def test_an_awaiting_pickup_event_does_not_ship(shop: Any) -> None:
    t = f.track(shop)
    ingest_events([f.event(t, "exception", h(1))])  # a problem before pickup: not with a carrier yet
    assert status(t.order_id) == OrderStatus.PRINTED


@pytest.mark.parametrize("before", [OrderStatus.CANCELLED, OrderStatus.NEEDS_REVIEW, OrderStatus.READY])
def test_cancelled_and_unprinted_orders_are_left_alone(shop: Any, before: str) -> None:
    t = f.track(order_obj=f.order(shop, status=before))
    ingest_events([f.event(t, "picked_up", h(0)), f.event(t, "delivered", h(30))])
    assert status(t.order_id) == before


def test_an_order_with_an_after_sale_request_is_left_alone(shop: Any) -> None:
    reasons = [{"code": "after_sale", "message": "售后处理中 (after_sale): 买家申请售后/退款"}]
    shipped = f.track(order_obj=f.order(shop, status=OrderStatus.SHIPPED, review_reasons=reasons))
    printed = f.track(order_obj=f.order(shop, review_reasons=reasons))
    other = f.track(order_obj=f.order(shop, review_reasons=[{"code": "phone", "message": "手机号"}]))
    ingest_events([f.event(shipped, "delivered", h(30)), f.event(printed, "picked_up", h(1))])
    ingest_events([f.event(other, "picked_up", h(1))])
    assert status(shipped.order_id) == OrderStatus.SHIPPED
    assert status(printed.order_id) == OrderStatus.PRINTED
    assert status(other.order_id) == OrderStatus.SHIPPED


def test_an_order_is_delivered_only_when_its_last_parcel_is(shop: Any) -> None:
    order = f.order(shop)
    first_waybill = f.waybill(order)
    parcel = Parcel.objects.create(order=order, seq=2, carrier=first_waybill.carrier, status="labelled")
    second_waybill = Waybill.objects.create(
        parcel=parcel,
        carrier=parcel.carrier,
        provider="sandbox",
        tracking_no="7999000000002",
        request_id="r2",
    )
    first, second = ensure_tracks([first_waybill, second_waybill])
    ingest_events([f.event(first, "picked_up", h(0)), f.event(second, "picked_up", h(0))])
    ingest_events([f.event(first, "delivered", h(30))])
    assert status(order) == OrderStatus.SHIPPED
    ingest_events([f.event(second, "delivered", h(33))])
    assert status(order) == OrderStatus.DELIVERED


def test_a_batch_of_pushes_moves_orders_in_a_bounded_number_of_queries(shop: Any) -> None:
    def run(n: int) -> int:
        tracks = [f.track(shop) for _ in range(n)]
        events = [f.event(t, s, h(i * 10)) for t in tracks for i, s in enumerate(["picked_up", "in_transit"])]
        events += [f.event(t, "delivered", h(30)) for t in tracks[: n // 2]]
        with CaptureQueriesContext(connection) as ctx:
            ingest_events(events)
        orders = Order.objects.filter(pk__in=[t.order_id for t in tracks])
        assert sorted(orders.values_list("status", flat=True)) == sorted(
            [OrderStatus.DELIVERED] * (n // 2) + [OrderStatus.SHIPPED] * (n - n // 2)
        )
        updates = [q for q in ctx.captured_queries if q["sql"].startswith('UPDATE "orders_order"')]
        assert len(updates) == 1  # one UPDATE for the whole batch
        return len(ctx.captured_queries)

    assert run(4) == run(60)


def test_tracks_keep_their_order_id_for_messages(shop: Any) -> None:
    t = f.track(shop)
    ingest_events([f.event(t, "out_for_delivery", h(20))])
    assert Track.objects.get(pk=t.pk).order_id == t.order_id


def test_moves_between_carrier_statuses_cost_no_order_update(shop: Any) -> None:
    tracks = [f.track(shop) for _ in range(3)]
    ingest_events([f.event(t, "picked_up", h(0)) for t in tracks])
    with CaptureQueriesContext(connection) as ctx:
        ingest_events([f.event(t, "in_transit", h(5)) for t in tracks])
        ingest_events([f.event(t, "in_transit", h(9), "到达转运中心") for t in tracks])
        ingest_events([f.event(t, "out_for_delivery", h(20)) for t in tracks])
    assert not [q for q in ctx.captured_queries if q["sql"].startswith('UPDATE "orders_order"')]
    assert {status(t.order_id) for t in tracks} == {OrderStatus.SHIPPED}


def test_the_order_list_shows_and_filters_delivered_orders(shop: Any, operator: Any) -> None:
    from django.test import Client

    t = f.track(shop)
    ingest_events([f.event(t, "picked_up", h(0)), f.event(t, "delivered", h(30))])
    client = Client()
    assert client.login(username=operator.username, password="fahuo-test-pw")
    html = client.get("/orders/?status=delivered").content.decode()
    assert t.order is not None
    order_no = t.order.platform_order_id
    assert order_no in html and 'class="badge badge-delivered">已签收</span>' in html
    assert '<option value="delivered" selected>已签收</option>' in html
