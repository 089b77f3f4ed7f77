"""Forecast: history vs fallback, interval coverage on synthetic data, backtest MAPE."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fahuo.livestream.forecast import (
    PastSession,
    Target,
    backtest,
    backtest_history,
    forecast_from,
    forecast_session,
    spread,
)
from fahuo.livestream.models import LiveSession, SessionStatus
from fahuo.orders.models import Order, OrderStatus

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 10, 1, 20, 0, tzinfo=TZ)


def past(i: int, orders: int, *, hours: float = 2, start: datetime | None = None) -> PastSession:
    window = math.ceil(hours) + 2
    curve = [0.4, 0.35, 0.15, 0.1][:window] + [0.0] * max(0, window - 4)
    return PastSession(i, start or T0 + timedelta(days=3 * i), hours, orders, spread(orders, curve))


def make_session(
    shop: Any, start: datetime, orders: int, *, status: str = SessionStatus.FINISHED, **kw: Any
) -> LiveSession:
    """A session (2 h + 2 h tail) and ``orders`` orders paid over its first hours."""
    kw.setdefault("title", f"直播 {start:%m-%d}")
    session = LiveSession.objects.create(
        shop=shop,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        status=status,
        **kw,
    )
    first = Order.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    Order.objects.bulk_create(
        [
            Order(
                shop=shop,
                platform_order_id=f"H{first + 1 + k:08d}",
                status=OrderStatus.SHIPPED,
                paid_at=start + timedelta(minutes=(k * 211) % 230),
            )
            for k in range(orders)
        ]
    )
    return session


def test_fewer_than_three_past_sessions_fall_back_to_the_sellers_estimate() -> None:
    target = Target(T0 + timedelta(days=40), 2, 4, expected_orders=1000)
    f = forecast_from(target, [past(1, 800), past(2, 900)])
    assert f.method == "seller_estimate" and f.orders == 1000
    assert f.low == 500 and f.high == 1600 and sum(f.hourly) == 1000


def test_no_history_and_no_estimate_is_an_empty_forecast() -> None:
    f = forecast_from(Target(T0, 2, 4), [])
    assert f.method == "none" and f.orders == 0 and f.hourly == [0, 0, 0, 0]


def test_history_gives_a_nearest_sessions_forecast_with_its_shape() -> None:
    history = [past(i, n) for i, n in enumerate([1000, 1100, 950, 1050, 1020], start=1)]
    f = forecast_from(Target(T0 + timedelta(days=40), 2, 4, expected_orders=5), history)
    assert f.method == "nearest" and 950 <= f.orders <= 1100
    assert f.low < f.orders < f.high
    assert sum(f.hourly) == f.orders and f.hourly[0] > f.hourly[3]  # the average curve: busy start


def test_a_longer_stream_is_forecast_more_orders() -> None:
    history = [past(i, n) for i, n in enumerate([1000, 1100, 950, 1050], start=1)]
    short = forecast_from(Target(T0 + timedelta(days=40), 2, 4), history)
    long = forecast_from(Target(T0 + timedelta(days=40), 4, 6), history)
    assert long.orders > short.orders


def test_the_interval_contains_the_truth_most_of_the_time() -> None:
    rng = random.Random(3)
    hits = trials = 0
    for _ in range(60):
        level = rng.uniform(500, 4000)
        history = [past(i, round(level * math.exp(rng.gauss(0, 0.2)))) for i in range(1, 11)]
        truth = round(level * math.exp(rng.gauss(0, 0.2)))
        f = forecast_from(Target(T0 + timedelta(days=40), 2, 4), history)
        hits += f.low <= truth <= f.high
        trials += 1
    assert hits / trials >= 0.7


def test_backtest_mape_is_the_mean_absolute_percentage_error() -> None:
    history = [past(i, n) for i, n in enumerate([1000, 1200, 800, 1000], start=1)]
    bt = backtest_history(history)
    assert len(bt.rows) == 4
    expected = sum(abs(r.predicted - r.actual) / r.actual for r in bt.rows) / 4
    assert bt.mape == pytest.approx(expected)
    assert 0 <= (bt.coverage or 0) <= 1


def test_backtest_needs_three_other_sessions() -> None:
    assert backtest_history([past(1, 100), past(2, 120), past(3, 90)]).mape is None


def test_a_session_is_forecast_from_the_shops_earlier_finished_sessions(shop: Any) -> None:
    for i, n in enumerate([300, 360, 330, 310]):
        make_session(shop, T0 + timedelta(days=7 * i), n)
    upcoming = make_session(
        shop, T0 + timedelta(days=40), 0, status=SessionStatus.PLANNED, expected_orders=99
    )
    f = forecast_session(session=upcoming)
    assert f.method == "nearest" and f.history == 4 and 290 <= f.orders <= 370
    assert backtest(shop_id=shop.pk).mape is not None
