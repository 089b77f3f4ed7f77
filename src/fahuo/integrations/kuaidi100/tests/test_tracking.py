"""Kuaidi100 tracking: code tables, callback verification/decoding (golden payloads), and subscribe/
query/callback against the simulator over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from fahuo.integrations.base import MalformedPush, SignatureInvalid
from fahuo.integrations.kuaidi100 import tracking
from fahuo.integrations.kuaidi100.codes import TRACK_CODES, TRACK_NAMES, track_code
from fahuo.integrations.kuaidi100.mapper import dumps
from fahuo.integrations.kuaidi100.settings import Kuaidi100Settings
from fahuo.integrations.kuaidi100.simulator import (
    DEMO_CUSTOMER,
    DEMO_KEY,
    SimulatorState,
    build_callback_form,
    demo_settings,
    make_app,
)
from fahuo.integrations.simserver import serve
from fahuo.kit import testing
from fahuo.kit.errors import NotSupported, ProviderError
from fahuo.tracking.models import TrackStatus

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
SALT = "s3cr3t-salt"
SHANGHAI = tracking.SHANGHAI


golden = partial(testing.golden, "kuaidi100")


def golden_form(name: str, *, salt: str = SALT) -> dict[str, str]:
    """A golden callback as the form fields a form decoder hands the hook (param signed as sent)."""
    return build_callback_form(golden(name)["param"], salt)


def signed(param: dict[str, Any], salt: str = SALT) -> dict[str, str]:
    return build_callback_form(param, salt)


# -- state / statusCode → fahuo status: one row per documented code -----------------------------

EXPECTED: dict[str, tuple[str, bool]] = {
    "0": ("in_transit", False),
    "1001": ("in_transit", False),
    "1002": ("in_transit", False),
    "1003": ("in_transit", False),
    "1": ("picked_up", False),
    "101": ("created", False),
    "102": ("awaiting_pickup", False),
    "103": ("picked_up", False),
    "2": ("exception", False),
    "201": ("exception", False),
    "202": ("exception", False),
    "203": ("refused", False),
    "204": ("exception", False),
    "205": ("exception", False),
    "206": ("exception", False),
    "207": ("exception", False),
    "208": ("exception", False),
    "209": ("exception", False),
    "210": ("exception", False),
    "3": ("delivered", False),
    "301": ("delivered", False),
    "302": ("delivered", False),
    "303": ("delivered", True),
    "304": ("delivered", True),
    "4": ("returned", False),
    "401": ("exception", False),
    "14": ("refused", False),
    "5": ("out_for_delivery", False),
    "501": ("in_locker", False),
    "6": ("returning", False),
    "7": ("in_transit", False),
    "8": ("in_transit", False),
    "10": ("in_transit", False),
    "11": ("in_transit", False),
    "12": ("in_transit", False),
    "13": ("exception", False),
}


@pytest.mark.parametrize(("code", "expected"), sorted(EXPECTED.items()))
def test_kuaidi100_code_maps_to_fahuo_status(code: str, expected: tuple[str, bool]) -> None:
    known = track_code(code)
    assert known is not None
    assert (known.status, known.signed_by_proxy) == expected
    assert known.status in TrackStatus.values


def test_code_table_has_exactly_the_documented_rows() -> None:
    assert set(TRACK_CODES) == set(EXPECTED)


@pytest.mark.parametrize(("name", "code"), sorted(TRACK_NAMES.items()))
def test_a_status_name_reads_as_its_code(name: str, code: str) -> None:
    assert track_code(name) == TRACK_CODES[code]


@pytest.mark.parametrize(
    ("code", "status"), [("211", "exception"), ("1004", "in_transit"), ("305", "delivered")]
)
def test_an_undocumented_sub_code_falls_back_to_its_family(code: str, status: str) -> None:
    known = track_code(code)
    assert known is not None and known.status == status


@pytest.mark.parametrize("value", ["", None, "99", "abc", "9999"])
def test_blank_or_unknown_codes_mean_nothing(value: object) -> None:
    assert track_code(value) is None


# -- signatures (vectors computed with coreutils) ----------------------------------------------


def test_callback_sign_equals_the_vector_computed_with_md5sum() -> None:
    vector = golden("track_sign_vectors.json")["callback"]
    assert tracking.callback_sign(vector["param"], vector["salt"]) == vector["sign"]


def test_query_sign_equals_the_vector_computed_with_md5sum() -> None:
    vector = golden("track_sign_vectors.json")["query"]
    assert tracking.query_sign(vector["param"], vector["key"], vector["customer"]) == vector["sign"]


# -- callback: golden payloads -----------------------------------------------------------------


def test_documented_callback_becomes_events_oldest_first() -> None:
    parsed = tracking.parse_callback(golden_form("track_callback_polling.json"), salt=SALT)
    assert parsed.errors == []
    assert [(e.status, e.provider_code) for e in parsed.events] == [
        ("picked_up", "1"),
        ("in_transit", "0"),
        ("in_transit", "0"),
    ]
    first = parsed.events[0]
    assert (first.tracking_no, first.carrier_code, first.provider) == ("V030344422", "YTO", "kuaidi100")
    assert first.at == datetime(2012, 8, 27, 18, 5, 10, tzinfo=SHANGHAI)
    assert first.location == "上海,上海市,青浦区"
    assert (parsed.status, parsed.needs_resubscribe) == ("polling", False)


def test_advanced_status_codes_give_locker_and_proxy_signature() -> None:
    parsed = tracking.parse_callback(golden_form("track_callback_shutdown.json"), salt=SALT)
    assert [(e.status, e.provider_code, e.signed_by_proxy) for e in parsed.events] == [
        ("picked_up", "103", False),
        ("in_transit", "1001", False),
        ("out_for_delivery", "5", False),
        ("in_locker", "501", False),
        ("delivered", "304", True),
    ]
    assert {e.carrier_code for e in parsed.events} == {"ZTO"}
    assert parsed.status == "shutdown" and parsed.needs_resubscribe is False


def test_ack_body_is_kuaidi100s_documented_answer() -> None:
    parsed = tracking.parse_callback(golden_form("track_callback_polling.json"), salt=SALT)
    assert json.loads(parsed.ack_body) == {"result": True, "returnCode": "200", "message": "成功"}
    assert parsed.ack_content_type == "application/json"


def test_abort_asks_for_a_new_subscription() -> None:
    form = golden_form("track_callback_abort.json")
    parsed = tracking.parse_callback(form, salt=SALT)
    assert parsed.events == [] and parsed.errors == []
    assert (parsed.status, parsed.message, parsed.needs_resubscribe) == ("abort", "3天查询无记录", True)
    assert tracking.callback_status(form) == "abort"


def test_abort_after_kuaidi100_corrected_the_company_needs_no_new_subscription() -> None:
    param = golden("track_callback_abort.json")["param"]
    param["comNew"] = "yunda"
    parsed = tracking.parse_callback(signed(param), salt=SALT)
    assert parsed.needs_resubscribe is False and parsed.corrected_company == "yunda"


def test_a_bad_line_goes_to_errors_and_the_others_still_count() -> None:
    parsed = tracking.parse_callback(golden_form("track_callback_bad_row.json"), salt=SALT)
    assert [e.status for e in parsed.events] == ["picked_up", "in_transit"]
    assert len(parsed.errors) == 1 and "不详" in parsed.errors[0]


def test_a_line_without_any_code_takes_the_parcel_state_when_newest() -> None:
    param = golden("track_callback_polling.json")["param"]
    for row in param["lastResult"]["data"]:
        row.pop("status")
    param["lastResult"]["state"] = "5"
    events = tracking.parse_callback(signed(param), salt=SALT).events
    assert [e.status for e in events] == ["in_transit", "in_transit", "out_for_delivery"]
    assert [e.provider_code for e in events] == ["", "", "5"]


def test_an_unknown_company_is_an_error_and_no_events() -> None:
    param = golden("track_callback_polling.json")["param"]
    param["lastResult"]["com"] = "xinyuzhou"
    parsed = tracking.parse_callback(signed(param), salt=SALT)
    assert parsed.events == [] and "xinyuzhou" in parsed.errors[0]
    custom = tracking.parse_callback(signed(param), salt=SALT, carrier_codes={"XYZ": "xinyuzhou"})
    assert {e.carrier_code for e in custom.events} == {"XYZ"}


def test_a_wrong_salt_is_signature_invalid() -> None:
    with pytest.raises(SignatureInvalid):
        tracking.parse_callback(golden_form("track_callback_polling.json", salt="another"), salt=SALT)


def test_a_tampered_param_is_signature_invalid() -> None:
    form = golden_form("track_callback_polling.json")
    form["param"] = form["param"].replace("V030344422", "V999999999")
    with pytest.raises(SignatureInvalid):
        tracking.parse_callback(form, salt=SALT)


def test_a_callback_without_sign_is_signature_invalid() -> None:
    form = golden_form("track_callback_polling.json")
    del form["sign"]
    with pytest.raises(SignatureInvalid):
        tracking.parse_callback(form, salt=SALT)


def test_a_lower_case_sign_is_accepted() -> None:
    form = golden_form("track_callback_polling.json")
    form["sign"] = form["sign"].lower()
    assert len(tracking.parse_callback(form, salt=SALT).events) == 3


def test_a_signed_param_that_is_not_json_is_malformed() -> None:
    with pytest.raises(MalformedPush):
        tracking.parse_callback({"param": "{oops", "sign": tracking.callback_sign("{oops", SALT)}, salt=SALT)
    assert tracking.callback_status({"param": "{oops"}) == ""


def test_a_callback_without_param_is_malformed() -> None:
    with pytest.raises(MalformedPush):
        tracking.parse_callback({"sign": tracking.callback_sign("", SALT)}, salt=SALT)


def test_a_last_result_that_is_not_an_object_is_malformed() -> None:
    with pytest.raises(MalformedPush):
        tracking.parse_callback(signed({"status": "polling", "lastResult": ["x"]}), salt=SALT)


def test_documented_query_answer_reads_as_events() -> None:
    errors: list[str] = []
    events = tracking.result_events(golden("track_query_response.json"), carrier_code="YTO", errors=errors)
    assert errors == []
    assert [(e.status, e.location) for e in events] == [
        ("picked_up", "广东,东莞市,东城街道"),
        ("in_transit", "广东,东莞市"),
    ]


def test_tracking_calls_go_to_poll_kuaidi100_com_by_default() -> None:
    default = Kuaidi100Settings(key="k", secret="s")
    assert tracking.poll_url(default, tracking.SUBSCRIBE_PATH) == "https://poll.kuaidi100.com/poll"
    assert (
        tracking.poll_url(demo_settings("http://127.0.0.1:9/"), tracking.QUERY_PATH)
        == "http://127.0.0.1:9/poll/query.do"
    )


def test_settings_read_the_query_customer_from_credentials() -> None:
    settings = Kuaidi100Settings.from_credentials({"key": "k", "secret": "s", "customer": "CUST"})
    assert settings.customer == "CUST"


# -- over HTTP with the simulator -------------------------------------------------------------


@pytest.fixture
def state() -> SimulatorState:
    return SimulatorState()


@pytest.fixture
def base_url(state: SimulatorState) -> Iterator[str]:
    with serve(make_app(state)) as url:
        yield url


def subscribe(base_url: str, number: str = "YT9693083639795", carrier: str = "YTO", **kw: Any) -> None:
    values: dict[str, Any] = {"callback_url": "http://127.0.0.1:9/hooks/kuaidi100", "salt": SALT}
    values.update(kw)
    tracking.subscribe(demo_settings(base_url, retries=2), tracking_no=number, carrier_code=carrier, **values)


def test_subscribe_sends_the_documented_param(state: SimulatorState, base_url: str) -> None:
    subscribe(base_url, "SF1234567890123", "SF", phone="15018442396")
    sub = state.subscriptions[("shunfeng", "SF1234567890123")]
    expected = golden("track_subscribe_request.json")["param"]
    assert (sub.kuaidicom, sub.number, sub.key) == (expected["company"], expected["number"], DEMO_KEY)
    assert (sub.salt, sub.phone) == (SALT, expected["parameters"]["phone"])


def test_subscribing_again_while_monitored_is_fine(state: SimulatorState, base_url: str) -> None:
    subscribe(base_url)
    subscribe(base_url)
    assert len(state.subscriptions) == 1


def test_subscribe_with_a_wrong_key_raises_kuaidi100s_message(base_url: str) -> None:
    with pytest.raises(ProviderError, match="合法的订阅者"):
        tracking.subscribe(
            demo_settings(base_url, key="nope"),
            tracking_no="YT9693083639795",
            carrier_code="YTO",
            callback_url="http://x/",
            salt=SALT,
        )


def test_subscribe_sf_without_phone_is_refused(base_url: str) -> None:
    with pytest.raises(ProviderError, match="phone"):
        subscribe(base_url, "SF1234567890123", "SF")


def test_subscribe_for_an_unconfigured_carrier_is_not_supported(base_url: str) -> None:
    with pytest.raises(NotSupported):
        subscribe(base_url, "XYZ12345678", "XYZ")


def test_subscribe_retries_a_5xx(state: SimulatorState, base_url: str) -> None:
    state.fail_next(1)
    subscribe(base_url)
    assert ("yuantong", "YT9693083639795") in state.subscriptions


def test_query_without_a_result_yet_is_empty(base_url: str) -> None:
    assert tracking.query(demo_settings(base_url), tracking_no="YT9693083639795", carrier_code="YTO") == []


def test_simulator_no_result_answer_is_the_documented_one(state: SimulatorState) -> None:
    from fahuo.integrations.kuaidi100.simulator import handle_query

    text = dumps({"com": "yuantong", "num": "YT1"})
    answer = handle_query(
        state,
        {
            "customer": DEMO_CUSTOMER,
            "param": text,
            "sign": tracking.query_sign(text, DEMO_KEY, DEMO_CUSTOMER),
        },
    )
    assert answer == {k: v for k, v in golden("track_query_no_result.json").items() if not k.startswith("_")}


def test_query_returns_the_trace_the_simulator_holds(state: SimulatorState, base_url: str) -> None:
    state.add_trace(
        "yuantong", "YT9693083639795", time="2024-04-26 21:35:28", context="已揽收", status_code="103"
    )
    state.add_trace(
        "yuantong",
        "YT9693083639795",
        time="2024-04-27 08:00:00",
        context="派件中",
        status_code="5",
        area_name="广东,东莞市",
    )
    events = tracking.query(demo_settings(base_url), tracking_no="YT9693083639795", carrier_code="YTO")
    assert [(e.status, e.carrier_code) for e in events] == [("picked_up", "YTO"), ("out_for_delivery", "YTO")]
    assert events[-1].at == datetime(2024, 4, 27, 8, 0, tzinfo=SHANGHAI)


def test_query_with_a_wrong_key_is_a_signature_refusal(base_url: str) -> None:
    with pytest.raises(ProviderError, match="签名"):
        tracking.query(
            demo_settings(base_url, key="other"), tracking_no="YT9693083639795", carrier_code="YTO"
        )


def test_query_of_sf_without_phone_raises_kuaidi100s_message(state: SimulatorState, base_url: str) -> None:
    state.add_trace(
        "shunfeng", "SF1234567890123", time="2024-04-26 21:35:28", context="已揽收", status_code="103"
    )
    with pytest.raises(ProviderError, match="验证码错误"):
        tracking.query(demo_settings(base_url), tracking_no="SF1234567890123", carrier_code="SF")
    events = tracking.query(
        demo_settings(base_url), tracking_no="SF1234567890123", carrier_code="SF", phone="2396"
    )
    assert len(events) == 1


def test_query_without_a_customer_is_not_supported(base_url: str) -> None:
    with pytest.raises(NotSupported):
        tracking.query(demo_settings(base_url, customer=""), tracking_no="YT1", carrier_code="YTO")


class _Receiver:
    """A callback endpoint over real HTTP: decodes the form, runs parse_callback, answers its ack."""

    def __init__(self) -> None:
        self.parsed: list[tracking.Kuaidi100Callback] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode("utf-8")).items()}
        try:
            parsed = tracking.parse_callback(form, salt=SALT)
        except SignatureInvalid:
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            return [b"bad signature"]
        self.parsed.append(parsed)
        start_response("200 OK", [("Content-Type", parsed.ack_content_type)])
        return [parsed.ack_body.encode("utf-8")]


def test_simulator_calls_back_signed_and_gets_the_ack(state: SimulatorState, base_url: str) -> None:
    receiver = _Receiver()
    with serve(receiver) as hook:
        subscribe(base_url, "78000000000001", "ZTO", callback_url=hook + "/hooks/kuaidi100")
        state.add_trace(
            "zhongtong", "78000000000001", time="2024-05-18 21:35:28", context="已揽收", status_code="103"
        )
        first = state.push_to("zhongtong", "78000000000001")
        state.add_trace(
            "zhongtong", "78000000000001", time="2024-05-20 16:20:38", context="已签收", status_code="303"
        )
        second = state.push_to("zhongtong", "78000000000001")
    assert first.json() == second.json() == {"result": True, "returnCode": "200", "message": "成功"}
    assert [p.status for p in receiver.parsed] == ["polling", "shutdown"]
    last = receiver.parsed[-1].events[-1]
    assert (last.status, last.signed_by_proxy) == ("delivered", True)
    subscribe(base_url, "78000000000001", "ZTO")  # monitoring ended: a new subscription is accepted
    assert state.subscriptions[("zhongtong", "78000000000001")].monitoring is True


def test_a_callback_signed_with_another_salt_is_refused(state: SimulatorState, base_url: str) -> None:
    receiver = _Receiver()
    with serve(receiver) as hook:
        subscribe(base_url, callback_url=hook, salt="not-ours")
        state.add_trace(
            "yuantong", "YT9693083639795", time="2024-05-18 21:35:28", context="已揽收", status_code="103"
        )
        answer = state.push_to("yuantong", "YT9693083639795")
    assert answer.status_code == 401 and receiver.parsed == []
