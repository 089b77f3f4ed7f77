"""Queueing: idempotent, set-based, the right channel and text, hooks that run after commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fahuo.notify import services
from fahuo.notify.models import BuyerContact, MessageTemplate, OutboxMessage, OutboxStatus
from fahuo.notify.tests import factories as f
from fahuo.orders.models import OrderStatus
from fahuo.tracking.models import Alert, AlertKind, TrackStatus


def test_enqueue_twice_queues_one_message(sms_shop: Any, library: None) -> None:
    order = f.order(sms_shop)
    f.track(order)
    first = services.enqueue(order=order, key="shipped", now=f.NOW)
    second = services.enqueue(order=order, key="shipped", now=f.NOW)
    assert first is not None and second is not None and first.pk == second.pk
    assert OutboxMessage.objects.count() == 1
    assert first.channel == "sms" and first.to == f.FULL_PHONE and first.status == OutboxStatus.QUEUED


def test_the_recipient_is_stored_encrypted_and_params_hold_no_personal_data(
    sms_shop: Any, library: None
) -> None:
    order = f.order(sms_shop)
    f.track(order)
    message = services.enqueue(order=order, key="shipped", now=f.NOW)
    assert message is not None
    with connection.cursor() as cur:
        cur.execute('SELECT "to", params, body FROM notify_outboxmessage WHERE id = %s', [message.pk])
        raw_to, params, body = cur.fetchone()
    assert f.FULL_PHONE not in raw_to and raw_to.startswith("v1:")
    for text in (params, body):
        assert f.FULL_PHONE not in text and f.FULL_NAME not in text and f.STREET not in text


def test_track_hooks_queue_after_commit_once(
    sms_shop: Any, library: None, django_capture_on_commit_callbacks: Any
) -> None:
    order = f.order(sms_shop)
    track = f.track(order, status=TrackStatus.PICKED_UP)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify_for_track_status(track)
    assert OutboxMessage.objects.count() == 0  # nothing before the commit
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_for_track_status(track)
        services.notify_for_tracks([track])
    assert list(OutboxMessage.objects.values_list("template_key", flat=True)) == ["shipped"]


def test_queueing_a_batch_is_set_based(sms_shop: Any, library: None) -> None:
    def run(n: int) -> int:
        tracks = [f.track(f.order(sms_shop), status=TrackStatus.OUT_FOR_DELIVERY) for _ in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            queued = services.queue_for_tracks(pairs=[(t.pk, "out_for_delivery") for t in tracks], now=f.NOW)
        assert queued == n
        return len(ctx.captured_queries)

    assert run(3) == run(30)


def test_a_milestone_the_parcel_is_past_is_not_sent(sms_shop: Any, library: None) -> None:
    track = f.track(f.order(sms_shop), status=TrackStatus.DELIVERED)
    queued = services.queue_for_tracks(pairs=[(track.pk, "shipped"), (track.pk, "delivered")], now=f.NOW)
    assert queued == 1
    assert OutboxMessage.objects.get().template_key == "delivered"


def test_a_cancelled_order_gets_nothing(sms_shop: Any, library: None) -> None:
    track = f.track(f.order(sms_shop, status=OrderStatus.CANCELLED))
    assert services.queue_for_tracks(pairs=[(track.pk, "shipped")], now=f.NOW) == 0


def test_stall_and_late_alerts_send_one_delay_message_per_parcel(sms_shop: Any, library: None) -> None:
    order = f.order(sms_shop)
    track = f.track(order, status=TrackStatus.IN_TRANSIT)
    stalled = Alert.objects.create(kind=AlertKind.STALLED, order=order, track=track, since=f.NOW)
    late = Alert.objects.create(kind=AlertKind.LATE, order=order, track=track, since=f.NOW)
    internal = Alert.objects.create(kind=AlertKind.NO_PICKUP, order=order, track=None, since=f.NOW)
    pairs = [(a.pk, services.ALERT_KEYS[a.kind]) for a in (stalled, late) if a.kind in services.ALERT_KEYS]
    assert internal.kind not in services.ALERT_KEYS
    assert services.queue_for_alerts(pairs=pairs, now=f.NOW) == 1
    assert OutboxMessage.objects.get().template_key == "delayed"


def test_the_ship_by_apology_is_sent_once_per_order(sms_shop: Any, library: None) -> None:
    order = f.order(sms_shop, status=OrderStatus.READY)
    soon = Alert.objects.create(kind=AlertKind.SHIP_BY_SOON, order=order, since=f.NOW)
    overdue = Alert.objects.create(kind=AlertKind.SHIP_BY_OVERDUE, order=order, since=f.NOW)
    services.queue_for_alerts(pairs=[(soon.pk, "ship_by_soon")], now=f.NOW)
    services.queue_for_alerts(pairs=[(overdue.pk, "ship_by_soon")], now=f.NOW)
    message = OutboxMessage.objects.get()
    assert "稍晚" in message.body and message.params["单号"] == ""


def test_a_status_and_an_alert_for_the_same_problem_send_one_message(sms_shop: Any, library: None) -> None:
    order = f.order(sms_shop)
    track = f.track(order, status=TrackStatus.EXCEPTION)
    alert = Alert.objects.create(kind=AlertKind.PROBLEM, order=order, track=track, since=f.NOW)
    services.queue_for_tracks(pairs=[(track.pk, "problem")], now=f.NOW)
    services.queue_for_alerts(pairs=[(alert.pk, "problem")], now=f.NOW)
    assert OutboxMessage.objects.count() == 1


def test_douyin_orders_go_by_im_when_the_shop_has_an_account(shop: Any, library: None, im_sim: Any) -> None:
    order = f.order(shop)
    f.track(order)
    message = services.enqueue(order=order, key="shipped", now=f.NOW)
    assert message is not None and message.channel == "douyin_im" and message.to == order.platform_order_id


def test_douyin_orders_fall_back_to_sms_without_an_account(shop: Any, library: None) -> None:
    message = services.enqueue(order=f.shipped(shop), key="shipped", now=f.NOW)
    assert message is not None and message.channel == "sms"


def test_private_buyers_go_by_wechat_when_their_openid_is_known(
    sms_shop: Any, library: None, wechat_sim: Any
) -> None:
    known = f.shipped(sms_shop, channel="private")
    stranger = f.shipped(sms_shop, channel="private", recipient_phone="13900001111")
    services.bind_contact(shop=sms_shop, phone=f.FULL_PHONE, address="o-openid-1")
    a = services.enqueue(order=known, key="delivered", now=f.NOW)
    b = services.enqueue(order=stranger, key="delivered", now=f.NOW)
    assert a is not None and (a.channel, a.to) == ("wechat", "o-openid-1")
    assert b is not None and b.channel == "sms"
    assert BuyerContact.objects.get().address == "o-openid-1"


def test_an_explicit_channel_without_an_address_fails_visibly(sms_shop: Any, library: None) -> None:
    message = services.enqueue(order=f.shipped(sms_shop), key="delivered", channel="wechat", now=f.NOW)
    assert message is not None and message.status == OutboxStatus.FAILED and "openid" in message.last_error


def test_binding_the_openid_later_sends_the_waiting_message(
    sms_shop: Any, library: None, wechat_sim: Any
) -> None:
    from fahuo.orders.services import customer_for

    order = f.shipped(sms_shop, channel="private")
    order.customer = customer_for(shop=sms_shop, name=f.FULL_NAME, phone=f.FULL_PHONE)
    order.save()
    message = services.enqueue(order=order, key="delivered", channel="wechat", now=f.NOW)
    assert message is not None and message.status == OutboxStatus.FAILED
    services.bind_contact(shop=sms_shop, phone=f.FULL_PHONE, address="o-later")
    message.refresh_from_db()
    assert (message.status, message.to) == (OutboxStatus.QUEUED, "o-later")


def test_the_most_specific_template_wins_and_an_inactive_one_switches_off(
    sms_shop: Any, shop: Any, library: None
) -> None:
    MessageTemplate.objects.create(shop=sms_shop, key="shipped", channel="", title="t", body="店铺版 {单号}")
    MessageTemplate.objects.create(
        shop=sms_shop, key="shipped", channel="sms", title="t", body="短信版 {单号}"
    )
    MessageTemplate.objects.create(shop=shop, key="shipped", channel="", title="t", body="x", active=False)
    a = services.enqueue(order=f.shipped(sms_shop), key="shipped", now=f.NOW)
    b = services.enqueue(order=f.shipped(shop), key="shipped", now=f.NOW)
    assert a is not None and a.body.startswith("短信版")
    assert b is None


def test_messages_queued_in_the_quiet_hours_wait_for_the_morning(
    sms_shop: Any, library: None, settings: Any
) -> None:
    settings.FAHUO_MESSAGE_QUIET_HOURS = (22, 8)
    night = dt.datetime(2025, 6, 18, 15, 30, tzinfo=dt.UTC)  # 23:30 in Beijing
    message = services.enqueue(order=f.shipped(sms_shop), key="shipped", now=night)
    assert message is not None
    assert message.next_attempt_at == dt.datetime(2025, 6, 19, 0, 0, tzinfo=dt.UTC)  # 08:00 Beijing
    day = dt.datetime(2025, 6, 18, 2, 0, tzinfo=dt.UTC)  # 10:00
    assert services.next_send_time(day) == day


def test_a_parcel_gets_one_random_token(sms_shop: Any) -> None:
    track = f.track(f.order(sms_shop))
    token = services.ensure_token(track)
    assert len(token) >= 20 and services.ensure_token(track) == token
    track.refresh_from_db()
    assert track.token == token
    other = f.track(f.order(sms_shop))
    assert services.ensure_token(other) != token


def test_a_parcel_message_needs_a_parcel(sms_shop: Any, library: None) -> None:
    from fahuo.kit.errors import InvalidInput

    order = f.order(sms_shop)
    with pytest.raises(InvalidInput):
        services.enqueue(order=order, key="delayed")
    assert services.enqueue(order=order, key="ship_by_soon") is not None


def test_the_ship_by_apology_cannot_name_the_parcel(library: None) -> None:
    from fahuo.kit.errors import InvalidInput

    template = MessageTemplate.objects.get(shop=None, key="ship_by_soon")
    with pytest.raises(InvalidInput) as exc:
        services.save_template(template=template, title="x", body="{买家}您的{单号}明天发")
    assert "{单号}" in exc.value.message


def test_unknown_key_or_channel_is_refused(sms_shop: Any, library: None) -> None:
    from fahuo.kit.errors import InvalidInput

    order = f.order(sms_shop)
    with pytest.raises(InvalidInput):
        services.enqueue(order=order, key="birthday")
    with pytest.raises(InvalidInput):
        services.enqueue(order=order, key="shipped", channel="fax")
