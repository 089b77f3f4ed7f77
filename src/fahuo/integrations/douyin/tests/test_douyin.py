"""抖店 integration: golden payloads and sign vectors, and the simulator over real HTTP."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from fahuo.carriers.models import ProviderAccount
from fahuo.integrations.douyin import mapper
from fahuo.integrations.douyin.client import (
    DouyinClient,
    DouyinShopPlatform,
    build_query,
    sign,
    sign_pattern,
)
from fahuo.integrations.douyin.codes import (
    DEFAULT_COMPANY_CODES,
    FailureKind,
    classify,
    company_code_for,
    describe,
    is_retryable,
    sub_code_number,
)
from fahuo.integrations.douyin.settings import DouyinSettings, parse_company_codes
from fahuo.integrations.douyin.simulator import KNOWN_COMPANIES, DouyinSimulator
from fahuo.integrations.registry import shop_platform
from fahuo.integrations.simserver import serve
from fahuo.kit import testing
from fahuo.kit.errors import InvalidInput, NotSupported, ProviderError
from fahuo.kit.testing import detail

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
APP_KEY, APP_SECRET, TOKEN = "6839207088506275336", "sim-secret-1", "sim-token-1"
ORDER = "6919123456789012345"
LINES = ("6919123456789012346", "6919123456789012347", "6919123456789012348")


# -- signing (golden) ----------------------------------------------------------------------------


golden = partial(testing.golden, "douyin")


@pytest.mark.parametrize("vector", golden("sign_vectors.json")["vectors"], ids=lambda v: v["sign_method"])
def test_sign_of_each_vector_equals_the_independently_computed_value(vector: dict[str, str]) -> None:
    parts = {k: vector[k] for k in ("app_key", "app_secret", "method", "param_json", "timestamp")}
    if vector["sign_method"] == "hmac-sha256":
        assert sign(**parts) == vector["sign"]
    else:
        assert hashlib.md5(sign_pattern(**parts).encode()).hexdigest() == vector["sign"]


def test_sign_pattern_wraps_the_sorted_common_parameters_in_the_secret_and_leaves_out_the_token() -> None:
    pattern = sign_pattern(
        app_key="K", app_secret="S", method="order.logisticsAdd", param_json="{}", timestamp="1"
    )
    assert pattern == "Sapp_keyKmethodorder.logisticsAddparam_json{}timestamp1v2S"


def test_query_carries_the_common_parameters_and_the_hmac_sign() -> None:
    settings = DouyinSettings(app_key=APP_KEY, app_secret=APP_SECRET, access_token=TOKEN)
    query = build_query(
        method="order.logisticsAdd", param_json="{}", timestamp="1700000000", settings=settings
    )
    assert query == {
        "app_key": APP_KEY,
        "method": "order.logisticsAdd",
        "access_token": TOKEN,
        "timestamp": "1700000000",
        "v": "2",
        "sign_method": "hmac-sha256",
        "sign": sign(
            app_key=APP_KEY,
            app_secret=APP_SECRET,
            method="order.logisticsAdd",
            param_json="{}",
            timestamp="1700000000",
        ),
    }


# -- mapper (golden) -----------------------------------------------------------------------------


def test_logistics_add_params_equal_golden_and_serialise_to_the_signed_param_json() -> None:
    params = mapper.logistics_add_params(
        order_id=ORDER, company_code="zhongtong", logistics_code="75412345678901"
    )
    assert params == golden("logistics_add_param.json")
    assert mapper.dump_param_json(params) == golden("sign_vectors.json")["vectors"][0]["param_json"]


def test_multi_pack_params_list_the_sub_orders_and_a_stable_request_id() -> None:
    params = mapper.multi_pack_params(
        order_id=ORDER, company_code="yuantong", logistics_code="YT7000000000001", line_ids=LINES[:2]
    )
    assert params == golden("multi_pack_param.json")
    assert mapper.dump_param_json(params) == golden("sign_vectors.json")["vectors"][1]["param_json"]


def test_param_json_sorts_keys_at_every_level_keeps_chinese_and_has_no_spaces() -> None:
    text = mapper.dump_param_json({"b": {"z": 1, "a": "中通快递"}, "a": [{"y": 1, "x": 2}]})
    assert text == '{"a":[{"x":2,"y":1}],"b":{"a":"中通快递","z":1}}'


def test_a_long_order_and_number_still_give_a_short_request_id() -> None:
    rid = mapper.request_id_for("9" * 40, "X" * 40)
    assert len(rid) <= mapper.MAX_REQUEST_ID and rid == mapper.request_id_for("9" * 40, "X" * 40)


def test_missing_company_code_is_a_mapping_error() -> None:
    with pytest.raises(mapper.MappingError, match="物流公司编码"):
        mapper.logistics_add_params(order_id=ORDER, company_code=" ", logistics_code="1")


def test_documented_success_answer_is_ok() -> None:
    outcome = mapper.parse_response(golden("response_success.json"))
    assert outcome.ok and outcome.message == "" and outcome.log_id


@pytest.mark.parametrize(
    ("name", "kind", "retryable", "message"),
    [
        ("response_order_cancelled.json", FailureKind.ORDER_STATE, False, "订单已取消，禁止发货。"),
        ("response_order_not_found.json", FailureKind.ORDER_STATE, False, "订单不存在，请仔细检查后重试。"),
        (
            "response_already_shipped.json",
            FailureKind.ALREADY_SHIPPED,
            False,
            "订单已发货，不允许再次执行发货。",
        ),
        ("response_number_invalid.json", FailureKind.INVALID, False, "物流单号不符合规则。"),
        ("response_rate_limited.json", FailureKind.RATE_LIMITED, True, "请求太频繁，请稍后重试"),
        ("response_signature_invalid.json", FailureKind.AUTH, True, "签名校验失败"),
        ("response_token_expired.json", FailureKind.AUTH, True, "access_token已过期"),
        ("response_system_busy.json", FailureKind.TEMPORARY, True, "系统繁忙，请稍后重试。"),
    ],
)
def test_documented_error_answers_are_read_with_the_platform_message(
    name: str, kind: FailureKind, retryable: bool, message: str
) -> None:
    outcome = mapper.parse_response(golden(name))
    assert (outcome.ok, outcome.kind, outcome.retryable, outcome.message) == (False, kind, retryable, message)
    assert outcome.detail()["sub_code"] == golden(name)["sub_code"]


def test_order_detail_answer_lists_the_shipped_numbers() -> None:
    assert mapper.shipped_numbers(golden("order_detail_shipped.json")) == {"75412345678901"}
    assert mapper.shipped_numbers({"code": 10000, "data": {}}) == set()


def test_multi_pack_success_answer_is_ok() -> None:
    assert mapper.parse_response(golden("response_multi_pack_success.json")).ok


# -- codes ---------------------------------------------------------------------------------------


def test_unknown_codes_are_classified_by_family_and_words() -> None:
    assert classify(20000, "isp.service-error:424242") is FailureKind.TEMPORARY
    assert classify(50002, "isv.business-failed:424242", "奇怪的错误") is FailureKind.PROVIDER
    assert classify(50002, "isv.business-failed:424242", "系统繁忙，请稍后重试") is FailureKind.TEMPORARY
    assert (
        classify(50002, "isv.business-failed:70016", "无默认售后地址，请到地址库管理设置")
        is FailureKind.SHOP_SETUP
    )
    assert classify(30001, "dop.authorization-no-existed") is FailureKind.AUTH
    assert not is_retryable(FailureKind.ORDER_STATE) and is_retryable(FailureKind.RATE_LIMITED)
    assert (
        sub_code_number("isv.business-failed:60021") == "60021"
        and sub_code_number("isv.traffic-limited") == ""
    )
    assert describe("isv.business-failed:60021") == "60021 订单已取消，禁止发货 (order cancelled)"


def test_company_codes_map_fahuo_carriers_and_accept_overrides() -> None:
    assert company_code_for("zto") == "zhongtong"
    assert company_code_for("SANDBOX") is None
    assert company_code_for("SANDBOX", {"SANDBOX": "zhongtong"}) == "zhongtong"
    assert company_code_for("ZTO", {"ZTO": ""}) is None
    assert set(DEFAULT_COMPANY_CODES.values()) <= set(KNOWN_COMPANIES)


# -- settings and registry -----------------------------------------------------------------------


def test_settings_from_account_read_credentials_and_company_code_overrides() -> None:
    account = ProviderAccount(
        provider="douyin",
        name="抖店",
        base_url="http://127.0.0.1:9/",
        credentials=json.dumps(
            {
                "app_key": APP_KEY,
                "app_secret": "s",
                "access_token": "t",
                "company_codes": "xyz=xyzexpress; SF = sf2",
            }
        ),
    )
    settings = DouyinSettings.from_account(account)
    assert settings.company_codes == {"XYZ": "xyzexpress", "SF": "sf2"}
    assert settings.url_for("order.logisticsAdd") == "http://127.0.0.1:9/order/logisticsAdd"
    assert parse_company_codes({"jt": "jtexpress"}) == {"JT": "jtexpress"}


def test_settings_without_access_token_are_refused() -> None:
    with pytest.raises(InvalidInput, match="access_token"):
        DouyinSettings.from_credentials({"app_key": APP_KEY, "app_secret": "s"})


def test_registry_builds_the_douyin_adapter_and_refuses_unknown_platforms() -> None:
    account = ProviderAccount(
        provider="douyin",
        name="抖店",
        credentials=json.dumps({"app_key": APP_KEY, "app_secret": "s", "access_token": "t"}),
    )
    platform = shop_platform("douyin", account)
    assert isinstance(platform, DouyinShopPlatform)
    platform.close()
    with pytest.raises(NotSupported, match="抖店开放平台账号"):
        shop_platform("douyin", None)
    with pytest.raises(NotSupported):
        shop_platform("wechat", account)


# -- over real HTTP against the simulator --------------------------------------------------------


@pytest.fixture
def sim() -> DouyinSimulator:
    simulator = DouyinSimulator.with_app(APP_KEY, APP_SECRET, TOKEN)
    simulator.add_order(ORDER, LINES)
    return simulator


@pytest.fixture
def base_url(sim: DouyinSimulator) -> Iterator[str]:
    with serve(sim) as url:
        yield url


def http_settings(base_url: str, **overrides: Any) -> DouyinSettings:
    values: dict[str, Any] = {
        "app_key": APP_KEY,
        "app_secret": APP_SECRET,
        "access_token": TOKEN,
        "base_url": base_url,
        "backoff_s": 0.01,
        "read_timeout_s": 5.0,
    }
    values.update(overrides)
    return DouyinSettings(**values)


@pytest.fixture
def platform(base_url: str) -> Iterator[DouyinShopPlatform]:
    with DouyinShopPlatform(http_settings(base_url)) as p:
        yield p


def test_whole_order_ships_with_one_number(platform: DouyinShopPlatform, sim: DouyinSimulator) -> None:
    platform.ship(order_id=ORDER, company_code="zhongtong", logistics_code="75412345678901")
    assert sim.shipped(ORDER) == [("75412345678901", "zhongtong", LINES)]
    [call] = sim.calls_to("order.logisticsAdd")
    assert call.params == {"order_id": ORDER, "company_code": "zhongtong", "logistics_code": "75412345678901"}


def test_same_number_twice_is_a_success_confirmed_from_the_order_detail(
    platform: DouyinShopPlatform, sim: DouyinSimulator
) -> None:
    platform.ship(order_id=ORDER, company_code="zhongtong", logistics_code="75412345678901")
    platform.ship(order_id=ORDER, company_code="zhongtong", logistics_code="75412345678901")
    assert [c.code for c in sim.calls_to("order.logisticsAdd")] == [10000, 50002]
    assert len(sim.calls_to("order.orderDetail")) == 1
    assert len(sim.shipped(ORDER)) == 1


def test_a_different_number_on_a_shipped_order_is_a_final_error_naming_both(
    platform: DouyinShopPlatform,
) -> None:
    platform.ship(order_id=ORDER, company_code="zhongtong", logistics_code="75412345678901")
    with pytest.raises(ProviderError) as exc:
        platform.ship(order_id=ORDER, company_code="zhongtong", logistics_code="75499999999999")
    assert exc.value.message.startswith("订单已发货，不允许再次执行发货。")
    assert "75412345678901" in exc.value.message and "75499999999999" in exc.value.message
    assert detail(exc.value)["retryable"] is False


def test_sub_orders_ship_in_packs_and_a_repeated_request_is_idempotent(
    platform: DouyinShopPlatform, sim: DouyinSimulator
) -> None:
    platform.ship(
        order_id=ORDER, company_code="yuantong", logistics_code="YT7000000000001", line_ids=LINES[:2]
    )
    platform.ship(
        order_id=ORDER, company_code="yuantong", logistics_code="YT7000000000001", line_ids=LINES[:2]
    )
    platform.ship(
        order_id=ORDER, company_code="zhongtong", logistics_code="75412345678902", line_ids=LINES[2:]
    )
    assert sim.shipped(ORDER) == [
        ("YT7000000000001", "yuantong", LINES[:2]),
        ("75412345678902", "zhongtong", LINES[2:]),
    ]
    first = sim.calls_to("order.logisticsAddMultiPack")[0]
    assert first.params["pack_list"][0]["shipped_order_info"] == [{"shipped_order_id": i} for i in LINES[:2]]
    assert first.params["request_id"] == f"fahuo-{ORDER}-YT7000000000001"


def test_a_whole_order_call_on_a_partly_shipped_order_is_refused_for_good(
    platform: DouyinShopPlatform,
) -> None:
    platform.ship(
        order_id=ORDER, company_code="yuantong", logistics_code="YT7000000000001", line_ids=LINES[:1]
    )
    with pytest.raises(ProviderError, match="部分发货") as exc:
        platform.ship(order_id=ORDER, company_code="yuantong", logistics_code="YT7000000000009")
    assert detail(exc.value)["retryable"] is False


def test_bad_secret_is_refused_with_the_platform_message_and_may_be_retried(base_url: str) -> None:
    with DouyinShopPlatform(http_settings(base_url, app_secret="wrong")) as platform:
        with pytest.raises(ProviderError) as exc:
            platform.ship(order_id=ORDER, company_code="zhongtong", logistics_code="75412345678901")
    assert exc.value.message == "签名校验失败"
    assert detail(exc.value)["retryable"] is True and detail(exc.value)["kind"] == "auth"


def test_expired_token_is_an_auth_error(platform: DouyinShopPlatform, sim: DouyinSimulator) -> None:
    sim.expire_token(APP_KEY, TOKEN)
    with pytest.raises(ProviderError, match="access_token已过期"):
        platform.ship(order_id=ORDER, company_code="zhongtong", logistics_code="75412345678901")


def test_stale_timestamp_is_refused(base_url: str) -> None:
    settings = http_settings(base_url)
    with DouyinShopPlatform(settings, client=DouyinClient(settings, clock=lambda: time.time() - 3600)) as p:
        with pytest.raises(ProviderError, match="时间戳不合法"):
            p.ship(order_id=ORDER, company_code="zhongtong", logistics_code="75412345678901")


def test_unknown_order_and_cancelled_order_are_final(
    platform: DouyinShopPlatform, sim: DouyinSimulator
) -> None:
    with pytest.raises(ProviderError, match="订单不存在") as unknown:
        platform.ship(
            order_id="6919000000000000000", company_code="zhongtong", logistics_code="75412345678901"
        )
    sim.cancel_order(ORDER)
    with pytest.raises(ProviderError, match="订单已取消") as cancelled:
        platform.ship(order_id=ORDER, company_code="zhongtong", logistics_code="75412345678901")
    assert detail(unknown.value)["retryable"] is False and detail(cancelled.value)["kind"] == "order_state"


def test_unknown_company_code_is_final(platform: DouyinShopPlatform) -> None:
    with pytest.raises(ProviderError, match="暂不支持该物流公司") as exc:
        platform.ship(order_id=ORDER, company_code="nosuchexpress", logistics_code="75412345678901")
    assert detail(exc.value)["retryable"] is False


def test_rate_limit_is_a_retryable_error(platform: DouyinShopPlatform, sim: DouyinSimulator) -> None:
    sim.rate_limit_next(1)
    with pytest.raises(ProviderError, match="请求太频繁") as exc:
        platform.ship(order_id=ORDER, company_code="zhongtong", logistics_code="75412345678901")
    assert detail(exc.value)["kind"] == "rate_limited" and detail(exc.value)["retryable"] is True
    platform.ship(order_id=ORDER, company_code="zhongtong", logistics_code="75412345678901")
    assert len(sim.shipped(ORDER)) == 1


def test_http_5xx_is_retried_by_the_client_until_it_succeeds(
    platform: DouyinShopPlatform, sim: DouyinSimulator
) -> None:
    sim.fail_next(2, status=502)
    platform.ship(order_id=ORDER, company_code="zhongtong", logistics_code="75412345678901")
    assert len(sim.shipped(ORDER)) == 1


def test_http_5xx_on_every_attempt_is_a_retryable_error(
    platform: DouyinShopPlatform, sim: DouyinSimulator
) -> None:
    sim.fail_next(3, status=503)
    with pytest.raises(ProviderError, match="HTTP 503") as exc:
        platform.ship(order_id=ORDER, company_code="zhongtong", logistics_code="75412345678901")
    assert detail(exc.value)["retryable"] is True
    assert sim.shipped(ORDER) == []


def test_nothing_listening_is_a_retryable_error() -> None:
    with serve(DouyinSimulator()) as url:
        pass  # the port is closed again
    with DouyinShopPlatform(http_settings(url, max_attempts=2)) as platform:
        with pytest.raises(ProviderError, match="无法连接") as exc:
            platform.ship(order_id=ORDER, company_code="zhongtong", logistics_code="75412345678901")
    assert detail(exc.value)["retryable"] is True


def test_simulator_accepts_an_md5_signed_call_with_the_older_timestamp_format(
    base_url: str, sim: DouyinSimulator
) -> None:
    param_json = mapper.dump_param_json(
        mapper.logistics_add_params(order_id=ORDER, company_code="zhongtong", logistics_code="75412345678901")
    )
    timestamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 8 * 3600))
    parts = {"app_key": APP_KEY, "app_secret": APP_SECRET, "method": "order.logisticsAdd"}
    md5 = hashlib.md5(sign_pattern(**parts, param_json=param_json, timestamp=timestamp).encode()).hexdigest()
    query = {
        **parts,
        "access_token": TOKEN,
        "timestamp": timestamp,
        "v": "2",
        "sign": md5,
        "param_json": param_json,
    }
    del query["app_secret"]
    body = httpx.post(f"{base_url}/order/logisticsAdd", params=query).json()
    assert body["code"] == 10000
    assert sim.shipped(ORDER)[0][0] == "75412345678901"


def test_simulator_refuses_an_unknown_app_key(base_url: str) -> None:
    with DouyinShopPlatform(http_settings(base_url, app_key="7000000000000000999")) as platform:
        with pytest.raises(ProviderError, match="app_key不存在"):
            platform.ship(order_id=ORDER, company_code="zhongtong", logistics_code="75412345678901")
