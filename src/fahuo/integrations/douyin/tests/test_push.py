"""抖店 message push: signature (vector computed with coreutils), decoding of golden messages, typed
helpers, and a round trip over real HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from fahuo.integrations.base import MalformedPush, SignatureInvalid
from fahuo.integrations.douyin import push
from fahuo.integrations.simserver import serve

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
VECTOR = json.loads((GOLDEN / "push_sign_vector.json").read_text(encoding="utf-8"))
APP_KEY, APP_SECRET = VECTOR["app_key"], VECTOR["app_secret"]


def golden_body(name: str) -> bytes:
    body = json.loads((GOLDEN / name).read_text(encoding="utf-8"))["body"]
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def headers_for(body: bytes, **extra: str) -> dict[str, str]:
    sign = hashlib.md5(APP_KEY.encode() + body + APP_SECRET.encode()).hexdigest()
    return {"app-id": APP_KEY, "event-sign": sign, "Content-Type": "application/json"} | extra


def parse(name: str) -> list[push.DouyinMessage]:
    body = golden_body(name)
    return push.parse_push(body, headers_for(body), app_key=APP_KEY, app_secret=APP_SECRET)


# -- signature ---------------------------------------------------------------------------------


def test_event_sign_equals_the_vector_computed_with_md5sum() -> None:
    body = VECTOR["body"].encode("utf-8")
    assert push.event_sign(body, app_key=APP_KEY, app_secret=APP_SECRET) == VECTOR["event_sign"]
    assert body == golden_body("push_trade_paid.json")


def test_the_signed_vector_verifies() -> None:
    body = VECTOR["body"].encode("utf-8")
    messages = push.parse_push(
        body, {"app-id": APP_KEY, "event-sign": VECTOR["event_sign"]}, app_key=APP_KEY, app_secret=APP_SECRET
    )
    assert [m.tag for m in messages] == ["101"]


def test_header_names_are_case_insensitive_and_the_sign_too() -> None:
    body = golden_body("push_trade_paid.json")
    headers = {k.title(): v.upper() if k == "event-sign" else v for k, v in headers_for(body).items()}
    assert len(push.parse_push(body, headers, app_key=APP_KEY, app_secret=APP_SECRET)) == 1


def test_a_wrong_sign_is_signature_invalid() -> None:
    body = golden_body("push_trade_paid.json")
    with pytest.raises(SignatureInvalid):
        push.parse_push(body, headers_for(body), app_key=APP_KEY, app_secret="another-secret")


def test_a_tampered_body_is_signature_invalid() -> None:
    body = golden_body("push_trade_paid.json")
    headers = headers_for(body)
    with pytest.raises(SignatureInvalid):
        push.parse_push(body.replace(b"19900", b"1"), headers, app_key=APP_KEY, app_secret=APP_SECRET)


def test_a_push_without_event_sign_is_signature_invalid() -> None:
    body = golden_body("push_trade_paid.json")
    with pytest.raises(SignatureInvalid):
        push.parse_push(body, {"app-id": APP_KEY}, app_key=APP_KEY, app_secret=APP_SECRET)


def test_a_push_for_another_app_is_signature_invalid() -> None:
    body = golden_body("push_trade_paid.json")
    with pytest.raises(SignatureInvalid):
        push.parse_push(body, headers_for(body, **{"app-id": "7000"}), app_key=APP_KEY, app_secret=APP_SECRET)


def test_hmac_sha256_is_verified_when_the_header_says_so() -> None:
    body = golden_body("push_trade_paid.json")
    sign = hmac.new(
        APP_SECRET.encode(), APP_KEY.encode() + body + APP_SECRET.encode(), hashlib.sha256
    ).hexdigest()
    headers = {"app-id": APP_KEY, "event-sign": sign, "sign-method": "hmac-sha256"}
    assert len(push.parse_push(body, headers, app_key=APP_KEY, app_secret=APP_SECRET)) == 1
    with pytest.raises(SignatureInvalid):
        push.parse_push(body, headers | {"sign-method": "md5"}, app_key=APP_KEY, app_secret=APP_SECRET)


def test_an_unknown_sign_method_is_refused() -> None:
    body = golden_body("push_trade_paid.json")
    with pytest.raises(SignatureInvalid):
        push.parse_push(
            body, headers_for(body, **{"sign-method": "sha1"}), app_key=APP_KEY, app_secret=APP_SECRET
        )


@pytest.mark.parametrize("body", [b"not json", b"\xff\xfe", b'"a string"', b"42"])
def test_a_signed_body_that_is_not_a_message_list_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedPush):
        push.parse_push(body, headers_for(body), app_key=APP_KEY, app_secret=APP_SECRET)


def test_ack_body_is_the_documented_success_answer() -> None:
    assert json.loads(push.ACK_BODY) == {"code": 0, "msg": "success"}


# -- messages ----------------------------------------------------------------------------------


def test_paid_order_gives_order_sku_orders_and_pay_time() -> None:
    (message,) = parse("push_trade_paid.json")
    assert (message.tag, message.msg_id, message.name) == (
        "101",
        "7016580823530029312",
        "doudian_trade_TradePaid",
    )
    assert message.order_id == "4781320682406083640"  # beyond 2**53: kept exact
    assert message.sku_order_ids == ("4781320682406083641", "4781320682406083642")
    assert message.shop_id == "4463798"
    assert message.data["pay_amount"] == 19900
    assert message.occurred_at == datetime.fromtimestamp(1630921208, tz=UTC)
    assert message.new_address is None and message.ship_by is None and message.error == ""


def test_address_change_gives_the_new_address_and_receiver() -> None:
    (message,) = parse("push_address_changed.json")
    assert message.new_address == push.Address(
        "浙江省", "杭州市", "余杭区", "仓前街道", "文一西路1000号2幢101室"
    )
    assert (message.receiver_name, message.receiver_phone) == ("张*", "138****8000")
    assert message.order_id == "4781320682406083640"
    assert message.occurred_at == datetime.fromtimestamp(1630922000, tz=UTC)


def test_address_given_as_an_object_is_read_too() -> None:
    data = {
        "p_id": 1,
        "receiver_msg": {"addr": {"province": {"name": "北京"}, "city": {"name": "北京市"}, "detail": "x"}},
    }
    message = push.DouyinMessage(tag="105", msg_id="1", data=data)
    assert message.new_address == push.Address("北京", "北京市", "", "", "x")


def test_only_encrypted_receiver_fields_are_passed_through() -> None:
    message = push.DouyinMessage(tag="105", msg_id="1", data={"receiver_msg": {"encrypt_tel": "$enc$"}})
    assert message.receiver_phone == "$enc$" and message.new_address is None


def test_ship_time_change_gives_the_new_ship_by_time() -> None:
    (message,) = parse("push_ship_time_changed.json")
    assert message.name == "doudian_trade_TradeAppointmentV2"
    assert message.ship_by == datetime(2021, 9, 8, 13, 20, tzinfo=UTC)
    assert message.order_id == "4781320682406083640" and message.sku_order_ids == ("4781320682406083641",)


def test_after_sale_created_gives_after_sale_and_sub_order() -> None:
    (message,) = parse("push_refund_created.json")
    assert message.aftersale_id == "7016599999999999999"
    assert message.sku_order_ids == ("4781320682406083641",)
    assert message.occurred_at == datetime.fromtimestamp(1631000000, tz=UTC)


def test_a_bad_message_in_a_batch_does_not_drop_the_others() -> None:
    messages = parse("push_batch_mixed.json")
    assert [(m.tag, bool(m.error)) for m in messages] == [("101", False), ("105", True), ("106", False)]
    assert messages[1].data == {} and "7016580823530029401" in messages[1].error
    assert (
        messages[2].order_id == "4781320682406099100" and messages[2].data["cancel_reason"] == "买家不想要了"
    )


def test_a_single_message_object_and_an_object_data_are_accepted() -> None:
    body = json.dumps(
        {"tag": "126", "msg_id": "9", "data": {"p_id": "1", "exp_delivery_time": "1631107200"}}
    ).encode()
    (message,) = push.parse_push(body, headers_for(body), app_key=APP_KEY, app_secret=APP_SECRET)
    assert message.ship_by == datetime(2021, 9, 8, 13, 20, tzinfo=UTC)


def test_a_list_item_that_is_not_an_object_is_reported() -> None:
    body = b'[1, {"tag": "101", "msg_id": "2", "data": "{}"}]'
    messages = push.parse_push(body, headers_for(body), app_key=APP_KEY, app_secret=APP_SECRET)
    assert messages[0].error and messages[1].error == ""


def test_every_tag_fahuo_reads_has_a_name() -> None:
    for tag in ("100", "101", "105", "106", "110", "126", "200"):
        assert push.TAG_NAMES[tag][0].startswith("doudian_")


# -- over HTTP ---------------------------------------------------------------------------------


class _Receiver:
    """A push endpoint: reads the raw body and headers, runs parse_push, answers ACK_BODY."""

    def __init__(self) -> None:
        self.messages: list[push.DouyinMessage] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        try:
            self.messages.extend(push.parse_push(body, headers, app_key=APP_KEY, app_secret=APP_SECRET))
        except SignatureInvalid:
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            return [b"bad signature"]
        start_response("200 OK", [("Content-Type", push.ACK_CONTENT_TYPE)])
        return [push.ACK_BODY.encode()]


def test_round_trip_over_http() -> None:
    receiver = _Receiver()
    body = golden_body("push_batch_mixed.json")
    with serve(receiver) as url:
        ok = httpx.post(url + "/hooks/douyin", content=body, headers=headers_for(body))
        bad = httpx.post(url + "/hooks/douyin", content=body, headers=headers_for(b"something else"))
    assert ok.status_code == 200 and ok.json() == {"code": 0, "msg": "success"}
    assert bad.status_code == 401
    assert [m.msg_id for m in receiver.messages] == [
        "7016580823530029400",
        "7016580823530029401",
        "7016580823530029402",
    ]
