"""Forecast a stream's orders from the shop's past streams.

Method (``nearest``): every past session votes with its order count, adjusted to the target's length
(orders grow with length**0.7), weighted by similarity — length, weekday, overlap of the featured
SKUs, recency. The point is the weighted median of the votes. The interval comes from leave-one-out
residuals over the history (log actual / predicted, 5th–95th percentile widened by 1 + 1/√n for
small histories, never narrower than ±15 %).
With fewer than ``MIN_HISTORY`` past sessions the seller's own ``expected_orders`` is used with a wide
interval (``seller_estimate``). The hourly shape is the average normalised curve of past sessions.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from fahuo.livestream.models import LiveSession

MIN_HISTORY = 3
LENGTH_EXPONENT = 0.7
MIN_SPREAD = 0.15  # the interval is at least ±15 % around the point
FALLBACK_LOW, FALLBACK_HIGH = 0.5, 1.6  # the seller's estimate: −50 % … +60 %
RECENCY = 0.95  # weight multiplier per session further back in time


@dataclass(frozen=True, slots=True)
class PastSession:
    id: int
    starts_at: datetime
    length_hours: float
    orders: int
    hourly: list[int]
    featured: frozenset[int] = frozenset()
    sku_units: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Target:
    starts_at: datetime
    length_hours: float
    window_hours: int
    featured: frozenset[int] = frozenset()
    expected_orders: int | None = None


@dataclass(slots=True)
class Forecast:
    orders: int
    low: int
    high: int
    method: str  # nearest, seller_estimate, none
    hourly: list[int]
    history: int  # past sessions used
    basis: list[int] = field(default_factory=list)  # ids of the most similar past sessions

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class BacktestRow:
    session_id: int
    starts_at: datetime
    actual: int
    predicted: int
    low: int
    high: int

    @property
    def ape(self) -> float:
        return abs(self.predicted - self.actual) / self.actual


@dataclass(slots=True)
class Backtest:
    rows: list[BacktestRow]

    @property
    def mape(self) -> float | None:
        return float(np.mean([r.ape for r in self.rows])) if self.rows else None

    @property
    def coverage(self) -> float | None:
        if not self.rows:
            return None
        return sum(r.low <= r.actual <= r.high for r in self.rows) / len(self.rows)


# --- pure model ------------------------------------------------------------------------------------


def _local_weekday(moment: datetime) -> int:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Asia/Shanghai")).weekday()


def _weight(target: Target, past: PastSession, rank_back: int) -> float:
    length = math.exp(-abs(math.log(target.length_hours / past.length_hours)) * 1.5)
    t_day, p_day = _local_weekday(target.starts_at), _local_weekday(past.starts_at)
    weekday = 1.5 if t_day == p_day else 1.2 if (t_day >= 5) == (p_day >= 5) else 1.0
    union = target.featured | past.featured
    overlap = len(target.featured & past.featured) / len(union) if union else 0.0
    return length * weekday * (1.0 + 2.0 * overlap) * RECENCY**rank_back


def _weighted_median(values: list[float], weights: list[float]) -> float:
    order = np.argsort(values)
    v = np.asarray(values, dtype=float)[order]
    w = np.asarray(weights, dtype=float)[order]
    cum = np.cumsum(w)
    return float(v[int(np.searchsorted(cum, cum[-1] / 2))])


def point(target: Target, history: list[PastSession]) -> float:
    """Weighted median of the length-adjusted order counts of past sessions."""
    ranked = sorted(history, key=lambda p: p.starts_at, reverse=True)
    votes = [p.orders * (target.length_hours / p.length_hours) ** LENGTH_EXPONENT for p in ranked]
    weights = [_weight(target, p, i) for i, p in enumerate(ranked)]
    return _weighted_median(votes, weights)


def _as_target(past: PastSession) -> Target:
    return Target(past.starts_at, past.length_hours, len(past.hourly), past.featured)


def residuals(history: list[PastSession]) -> list[float]:
    """log(actual / predicted) for each past session predicted from the others."""
    out = []
    for i, past in enumerate(history):
        others = history[:i] + history[i + 1 :]
        if len(others) < 2 or past.orders <= 0:
            continue
        predicted = point(_as_target(past), others)
        if predicted > 0:
            out.append(math.log(past.orders / predicted))
    return out


def shape(hours: int, history: list[PastSession], length_hours: float) -> list[float]:
    """Share of the orders in each hour after the start (sums to 1)."""
    curves = []
    for past in history:
        if past.orders > 0:
            curve = np.zeros(hours)
            n = min(hours, len(past.hourly))
            curve[:n] = np.asarray(past.hourly[:n], dtype=float) / past.orders
            curves.append(curve)
    if curves:
        mean = np.mean(curves, axis=0)
    else:  # no history: a busy first hour, steady stream, a fading tail
        live = max(1, math.ceil(length_hours))
        mean = np.array([1.3 if k == 0 else 1.0 if k < live else 0.35 / (k - live + 1) for k in range(hours)])
    total = float(mean.sum())
    return [float(x) / total for x in mean] if total > 0 else [1.0 / hours] * hours


def spread(total: int, shares: list[float]) -> list[int]:
    """Split an integer total by shares (largest remainder), so the parts add up exactly."""
    raw = np.asarray(shares, dtype=float) * total
    parts = np.floor(raw).astype(int)
    for k in np.argsort(-(raw - parts))[: total - int(parts.sum())]:
        parts[k] += 1
    return [int(x) for x in parts]


def forecast_from(target: Target, history: list[PastSession]) -> Forecast:
    """The forecast for ``target`` from ``history`` (pure; see the module docstring)."""
    usable = [p for p in history if p.orders > 0]
    shares = shape(target.window_hours, usable, target.length_hours)
    if len(usable) < MIN_HISTORY:
        guess = target.expected_orders
        if guess is None and usable:
            guess = round(float(np.median([p.orders for p in usable])))
        if not guess:
            return Forecast(0, 0, 0, "none", [0] * target.window_hours, len(usable))
        low, high = math.floor(guess * FALLBACK_LOW), math.ceil(guess * FALLBACK_HIGH)
        return Forecast(guess, low, high, "seller_estimate", spread(guess, shares), len(usable))
    center = point(target, usable)
    res = residuals(usable)
    # Few residuals understate the tails: widen the empirical 5–95 % range by 1 + 1/sqrt(n).
    widen = 1 + 1 / math.sqrt(len(res)) if res else 1.0
    q_lo = min(float(np.quantile(res, 0.05)) * widen, -MIN_SPREAD) if res else -0.4
    q_hi = max(float(np.quantile(res, 0.95)) * widen, MIN_SPREAD) if res else 0.4
    orders = round(center)
    ranked = sorted(usable, key=lambda p: p.starts_at, reverse=True)
    weights = [_weight(target, p, i) for i, p in enumerate(ranked)]
    basis = [p.id for _, p in sorted(zip(weights, ranked, strict=True), key=lambda wp: -wp[0])[:3]]
    return Forecast(
        orders=orders,
        low=math.floor(center * math.exp(q_lo)),
        high=math.ceil(center * math.exp(q_hi)),
        method="nearest",
        hourly=spread(orders, shares),
        history=len(usable),
        basis=basis,
    )


def backtest_history(history: list[PastSession]) -> Backtest:
    """Leave-one-out: forecast each past session from all the others."""
    rows = []
    for i, past in enumerate(history):
        others = history[:i] + history[i + 1 :]
        if past.orders <= 0 or len([p for p in others if p.orders > 0]) < MIN_HISTORY:
            continue
        f = forecast_from(_as_target(past), others)
        rows.append(BacktestRow(past.id, past.starts_at, past.orders, f.orders, f.low, f.high))
    return Backtest(rows)


# --- database edges --------------------------------------------------------------------------------


def target_of(session: LiveSession) -> Target:
    from fahuo.livestream import selectors

    return Target(
        starts_at=session.starts_at,
        length_hours=selectors.length_hours(session),
        window_hours=selectors.window_hours(session),
        featured=frozenset(f.sku_id for f in session.featured.all()),
        expected_orders=session.expected_orders,
    )


def forecast_session(*, session: LiveSession) -> Forecast:
    """Forecast one session from the shop's other finished sessions that started before it."""
    from fahuo.livestream import selectors

    past = selectors.history(shop_id=session.shop_id, exclude_id=session.pk, before=session.starts_at)
    return forecast_from(target_of(session), past)


def backtest(*, shop_id: int) -> Backtest:
    """Leave-one-out backtest over the shop's finished sessions (MAPE, interval coverage)."""
    from fahuo.livestream import selectors

    return backtest_history(selectors.history(shop_id=shop_id))
