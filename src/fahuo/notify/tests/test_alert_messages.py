"""Alert-driven messages on the notify side: the per-kind switch, the lost text, sending by hand."""

from __future__ import annotations

from typing import Any

import pytest

from fahuo.kit.errors import InvalidInput
from fahuo.notify import services
from fahuo.notify.models import MessageTemplate, OutboxMessage
from fahuo.notify.tests import factories as f
from fahuo.orders.models import OrderStatus
from fahuo.tracking import rules
from fahuo.tracking.models import Alert, AlertKind, BuyerMessage, TrackStatus

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "status", "key"),
    [
        (AlertKind.REFUSED, TrackStatus.REFUSED, "refused"),
        (AlertKind.PROBLEM, TrackStatus.EXCEPTION, "problem"),
        (AlertKind.PROBLEM, TrackStatus.LOST, "lost"),
        (AlertKind.RETURNING, TrackStatus.RETURNING, "returning"),
    ],
)
def test_a_status_message_follows_its_alert_kind_switch(
    sms_shop: Any, kind: str, status: str, key: str
) -> None:
    rules.set_message_buyer(kind=kind, on=False)
    track = f.track(f.order(sms_shop), status=status)
    assert services.queue_for_tracks(pairs=[(track.pk, key)], now=f.NOW) == 0
    rules.set_message_buyer(kind=kind, on=True)
    assert services.queue_for_tracks(pairs=[(track.pk, key)], now=f.NOW) == 1


def test_milestones_ignore_the_alert_switches(sms_shop: Any) -> None:
    for kind in (AlertKind.PROBLEM, AlertKind.REFUSED, AlertKind.RETURNING):
        rules.set_message_buyer(kind=kind, on=False)
    track = f.track(f.order(sms_shop), status=TrackStatus.OUT_FOR_DELIVERY)
    assert services.queue_for_tracks(pairs=[(track.pk, "out_for_delivery")], now=f.NOW) == 1


def test_a_lost_parcel_alert_and_its_status_send_one_lost_message(sms_shop: Any) -> None:
    order = f.order(sms_shop)
    track = f.track(order, status=TrackStatus.LOST)
    alert = Alert.objects.create(kind=AlertKind.PROBLEM, order=order, track=track, since=f.NOW)
    services.queue_for_tracks(pairs=[(track.pk, "lost")], now=f.NOW)
    services.queue_for_alerts(pairs=[(alert.pk, "problem")], now=f.NOW)
    message = OutboxMessage.objects.get()
    assert message.template_key == "lost" and "丢失" in message.body


def test_sending_by_hand_ignores_the_switch_and_marks_the_alert(sms_shop: Any, owner: Any) -> None:
    rules.set_message_buyer(kind=AlertKind.STALLED, on=False)
    order = f.order(sms_shop)
    track = f.track(order, status=TrackStatus.IN_TRANSIT)
    alert = Alert.objects.create(
        kind=AlertKind.STALLED, order=order, track=track, since=f.NOW, buyer_message=BuyerMessage.OFF
    )
    message = services.send_for_alert(alert=alert, user=owner, now=f.NOW)
    assert message is not None and message.template_key == "delayed" and message.created_by == owner
    alert.refresh_from_db()
    assert alert.buyer_message == BuyerMessage.MANUAL
    assert services.send_for_alert(alert=alert, user=owner, now=f.NOW) == message


def test_sending_by_hand_an_order_alert(sms_shop: Any) -> None:
    order = f.order(sms_shop, status=OrderStatus.READY)
    alert = Alert.objects.create(kind=AlertKind.SHIP_BY_OVERDUE, order=order, since=f.NOW)
    message = services.send_for_alert(alert=alert, now=f.NOW)
    assert message is not None and message.template_key == "ship_by_soon" and message.track_id is None


def test_a_message_the_shop_switched_off_is_not_sent_by_hand_either(sms_shop: Any) -> None:
    MessageTemplate.objects.filter(key="delayed").update(active=False)
    order = f.order(sms_shop)
    alert = Alert.objects.create(kind=AlertKind.LATE, order=order, track=f.track(order), since=f.NOW)
    assert services.send_for_alert(alert=alert, now=f.NOW) is None
    alert.refresh_from_db()
    assert alert.buyer_message == BuyerMessage.NONE


@pytest.mark.parametrize("kind", [AlertKind.NO_PICKUP, AlertKind.PROXY_SIGNED, AlertKind.AFTER_SALE])
def test_internal_alerts_have_no_buyer_message(sms_shop: Any, kind: str) -> None:
    order = f.order(sms_shop)
    alert = Alert.objects.create(kind=kind, order=order, track=f.track(order), since=f.NOW)
    with pytest.raises(InvalidInput):
        services.send_for_alert(alert=alert, now=f.NOW)


def test_a_cancelled_order_is_not_messaged_by_hand(sms_shop: Any) -> None:
    order = f.order(sms_shop, status=OrderStatus.CANCELLED)
    alert = Alert.objects.create(kind=AlertKind.LATE, order=order, track=f.track(order), since=f.NOW)
    with pytest.raises(InvalidInput):
        services.send_for_alert(alert=alert, now=f.NOW)
