"""Polling fallback: quiet or unsubscribed parcels are queried at Kdniao / Kuaidi100 (simulators over
real HTTP) and the answers go through ingestion like a push."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fahuo.carriers.models import ProviderAccount
from fahuo.cli import main
from fahuo.integrations.kdniao.simulator import KdniaoSimulator
from fahuo.integrations.kuaidi100 import simulator as k100_sim
from fahuo.integrations.simserver import serve
from fahuo.tracking.models import Track, TrackEvent, TrackStatus
from fahuo.tracking.polling import PollPolicy, PollResult, Throttle, claim, poll_round
from fahuo.tracking.tests import factories as f
from fahuo.tracking.tests.conftest import K100_SALT, KDNIAO_EBID, KDNIAO_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def sim() -> KdniaoSimulator:
    return KdniaoSimulator.with_accounts({KDNIAO_EBID: KDNIAO_KEY})


@pytest.fixture
def kdniao(sim: KdniaoSimulator, db: Any) -> Iterator[ProviderAccount]:
    with serve(sim) as url:
        creds = {"ebusiness_id": KDNIAO_EBID, "app_key": KDNIAO_KEY, "max_attempts": 1, "poll_rate": 1000}
        yield ProviderAccount.objects.create(
            provider="kdniao", name="快递鸟", base_url=url, credentials=json.dumps(creds)
        )


@pytest.fixture
def k100_state() -> k100_sim.SimulatorState:
    return k100_sim.SimulatorState()


@pytest.fixture
def kuaidi100(k100_state: k100_sim.SimulatorState, db: Any) -> Iterator[ProviderAccount]:
    with serve(k100_sim.make_app(k100_state)) as url:
        creds = {
            "key": k100_sim.DEMO_KEY,
            "secret": k100_sim.DEMO_SECRET,
            "customer": k100_sim.DEMO_CUSTOMER,
            "salt": K100_SALT,
            "retries": 1,
            "poll_rate": 1000,
        }
        yield ProviderAccount.objects.create(
            provider="kuaidi100", name="快递100", base_url=url, credentials=json.dumps(creds)
        )


def poll(now: dt.datetime) -> PollResult:
    return poll_round(now=now, sleep=lambda seconds: None)


def unsubscribed(shop: Any, number: str, now: dt.datetime, **fields: Any) -> Track:
    """A parcel whose subscription never happened (or failed), issued three hours ago."""
    defaults: dict[str, Any] = {"issued_at": now - dt.timedelta(hours=3)}
    defaults.update(fields)
    return f.track(shop, tracking_no=number, carrier_code="ZTO", **defaults)


def trace(sim: KdniaoSimulator, number: str, at: dt.datetime, action: str, station: str) -> None:
    local = timezone.localtime(at, dt.timezone(dt.timedelta(hours=8)))
    sim.add_trace("ZTO", number, at=local.strftime("%Y-%m-%d %H:%M:%S"), station=station, action=action)


def queried(sim: KdniaoSimulator) -> list[str]:
    return [json.loads(form["RequestData"])["LogisticCode"] for _, form in sim.received]


def test_a_parcel_without_pushes_gets_its_traces_by_polling(
    shop: Any, sim: KdniaoSimulator, kdniao: Any
) -> None:
    now = timezone.now()
    t = unsubscribed(shop, "73100000000101", now)
    trace(sim, t.tracking_no, now - dt.timedelta(hours=2), "1", "【杭州市】快递员已揽收")
    trace(sim, t.tracking_no, now - dt.timedelta(hours=1), "2", "快件已发往【上海转运中心】")
    result = poll(now)
    assert (result.polled, result.accepted, result.failed) == (1, 2, [])
    [change] = result.changed
    assert (change.tracking_no, change.status_before, change.status) == (
        t.tracking_no,
        "awaiting_pickup",
        "in_transit",
    )
    t.refresh_from_db()
    assert t.status == TrackStatus.IN_TRANSIT and t.picked_up_at is not None
    assert t.next_poll_at == now + dt.timedelta(minutes=PollPolicy().every_minutes)
    assert TrackEvent.objects.filter(track=t).count() == 2


def test_polling_twice_adds_no_duplicate_events(shop: Any, sim: KdniaoSimulator, kdniao: Any) -> None:
    now = timezone.now()
    t = unsubscribed(shop, "73100000000102", now)
    trace(sim, t.tracking_no, now - dt.timedelta(hours=2), "1", "【杭州市】快递员已揽收")
    poll(now)
    later = now + dt.timedelta(hours=3)
    again = poll(later)
    assert (again.polled, again.accepted, again.duplicates, again.changed) == (1, 0, 1, [])
    assert TrackEvent.objects.filter(track=t).count() == 1
    assert queried(sim) == [t.tracking_no, t.tracking_no]


def test_a_parcel_is_not_polled_again_before_its_interval(
    shop: Any, sim: KdniaoSimulator, kdniao: Any
) -> None:
    now = timezone.now()
    unsubscribed(shop, "73100000000103", now)
    poll(now)
    assert poll(now + dt.timedelta(minutes=30)).polled == 0
    assert len(sim.received) == 1


def test_a_parcel_that_got_a_push_recently_is_not_polled(
    shop: Any, sim: KdniaoSimulator, kdniao: Any
) -> None:
    now = timezone.now()
    subscribed: dict[str, Any] = {
        "subscribed_provider": "kdniao",
        "subscribed_at": now - dt.timedelta(days=2),
    }
    fresh = f.track(
        shop,
        tracking_no="73100000000104",
        status=TrackStatus.IN_TRANSIT,
        last_event_at=now - dt.timedelta(hours=1),
        issued_at=now - dt.timedelta(days=2),
        **subscribed,
    )
    quiet = f.track(
        shop,
        tracking_no="73100000000105",
        status=TrackStatus.IN_TRANSIT,
        last_event_at=now - dt.timedelta(hours=20),
        issued_at=now - dt.timedelta(days=2),
        **subscribed,
    )
    just_subscribed = f.track(
        shop, tracking_no="73100000000106", issued_at=now - dt.timedelta(hours=2), subscribed_provider="kdniao",
        subscribed_at=now - dt.timedelta(hours=2),
    )  # fmt: skip
    result = poll(now)
    assert result.polled == 1
    assert queried(sim) == [quiet.tracking_no]
    assert fresh.tracking_no not in queried(sim) and just_subscribed.tracking_no not in queried(sim)


def test_an_unsubscribed_parcel_that_receives_pushes_anyway_is_not_polled(
    shop: Any, sim: KdniaoSimulator, kdniao: Any
) -> None:
    from fahuo.tracking.ingest import ingest_events

    now = timezone.now()
    t = unsubscribed(shop, "73100000000109", now)
    ingest_events([f.event(t, TrackStatus.PICKED_UP, now - dt.timedelta(minutes=20))])
    assert poll(now).polled == 0


def test_delivered_parcels_are_never_polled(shop: Any, sim: KdniaoSimulator, kdniao: Any) -> None:
    now = timezone.now()
    unsubscribed(shop, "73100000000108", now, status=TrackStatus.DELIVERED, active=False)
    assert poll(now).polled == 0
    assert not sim.received


def test_a_failing_call_is_logged_and_retried_next_round_without_losing_the_others(
    shop: Any, sim: KdniaoSimulator, kdniao: Any, caplog: Any
) -> None:
    now = timezone.now()
    refused, other_a, other_b = (unsubscribed(shop, f"7310000000020{i}", now) for i in range(3))
    for t in (refused, other_a, other_b):
        trace(sim, t.tracking_no, now - dt.timedelta(hours=2), "1", "【杭州市】快递员已揽收")
    sim.refuse_next_query(1, "系统繁忙，请稍后再试")  # Success=false for the first call
    caplog.set_level(logging.WARNING, logger="fahuo.tracking.polling")
    first = poll(now)
    assert [no for no, _, _ in first.failed] == [refused.tracking_no]
    assert "系统繁忙" in caplog.text and refused.tracking_no in caplog.text
    assert (first.polled, first.accepted) == (2, 2)

    sim.fail_next(1, status=503)  # next round: the retried parcel meets a 5xx
    retry = PollPolicy().retry_minutes
    second = poll(now + dt.timedelta(minutes=retry))
    assert [no for no, _, _ in second.failed] == [refused.tracking_no]
    assert "503" in second.failed[0][2]

    third = poll(now + dt.timedelta(minutes=2 * retry))
    assert (third.polled, third.failed, third.accepted) == (1, [], 1)
    statuses = set(
        Track.objects.filter(pk__in=[refused.pk, other_a.pk, other_b.pk]).values_list("status", flat=True)
    )
    assert statuses == {TrackStatus.PICKED_UP}


def test_kuaidi100_parcels_are_polled_with_the_phone_sf_needs(
    shop: Any, k100_state: k100_sim.SimulatorState, kuaidi100: Any
) -> None:
    now = timezone.now()
    order = f.order(shop, recipient_phone="13912345678")
    t = f.track(
        tracking_no="SF1400000000001",
        carrier_code="SF",
        order_obj=order,
        issued_at=now - dt.timedelta(hours=3),
    )
    stamp = timezone.localtime(now - dt.timedelta(hours=1), dt.timezone(dt.timedelta(hours=8)))
    k100_state.add_trace(
        "shunfeng",
        t.tracking_no,
        time=stamp.strftime("%Y-%m-%d %H:%M:%S"),
        context="已揽收",
        status_code="103",
    )
    result = poll(now)
    assert (result.polled, result.accepted) == (1, 1)
    [(_, form)] = k100_state.received
    assert json.loads(form["param"])["phone"] == "13912345678"
    t.refresh_from_db()
    assert t.status == TrackStatus.PICKED_UP


def test_kuaidi100_abort_lapses_the_subscription_polls_it_and_subscribes_again(
    shop: Any,
    k100_state: k100_sim.SimulatorState,
    kuaidi100: Any,
    monkeypatch: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from fahuo.tracking import tasks

    settings.FAHUO_PUBLIC_URL = "http://127.0.0.1:9"
    now = timezone.now()
    t = f.track(
        tracking_no="77301234567801",
        carrier_code="STO",
        issued_at=now - dt.timedelta(days=4),
        subscribed_provider="kuaidi100",
        subscribed_at=now - dt.timedelta(days=4),
    )
    scheduled: list[Any] = []
    monkeypatch.setattr(
        tasks.resubscribe_task, "schedule", lambda args, delay: scheduled.append((args, delay))
    )
    param = k100_state.callback_param("shentong", t.tracking_no, status="abort", message="3天查询无记录")
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/hooks/kuaidi100", k100_sim.build_callback_form(param, K100_SALT))
    assert response.status_code == 200
    assert scheduled == [((t.tracking_no, "kuaidi100"), 1800)]
    t.refresh_from_db()
    assert (t.subscribed_provider, t.subscribed_at) == ("kuaidi100", None)

    k100_state.add_trace(
        "shentong", t.tracking_no, time="2025-06-18 09:00:00", context="已揽收", status_code="103"
    )
    assert poll(now).accepted == 1  # no push any more: polled meanwhile

    tasks.resubscribe_task.call_local(t.tracking_no, "kuaidi100")
    t.refresh_from_db()
    assert t.subscribed_at is not None
    assert k100_state.subscriptions[("shentong", t.tracking_no)].monitoring


def test_without_a_tracking_account_nothing_is_polled(shop: Any) -> None:
    now = timezone.now()
    unsubscribed(shop, "73100000000301", now)
    assert poll(now).as_dict()["polled"] == 0


def test_a_claimed_parcel_is_not_claimed_by_a_second_worker(shop: Any) -> None:
    now = timezone.now()
    tracks = [unsubscribed(shop, f"7310000000040{i}", now) for i in range(2)]
    assert len(claim(tracks, now=now)) == 2
    assert claim(tracks, now=now) == []


def test_throttle_spaces_calls_to_the_rate() -> None:
    clock = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    throttle = Throttle(2.0, clock=lambda: clock[0], sleep=sleep)
    for _ in range(3):
        throttle.wait()
    assert slept == [0.5, 0.5]


def test_track_poll_cli_prints_what_changed_as_json(
    shop: Any, sim: KdniaoSimulator, kdniao: Any, capsys: Any
) -> None:
    now = timezone.now()
    t = unsubscribed(shop, "73100000000501", now)
    trace(sim, t.tracking_no, now - dt.timedelta(hours=1), "2", "快件已发往【上海转运中心】")
    assert main(["track", "poll", "--json", "--limit", "10"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["polled"], out["accepted"]) == (1, 1)
    assert out["changed"][0]["tracking_no"] == t.tracking_no and out["changed"][0]["to"] == "in_transit"


def test_track_poll_cli_prints_a_table(shop: Any, sim: KdniaoSimulator, kdniao: Any, capsys: Any) -> None:
    now = timezone.now()
    t = unsubscribed(shop, "73100000000502", now)
    trace(sim, t.tracking_no, now - dt.timedelta(hours=1), "2", "快件已发往【上海转运中心】")
    assert main(["track", "poll"]) == 0
    out = capsys.readouterr().out
    assert "1 polled" in out and t.tracking_no in out and "in_transit" in out
