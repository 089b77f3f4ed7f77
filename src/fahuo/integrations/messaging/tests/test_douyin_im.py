"""抖店 IM: the signed call (reusing the 抖店 signing), answers read, sends over HTTP to the simulator."""

from __future__ import annotations

import dataclasses

import pytest

from fahuo.integrations.douyin.client import DouyinClient, build_query
from fahuo.integrations.douyin.codes import FailureKind
from fahuo.integrations.douyin.mapper import dump_param_json
from fahuo.integrations.douyin.settings import DouyinSettings
from fahuo.integrations.messaging.douyin_im import mapper
from fahuo.integrations.messaging.douyin_im.client import DouyinImChannel
from fahuo.integrations.messaging.douyin_im.settings import DouyinImSettings
from fahuo.integrations.messaging.douyin_im.simulator import DouyinImSimulator
from fahuo.integrations.messaging.tests.conftest import golden
from fahuo.integrations.simserver import serve

APP_KEY, SECRET, TOKEN = "7000000000000000001", "fahuo-test-app-secret", "fahuo-test-access-token"
ORDER = "6930000012345678901"


def im_settings(base_url: str) -> DouyinImSettings:
    douyin = DouyinSettings(
        app_key=APP_KEY, app_secret=SECRET, access_token=TOKEN, base_url=base_url, max_attempts=1
    )
    return DouyinImSettings(douyin=douyin)


def test_request_matches_the_golden_call() -> None:
    g = golden("douyin_im", "send_request.json")
    params = mapper.send_params(
        order_id=g["input"]["order_id"], body=g["input"]["body"], params=g["input"]["params"]
    )
    param_json = dump_param_json(params)
    assert param_json == g["param_json"]
    s = DouyinSettings(app_key=APP_KEY, app_secret=SECRET, access_token=TOKEN)
    query = build_query(
        method=g["method"], param_json=param_json, timestamp=g["query"]["timestamp"], settings=s
    )
    assert query == g["query"]
    assert "/" + g["method"].replace(".", "/") == g["path"]


@pytest.mark.parametrize(
    ("name", "ok", "kind"),
    [
        ("response_success.json", True, FailureKind.NONE),
        ("response_order_not_found.json", False, FailureKind.ORDER_STATE),
        ("response_rate_limited.json", False, FailureKind.RATE_LIMITED),
        ("response_token_expired.json", False, FailureKind.AUTH),
    ],
)
def test_golden_answers_are_read(name: str, ok: bool, kind: FailureKind) -> None:
    outcome, msg_id = mapper.parse_send_response(golden("douyin_im", name))
    assert (outcome.ok, outcome.kind) == (ok, kind)
    assert bool(msg_id) == ok


def test_sends_to_the_orders_buyer_over_http_once_per_request_id() -> None:
    sim = DouyinImSimulator.with_app(APP_KEY, SECRET, TOKEN)
    sim.add_order(ORDER)
    with serve(sim) as url:
        channel = DouyinImChannel(im_settings(url))
        first = channel.send(ORDER, "您的包裹正在派送", params={"ref": "fahuo-msg-7"})
        again = channel.send(ORDER, "您的包裹正在派送", params={"ref": "fahuo-msg-7"})
    assert first.ok and again.provider_msg_id == first.provider_msg_id
    assert [(m.order_id, m.content) for m in sim.delivered] == [(ORDER, "您的包裹正在派送")]


def test_an_unknown_order_is_a_final_failure() -> None:
    sim = DouyinImSimulator.with_app(APP_KEY, SECRET, TOKEN)
    with serve(sim) as url:
        result = DouyinImChannel(im_settings(url)).send(ORDER, "hi")
    assert not result.ok and not result.retryable and "订单不存在" in result.error


def test_rate_limit_and_busy_are_retryable() -> None:
    sim = DouyinImSimulator.with_app(APP_KEY, SECRET, TOKEN, accept_unknown_orders=True)
    sim.rate_limit_next(1)
    sim.busy_next(1)
    with serve(sim) as url:
        channel = DouyinImChannel(im_settings(url))
        limited, busy, ok = (channel.send(ORDER, "hi", params={"ref": f"r{i}"}) for i in range(3))
    assert limited.throttled and limited.retryable
    assert busy.retryable and not busy.throttled
    assert ok.ok


def test_a_wrong_secret_is_refused_by_the_signature_check() -> None:
    sim = DouyinImSimulator.with_app(APP_KEY, "another-secret", TOKEN, accept_unknown_orders=True)
    with serve(sim) as url:
        result = DouyinImChannel(im_settings(url)).send(ORDER, "hi")
    assert not result.ok and result.retryable and "签名" in result.error


def test_the_method_name_is_configurable() -> None:
    sim = DouyinImSimulator.with_app(
        APP_KEY, SECRET, TOKEN, accept_unknown_orders=True, method="im.sendMsgV2"
    )
    with serve(sim) as url:
        s = dataclasses.replace(im_settings(url), method="im.sendMsgV2")
        result = DouyinImChannel(s, client=DouyinClient(s.douyin)).send(ORDER, "hi")
    assert result.ok


def test_an_empty_or_too_long_text_is_refused_before_sending() -> None:
    channel = DouyinImChannel(im_settings("http://127.0.0.1:9"))
    assert not channel.send(ORDER, "   ").retryable
    assert not channel.send(ORDER, "长" * 501).ok
    assert not channel.send("", "hi").ok
