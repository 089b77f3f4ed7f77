"""The demo's dashboard counts what a seller would count (issue #15, item 7)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fahuo.demo.generate import build_demo
from fahuo.orders.models import Order
from fahuo.orders.selectors import dashboard_counts

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 19, 9, 30, tzinfo=TZ)


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_new_today_counts_the_orders_that_arrived_today_not_the_whole_history() -> None:
    build_demo(orders=300, seed=7, now=NOW)
    start = NOW.replace(hour=0, minute=0)
    paid_today = Order.objects.filter(paid_at__gte=start, paid_at__lt=start + timedelta(days=1)).count()
    total = Order.objects.count()

    new_today = dashboard_counts(day=NOW.date())["new_today"]

    assert new_today == paid_today
    assert new_today < total / 2  # the demo holds weeks of history
    yesterday = dashboard_counts(day=NOW.date() - timedelta(days=1))["new_today"]
    assert yesterday > 0  # last evening's stream arrived yesterday


@pytest.mark.django_db
def test_every_parcel_of_the_reviewed_stream_has_the_scans_behind_its_status(monkeypatch) -> None:
    from fahuo.demo import generate
    from fahuo.tracking.models import Track, TrackStatus

    monkeypatch.setattr(generate, "LIVE_HISTORY_MIN_ORDERS", 300)  # past streams and their review
    build_demo(orders=300, seed=7, now=NOW)
    tracks = Track.objects.filter(status__in=[TrackStatus.DELIVERED, TrackStatus.LOST], active=False)
    assert tracks.exists()
    for track in tracks.prefetch_related("events")[:200]:
        statuses = [e.status for e in track.events.all()]
        assert statuses[0] == TrackStatus.PICKED_UP and statuses[-1] == track.status, track.tracking_no
