"""The alert queue's buyer-message actions: tell the buyer by hand, switch auto-messaging per kind."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from fahuo.kit.testing import client_for as login
from fahuo.notify.models import OutboxMessage
from fahuo.tracking.models import Alert, AlertKind, AlertRule, BuyerMessage, TrackStatus
from fahuo.tracking.sweep import sweep
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def held(shop: Any, settings: Any) -> Alert:
    """A parcel stalled for days before the first sweep: its alert is held for the seller."""
    settings.FAHUO_MESSAGE_QUIET_HOURS = None
    now = f.now()
    last = now - dt.timedelta(hours=100)
    f.track(shop, status=TrackStatus.IN_TRANSIT, last_event_at=last, status_at=last)
    sweep(now=now)
    alert = Alert.objects.get(kind=AlertKind.STALLED)
    assert alert.buyer_message == BuyerMessage.HELD
    return alert


def test_the_queue_shows_held_alerts_with_a_tell_the_buyer_action(operator: Any, held: Alert) -> None:
    html = login(operator).get("/tracking/alerts/").content.decode()
    assert 'data-buyer-message="held"' in html and "未通知买家" in html and "通知买家</button>" in html
    assert f'action="/tracking/alerts/{held.pk}/message/"' in html
    assert 'id="auto-messages"' in html and 'data-kind="stalled" data-on="1"' in html
    untold = login(operator).get("/tracking/alerts/?status=untold").content.decode()
    assert f'id="alert-{held.pk}"' in untold


def test_telling_the_buyer_queues_the_message_once(operator: Any, held: Alert) -> None:
    client = login(operator)
    response = client.post(f"/tracking/alerts/{held.pk}/message/", headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-buyer-message="manual"' in html and f"/tracking/alerts/{held.pk}/message/" not in html
    message = OutboxMessage.objects.get()
    assert message.template_key == "delayed" and message.created_by == operator
    assert "张**" in message.body and held.tracking_no in message.body
    client.post(f"/tracking/alerts/{held.pk}/message/", headers=HX)
    assert OutboxMessage.objects.count() == 1
    held.refresh_from_db()
    assert held.buyer_message == BuyerMessage.MANUAL


def test_without_javascript_telling_the_buyer_redirects_back(operator: Any, held: Alert) -> None:
    response = login(operator).post(
        f"/tracking/alerts/{held.pk}/message/", {"next": "/tracking/alerts/?kind=stalled"}
    )
    assert response.status_code == 302 and response["Location"] == "/tracking/alerts/?kind=stalled"
    assert OutboxMessage.objects.count() == 1


def test_packers_cannot_message_or_switch(packer: Any, held: Alert) -> None:
    client = login(packer)
    assert client.post(f"/tracking/alerts/{held.pk}/message/", headers=HX).status_code == 403
    assert client.post("/tracking/alerts/auto-messages/", {"kind": "stalled"}, headers=HX).status_code == 403
    assert not OutboxMessage.objects.exists()
    html = client.get("/tracking/alerts/").content.decode()
    assert "/message/" not in html and 'action="/tracking/alerts/auto-messages/"' not in html


def test_the_switch_turns_auto_messaging_off_and_on(owner: Any, shop: Any) -> None:
    client = login(owner)
    response = client.post("/tracking/alerts/auto-messages/", {"kind": "late"}, headers=HX)
    assert response.status_code == 200 and 'data-kind="late" data-on="0"' in response.content.decode()
    assert AlertRule.objects.get(kind=AlertKind.LATE).message_buyer is False
    response = client.post("/tracking/alerts/auto-messages/", {"kind": "late", "on": "1"}, headers=HX)
    assert 'data-kind="late" data-on="1"' in response.content.decode()
    assert AlertRule.objects.get(kind=AlertKind.LATE).message_buyer is True
    assert client.post("/tracking/alerts/auto-messages/", {"kind": "nope"}, headers=HX).status_code == 400


def test_a_kind_without_a_buyer_message_has_no_action(operator: Any, shop: Any) -> None:
    f.track(shop, issued_at=f.now() - dt.timedelta(hours=30))
    sweep()
    alert = Alert.objects.get(kind=AlertKind.NO_PICKUP)
    html = login(operator).get("/tracking/alerts/").content.decode()
    assert f"/tracking/alerts/{alert.pk}/message/" not in html
    assert 'data-kind="no_pickup" data-on' not in html


def test_the_api_shows_a_held_alert_and_tells_the_buyer(operator: Any, packer: Any, held: Alert) -> None:
    from fahuo.accounts.models import ApiToken

    def api(user: Any) -> Client:
        _, raw = ApiToken.issue(user=user, name="test")
        return Client(headers={"authorization": f"Bearer {raw}"})

    listed = api(operator).get("/api/tracking/alerts").json()["items"]
    assert [(a["id"], a["buyer_message"]) for a in listed] == [(held.pk, "held")]
    assert api(packer).post(f"/api/tracking/alerts/{held.pk}/message").status_code == 403
    response = api(operator).post(f"/api/tracking/alerts/{held.pk}/message")
    assert response.status_code == 200 and response.json()["buyer_message"] == "manual"
    assert OutboxMessage.objects.count() == 1
