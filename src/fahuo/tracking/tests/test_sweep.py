"""Every rule: fires, does not fire, and resolves itself when its condition clears."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fahuo.orders.models import OrderStatus
from fahuo.tracking.models import Alert, AlertKind, AlertRule, AlertStatus, Track, TrackStatus
from fahuo.tracking.sweep import sweep
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.django_db
NOW = f.NOW


def ago(hours: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=hours)


def open_kinds(**filters: Any) -> set[tuple[str, str]]:
    qs = Alert.objects.exclude(status=AlertStatus.RESOLVED).filter(**filters)
    return {(a.kind, a.tracking_no or str(a.order_id)) for a in qs}


def alert(kind: str, **filters: Any) -> Alert:
    return Alert.objects.get(kind=kind, **filters)


def set_track(t: Track, **fields: Any) -> None:
    Track.objects.filter(pk=t.pk).update(**fields)


# --- ship-by -------------------------------------------------------------------------------------


def test_ship_by_soon_fires_inside_the_lead_and_not_before(shop: Any) -> None:
    soon = f.order(shop, status=OrderStatus.READY, ship_by=NOW + dt.timedelta(hours=5))
    later = f.order(shop, status=OrderStatus.READY, ship_by=NOW + dt.timedelta(hours=7))
    result = sweep(now=NOW)
    a = alert(AlertKind.SHIP_BY_SOON)
    assert (a.order_id, a.track_id, a.tracking_no) == (soon.pk, None, "")
    assert a.since == NOW - dt.timedelta(hours=1)  # ship_by - 6 h lead
    assert result.created[AlertKind.SHIP_BY_SOON] == 1
    assert not Alert.objects.filter(order=later).exists()


def test_ship_by_overdue_is_critical_and_replaces_soon(shop: Any) -> None:
    o = f.order(shop, status=OrderStatus.NEEDS_REVIEW, ship_by=NOW + dt.timedelta(hours=1))
    sweep(now=NOW)
    assert alert(AlertKind.SHIP_BY_SOON).status == AlertStatus.OPEN
    sweep(now=NOW + dt.timedelta(hours=2))
    overdue = alert(AlertKind.SHIP_BY_OVERDUE, order=o)
    assert (overdue.severity, overdue.since) == ("critical", o.ship_by)
    assert alert(AlertKind.SHIP_BY_SOON).status == AlertStatus.RESOLVED


def test_ship_by_alerts_resolve_once_printed(shop: Any) -> None:
    o = f.order(shop, status=OrderStatus.READY, ship_by=ago(1))
    sweep(now=NOW)
    assert alert(AlertKind.SHIP_BY_OVERDUE).status == AlertStatus.OPEN
    type(o).objects.filter(pk=o.pk).update(status=OrderStatus.PRINTED)
    result = sweep(now=NOW)
    a = alert(AlertKind.SHIP_BY_OVERDUE)
    assert (a.status, a.resolved_by) == (AlertStatus.RESOLVED, None)
    assert result.resolved[AlertKind.SHIP_BY_OVERDUE] == 1


def test_ship_by_falls_back_to_paid_plus_the_shop_hours(shop: Any) -> None:
    shop.default_ship_hours = 24
    shop.save()
    late = f.order(shop, status=OrderStatus.READY, ship_by=None, paid_at=ago(25))
    fine = f.order(shop, status=OrderStatus.READY, ship_by=None, paid_at=ago(10))
    sweep(now=NOW)
    assert alert(AlertKind.SHIP_BY_OVERDUE).order_id == late.pk
    assert late.paid_at is not None
    assert alert(AlertKind.SHIP_BY_OVERDUE).since == late.paid_at + dt.timedelta(hours=24)
    assert not Alert.objects.filter(order=fine).exists()


def test_a_platform_extension_clears_the_overdue_alert(shop: Any) -> None:
    o = f.order(shop, status=OrderStatus.READY, ship_by=ago(1))
    sweep(now=NOW)
    type(o).objects.filter(pk=o.pk).update(ship_by=NOW + dt.timedelta(hours=24))
    sweep(now=NOW)
    assert alert(AlertKind.SHIP_BY_OVERDUE).status == AlertStatus.RESOLVED


# --- parcels -------------------------------------------------------------------------------------


def test_no_pickup_fires_after_the_hours_and_clears_on_pickup(shop: Any) -> None:
    waiting = f.track(shop, issued_at=ago(25))
    fresh = f.track(shop, issued_at=ago(5))
    sweep(now=NOW)
    a = alert(AlertKind.NO_PICKUP)
    assert (a.track_id, a.tracking_no, a.order_id, a.since) == (
        waiting.pk,
        waiting.tracking_no,
        waiting.order_id,
        waiting.issued_at,
    )
    assert not Alert.objects.filter(track=fresh).exists()
    set_track(waiting, status=TrackStatus.PICKED_UP, picked_up_at=ago(1), last_event_at=ago(1))
    sweep(now=NOW)
    assert alert(AlertKind.NO_PICKUP).status == AlertStatus.RESOLVED


def test_stalled_waits_longer_for_remote_provinces(shop: Any) -> None:
    near = f.track(shop, status=TrackStatus.IN_TRANSIT, last_event_at=ago(50), dest_province="浙江省")
    far = f.track(
        shop, status=TrackStatus.IN_TRANSIT, last_event_at=ago(50), dest_province="新疆维吾尔自治区"
    )
    farther = f.track(shop, status=TrackStatus.IN_TRANSIT, last_event_at=ago(100), dest_province="西藏自治区")
    fresh = f.track(shop, status=TrackStatus.IN_TRANSIT, last_event_at=ago(3))
    sweep(now=NOW)
    stalled = {a.track_id for a in Alert.objects.filter(kind=AlertKind.STALLED)}
    assert stalled == {near.pk, farther.pk}
    assert far.pk not in stalled and fresh.pk not in stalled


def test_stalled_clears_on_a_new_trace(shop: Any) -> None:
    t = f.track(shop, status=TrackStatus.IN_TRANSIT, last_event_at=ago(50))
    sweep(now=NOW)
    set_track(t, last_event_at=ago(1))
    sweep(now=NOW)
    assert alert(AlertKind.STALLED).status == AlertStatus.RESOLVED


def test_stalled_hours_are_tunable(shop: Any) -> None:
    f.track(shop, status=TrackStatus.IN_TRANSIT, last_event_at=ago(13))
    AlertRule.objects.filter(kind=AlertKind.STALLED).update(params={"hours": 12})
    sweep(now=NOW)
    assert Alert.objects.filter(kind=AlertKind.STALLED).count() == 1


def test_an_inactive_rule_does_not_run(shop: Any) -> None:
    f.track(shop, status=TrackStatus.IN_TRANSIT, last_event_at=ago(100))
    AlertRule.objects.filter(kind=AlertKind.STALLED).update(active=False)
    sweep(now=NOW)
    assert not Alert.objects.filter(kind=AlertKind.STALLED).exists()


def test_problem_parcels_alert_and_clear_when_the_carrier_moves_on(shop: Any) -> None:
    t = f.track(shop, status=TrackStatus.EXCEPTION, status_at=ago(2), last_event_at=ago(2))
    ok = f.track(shop, status=TrackStatus.IN_TRANSIT, last_event_at=ago(2))
    sweep(now=NOW)
    a = alert(AlertKind.PROBLEM)
    assert (a.track_id, a.severity, a.since) == (t.pk, "critical", ago(2))
    assert not Alert.objects.filter(track=ok).exists()
    set_track(t, status=TrackStatus.OUT_FOR_DELIVERY, last_event_at=ago(1))
    sweep(now=NOW)
    assert alert(AlertKind.PROBLEM).status == AlertStatus.RESOLVED


def test_a_lost_parcel_is_a_problem_although_final(shop: Any) -> None:
    t = f.track(shop, status=TrackStatus.LOST, active=False, status_at=ago(5), last_event_at=ago(5))
    f.track(shop, status=TrackStatus.LOST, active=False, status_at=ago(500), last_event_at=ago(500))
    sweep(now=NOW)
    assert [a.track_id for a in Alert.objects.filter(kind=AlertKind.PROBLEM)] == [t.pk]


def test_refused_stays_open_until_delivered_after_all(shop: Any) -> None:
    t = f.track(shop, status=TrackStatus.REFUSED, status_at=ago(3), last_event_at=ago(3))
    sweep(now=NOW)
    assert alert(AlertKind.REFUSED).severity == "critical"
    set_track(t, status=TrackStatus.RETURNING)
    sweep(now=NOW)
    assert alert(AlertKind.REFUSED).status == AlertStatus.OPEN  # a refused parcel needs a person
    assert alert(AlertKind.RETURNING).status == AlertStatus.OPEN
    set_track(t, status=TrackStatus.DELIVERED, active=False, delivered_at=ago(1))
    sweep(now=NOW)
    assert alert(AlertKind.REFUSED).status == AlertStatus.RESOLVED
    assert alert(AlertKind.RETURNING).status == AlertStatus.RESOLVED


def test_returning_does_not_fire_for_parcels_on_their_way(shop: Any) -> None:
    f.track(shop, status=TrackStatus.OUT_FOR_DELIVERY, last_event_at=ago(1))
    sweep(now=NOW)
    assert not Alert.objects.filter(kind__in=[AlertKind.RETURNING, AlertKind.REFUSED]).exists()


def test_late_fires_past_the_due_time_and_clears_on_delivery(shop: Any) -> None:
    t = f.track(
        shop, status=TrackStatus.IN_TRANSIT, last_event_at=ago(1), picked_up_at=ago(50), due_at=ago(2)
    )
    on_time = f.track(
        shop, status=TrackStatus.IN_TRANSIT, last_event_at=ago(1), due_at=NOW + dt.timedelta(hours=5)
    )
    sweep(now=NOW)
    a = alert(AlertKind.LATE)
    assert (a.track_id, a.since) == (t.pk, ago(2))
    assert not Alert.objects.filter(track=on_time).exists()
    set_track(t, status=TrackStatus.DELIVERED, active=False, delivered_at=ago(0.5))
    sweep(now=NOW)
    assert alert(AlertKind.LATE).status == AlertStatus.RESOLVED


def test_late_does_not_fire_for_returning_parcels(shop: Any) -> None:
    f.track(shop, status=TrackStatus.RETURNING, last_event_at=ago(1), due_at=ago(10))
    sweep(now=NOW)
    assert not Alert.objects.filter(kind=AlertKind.LATE).exists()


def test_proxy_signed_fires_only_when_door_delivery_was_asked(shop: Any) -> None:
    door = f.track(
        shop,
        status=TrackStatus.DELIVERED,
        active=False,
        delivered_at=ago(3),
        status_at=ago(3),
        signed_by_proxy=True,
        door_delivery=True,
    )
    f.track(shop, status=TrackStatus.DELIVERED, active=False, delivered_at=ago(3), signed_by_proxy=True)
    locker = f.track(
        shop, status=TrackStatus.IN_LOCKER, signed_by_proxy=True, door_delivery=True, status_at=ago(1)
    )
    f.track(
        shop,
        status=TrackStatus.DELIVERED,
        active=False,
        delivered_at=ago(300),
        signed_by_proxy=True,
        door_delivery=True,
    )
    sweep(now=NOW)
    assert {a.track_id for a in Alert.objects.filter(kind=AlertKind.PROXY_SIGNED)} == {door.pk, locker.pk}


def test_proxy_signed_is_never_resolved_by_the_sweep(shop: Any) -> None:
    t = f.track(
        shop, status=TrackStatus.IN_LOCKER, signed_by_proxy=True, door_delivery=True, status_at=ago(1)
    )
    sweep(now=NOW)
    set_track(t, status=TrackStatus.DELIVERED, active=False, delivered_at=NOW + dt.timedelta(days=10))
    sweep(now=NOW + dt.timedelta(days=30))
    assert alert(AlertKind.PROXY_SIGNED).status == AlertStatus.OPEN


# --- the sweep as a whole ------------------------------------------------------------------------


def test_a_second_sweep_opens_nothing_new(shop: Any) -> None:
    f.track(shop, issued_at=ago(30))
    f.track(shop, status=TrackStatus.EXCEPTION, last_event_at=ago(1))
    first = sweep(now=NOW)
    second = sweep(now=NOW)
    assert first.total_created == 2
    assert second.total_created == second.total_resolved == 0
    assert Alert.objects.count() == 2


def test_a_resolved_alert_may_open_again_later(shop: Any) -> None:
    t = f.track(shop, status=TrackStatus.EXCEPTION, last_event_at=ago(1))
    sweep(now=NOW)
    set_track(t, status=TrackStatus.IN_TRANSIT)
    sweep(now=NOW)
    set_track(t, status=TrackStatus.EXCEPTION)
    sweep(now=NOW)
    assert [a.status for a in Alert.objects.filter(track=t).order_by("pk")] == [
        AlertStatus.RESOLVED,
        AlertStatus.OPEN,
    ]


def test_a_manually_resolved_alert_reopens_when_the_condition_still_holds(shop: Any) -> None:
    t = f.track(shop, status=TrackStatus.EXCEPTION, last_event_at=ago(1))
    sweep(now=NOW)
    Alert.objects.filter(track=t).update(status=AlertStatus.RESOLVED)
    sweep(now=NOW)
    assert Alert.objects.filter(track=t).count() == 2


def test_sweep_queries_do_not_grow_with_rows(shop: Any) -> None:
    def make(n: int) -> None:
        for _ in range(n):
            f.track(shop, issued_at=ago(30))
            f.track(shop, status=TrackStatus.IN_TRANSIT, last_event_at=ago(60))
            f.order(shop, status=OrderStatus.READY, ship_by=ago(1))

    make(2)
    with CaptureQueriesContext(connection) as few:
        sweep(now=NOW)
    make(40)
    with CaptureQueriesContext(connection) as many:
        sweep(now=NOW)
    assert len(many) == len(few)
    # Each rule's own transaction adds SAVEPOINT/RELEASE inside the test's transaction; the rest is
    # a fixed number of statements.
    work = [q for q in few.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(work) <= 3 * 9 + 3


def test_a_sweep_stopped_part_way_keeps_what_its_finished_rules_did(
    shop: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each rule commits on its own (short write transactions while pushes and imports wait): a
    failure in the ship-by rule keeps the parcel alerts already opened, and the next sweep completes."""
    from fahuo.tracking import sweep as sweep_mod

    waiting = f.track(shop, issued_at=ago(25))
    late = f.order(shop, status=OrderStatus.READY, ship_by=NOW - dt.timedelta(hours=1))
    real = sweep_mod._sweep_order_rules

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("worker killed")

    monkeypatch.setattr(sweep_mod, "_sweep_order_rules", broken)
    with pytest.raises(RuntimeError):
        sweep(now=NOW)
    assert alert(AlertKind.NO_PICKUP).track_id == waiting.pk
    assert not Alert.objects.filter(order=late, kind=AlertKind.SHIP_BY_OVERDUE).exists()
    monkeypatch.setattr(sweep_mod, "_sweep_order_rules", real)
    result = sweep(now=NOW)
    assert alert(AlertKind.SHIP_BY_OVERDUE, order=late).status == AlertStatus.OPEN
    assert result.created[AlertKind.NO_PICKUP] == 0  # not opened twice
