"""Alerts the sweep opens message the buyer by themselves: once, only when fresh, only if switched on."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fahuo.notify.models import OutboxMessage
from fahuo.orders.models import OrderStatus
from fahuo.tracking import rules, selectors
from fahuo.tracking.models import Alert, AlertKind, AlertRule, AlertStatus, BuyerMessage, TrackStatus
from fahuo.tracking.sweep import sweep
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.django_db
NOW = f.NOW


def ago(hours: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=hours)


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings: Any) -> None:
    settings.FAHUO_MESSAGE_QUIET_HOURS = None


@pytest.fixture
def run(django_capture_on_commit_callbacks: Any) -> Any:
    """A sweep whose after-commit jobs (the buyer messages) run, as they do once the edge commits."""

    def go(**kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return sweep(now=kwargs.pop("now", NOW), **kwargs)

    return go


def stalled(shop: Any, hours_since_last_trace: float) -> Any:
    """A parcel in transit whose last trace is this old (the rule fires after 48 h)."""
    last = ago(hours_since_last_trace)
    return f.track(shop, status=TrackStatus.IN_TRANSIT, last_event_at=last, status_at=last, picked_up_at=last)


def test_a_fresh_alert_queues_one_buyer_message_with_masked_name_and_number(shop: Any, run: Any) -> None:
    t = stalled(shop, 50)  # stalled since 2 h
    result = run()
    alert = Alert.objects.get(kind=AlertKind.STALLED)
    assert alert.buyer_message == BuyerMessage.AUTO and result.messaged == 1
    message = OutboxMessage.objects.get()
    assert message.template_key == "delayed" and message.track_id == t.pk
    assert "张**" in message.body and t.tracking_no in message.body
    assert "张三丰" not in message.body and "{" not in message.body


def test_a_second_sweep_sends_nothing_again(shop: Any, run: Any) -> None:
    stalled(shop, 50)
    run()
    second = run(now=NOW + dt.timedelta(minutes=5))
    assert second.total_created == 0 and second.messaged == 0
    assert OutboxMessage.objects.count() == 1


def test_a_reopened_alert_on_the_same_parcel_does_not_message_twice(shop: Any, run: Any) -> None:
    stalled(shop, 50)
    run()
    Alert.objects.update(status=AlertStatus.RESOLVED)  # resolved by hand, still stalled: opens again
    again = run(now=NOW + dt.timedelta(minutes=5))
    assert again.total_created == 1 and again.messaged == 1
    assert OutboxMessage.objects.count() == 1  # one "delayed" per parcel


def test_an_old_alert_opens_but_is_held_for_the_seller(shop: Any, run: Any) -> None:
    stalled(shop, 48 + 30)  # stalled for 30 h already: the horizon is 24 h
    result = run()
    alert = Alert.objects.get(kind=AlertKind.STALLED)
    assert alert.status == AlertStatus.OPEN and alert.buyer_message == BuyerMessage.HELD
    assert result.messaged == 0 and not OutboxMessage.objects.exists()
    assert list(selectors.alert_queue(status="untold")) == [alert]


def test_a_cold_first_sweep_messages_only_fresh_problems(shop: Any, run: Any) -> None:
    fresh = f.track(shop, status=TrackStatus.EXCEPTION, last_event_at=ago(2), status_at=ago(2))
    f.track(shop, status=TrackStatus.EXCEPTION, last_event_at=ago(100), status_at=ago(100))
    f.track(shop, status=TrackStatus.REFUSED, last_event_at=ago(200), status_at=ago(200))
    late_old = f.track(shop, status=TrackStatus.IN_TRANSIT, last_event_at=ago(1), due_at=ago(40))
    late_new = f.track(shop, status=TrackStatus.IN_TRANSIT, last_event_at=ago(1), due_at=ago(3))
    result = run()
    assert result.total_created == 5 and result.messaged == 2
    assert set(OutboxMessage.objects.values_list("track_id", "template_key")) == {
        (fresh.pk, "problem"),
        (late_new.pk, "delayed"),
    }
    assert Alert.objects.get(track=late_old).buyer_message == BuyerMessage.HELD
    assert Alert.objects.filter(buyer_message=BuyerMessage.HELD).count() == 3


def test_remote_parcels_count_freshness_from_their_longer_stall(shop: Any, run: Any) -> None:
    # A parcel bound for 新疆 stalls after 96 h: 100 h after its last trace it has been stalled 4 h.
    o = f.order(shop, province="新疆维吾尔自治区")
    last = ago(100)
    f.track(order_obj=o, status=TrackStatus.IN_TRANSIT, last_event_at=last, status_at=last)
    run()
    assert Alert.objects.get(kind=AlertKind.STALLED).buyer_message == BuyerMessage.AUTO


def test_the_freshness_horizon_is_a_setting_and_a_rule_param(shop: Any, run: Any, settings: Any) -> None:
    settings.FAHUO_ALERT_MESSAGE_MAX_AGE_HOURS = 48
    stalled(shop, 48 + 30)
    AlertRule.objects.filter(kind=AlertKind.PROBLEM).update(params={"message_max_age_hours": 1})
    f.track(shop, status=TrackStatus.EXCEPTION, last_event_at=ago(2), status_at=ago(2))
    run()
    assert Alert.objects.get(kind=AlertKind.STALLED).buyer_message == BuyerMessage.AUTO
    assert Alert.objects.get(kind=AlertKind.PROBLEM).buyer_message == BuyerMessage.HELD
    assert list(OutboxMessage.objects.values_list("template_key", flat=True)) == ["delayed"]


def test_a_kind_switched_off_opens_the_alert_without_a_message(shop: Any, run: Any) -> None:
    rules.set_message_buyer(kind=AlertKind.STALLED, on=False)
    stalled(shop, 50)
    result = run()
    assert Alert.objects.get(kind=AlertKind.STALLED).buyer_message == BuyerMessage.OFF
    assert result.messaged == 0 and not OutboxMessage.objects.exists()
    assert not list(selectors.alert_queue(status="untold"))  # the seller chose this: not "held"
    rules.set_message_buyer(kind=AlertKind.STALLED, on=True)
    assert AlertKind.STALLED in rules.auto_message_kinds()


def test_internal_alerts_never_message_the_buyer(shop: Any, run: Any) -> None:
    f.track(shop, issued_at=ago(30))  # not picked up: the seller's business
    run()
    assert Alert.objects.get(kind=AlertKind.NO_PICKUP).buyer_message == BuyerMessage.NONE
    assert not OutboxMessage.objects.exists()


def test_the_ship_by_apology_waits_for_the_overdue_alert(shop: Any, run: Any) -> None:
    soon = f.order(shop, status=OrderStatus.READY, ship_by=NOW + dt.timedelta(hours=2))
    overdue = f.order(shop, status=OrderStatus.READY, ship_by=ago(3))
    run()
    assert Alert.objects.get(order=soon).buyer_message == BuyerMessage.OFF  # off by default
    assert Alert.objects.get(order=overdue).buyer_message == BuyerMessage.AUTO
    message = OutboxMessage.objects.get()
    assert message.order_id == overdue.pk and message.template_key == "ship_by_soon"


def test_a_lost_parcel_gets_the_lost_message(shop: Any, run: Any) -> None:
    t = f.track(shop, status=TrackStatus.LOST, active=False, last_event_at=ago(3), status_at=ago(3))
    run()
    assert Alert.objects.get(track=t).kind == AlertKind.PROBLEM
    assert OutboxMessage.objects.get().template_key == "lost"


def test_messaging_keeps_the_sweep_set_based(shop: Any, django_capture_on_commit_callbacks: Any) -> None:
    """The sweep reads its new alerts in one query; the queueing job after commit is a fixed
    number of queries too (rendering and one bulk insert), whatever the number of alerts."""

    def count(n: int, at: dt.datetime) -> tuple[int, int]:
        for _ in range(n):
            stalled(shop, 50)
            f.track(shop, status=TrackStatus.EXCEPTION, last_event_at=ago(1), status_at=ago(1))
        with django_capture_on_commit_callbacks(execute=False) as jobs:
            with CaptureQueriesContext(connection) as swept:
                result = sweep(now=at)
        assert result.messaged == 2 * n and len(jobs) == 1
        with CaptureQueriesContext(connection) as queued:
            jobs[0]()  # queue_messages_task (Huey runs it inline under test); sending is another job
        return len(swept), len(queued)

    few = count(2, NOW)
    many = count(20, NOW + dt.timedelta(minutes=5))
    assert few == many
    assert OutboxMessage.objects.count() == 44
