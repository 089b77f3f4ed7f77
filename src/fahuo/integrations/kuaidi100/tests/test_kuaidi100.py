"""Kuaidi100 e-waybill v2: golden payloads, then the adapter against the simulator over real HTTP."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from fahuo.integrations.base import Party, WaybillRequest
from fahuo.integrations.kuaidi100 import codes, mapper
from fahuo.integrations.kuaidi100.client import Kuaidi100Client, Kuaidi100WaybillProvider, sign
from fahuo.integrations.kuaidi100.settings import Kuaidi100Settings
from fahuo.integrations.kuaidi100.simulator import (
    DEMO_KEY,
    DEMO_SECRET,
    OUT_OF_RANGE_MESSAGE,
    SimulatorState,
    demo_settings,
    make_app,
    split_address,
)
from fahuo.integrations.simserver import serve
from fahuo.kit import testing
from fahuo.kit.errors import InvalidInput, NotSupported, ProviderError

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


golden = partial(testing.golden, "kuaidi100")


def request_from(doc: dict[str, Any]) -> WaybillRequest:
    raw = dict(doc)
    raw["sender"] = Party(**raw["sender"])
    raw["recipient"] = Party(**raw["recipient"])
    return WaybillRequest(**raw)


SENDER = Party("小雨仓", "0571-88880000", "浙江省", "杭州市", "余杭区", "仓前街道文一西路1000号")


def parcel(
    request_id: str, *, detail: str = "科技南十二路2号", carrier: str = "ZTO", qty: int = 1
) -> WaybillRequest:
    recipient = Party("张三", "13888888888", "广东省", "深圳市", "南山区", detail)
    return WaybillRequest(
        request_id=request_id,
        carrier_code=carrier,
        sender=SENDER,
        recipient=recipient,
        weight_g=800,
        quantity=qty,
        goods="T恤",
    )


@pytest.fixture
def sim() -> Iterator[tuple[SimulatorState, str]]:
    state = SimulatorState()
    with serve(make_app(state)) as base_url:
        yield state, base_url


def provider_for(base_url: str, **overrides: Any) -> Kuaidi100WaybillProvider:
    settings = demo_settings(base_url, **overrides)
    return Kuaidi100WaybillProvider(settings, client=Kuaidi100Client(settings, retry_wait=0))


# -- golden payloads ---------------------------------------------------------------------------


def test_sign_matches_the_reference_vectors() -> None:
    for v in golden("sign_vectors.json")["vectors"]:
        assert sign(v["param"], v["t"], v["key"], v["secret"]) == v["sign"]


def test_mapper_output_equals_the_golden_param() -> None:
    doc = golden("order_request.json")
    settings = Kuaidi100Settings(**doc["settings"])
    param = mapper.order_param(request_from(doc["waybill_request"]), settings, kuaidicom="zhongtong")
    assert param == doc["param"]


def test_golden_param_string_is_the_one_the_sign_vector_signs() -> None:
    doc = golden("order_request.json")
    assert mapper.dumps(doc["param"]) == golden("sign_vectors.json")["vectors"][0]["param"]


def test_multi_parcel_order_asks_for_child_numbers() -> None:
    doc = golden("order_request_multi.json")
    settings = Kuaidi100Settings(**doc["settings"])
    req = request_from(doc["waybill_request"])
    param = mapper.order_param(req, settings, kuaidicom=settings.kuaidicom(req.carrier_code) or "")
    assert param == doc["param"]


def test_cancel_param_equals_the_golden_param() -> None:
    doc = golden("cancel_request.json")
    settings = Kuaidi100Settings(**doc["settings"])
    param = mapper.cancel_param(
        settings,
        kuaidicom=settings.kuaidicom(doc["carrier_code"]) or "",
        kuaidinum=doc["tracking_no"],
        order_id=doc["carrier_order_no"],
        reason=doc["reason"],
    )
    assert param == doc["param"]


def test_success_response_gives_number_bulkpen_and_destination_sorting_code() -> None:
    outcome = mapper.parse_order_response("FH-P-000123", golden("order_response_success.json"))
    assert outcome.result.ok
    assert outcome.result.tracking_no == "78512345678901"
    assert outcome.result.mark_destination == "755-南山 A12"
    assert outcome.result.sort_code == "755-A12"
    assert outcome.children == ()
    assert outcome.task_id == "5F2D8C1E7A9B4C3D8E6F0A1B2C3D4E5F"


def test_child_numbers_come_back_separately_and_sort_code_falls_back_to_dest_code() -> None:
    outcome = mapper.parse_order_response("FH-P-000124", golden("order_response_children.json"))
    assert outcome.result.tracking_no == "SF1342567604302"
    assert outcome.children == ("SF1342567604311", "SF1342567604320")
    assert outcome.result.sort_code == "010"
    assert outcome.kd_com_order_num == "01639366271685GNkZEX"


@pytest.mark.parametrize(
    ("name", "message", "scope"),
    [
        ("order_response_error_balance.json", "账号单量不足", codes.Scope.ACCOUNT),
        ("order_response_error_sign.json", "验证签名失败", codes.Scope.ACCOUNT),
        ("order_response_error_carrier.json", "收件地址超区，快递公司暂不支持派送该地址", codes.Scope.PARCEL),
    ],
)
def test_error_response_becomes_a_result_with_kuaidi100s_message(name: str, message: str, scope: Any) -> None:
    outcome = mapper.parse_order_response("r1", golden(name))
    assert not outcome.result.ok
    assert outcome.result.error == message
    assert outcome.code.scope is scope


def test_cancel_success_golden_is_a_success() -> None:
    assert mapper.is_success(golden("cancel_response_success.json"))


def test_an_envelope_without_the_success_flag_counts_by_its_code() -> None:
    # the official Java SDK's labelV2 Result has code/message/time/data and no success flag
    body = {k: v for k, v in golden("order_response_success.json").items() if k != "success"}
    assert mapper.parse_order_response("r", body).result.ok


def test_empty_error_message_falls_back_to_the_documented_meaning() -> None:
    assert mapper.error_message({"success": False, "code": 30003, "message": ""}) == "账号信息不正确"


def test_unknown_codes_are_parcel_failures_that_are_not_retried() -> None:
    code = codes.lookup("99999")
    assert code.scope is codes.Scope.PARCEL and not code.retryable
    assert codes.lookup(-1).retryable


def test_landline_goes_to_tel_and_mobile_country_code_is_dropped() -> None:
    assert mapper.man(SENDER) == {
        "name": "小雨仓",
        "tel": "0571-88880000",
        "printAddr": "浙江省杭州市余杭区仓前街道文一西路1000号",
    }
    assert mapper.man(replace(SENDER, phone="+86 138 0013 8000"))["mobile"] == "13800138000"
    assert mapper.man(replace(SENDER, phone="138-0013-8000"))["mobile"] == "13800138000"
    assert mapper.man(replace(SENDER, phone="13800138000-1234"))["mobile"] == "13800138000-1234"


def test_settings_from_account_reads_encrypted_credentials_and_carrier_overrides() -> None:
    from fahuo.carriers.models import ProviderAccount

    creds = {"key": "k", "secret": "s", "partnerId": "p1", "net": "taobao", "carrier_codes": "XYZ=xinyuzhou"}
    account = ProviderAccount(
        provider="kuaidi100", name="主账号", base_url="http://x", credentials=json.dumps(creds)
    )
    settings = Kuaidi100Settings.from_account(account)
    assert (settings.key, settings.partner_id, settings.net, settings.base_url) == (
        "k",
        "p1",
        "taobao",
        "http://x",
    )
    assert settings.kuaidicom("xyz") == "xinyuzhou"
    assert settings.kuaidicom("ZTO") == "zhongtong"
    assert settings.order_url == "http://x/label/order"
    with pytest.raises(InvalidInput):
        Kuaidi100Settings.from_credentials({"key": "k"})


def test_registry_builds_the_adapter_from_an_account() -> None:
    from fahuo.carriers.models import ProviderAccount
    from fahuo.integrations.registry import waybill_provider

    account = ProviderAccount(
        provider="kuaidi100", name="a", credentials=json.dumps({"key": "k", "secret": "s"})
    )
    adapter = waybill_provider("kuaidi100", account)
    assert isinstance(adapter, Kuaidi100WaybillProvider)
    with pytest.raises(NotSupported):
        waybill_provider("kuaidi100", None)


def test_simulator_routing_codes_come_from_the_recipient_address() -> None:
    assert split_address("广东省深圳市南山区科技南十二路2号") == ("广东", "深圳", "南山区")
    assert split_address("北京市朝阳区建国路88号") == ("北京", "北京", "朝阳区")


# -- over real HTTP against the simulator --------------------------------------------------------


def test_issue_returns_numbers_with_bulkpen_and_sort_code(sim: tuple[SimulatorState, str]) -> None:
    _, base_url = sim
    results = provider_for(base_url).issue([parcel("p1"), parcel("p2", carrier="YTO")])
    assert [r.ok for r in results] == [True, True]
    assert results[0].tracking_no.startswith("78") and results[1].tracking_no.startswith("YT")
    assert results[0].mark_destination == "深圳 南山区"
    assert results[0].sort_code
    assert results[0].tracking_no != results[1].tracking_no


def test_same_order_id_twice_returns_the_same_number(sim: tuple[SimulatorState, str]) -> None:
    _, base_url = sim
    first = provider_for(base_url).issue([parcel("crash-safe-1")])[0]
    again = provider_for(base_url).issue([parcel("crash-safe-1"), parcel("crash-safe-2")])
    assert again[0].tracking_no == first.tracking_no
    assert again[1].tracking_no != first.tracking_no


def test_concurrent_orders_with_one_order_id_get_one_number(sim: tuple[SimulatorState, str]) -> None:
    _, base_url = sim
    adapter = provider_for(base_url)
    numbers: list[str] = []

    def worker() -> None:
        numbers.append(adapter.issue([parcel("race-1")])[0].tracking_no)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(numbers) == 8 and len(set(numbers)) == 1


def test_bad_secret_raises_provider_error_with_the_signature_message(sim: tuple[SimulatorState, str]) -> None:
    _, base_url = sim
    with pytest.raises(ProviderError) as info:
        provider_for(base_url, secret="wrong").issue([parcel("p1")])
    assert info.value.message == "验证签名失败"


def test_out_of_range_parcel_fails_alone_while_the_batch_gets_numbers(
    sim: tuple[SimulatorState, str],
) -> None:
    _, base_url = sim
    batch = [parcel("b1"), parcel("b2", detail="某某村超区路9号"), parcel("b3")]
    results = provider_for(base_url).issue(batch)
    assert [r.request_id for r in results] == ["b1", "b2", "b3"]
    assert results[0].ok and results[2].ok
    assert not results[1].ok and results[1].error == OUT_OF_RANGE_MESSAGE


def test_zero_balance_key_raises_provider_error(sim: tuple[SimulatorState, str]) -> None:
    state, base_url = sim
    state.add_account("broke-key", "broke-secret", balance=0)
    with pytest.raises(ProviderError) as info:
        provider_for(base_url, key="broke-key", secret="broke-secret").issue([parcel("p1")])
    assert "单量不足" in info.value.message


def test_balance_running_out_mid_batch_keeps_the_numbers_already_issued(
    sim: tuple[SimulatorState, str],
) -> None:
    state, base_url = sim
    state.add_account("small-key", "small-secret", balance=1)
    results = provider_for(base_url, key="small-key", secret="small-secret").issue(
        [parcel("m1"), parcel("m2"), parcel("m3")]
    )
    assert results[0].ok
    assert [r.error for r in results[1:]] == ["账号单量不足，需要充值"] * 2
    assert state.calls == 2  # no call for m3: the account would refuse it the same way


def test_multi_parcel_order_gets_child_numbers(sim: tuple[SimulatorState, str]) -> None:
    _, base_url = sim
    outcome = provider_for(base_url).issue_detailed([parcel("multi", qty=3)])[0]
    assert outcome.result.ok
    assert len(outcome.children) == 2
    assert len({outcome.result.tracking_no, *outcome.children}) == 3


def test_unconfigured_carrier_is_a_parcel_error_without_a_call(sim: tuple[SimulatorState, str]) -> None:
    state, base_url = sim
    results = provider_for(base_url).issue([parcel("x1", carrier="NOPE"), parcel("x2")])
    assert "NOPE" in results[0].error and results[1].ok
    assert state.calls == 1


def test_cancel_voids_the_waybill_and_a_new_order_gets_a_new_number(sim: tuple[SimulatorState, str]) -> None:
    _, base_url = sim
    adapter = provider_for(base_url)
    first = adapter.issue([parcel("c1")])[0]
    adapter.cancel(carrier_code="ZTO", tracking_no=first.tracking_no)
    again = adapter.issue([parcel("c1")])[0]
    assert again.ok and again.tracking_no != first.tracking_no


def test_cancel_sends_the_carrier_order_number_when_the_order_returned_one(
    sim: tuple[SimulatorState, str],
) -> None:
    _, base_url = sim
    adapter = provider_for(base_url)
    outcome = adapter.issue_detailed([parcel("sf1", carrier="SF")])[0]
    assert outcome.kd_com_order_num
    with pytest.raises(ProviderError):  # a fresh adapter has not seen kdComOrderNum
        provider_for(base_url).cancel(carrier_code="SF", tracking_no=outcome.result.tracking_no)
    adapter.cancel(carrier_code="SF", tracking_no=outcome.result.tracking_no)


def test_cancel_of_an_unknown_number_raises_provider_error(sim: tuple[SimulatorState, str]) -> None:
    _, base_url = sim
    with pytest.raises(ProviderError) as info:
        provider_for(base_url).cancel(carrier_code="ZTO", tracking_no="78000000000000")
    assert info.value.message == "查无此单"


def test_http_5xx_is_retried_and_then_succeeds(sim: tuple[SimulatorState, str]) -> None:
    state, base_url = sim
    state.fail_next(2, status=503)
    result = provider_for(base_url).issue([parcel("retry-1")])[0]
    assert result.ok
    assert state.calls == 3


def test_http_5xx_beyond_the_retries_raises_provider_error(sim: tuple[SimulatorState, str]) -> None:
    state, base_url = sim
    state.fail_next(3, status=502)
    with pytest.raises(ProviderError, match="HTTP 502"):
        provider_for(base_url).issue([parcel("retry-2")])
    assert state.calls == 3


def test_scripted_rate_limit_and_busy_fail_only_that_parcel_with_kuaidi100s_message(
    sim: tuple[SimulatorState, str],
) -> None:
    state, base_url = sim
    state.rate_limit_next(1)
    state.busy_next(1)
    limited, busy, issued = provider_for(base_url).issue([parcel("rl-1"), parcel("rl-2"), parcel("rl-3")])
    assert (limited.ok, limited.error) == (False, "请求过于频繁，请稍后再试")
    assert (busy.ok, busy.error) == (False, "服务器繁忙，请稍后再试")
    assert issued.ok
    assert state.calls == 3  # a business answer is not retried


def test_business_errors_are_not_retried(sim: tuple[SimulatorState, str]) -> None:
    state, base_url = sim
    provider_for(base_url).issue([parcel("nr", detail="超区大道1号")])
    assert state.calls == 1


def test_network_down_raises_provider_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ProviderError, match="无法连接"):
        provider_for(f"http://127.0.0.1:{port}").issue([parcel("down")])


def test_simulator_rejects_a_call_missing_required_params(sim: tuple[SimulatorState, str]) -> None:
    _, base_url = sim
    param = json.dumps({"kuaidicom": "zhongtong", "printType": "NON", "partnerId": "p"})
    form = {
        "method": "order",
        "key": DEMO_KEY,
        "t": "1",
        "param": param,
        "sign": sign(param, "1", DEMO_KEY, DEMO_SECRET),
    }
    body = httpx.post(f"{base_url}/label/order", data=form).json()
    assert body["success"] is False and body["code"] == 30001
    assert "收件人" in body["message"]
