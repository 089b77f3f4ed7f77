"""WeChat subscribe messages: the documented body, field rules, token caching, sends over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fahuo.integrations.messaging.tests.conftest import golden
from fahuo.integrations.messaging.wechat import codes, mapper
from fahuo.integrations.messaging.wechat.client import WechatChannel, forget_tokens
from fahuo.integrations.messaging.wechat.settings import DEFAULT_FIELDS, WechatSettings
from fahuo.integrations.messaging.wechat.simulator import DEMO_TEMPLATE_ID, WechatSimulator
from fahuo.integrations.simserver import serve

APPID, SECRET, OPENID = "wx0123456789abcdef", "wechat-secret", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
PARAMS = {"单号": "73100012345678", "快递": "中通快递", "状态": "已发货"}


@pytest.fixture(autouse=True)
def _fresh_tokens() -> Iterator[None]:
    forget_tokens()
    yield
    forget_tokens()


def wx_settings(base_url: str, **extra: Any) -> WechatSettings:
    return WechatSettings(
        appid=APPID, secret=SECRET, base_url=base_url, templates={"*": DEMO_TEMPLATE_ID}, **extra
    )


def test_body_matches_the_golden_request() -> None:
    g = golden("wechat", "send_request.json")
    s = WechatSettings(
        appid=APPID, secret=SECRET, templates=g["settings"]["templates"], page=g["settings"]["page"]
    )
    body = mapper.send_body(
        openid=g["input"]["openid"],
        template_id=s.template_id(g["input"]["key"]),
        params=g["input"]["params"],
        settings=s,
    )
    assert body == g["body"]
    assert set(body) >= {"touser", "template_id", "data", "miniprogram_state", "lang"}


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("thing4", "一" * 25, "一" * 19 + "…"),
        ("character_string1", "SF 1234-567，号", "SF1234-567"),
        ("phrase3", "已发货!", "已发货"),
        ("phrase3", "物流延误中了", "物流延误中"),
        ("thing2", "", "-"),
    ],
)
def test_values_are_cut_to_their_field_rule(key: str, value: str, expected: str) -> None:
    assert mapper.fit(key, value) == expected


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("send_response_ok.json", codes.FailureKind.NONE),
        ("send_response_43101.json", codes.FailureKind.RECIPIENT),
        ("send_response_47003.json", codes.FailureKind.CONTENT),
        ("send_response_40001.json", codes.FailureKind.TOKEN),
        ("send_response_45009.json", codes.FailureKind.RATE_LIMITED),
    ],
)
def test_golden_answers_are_read(name: str, kind: codes.FailureKind) -> None:
    assert codes.classify(golden("wechat", name)["errcode"]) is kind


def test_sends_over_http_and_uses_the_subscription() -> None:
    sim = WechatSimulator.with_app(APPID, SECRET)
    sim.subscribe(OPENID, times=1)
    with serve(sim) as url:
        channel = WechatChannel(wx_settings(url))
        first = channel.send(
            OPENID, "您的宝贝已发货，预计6月20日送达", template_code="shipped", params=PARAMS
        )
        second = channel.send(OPENID, "再发一次", template_code="shipped", params=PARAMS)
    assert first.ok and first.provider_msg_id
    assert not second.ok and not second.retryable and "43101" in second.error
    assert sim.delivered[0].data == {
        "character_string1": "73100012345678",
        "thing2": "中通快递",
        "phrase3": "已发货",
        "thing4": "您的宝贝已发货，预计6月20日送达",
    }
    assert set(sim.delivered[0].data) == set(DEFAULT_FIELDS)


def test_the_token_is_fetched_once_and_refreshed_when_invalidated() -> None:
    sim = WechatSimulator.with_app(APPID, SECRET, accept_any_openid=True)
    with serve(sim) as url:
        channel = WechatChannel(wx_settings(url))
        assert channel.send(OPENID, "a", template_code="shipped", params=PARAMS).ok
        assert channel.send(OPENID, "b", template_code="shipped", params=PARAMS).ok
        assert sim.token_fetches == 1
        sim.expire_tokens()
        assert channel.send(OPENID, "c", template_code="shipped", params=PARAMS).ok
    assert sim.token_fetches == 2


def test_unknown_openid_is_final_and_quota_is_throttled() -> None:
    sim = WechatSimulator.with_app(APPID, SECRET)
    with serve(sim) as url:
        channel = WechatChannel(wx_settings(url))
        unknown = channel.send("o-nobody", "a", template_code="shipped", params=PARAMS)
        sim.subscribe(OPENID)
        sim.rate_limit_next(1)
        limited = channel.send(OPENID, "a", template_code="shipped", params=PARAMS)
    assert not unknown.ok and not unknown.retryable and "40003" in unknown.error
    assert limited.throttled and limited.retryable


def test_wrong_secret_is_retryable_with_wechats_code() -> None:
    sim = WechatSimulator.with_app(APPID, "other")
    with serve(sim) as url:
        result = WechatChannel(wx_settings(url)).send(OPENID, "a", template_code="shipped", params=PARAMS)
    assert not result.ok and result.retryable and "40125" in result.error


def test_a_message_without_template_or_openid_is_refused_before_sending() -> None:
    s = WechatSettings(
        appid=APPID, secret=SECRET, base_url="http://127.0.0.1:9", templates={"delivered": "t"}
    )
    channel = WechatChannel(s)
    assert "模板" in channel.send(OPENID, "a", template_code="shipped", params=PARAMS).error
    assert "openid" in channel.send("", "a", template_code="delivered", params=PARAMS).error


def test_a_value_breaking_its_rule_is_final() -> None:
    sim = WechatSimulator.with_app(APPID, SECRET, accept_any_openid=True)
    fields = {"character_string1": "单号", "thing2": "快递", "phrase3": "状态", "thing4": "提示"}
    with serve(sim) as url:
        # A template whose phrase field fahuo fills with a non-Chinese status cannot pass 47003.
        s = wx_settings(url, fields={**fields, "phrase3": "单号"})
        result = WechatChannel(s).send(OPENID, "a", template_code="shipped", params=PARAMS)
    assert not result.ok and not result.retryable and "47003" in result.error
