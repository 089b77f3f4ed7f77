"""Crafted pushes: odd signatures and bodies are a logged 401/400 (never a 500), the push log keeps
no names or street addresses, and one bad 抖店 message does not sink the good ones beside it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from fahuo.tracking.models import MessageStatus, PlatformMessage, PushLog
from fahuo.tracking.tests import factories as f
from fahuo.tracking.tests.conftest import DOUYIN_APP_KEY
from fahuo.tracking.tests.test_hooks import douyin_post, k100_form, kdniao_form

pytestmark = pytest.mark.django_db
P_ID = "4781320682406083640"


def _last() -> PushLog:
    return PushLog.objects.order_by("-pk")[0]


# --- finding 5: non-ASCII signatures, non-UTF-8 bodies --------------------------------------------


def test_a_non_ascii_kdniao_signature_is_401_and_logged(kdniao_account: Any) -> None:
    form = kdniao_form("track_push_101.json")
    form["DataSign"] = "签名错误"
    response = Client().post("/hooks/kdniao", form)
    assert response.status_code == 401
    assert (_last().provider, _last().http_status) == ("kdniao", 401)


def test_a_non_ascii_kuaidi100_signature_is_401_and_logged(kuaidi100_account: Any) -> None:
    form = k100_form("track_callback_polling.json")
    form["sign"] = "ＡＢＣ签名"
    response = Client().post("/hooks/kuaidi100", form)
    assert response.status_code == 401
    assert (_last().provider, _last().http_status) == ("kuaidi100", 401)


def test_a_non_ascii_douyin_signature_is_401_and_logged(douyin_account: Any) -> None:
    response = Client().post(
        "/hooks/douyin",
        data=b"[]",
        content_type="application/json",
        headers={"app-id": DOUYIN_APP_KEY, "event-sign": "签名"},
    )
    assert response.status_code == 401
    assert (_last().provider, _last().http_status) == ("douyin", 401)


@pytest.mark.parametrize("hook", ["kdniao", "kuaidi100"])
def test_a_form_body_that_is_not_utf8_is_400_and_logged(
    hook: str, kdniao_account: Any, kuaidi100_account: Any
) -> None:
    body = b"RequestData=%FF%FE%B0&DataSign=%E7%AD&param=\xff\xfe&sign=\xb0\xa1"
    response = Client().post(f"/hooks/{hook}", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert (_last().provider, _last().http_status) == (hook, 400)
    assert "UTF-8" in _last().error


# --- finding 6: the push log keeps no names or street addresses ------------------------------------


def _address_change(msg_id: str) -> dict[str, Any]:
    data = {
        "p_id": int(P_ID),
        "shop_id": 4463798,
        "receiver_msg": {
            "name": "欧阳娜娜",
            "tel": "13912345678",
            "addr": json.dumps(
                {
                    "province": {"name": "浙江省"},
                    "city": {"name": "杭州市"},
                    "town": {"name": "余杭区"},
                    "street": {"name": "仓前街道"},
                    "detail": "文一西路1000号8幢1201室",
                },
                ensure_ascii=False,
            ),
        },
    }
    return {"tag": "105", "msg_id": msg_id, "data": json.dumps(data, ensure_ascii=False)}


def test_an_address_change_push_is_logged_without_name_phone_or_street(
    douyin_account: Any, shop: Any
) -> None:
    f.order(shop, platform_order_id=P_ID)
    body = json.dumps([_address_change("m-105")], ensure_ascii=False).encode()
    assert douyin_post(Client(), body).status_code == 200
    excerpt = _last().body_excerpt
    for secret in ("欧阳娜娜", "13912345678", "文一西路1000号", "1201"):
        assert secret not in excerpt
    assert "105" in excerpt and "m-105" in excerpt and "浙江省" in excerpt  # what diagnosis needs


def test_a_refused_push_is_logged_without_personal_data(douyin_account: Any) -> None:
    body = json.dumps([_address_change("m-bad")], ensure_ascii=False).encode()
    response = douyin_post(Client(), body, secret="wrong-secret")
    assert response.status_code == 401
    excerpt = _last().body_excerpt
    assert "欧阳娜娜" not in excerpt and "文一西路1000号" not in excerpt and "m-bad" in excerpt


# --- finding 8: one message out of range, the others applied ----------------------------------------


def test_an_out_of_range_ship_by_fails_only_its_own_message(douyin_account: Any, shop: Any) -> None:
    order = f.order(shop, platform_order_id=P_ID)
    other = f.order(shop, platform_order_id="4781320682406000999")
    messages = [
        {"tag": "126", "msg_id": "m-huge", "data": json.dumps({"p_id": P_ID, "exp_delivery_time": 10**17})},
        {
            "tag": "126",
            "msg_id": "m-good",
            "data": json.dumps({"p_id": "4781320682406000999", "exp_delivery_time": 1_893_456_000}),
        },
    ]
    response = douyin_post(Client(), json.dumps(messages).encode())
    assert response.status_code == 200
    other.refresh_from_db()
    order.refresh_from_db()
    assert other.ship_by is not None and other.ship_by.year == 2030
    bad = PlatformMessage.objects.get(msg_id="m-huge")
    assert bad.status == MessageStatus.FAILED and bad.note
    assert PlatformMessage.objects.get(msg_id="m-good").status == MessageStatus.DONE
    log = _last()
    assert log.http_status == 200 and "m-huge" in log.error


def test_a_malformed_push_body_is_logged_without_personal_data(douyin_account: Any) -> None:
    body = json.dumps([_address_change("m-cut")], ensure_ascii=False).encode()[:-7]  # cut short
    response = douyin_post(Client(), body)
    assert response.status_code == 400
    excerpt = _last().body_excerpt
    assert "欧阳娜娜" not in excerpt and "文一西路1000号" not in excerpt and "m-cut" in excerpt


def test_push_logs_stored_before_redaction_are_redacted_by_the_migration(db: Any) -> None:
    from importlib import import_module

    from django.apps import apps

    body = json.dumps([_address_change("m-old")], ensure_ascii=False)
    old = PushLog.objects.create(provider="douyin", http_status=200, body_excerpt=body[:300])
    import_module("fahuo.tracking.migrations.0007_pushlog_redact_personal_data").redact(apps, None)
    old.refresh_from_db()
    assert "欧阳娜娜" not in old.body_excerpt and "m-old" in old.body_excerpt
