"""Push endpoints over HTTP: exact acknowledgements, 401/400 with a PushLog, mixed batches."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from fahuo.integrations.douyin.push import ACK_BODY as DOUYIN_ACK
from fahuo.integrations.douyin.push import event_sign
from fahuo.integrations.kdniao.client import sign as kdniao_sign
from fahuo.integrations.kuaidi100.tracking import ACK_BODY as K100_ACK
from fahuo.integrations.kuaidi100.tracking import callback_sign
from fahuo.tracking.models import PushLog, Track, TrackEvent, TrackStatus
from fahuo.tracking.tests import factories as f
from fahuo.tracking.tests.conftest import DOUYIN_APP_KEY, DOUYIN_SECRET, K100_SALT, KDNIAO_KEY, golden

pytestmark = pytest.mark.django_db
KDNIAO_ACK = re.compile(
    r'^\{"EBusinessID":"1237100","UpdateTime":"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d","Success":true,"Reason":""\}$'
)


def kdniao_form(name: str, *, key: str = KDNIAO_KEY, request_data: str | None = None) -> dict[str, str]:
    push = golden("kdniao", name)
    data = request_data or json.dumps(push["RequestData"], ensure_ascii=False, separators=(",", ":"))
    return {"RequestData": data, "RequestType": push["RequestType"], "DataSign": kdniao_sign(data, key)}


def k100_form(name: str, *, salt: str = K100_SALT) -> dict[str, str]:
    param = json.dumps(golden("kuaidi100", name)["param"], ensure_ascii=False, separators=(",", ":"))
    return {"param": param, "sign": callback_sign(param, salt)}


def douyin_post(client: Client, body: bytes, *, secret: str = DOUYIN_SECRET) -> Any:
    sign = event_sign(body, app_key=DOUYIN_APP_KEY, app_secret=secret)
    return client.post(
        "/hooks/douyin",
        data=body,
        content_type="application/json",
        headers={"app-id": DOUYIN_APP_KEY, "event-sign": sign},
    )


def last_log() -> PushLog:
    return PushLog.objects.order_by("-pk")[0]


# --- Kdniao --------------------------------------------------------------------------------------


def test_kdniao_push_is_ingested_and_acknowledged(kdniao_account: Any, shop: Any) -> None:
    zto = f.track(shop, tracking_no="73190553102532", carrier_code="ZTO", door_delivery=True)
    sf = f.track(shop, tracking_no="SF1234567890123", carrier_code="SF")
    response = Client().post("/hooks/kdniao", kdniao_form("track_push_101.json"))
    assert response.status_code == 200
    assert KDNIAO_ACK.match(response.content.decode())
    zto.refresh_from_db()
    sf.refresh_from_db()
    assert (zto.status, zto.signed_by_proxy, zto.active) == (TrackStatus.DELIVERED, True, False)
    assert sf.status == TrackStatus.DELIVERED
    assert TrackEvent.objects.count() == 9
    log = last_log()
    assert (log.provider, log.http_status, log.accepted_events, log.error) == ("kdniao", 200, 9, "")
    assert "18718866310" not in log.body_excerpt  # the courier's mobile number is scrubbed


def test_the_same_kdniao_push_twice_changes_nothing(kdniao_account: Any, shop: Any) -> None:
    f.track(shop, tracking_no="73190553102532", carrier_code="ZTO")
    form = kdniao_form("track_push_101.json")
    Client().post("/hooks/kdniao", form)
    before = list(Track.objects.values())
    response = Client().post("/hooks/kdniao", form)
    assert response.status_code == 200
    assert list(Track.objects.values()) == before
    assert TrackEvent.objects.count() == 5
    assert last_log().accepted_events == 0
    assert "unknown tracking numbers" in last_log().error  # the SF parcel is not ours


def test_kdniao_bad_signature_is_401_and_logged(kdniao_account: Any, shop: Any) -> None:
    f.track(shop, tracking_no="73190553102532", carrier_code="ZTO")
    response = Client().post("/hooks/kdniao", kdniao_form("track_push_101.json", key="someone-elses-key"))
    assert response.status_code == 401
    assert TrackEvent.objects.count() == 0
    log = last_log()
    assert (log.http_status, log.accepted_events) == (401, 0)
    assert "签名" in log.error


def test_kdniao_malformed_body_is_400_and_logged(kdniao_account: Any) -> None:
    response = Client().post(
        "/hooks/kdniao", kdniao_form("track_push_101.json", request_data="not json at all")
    )
    assert response.status_code == 400
    assert last_log().http_status == 400


def test_kdniao_mixed_batch_keeps_the_good_events(kdniao_account: Any, shop: Any) -> None:
    good = f.track(shop, tracking_no="YT7461234567890", carrier_code="YTO")
    f.track(shop, tracking_no="773012345678", carrier_code="STO")
    response = Client().post("/hooks/kdniao", kdniao_form("track_push_bad_item.json"))
    assert response.status_code == 200
    good.refresh_from_db()
    assert good.status == TrackStatus.OUT_FOR_DELIVERY
    assert TrackEvent.objects.filter(track=good).count() == 2
    assert TrackEvent.objects.count() == 2
    log = last_log()
    assert log.accepted_events == 2
    assert "XYZEXP" in log.error and "773012345678" in log.error


def test_kdniao_without_an_account_is_refused_and_logged(db: Any) -> None:
    response = Client().post("/hooks/kdniao", kdniao_form("track_push_101.json"))
    assert response.status_code == 401
    assert last_log().http_status == 401


def test_hooks_need_post_and_no_csrf_token(kdniao_account: Any) -> None:
    assert Client().get("/hooks/kdniao").status_code == 405
    client = Client(enforce_csrf_checks=True)
    assert client.post("/hooks/kdniao", kdniao_form("track_push_101.json")).status_code == 200


# --- Kuaidi100 -----------------------------------------------------------------------------------


def test_kuaidi100_callback_is_ingested_with_the_exact_ack(kuaidi100_account: Any, shop: Any) -> None:
    t = f.track(shop, tracking_no="V030344422", carrier_code="YTO")
    response = Client().post("/hooks/kuaidi100", k100_form("track_callback_polling.json"))
    assert response.status_code == 200
    assert response.content.decode() == K100_ACK
    t.refresh_from_db()
    assert t.status == TrackStatus.IN_TRANSIT
    assert t.picked_up_at is not None
    assert last_log().accepted_events == 3


def test_kuaidi100_bad_signature_is_401(kuaidi100_account: Any) -> None:
    response = Client().post("/hooks/kuaidi100", k100_form("track_callback_polling.json", salt="wrong"))
    assert response.status_code == 401
    assert last_log().http_status == 401


def test_kuaidi100_malformed_is_400(kuaidi100_account: Any) -> None:
    response = Client().post(
        "/hooks/kuaidi100", {"param": "[1, 2", "sign": callback_sign("[1, 2", K100_SALT)}
    )
    assert response.status_code == 400
    assert last_log().http_status == 400


def test_kuaidi100_abort_schedules_a_new_subscription(
    kuaidi100_account: Any, shop: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from fahuo.tracking import tasks

    calls: list[tuple[Any, int]] = []
    monkeypatch.setattr(tasks.resubscribe_task, "schedule", lambda args, delay: calls.append((args, delay)))
    f.track(shop, tracking_no="773012345678", carrier_code="STO")
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/hooks/kuaidi100", k100_form("track_callback_abort.json"))
    assert response.status_code == 200
    assert response.content.decode() == K100_ACK
    assert calls == [(("773012345678", "kuaidi100"), 1800)]


# --- 抖店 ----------------------------------------------------------------------------------------


def douyin_body(name: str) -> bytes:
    return json.dumps(golden("douyin", name)["body"], ensure_ascii=False, separators=(",", ":")).encode()


def test_douyin_push_is_acknowledged_exactly(douyin_account: Any) -> None:
    response = douyin_post(Client(), douyin_body("push_trade_paid.json"))
    assert response.status_code == 200
    assert response.content.decode() == DOUYIN_ACK
    log = last_log()
    assert (log.provider, log.http_status, log.accepted_events) == ("douyin", 200, 1)


def test_douyin_bad_signature_is_401(douyin_account: Any) -> None:
    response = douyin_post(Client(), douyin_body("push_trade_paid.json"), secret="wrong")
    assert response.status_code == 401
    assert last_log().http_status == 401


def test_douyin_malformed_is_400(douyin_account: Any) -> None:
    response = douyin_post(Client(), b"{not json")
    assert response.status_code == 400
    assert last_log().http_status == 400


def test_douyin_mixed_batch_keeps_the_good_messages(douyin_account: Any) -> None:
    from fahuo.tracking.models import PlatformMessage

    response = douyin_post(Client(), douyin_body("push_batch_mixed.json"))
    assert response.status_code == 200
    statuses = dict(PlatformMessage.objects.values_list("msg_id", "status"))
    assert statuses == {
        "7016580823530029400": "pending_fetch",
        "7016580823530029401": "failed",
        "7016580823530029402": "ignored",
    }
    log = last_log()
    assert log.accepted_events == 2
    assert "7016580823530029401" in log.error


def test_kdniao_push_is_checked_with_the_account_it_names(kdniao_account: Any, shop: Any) -> None:
    from fahuo.carriers.models import ProviderAccount

    # An older account first: the push names EBusinessID 1237100, whose key must be used.
    kdniao_account.delete()
    ProviderAccount.objects.create(
        provider="kdniao", name="另一个", credentials=json.dumps({"ebusiness_id": "999", "app_key": "other"})
    )
    ProviderAccount.objects.create(
        provider="kdniao",
        name="快递鸟",
        credentials=json.dumps({"ebusiness_id": "1237100", "app_key": KDNIAO_KEY}),
    )
    f.track(shop, tracking_no="73190553102532", carrier_code="ZTO")
    assert Client().post("/hooks/kdniao", kdniao_form("track_push_101.json")).status_code == 200
