"""Send rates per channel: a token bucket kept in the database (table ``notify_ratebucket``).

Why the database: several Huey workers (or a worker and a "send now" from the desk) may send at
once, on SQLite or PostgreSQL; a row per channel, read and written under ``select_for_update`` in
a short transaction, is one shared bucket without adding Redis. A bucket holds at most ``n``
tokens and refills at ``n`` per period; each message takes one.

Rates come from ``settings.FAHUO_MESSAGE_RATES`` (``{"sms": "10/s", "wechat": "600/m"}``; units
s, m, h), else ``DEFAULT_RATES``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction

from fahuo.notify.models import RateBucket

# Conservative defaults: Kdniao publishes no SMS rate; the 抖店 open platform limits each API per
# app (60000 "触发限流"); WeChat's subscribe send allows 10-30 million a day per appid.
DEFAULT_RATES: dict[str, str] = {"sms": "10/s", "douyin_im": "5/s", "wechat": "20/s"}
_PERIODS = {"s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True, slots=True)
class Rate:
    capacity: float  # tokens the bucket holds (the largest burst)
    per_second: float  # refill speed

    @classmethod
    def parse(cls, text: str) -> Rate:
        count, _, unit = str(text).strip().partition("/")
        n = float(count)
        period = _PERIODS.get((unit or "s").strip()[:1].lower())
        if n <= 0 or period is None:
            raise ValueError(f"bad message rate {text!r}: use e.g. '10/s' or '600/m'")
        return cls(capacity=n, per_second=n / period)


def rate_for(channel: str) -> Rate:
    rates = {**DEFAULT_RATES, **(getattr(settings, "FAHUO_MESSAGE_RATES", None) or {})}
    return Rate.parse(rates.get(channel, "5/s"))


def take(channel: str, want: int, *, now: datetime) -> int:
    """Take up to ``want`` tokens from the channel's bucket; returns how many were granted."""
    if want <= 0:
        return 0
    rate = rate_for(channel)
    with transaction.atomic():
        bucket, _ = RateBucket.objects.select_for_update().get_or_create(
            channel=channel, defaults={"tokens": rate.capacity, "refilled_at": now}
        )
        elapsed = max(0.0, (now - bucket.refilled_at).total_seconds())
        tokens = min(rate.capacity, bucket.tokens + elapsed * rate.per_second)
        granted = min(want, math.floor(tokens))
        bucket.tokens = tokens - granted
        bucket.refilled_at = max(now, bucket.refilled_at)
        bucket.save(update_fields=["tokens", "refilled_at"])
    return granted


def seconds_until_token(channel: str, *, now: datetime) -> float:
    """How long until the bucket holds one whole token again."""
    rate = rate_for(channel)
    bucket = RateBucket.objects.filter(channel=channel).first()
    if bucket is None:
        return 0.0
    elapsed = max(0.0, (now - bucket.refilled_at).total_seconds())
    tokens = min(rate.capacity, bucket.tokens + elapsed * rate.per_second)
    return 0.0 if tokens >= 1 else (1 - tokens) / rate.per_second


def drain(channel: str, *, now: datetime) -> None:
    """Empty the bucket: the provider said "too fast", so wait a full refill before the next send."""
    RateBucket.objects.filter(channel=channel).update(tokens=0, refilled_at=now)
