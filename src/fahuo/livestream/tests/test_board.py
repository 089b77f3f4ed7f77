"""The live board: per-minute counts vs forecast, the pipeline, pickups, and extrapolated alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from fahuo.carriers.models import Contract
from fahuo.livestream import board
from fahuo.livestream.tests import helpers as h
from fahuo.orders.models import OrderStatus

M = dt.timedelta(minutes=1)
T0 = h.T0  # 20:00 Shanghai


def _live(shop: Any) -> Any:
    s = h.session(shop, status="live", forecast_hourly=[60, 30])
    zto = h.carrier("ZTO")
    Contract.objects.create(
        carrier=zto,
        name="直播",
        starts_on=dt.date(2025, 1, 1),
        peak_capacity_per_stream=30,
        pickup_capacity_per_hour=100,
    )
    for minute in range(20):  # one order a minute, all allocated to ZTO and printed
        h.order(shop, T0 + minute * M + 5 * dt.timedelta(seconds=1), carrier=zto, status=OrderStatus.READY)
    return s


def test_orders_per_minute_against_the_forecast_spread_per_minute(shop: Any) -> None:
    s = _live(shop)
    h.order(shop, T0 + 3 * M, status=OrderStatus.NEEDS_REVIEW)
    data = board.board(s, now=T0 + 20 * M)
    chart = data["chart"]
    assert chart["labels"][:2] == ["20:00", "20:01"]
    assert chart["actual"][:4] == [1, 1, 1, 2]
    assert chart["forecast"][:3] == [1.0, 1.0, 1.0]
    assert data["orders_so_far"] == 21


def test_pipeline_counts_waiting_for_review_allocation_and_printing(shop: Any) -> None:
    s = _live(shop)
    h.order(shop, T0 + M, status=OrderStatus.NEEDS_REVIEW)
    h.order(shop, T0 + M, status=OrderStatus.READY)
    h.order(shop, T0 + M, status=OrderStatus.CANCELLED)
    h.parcel(shop, code="YTO", paid=T0 + 2 * M, issued=T0 + 5 * M, picked=T0 + 10 * M)
    p = board.board(s, now=T0 + 20 * M)["pipeline"]
    assert (p["needs_review"], p["to_allocate"], p["to_print"], p["printed"], p["cancelled"]) == (
        1,
        1,
        20,
        1,
        1,
    )


def test_capacity_alert_says_when_the_carrier_will_be_full_at_this_rate(shop: Any) -> None:
    s = _live(shop)
    with translation.override("en"):
        data = board.board(s, now=T0 + 20 * M)
    zto = next(c for c in data["carriers"] if c["code"] == "ZTO")
    assert (zto["orders"], zto["capacity"], zto["full_at"]) == (20, 30, "20:30")
    messages = [a["message"] for a in data["alerts"] if a["kind"] == "capacity"]
    assert messages == ["At this rate ZTO's 30 will be full by 20:30."]
    with translation.override("zh-hans"):
        zh = board.board(s, now=T0 + 20 * M)["alerts"][0]["message"]
    assert zh == "按当前速度，ZTO 的 30 单产能将在 20:30 用完。"


def test_no_capacity_alert_when_the_window_ends_first(shop: Any) -> None:
    s = _live(shop)
    Contract.objects.update(peak_capacity_per_stream=1000)
    assert [a for a in board.board(s, now=T0 + 20 * M)["alerts"] if a["kind"] == "capacity"] == []


def test_pickups_per_carrier_and_labels_printed(shop: Any) -> None:
    s = _live(shop)
    h.parcel(shop, code="ZTO", paid=T0 + M, issued=T0 + 5 * M, picked=T0 + 15 * M)
    h.parcel(shop, code="ZTO", paid=T0 + M, issued=T0 + 6 * M)
    data = board.board(s, now=T0 + 20 * M)
    zto = next(c for c in data["carriers"] if c["code"] == "ZTO")
    assert (zto["labels"], zto["picked_up"], zto["pickup_per_hour"]) == (2, 1, 100)
    assert data["labels"]["issued"] == 2


def test_ship_by_alert_counts_orders_that_miss_at_the_current_rate() -> None:
    now = T0
    deadlines = [now + 5 * M] * 10
    missed = board.ship_by_alert(ship_by=deadlines, rate=1.0, planned_rate=0, now=now)
    assert missed is not None and missed["missed"] == 5
    assert board.ship_by_alert(ship_by=deadlines, rate=3.0, planned_rate=0, now=now) is None
    # No label yet: the planned packing rate stands in.
    assert board.ship_by_alert(ship_by=deadlines, rate=0.0, planned_rate=4.0, now=now) is None


def test_board_query_count_does_not_grow_with_orders(shop: Any) -> None:
    s = _live(shop)
    h.parcel(shop, code="ZTO", paid=T0 + M, issued=T0 + 5 * M, picked=T0 + 15 * M)
    with CaptureQueriesContext(connection) as small:
        board.board(s, now=T0 + 20 * M)
    for i in range(30):
        h.parcel(shop, code="YTO" if i % 2 else "SF", paid=T0 + i * M, issued=T0 + 5 * M, picked=T0 + 9 * M)
    with CaptureQueriesContext(connection) as big:
        board.board(s, now=T0 + 20 * M)
    assert len(big) == len(small)
