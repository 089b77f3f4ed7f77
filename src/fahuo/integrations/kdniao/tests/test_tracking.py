"""Kdniao tracking: code table, push verification/decoding (golden payloads), and subscribe/query/push
against the simulator over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import pytest

from fahuo.integrations.base import MalformedPush, ParsedPush, SignatureInvalid
from fahuo.integrations.kdniao import tracking
from fahuo.integrations.kdniao.client import sign
from fahuo.integrations.kdniao.codes import TRACK_CODES, guess_status, track_code
from fahuo.integrations.kdniao.settings import KdniaoSettings
from fahuo.integrations.kdniao.simulator import KdniaoSimulator, build_push_form
from fahuo.integrations.simserver import serve
from fahuo.kit import testing
from fahuo.kit.errors import NotSupported, ProviderError
from fahuo.tracking.models import TrackStatus

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
EBID, APP_KEY = "1237100", "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17"
SHANGHAI = tracking.SHANGHAI


golden = partial(testing.golden, "kdniao")


def settings(base_url: str = "https://api.kdniao.com", **overrides: Any) -> KdniaoSettings:
    values: dict[str, Any] = {
        "ebusiness_id": EBID,
        "app_key": APP_KEY,
        "base_url": base_url,
        "backoff_s": 0.01,
    }
    values.update(overrides)
    return KdniaoSettings(**values)


def golden_form(name: str, *, app_key: str = APP_KEY) -> dict[str, str]:
    """A golden push as the form fields a form decoder hands the hook (RequestData signed as sent)."""
    push = golden(name)
    request_data = json.dumps(push["RequestData"], ensure_ascii=False, separators=(",", ":"))
    return {
        "RequestData": request_data,
        "RequestType": push["RequestType"],
        "DataSign": sign(request_data, app_key),
    }


def sh(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)


# -- State / StateEx / Action → fahuo status: one row per documented code ------------------------

EXPECTED: dict[str, tuple[str, bool]] = {
    "0": ("created", False),
    "10": ("awaiting_pickup", False),
    "1": ("picked_up", False),
    "2": ("in_transit", False),
    "201": ("in_transit", False),
    "204": ("in_transit", False),
    "205": ("in_transit", False),
    "206": ("in_transit", False),
    "202": ("out_for_delivery", False),
    "211": ("in_locker", False),
    "3": ("delivered", False),
    "301": ("delivered", False),
    "302": ("delivered", False),
    "304": ("delivered", True),
    "311": ("delivered", True),
    "4": ("exception", False),
    "401": ("exception", False),
    "402": ("exception", False),
    "403": ("exception", False),
    "404": ("refused", False),
    "405": ("exception", False),
    "406": ("returned", False),
    "407": ("returning", False),
    "412": ("exception", False),
    "413": ("exception", False),
    "414": ("exception", False),
    "415": ("exception", False),
    "416": ("exception", False),
    "417": ("exception", False),
    "418": ("exception", False),
    "419": ("exception", False),
    "420": ("exception", False),
    "421": ("exception", False),
    "422": ("exception", False),
    "423": ("exception", False),
    "5": ("in_transit", False),
    "6": ("in_transit", False),
    "601": ("in_transit", False),
    "602": ("in_transit", False),
    "603": ("in_transit", False),
    "604": ("exception", False),
}


@pytest.mark.parametrize(("code", "expected"), sorted(EXPECTED.items()))
def test_kdniao_code_maps_to_fahuo_status(code: str, expected: tuple[str, bool]) -> None:
    known = track_code(code)
    assert known is not None
    assert (known.status, known.signed_by_proxy) == expected
    assert known.status in TrackStatus.values


def test_code_table_has_exactly_the_documented_rows() -> None:
    assert set(TRACK_CODES) == set(EXPECTED)


def test_an_undocumented_sub_code_falls_back_to_its_family() -> None:
    assert track_code("424") is not None and track_code("424").status == "exception"  # type: ignore[union-attr]
    assert track_code("309") is not None and track_code("309").status == "delivered"  # type: ignore[union-attr]


@pytest.mark.parametrize("value", ["", None, "abc", "99999", "9"])
def test_blank_or_unknown_codes_mean_nothing(value: object) -> None:
    assert track_code(value) is None


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("【杭州市】圆通速递 已揽收", "picked_up"),
        ("已收件[深圳市]", "picked_up"),
        ("快件到达【深圳集散中心】", None),
        ("正在派件..(派件人:邓裕富)", "out_for_delivery"),
        ("快件已被【丰巢柜】代收", "in_locker"),
        ("您的快递已签收，签收人在【丰巢柜】领取", "delivered"),
        ("收件人拒收，快件退回", "refused"),
        ("快件已退回寄件人", "returning"),
    ],
)
def test_trace_words_give_a_status_only_when_they_say_one(text: str, status: str | None) -> None:
    assert guess_status(text) == status


# -- push: golden payloads ---------------------------------------------------------------------


def test_golden_push_becomes_trace_events_with_beijing_times_and_fahuo_carriers() -> None:
    parsed = tracking.parse_push(golden_form("track_push_101.json"), settings())
    assert parsed.errors == []
    sf = [e for e in parsed.events if e.tracking_no == "SF1234567890123"]
    zto = [e for e in parsed.events if e.tracking_no == "73190553102532"]
    assert len(sf) == 4 and len(zto) == 5
    assert {e.carrier_code for e in sf} == {"SF"} and {e.carrier_code for e in zto} == {"ZTO"}
    assert sf[0].at == datetime(2015, 3, 11, 16, 21, 6, tzinfo=SHANGHAI)
    assert all(e.provider == "kdniao" for e in parsed.events)


def test_traces_with_action_take_their_own_status() -> None:
    parsed = tracking.parse_push(golden_form("track_push_101.json"), settings())
    zto = [e for e in parsed.events if e.carrier_code == "ZTO"]
    assert [(e.status, e.provider_code) for e in zto] == [
        ("picked_up", "1"),
        ("in_transit", "204"),
        ("out_for_delivery", "202"),
        ("in_locker", "211"),
        ("delivered", "311"),
    ]
    assert zto[-1].signed_by_proxy is True
    assert zto[0].location == "杭州市"


def test_without_action_the_latest_trace_takes_the_parcel_state_and_the_rest_their_words() -> None:
    parsed = tracking.parse_push(golden_form("track_push_101.json"), settings())
    sf = [e for e in parsed.events if e.carrier_code == "SF"]
    assert [e.status for e in sf] == ["picked_up", "in_transit", "out_for_delivery", "delivered"]
    assert [e.provider_code for e in sf] == ["", "", "", "3"]


def test_parcel_location_goes_to_the_latest_trace_when_it_has_none() -> None:
    data = golden("track_push_101.json")["RequestData"]
    data["Data"][1]["Traces"][-1].pop("Location")
    request_data = json.dumps(data, ensure_ascii=False)
    form = {"RequestData": request_data, "RequestType": "101", "DataSign": sign(request_data, APP_KEY)}
    last = tracking.parse_push(form, settings()).events[-1]
    assert last.location == "苏州市"


def test_ack_body_is_kdniaos_documented_acknowledgement() -> None:
    parsed = tracking.parse_push(
        golden_form("track_push_101.json"), settings(), now=sh("2015-03-11 16:26:11")
    )
    expected = {k: v for k, v in golden("track_push_ack.json").items() if not k.startswith("_")}
    assert json.loads(parsed.ack_body) == expected
    assert parsed.ack_content_type == "application/json"


def test_ack_update_time_is_beijing_time() -> None:
    parsed = tracking.parse_push(
        golden_form("track_push_101.json"),
        settings(),
        now=datetime.fromisoformat("2024-05-20T00:30:00+00:00"),
    )
    assert json.loads(parsed.ack_body)["UpdateTime"] == "2024-05-20 08:30:00"


def test_a_bad_item_goes_to_errors_and_the_good_one_still_counts() -> None:
    parsed = tracking.parse_push(golden_form("track_push_bad_item.json"), settings())
    assert [e.tracking_no for e in parsed.events] == ["YT7461234567890", "YT7461234567890"]
    assert [e.status for e in parsed.events] == ["picked_up", "out_for_delivery"]
    assert len(parsed.errors) == 2
    assert "XYZEXP" in parsed.errors[0]
    assert "773012345678" in parsed.errors[1] and "昨天下午" in parsed.errors[1]


def test_a_wrong_datasign_is_signature_invalid() -> None:
    form = golden_form("track_push_101.json", app_key="someone-elses-key")
    with pytest.raises(SignatureInvalid):
        tracking.parse_push(form, settings())


def test_a_tampered_request_data_is_signature_invalid() -> None:
    form = golden_form("track_push_101.json")
    form["RequestData"] = form["RequestData"].replace("SF1234567890123", "SF9999999999999")
    with pytest.raises(SignatureInvalid):
        tracking.parse_push(form, settings())


def test_a_push_without_datasign_is_signature_invalid() -> None:
    form = golden_form("track_push_101.json")
    del form["DataSign"]
    with pytest.raises(SignatureInvalid):
        tracking.parse_push(form, settings())


def test_a_signed_body_that_is_not_json_is_malformed() -> None:
    form = {"RequestData": "{not json", "RequestType": "101", "DataSign": sign("{not json", APP_KEY)}
    with pytest.raises(MalformedPush):
        tracking.parse_push(form, settings())


def test_a_push_without_request_data_is_malformed() -> None:
    with pytest.raises(MalformedPush):
        tracking.parse_push({"RequestType": "101", "DataSign": sign("", APP_KEY)}, settings())


def test_data_that_is_not_a_list_is_malformed() -> None:
    text = json.dumps({"EBusinessID": EBID, "Count": "1", "Data": {"LogisticCode": "1"}})
    with pytest.raises(MalformedPush):
        tracking.parse_push(
            {"RequestData": text, "RequestType": "101", "DataSign": sign(text, APP_KEY)}, settings()
        )


def test_a_push_url_encoded_twice_still_verifies() -> None:
    form = golden_form("track_push_101.json")
    twice = {k: quote(v, safe="") for k, v in form.items()}
    twice["RequestType"] = "101"
    parsed = tracking.parse_push(twice, settings())
    assert len(parsed.events) == 9


def test_another_request_type_is_acknowledged_without_events() -> None:
    form = golden_form("track_push_101.json")
    form["RequestType"] = "107"
    parsed = tracking.parse_push(form, settings())
    assert parsed.events == [] and "107" in parsed.errors[0]
    assert json.loads(parsed.ack_body)["Success"] is True


def test_reverse_shipper_map_prefers_the_code_spelled_like_kdniaos() -> None:
    reverse = tracking.reverse_shipper_codes(settings())
    assert reverse["YD"] == "YD" and reverse["HTKY"] == "HTKY" and reverse["JTSD"] == "JTSD"
    custom = settings(shipper_code_map={"XYZ": "XYZEXP"})
    assert tracking.reverse_shipper_codes(custom) == {"XYZEXP": "XYZ"}


def test_tracking_endpoints_live_on_the_api_host() -> None:
    assert tracking.endpoint(settings(), tracking.SUBSCRIBE_PATH) == "https://api.kdniao.com/api/dist"
    testing = settings("http://testapi.kdniao.com:8081/api/EOrderService")
    assert tracking.endpoint(testing, tracking.QUERY_PATH) == (
        "http://testapi.kdniao.com:8081/Ebusiness/EbusinessOrderHandle.aspx"
    )


def test_documented_query_answer_reads_as_events() -> None:
    answer = golden("track_query_response.json")
    events = tracking.item_events(answer, carrier_code="SF")
    assert [e.status for e in events] == [
        "picked_up",
        "in_transit",
        "out_for_delivery",
        "delivered",
        "delivered",
    ]
    assert events[0].at == sh("2014-06-24 20:18:58")


# -- over HTTP with the simulator -------------------------------------------------------------


@pytest.fixture
def sim() -> KdniaoSimulator:
    return KdniaoSimulator.with_accounts({EBID: APP_KEY})


@pytest.fixture
def base_url(sim: KdniaoSimulator) -> Iterator[str]:
    with serve(sim) as url:
        yield url


def test_subscribe_sends_the_documented_request_data(sim: KdniaoSimulator, base_url: str) -> None:
    tracking.subscribe(
        settings(base_url),
        tracking_no="SF1234567890123",
        carrier_code="SF",
        order_code="FH-20240501-0001",
        phone="150 1844 2396",
    )
    sub = sim.subscriptions[("SF", "SF1234567890123")]
    expected = golden("track_subscribe_request.json")["RequestData"]
    assert (sub.order_code, sub.customer_name) == (expected["OrderCode"], expected["CustomerName"])
    assert sim.calls[-1].request_type == "1008"


def test_subscribe_refused_by_kdniao_raises_with_its_reason(base_url: str) -> None:
    with pytest.raises(ProviderError, match="手机号后四位"):
        tracking.subscribe(settings(base_url), tracking_no="SF1234567890123", carrier_code="SF")


def test_subscribe_with_a_wrong_app_key_raises(base_url: str) -> None:
    with pytest.raises(ProviderError, match="签名"):
        tracking.subscribe(settings(base_url, app_key="wrong"), tracking_no="73100000001", carrier_code="ZTO")


def test_subscribe_for_a_carrier_kdniao_lacks_is_not_supported(base_url: str) -> None:
    with pytest.raises(NotSupported):
        tracking.subscribe(settings(base_url), tracking_no="1", carrier_code="NOPE")


def test_query_of_a_number_without_traces_is_empty(base_url: str) -> None:
    assert tracking.query(settings(base_url), tracking_no="73100000001", carrier_code="ZTO") == []


def test_query_returns_the_trace_the_simulator_holds(sim: KdniaoSimulator, base_url: str) -> None:
    sim.add_trace(
        "ZTO", "73100000001", at="2024-05-18 21:35:28", station="已揽收", action="1", location="杭州市"
    )
    sim.add_trace("ZTO", "73100000001", at="2024-05-20 08:04:25", station="正在派件", action="202")
    events = tracking.query(settings(base_url), tracking_no="73100000001", carrier_code="ZTO")
    assert [(e.status, e.carrier_code, e.location) for e in events] == [
        ("picked_up", "ZTO", "杭州市"),
        ("out_for_delivery", "ZTO", "杭州市"),
    ]
    assert sim.calls[-1].request_type == "1002"


def test_query_of_sf_without_phone_raises_kdniaos_reason(base_url: str) -> None:
    with pytest.raises(ProviderError, match="手机号后四位"):
        tracking.query(settings(base_url), tracking_no="SF1", carrier_code="SF")


def test_an_e_waybill_command_on_the_tracking_endpoint_is_refused(sim: KdniaoSimulator) -> None:
    text = json.dumps({"ShipperCode": "ZTO", "LogisticCode": "1"})
    form = {"RequestData": text, "EBusinessID": EBID, "RequestType": "1007", "DataSign": sign(text, APP_KEY)}
    answer = sim.handle(form, path=tracking.SUBSCRIBE_PATH)
    assert answer["Success"] is False


class _Receiver:
    """A push endpoint over real HTTP: decodes the form, runs parse_push, answers its ack_body."""

    def __init__(self, account: KdniaoSettings) -> None:
        self.account = account
        self.parsed: list[ParsedPush] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length).decode("utf-8")
        form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        try:
            parsed = tracking.parse_push(form, self.account)
        except SignatureInvalid:
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            return [b"bad signature"]
        self.parsed.append(parsed)
        body = parsed.ack_body.encode("utf-8")
        start_response("200 OK", [("Content-Type", parsed.ack_content_type)])
        return [body]


def test_simulator_pushes_subscribed_numbers_signed_and_gets_the_ack(
    sim: KdniaoSimulator, base_url: str
) -> None:
    tracking.subscribe(settings(base_url), tracking_no="73100000001", carrier_code="ZTO", order_code="FH-1")
    sim.add_trace("ZTO", "73100000001", at="2024-05-18 21:35:28", station="已揽收", action="1")
    sim.add_trace("ZTO", "73100000001", at="2024-05-20 16:20:38", station="已签收", action="304")
    receiver = _Receiver(settings(base_url))
    with serve(receiver) as hook:
        answer = sim.push_to(hook + "/hooks/kdniao")
    assert answer.status_code == 200 and answer.json()["Success"] is True
    (parsed,) = receiver.parsed
    assert [(e.tracking_no, e.status, e.signed_by_proxy) for e in parsed.events] == [
        ("73100000001", "picked_up", False),
        ("73100000001", "delivered", True),
    ]


def test_a_push_signed_for_another_account_is_refused_by_the_receiver(sim: KdniaoSimulator) -> None:
    sim.add_trace("ZTO", "73100000001", at="2024-05-18 21:35:28", station="已揽收", action="1")
    receiver = _Receiver(settings(app_key="not-the-simulators-key"))
    with serve(receiver) as hook:
        answer = sim.push_to(hook, numbers=[("ZTO", "73100000001")])
    assert answer.status_code == 401 and receiver.parsed == []


def test_build_push_form_counts_items_and_signs_what_it_sends() -> None:
    form = build_push_form(
        ebusiness_id=EBID, app_key=APP_KEY, items=[{"LogisticCode": "1"}], push_time="2024-05-20 08:00:00"
    )
    payload = json.loads(form["RequestData"])
    assert payload["Count"] == "1" and payload["PushTime"] == "2024-05-20 08:00:00"
    assert form["DataSign"] == sign(form["RequestData"], APP_KEY) and form["RequestType"] == "101"
