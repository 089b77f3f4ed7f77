"""Review math on a small hand-built session: exact fractions, the late list, damage advice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fahuo.livestream import review
from fahuo.livestream.models import SessionReview
from fahuo.livestream.tests import helpers as h
from fahuo.orders.models import OrderStatus
from fahuo.tracking.models import TrackStatus

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
T0 = h.T0


def _seed(shop: Any) -> Any:
    s = h.session(shop)
    # ZTO: on time; picked 30 h after label (24 h miss, 48 h ok); picked 50 h after paying; never.
    h.parcel(shop, code="ZTO", paid=T0 + 10 * M, issued=T0 + 70 * M, picked=T0 + 370 * M)
    h.parcel(shop, code="ZTO", paid=T0 + 20 * M, issued=T0 + 140 * M, picked=T0 + 140 * M + 30 * H)
    h.parcel(shop, code="ZTO", paid=T0 + 30 * M, issued=T0 + 210 * M, picked=T0 + 30 * M + 50 * H)
    h.parcel(shop, code="ZTO", paid=T0 + 40 * M, issued=T0 + 100 * M)
    # YTO: one on time.
    h.parcel(shop, code="YTO", paid=T0 + 60 * M, issued=T0 + 120 * M, picked=T0 + 180 * M)
    # Not the session's: paid before the stream, paid after the tail, and a cancelled order.
    h.parcel(shop, code="ZTO", paid=T0 - 10 * M)
    h.parcel(shop, code="ZTO", paid=T0 + 4 * H + M)
    h.order(shop, T0 + 5 * M, status=OrderStatus.CANCELLED)
    return s


def test_pickup_and_shipped_rates_are_exact_fractions_per_carrier(shop: Any) -> None:
    data = review.review_24h(_seed(shop), now=T0 + 100 * H)
    by = {c["code"]: c for c in data["carriers"]}
    assert by["ZTO"]["parcels"] == 4
    assert by["ZTO"]["pickup_rate_24h"] == 0.25
    assert by["ZTO"]["shipped_rate_48h"] == 0.5
    assert by["YTO"]["pickup_rate_24h"] == 1.0
    assert by["YTO"]["shipped_rate_48h"] == 1.0
    assert data["pickup_rate_24h"] == 0.4  # 2 of 5
    assert data["shipped_rate_48h"] == 0.6  # 3 of 5


def test_late_list_holds_parcels_not_picked_up_within_48h_of_payment(shop: Any) -> None:
    data = review.review_24h(_seed(shop), now=T0 + 100 * H)
    assert data["late_count"] == 2
    assert [x["carrier"] for x in data["late"]] == ["ZTO", "ZTO"]
    assert [x["hours"] for x in data["late"]] == [pytest.approx(99.3, abs=0.1), 50.0]  # worst first
    assert data["late"][0]["picked_up_at"] is None


def test_session_figures_forecast_error_and_order_to_label_time(shop: Any) -> None:
    data = review.review_24h(_seed(shop), now=T0 + 100 * H)
    assert data["orders"] == 5
    assert data["cancelled"] == 1
    assert data["forecast_error"] == -5
    assert data["forecast_error_pct"] == -50.0
    # minutes from payment to label: 60, 120, 180, 60, 60
    assert data["order_to_label_minutes"] == {"median": 60.0, "p90": 156.0}


def test_parcels_whose_window_is_still_open_are_pending_not_late(shop: Any) -> None:
    s = h.session(shop)
    h.parcel(shop, code="ZTO", paid=T0 + 10 * M, issued=T0 + 20 * M, picked=T0 + 2 * H)
    h.parcel(shop, code="ZTO", paid=T0 + 10 * M, issued=T0 + 20 * M)
    data = review.review_24h(s, now=T0 + 5 * H)
    zto = data["carriers"][0]
    assert (zto["pickup_rate_24h"], zto["pickup_due"], zto["pickup_pending"]) == (1.0, 1, 1)
    assert data["late_count"] == 0


def test_capacity_used_against_the_contract_peak(shop: Any) -> None:
    from fahuo.carriers.models import Contract

    s = _seed(shop)
    Contract.objects.create(
        carrier=h.carrier("ZTO"), name="直播", starts_on=dt.date(2025, 1, 1), peak_capacity_per_stream=8
    )
    zto = next(c for c in review.review_24h(s, now=T0 + 100 * H)["carriers"] if c["code"] == "ZTO")
    assert (zto["capacity"], zto["capacity_used"]) == (8, 0.5)


def _regions(shop: Any, counts: dict[str, tuple[int, int]]) -> None:
    for province, (parcels, damaged) in counts.items():
        for i in range(parcels):
            t = h.parcel(shop, code="ZTO", paid=T0 + M, picked=T0 + 3 * H, province=province)
            if i < damaged:
                h.damage(t)


def test_damage_advice_does_not_fire_at_exactly_twice_the_average(shop: Any) -> None:
    s = h.session(shop)
    _regions(shop, {"新疆维吾尔自治区": (2, 1), "浙江省": (2, 0)})  # 0.5 vs average 0.25
    data = review.review_7d(s)
    assert data["damage_rate"] == 0.25
    assert data["advice"] == []


def test_damage_advice_fires_above_twice_the_average(shop: Any) -> None:
    s = h.session(shop)
    _regions(shop, {"新疆维吾尔自治区": (2, 1), "浙江省": (3, 0)})  # 0.5 vs average 0.2
    data = review.review_7d(s)
    assert data["advice"] == [
        {"province": "新疆维吾尔自治区", "damage_rate": 0.5, "advice": "加强该地区包装或更换快递"}
    ]


def test_damage_codes_of_both_providers_and_the_word_count_and_lost_parcels(shop: Any) -> None:
    s = h.session(shop)
    a = h.parcel(shop, code="ZTO", paid=T0 + M, picked=T0 + 3 * H, province="广东省")
    b = h.parcel(shop, code="YTO", paid=T0 + M, picked=T0 + 3 * H, province="广东省")
    c = h.parcel(shop, code="YTO", paid=T0 + M, picked=T0 + 3 * H, province="四川省")
    h.damage(a, provider="kdniao", code="414", text="异常")
    h.damage(b, provider="kuaidi100", code="209", text="疑难")
    h.damage(c, provider="kuaidi100", code="", text="外包装破损，已拍照")
    h.damage(c, provider="kdniao", code="2", text="运输中")  # a plain event changes nothing
    h.parcel(shop, code="YTO", paid=T0 + M, picked=T0 + 3 * H, status=TrackStatus.LOST)
    data = review.review_7d(s)
    assert (data["parcels"], data["damaged"], data["lost"]) == (4, 3, 1)
    by = {c["carrier"]: c for c in data["carriers"]}
    assert by["YTO"]["loss_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert {r["province"]: r["damaged"] for r in data["regions"]} == {"广东省": 2, "四川省": 1, "浙江省": 0}


def test_compute_review_stores_once_per_kind_and_history_reads_it(shop: Any) -> None:
    s = _seed(shop)
    review.compute_review(session=s, kind="24h", now=T0 + 100 * H)
    review.compute_review(session=s, kind="24h", now=T0 + 101 * H)
    review.compute_review(session=s, kind="7d", now=T0 + 200 * H)
    assert SessionReview.objects.filter(session=s).count() == 2
    rows = review.history(shop_id=shop.pk)
    assert rows[-1]["pickup_rate_24h"] == 0.4
    assert rows[-1]["forecast_error_pct"] == -50.0


def test_refresh_due_reviews_computes_what_is_due(shop: Any) -> None:
    s = _seed(shop)
    assert review.refresh_due_reviews(now=T0 + 10 * H) == {"24h": 0, "7d": 0}
    assert review.refresh_due_reviews(now=T0 + 30 * H) == {"24h": 1, "7d": 0}
    assert review.refresh_due_reviews(now=T0 + 8 * 24 * H) == {"24h": 0, "7d": 1}
    assert set(SessionReview.objects.filter(session=s).values_list("kind", flat=True)) == {"24h", "7d"}


def test_review_query_count_does_not_grow_with_orders(shop: Any) -> None:
    s = _seed(shop)
    with CaptureQueriesContext(connection) as small:
        review.review_24h(s, now=T0 + 100 * H)
        review.review_7d(s, now=T0 + 100 * H)
    for i in range(15):
        h.parcel(shop, code="SF" if i % 2 else "YTO", paid=T0 + i * M, picked=T0 + 3 * H)
    with CaptureQueriesContext(connection) as big:
        review.review_24h(s, now=T0 + 100 * H)
        review.review_7d(s, now=T0 + 100 * H)
    assert len(big) == len(small)


def test_resolve_current_and_latest(shop: Any) -> None:
    s = h.session(shop)
    assert review.resolve_session("latest").pk == s.pk
    assert review.resolve_session("current", now=T0 + H).pk == s.pk
    assert review.resolve_session(str(s.pk)).pk == s.pk
