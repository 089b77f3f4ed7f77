"""Kdniao SMS: the signed 8101 form, answers read, and sends over real HTTP to the simulator."""

from __future__ import annotations

import logging

import pytest

from fahuo.integrations.kdniao.client import sign
from fahuo.integrations.kdniao.mapper import dump_request_data
from fahuo.integrations.messaging.sms_kdniao import mapper
from fahuo.integrations.messaging.sms_kdniao.client import KdniaoSmsChannel
from fahuo.integrations.messaging.sms_kdniao.codes import FailureKind
from fahuo.integrations.messaging.sms_kdniao.settings import KdniaoSmsSettings
from fahuo.integrations.messaging.sms_kdniao.simulator import KdniaoSmsSimulator
from fahuo.integrations.messaging.tests.conftest import golden
from fahuo.integrations.simserver import serve

EBID, KEY = "1237100", "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17"
PHONE = "13812345678"


def settings_for(base_url: str = "https://api.kdniao.com") -> KdniaoSmsSettings:
    return KdniaoSmsSettings(ebusiness_id=EBID, app_key=KEY, base_url=base_url, member_id=EBID)


def test_request_matches_the_golden_form() -> None:
    g = golden("sms_kdniao", "send_request.json")
    inp = g["input"]
    data = mapper.send_request_data(
        to=inp["to"], body=inp["body"], params=inp["params"], settings=settings_for()
    )
    assert data == g["request_data"]
    text = dump_request_data(data)
    assert text == g["form"]["RequestData"]
    assert sign(text, KEY) == g["form"]["DataSign"]
    assert mapper.REQUEST_SEND == g["form"]["RequestType"]


def test_the_sms_gateway_is_api_dist() -> None:
    assert settings_for().sms_url == "https://api.kdniao.com/api/dist"
    assert settings_for("http://127.0.0.1:9/custom/path").sms_url == "http://127.0.0.1:9/custom/path"


@pytest.mark.parametrize(
    ("name", "ok", "kind", "retryable"),
    [
        ("send_response_success.json", True, FailureKind.NONE, False),
        ("send_response_rate_limited.json", False, FailureKind.RATE_LIMITED, True),
        ("send_response_bad_mobile.json", False, FailureKind.RECIPIENT, False),
        ("send_response_sign_error.json", False, FailureKind.AUTH, True),
        ("send_response_balance.json", False, FailureKind.ACCOUNT, True),
    ],
)
def test_golden_answers_are_read(name: str, ok: bool, kind: FailureKind, retryable: bool) -> None:
    outcome = mapper.parse_send_response(golden("sms_kdniao", name))
    assert (outcome.ok, outcome.kind, outcome.retryable) == (ok, kind, retryable)
    if ok:
        assert outcome.msg_id


@pytest.mark.parametrize("bad", ["177148540", "2345678901", "", "138-1234-567"])
def test_a_number_that_is_no_mobile_is_refused_before_sending_without_echoing_it(bad: str) -> None:
    with pytest.raises(mapper.MappingError) as exc:
        mapper.send_request_data(to=bad, body="hi", params={}, settings=settings_for())
    assert exc.value.kind is FailureKind.RECIPIENT
    assert bad not in exc.value.message or not bad


def test_sends_over_http_and_an_order_code_is_sent_once() -> None:
    sim = KdniaoSmsSimulator.with_account(EBID, KEY)
    with serve(sim) as url:
        channel = KdniaoSmsChannel(settings_for(url))
        first = channel.send(PHONE, "您的包裹已发货", params={"ref": "fahuo-msg-1"})
        again = channel.send(PHONE, "您的包裹已发货", params={"ref": "fahuo-msg-1"})
        channel.close()
    assert first.ok and first.provider_msg_id
    assert again.ok and again.provider_msg_id == first.provider_msg_id
    assert [(s.mobile, s.content) for s in sim.sent] == [(PHONE, "您的包裹已发货")]


def test_a_wrong_key_is_refused_and_retryable() -> None:
    sim = KdniaoSmsSimulator.with_account(EBID, "another-key")
    with serve(sim) as url:
        result = KdniaoSmsChannel(settings_for(url)).send(PHONE, "hi")
    assert not result.ok and result.retryable and "签名" in result.error


def test_rate_limit_is_throttled_and_retryable() -> None:
    sim = KdniaoSmsSimulator.with_account(EBID, KEY)
    sim.rate_limit_next(1)
    with serve(sim) as url:
        channel = KdniaoSmsChannel(settings_for(url))
        limited = channel.send(PHONE, "hi", params={"ref": "r1"})
        later = channel.send(PHONE, "hi", params={"ref": "r1"})
    assert not limited.ok and limited.retryable and limited.throttled
    assert later.ok


def test_a_blacklisted_number_is_final_and_the_error_hides_it(caplog: pytest.LogCaptureFixture) -> None:
    sim = KdniaoSmsSimulator.with_account(EBID, KEY)
    sim.blacklist.add(PHONE)
    caplog.set_level(logging.DEBUG)
    with serve(sim) as url:
        result = KdniaoSmsChannel(settings_for(url)).send(PHONE, "hi")
    assert not result.ok and not result.retryable
    assert PHONE not in result.error
    assert PHONE not in caplog.text


def test_http_5xx_is_retryable() -> None:
    sim = KdniaoSmsSimulator.with_account(EBID, KEY)
    sim.fail_next(1, 503)
    with serve(sim) as url:
        result = KdniaoSmsChannel(settings_for(url)).send(PHONE, "hi")
    assert not result.ok and result.retryable
    assert sim.sent == []


def test_an_unreachable_gateway_is_retryable() -> None:
    result = KdniaoSmsChannel(settings_for("http://127.0.0.1:9")).send(PHONE, "hi")
    assert not result.ok and result.retryable
