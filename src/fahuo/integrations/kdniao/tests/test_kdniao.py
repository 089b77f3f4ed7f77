"""Kdniao integration: golden payloads from Kdniao's documentation, and the simulator over real HTTP."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

import httpx
import pytest

from fahuo.carriers.models import ProviderAccount
from fahuo.integrations.base import Party, WaybillRequest, WaybillResult
from fahuo.integrations.kdniao import mapper
from fahuo.integrations.kdniao.client import KdniaoClient, KdniaoWaybillProvider, build_form, sign
from fahuo.integrations.kdniao.codes import FailureKind, classify, describe, is_retryable
from fahuo.integrations.kdniao.settings import CarrierAccount, KdniaoSettings
from fahuo.integrations.kdniao.simulator import KdniaoSimulator, SimAccount
from fahuo.integrations.registry import waybill_provider
from fahuo.integrations.simserver import RunningSimulator, serve
from fahuo.kit import testing
from fahuo.kit.errors import InvalidInput, NotSupported, ProviderError

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
EBID, APP_KEY = "test1617571", "554343b2-7252-439b-b4eb-1af42c8f2175"


# -- fixtures ------------------------------------------------------------------------------------

TAYLOR = Party("Taylor", "15018442396", "上海市", "上海市", "青浦区", "明珠路73号")
YANN = Party("Yann", "15018442396", "北京市", "北京市", "朝阳区", "三里屯街道雅秀大厦")
SHOP = Party("小雨仓", "0571-88880000", "", "", "", "浙江省杭州市余杭区仓前街道文一西路1000号")


golden = partial(testing.golden, "kdniao")


def doc_settings(**overrides: Any) -> KdniaoSettings:
    """The account of Kdniao's documented 1007 example (YTO with an outlet account)."""
    values: dict[str, Any] = {
        "ebusiness_id": "1237100",
        "app_key": "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17",
        "customer_name": "K10101010",
        "customer_pwd": "123456",
        "pay_type": 1,
        "remark": "小心轻放",
    }
    values.update(overrides)
    return KdniaoSettings(**values)


def doc_request(**overrides: Any) -> WaybillRequest:
    values: dict[str, Any] = {
        "request_id": "012657700387",
        "carrier_code": "YTO",
        "sender": TAYLOR,
        "recipient": YANN,
        "weight_g": 1000,
        "goods": "鞋子",
    }
    values.update(overrides)
    return WaybillRequest(**values)


def parcel(n: int, *, carrier: str = "ZTO", recipient: Party = YANN, quantity: int = 1) -> WaybillRequest:
    return WaybillRequest(
        request_id=f"demo-{n}-1",
        carrier_code=carrier,
        sender=SHOP,
        recipient=recipient,
        weight_g=850,
        quantity=quantity,
        goods="纯棉T恤 白色 L×2",
    )


@pytest.fixture
def sim() -> KdniaoSimulator:
    return KdniaoSimulator.with_accounts({EBID: APP_KEY})


@pytest.fixture
def base_url(sim: KdniaoSimulator) -> Iterator[str]:
    with serve(sim) as url:
        yield url


def http_settings(base_url: str, **overrides: Any) -> KdniaoSettings:
    values: dict[str, Any] = {
        "ebusiness_id": EBID,
        "app_key": APP_KEY,
        "base_url": base_url,
        "customer_name": "ZT-HZ-0001",
        "customer_pwd": "pw-1",
        "backoff_s": 0.01,
        "read_timeout_s": 5.0,
    }
    values.update(overrides)
    return KdniaoSettings(**values)


@pytest.fixture
def provider(base_url: str) -> Iterator[KdniaoWaybillProvider]:
    with KdniaoWaybillProvider(http_settings(base_url)) as p:
        yield p


# -- signing (golden) ----------------------------------------------------------------------------


def test_sign_of_documented_example_equals_documented_datasign() -> None:
    example = golden("sign_example.json")
    assert sign(example["RequestData"], example["AppKey"]) == example["DataSign"]


def test_sign_is_base64_of_the_lowercase_hex_digest_not_of_the_raw_digest() -> None:
    decoded = base64.b64decode(sign('{"OrderCode":"X"}', "key")).decode("ascii")
    assert re.fullmatch(r"[0-9a-f]{32}", decoded)


def test_documented_wire_request_carries_each_value_url_encoded_once() -> None:
    example = golden("sign_example.json")
    fields = {k: v[0] for k, v in parse_qs(example["Wire"]).items()}
    assert fields["RequestData"] == example["RequestData"]
    assert fields["DataSign"] == sign(fields["RequestData"], example["AppKey"])
    settings = KdniaoSettings(ebusiness_id=example["EBusinessID"], app_key=example["AppKey"])
    ours = build_form(request_type="1002", request_data=example["RequestData"], settings=settings)
    assert {k: v[0] for k, v in parse_qs(urlencode(ours)).items()} == fields


# -- mapper (golden) -----------------------------------------------------------------------------


def test_issue_request_data_equals_golden_request() -> None:
    assert mapper.issue_request_data(doc_request(), doc_settings()) == golden("issue_request.json")


def test_request_data_is_compact_json_with_chinese_kept_as_is() -> None:
    text = mapper.dump_request_data(golden("issue_request.json"))
    assert '"ProvinceName":"北京"' in text
    assert ", " not in text and ": " not in text


def test_cancel_request_data_equals_golden_request() -> None:
    data = mapper.cancel_request_data(
        carrier_code="YTO", tracking_no="YT4282310249330", order_code="012657700387", settings=doc_settings()
    )
    assert data == golden("cancel_request.json")


def test_documented_success_response_gives_number_and_mark_destination() -> None:
    outcome = mapper.parse_issue_response("012657700387", golden("issue_response_success.json"))
    assert outcome.result == WaybillResult(
        request_id="012657700387", tracking_no="50002498503427", mark_destination="京-朝阳(京-1)"
    )
    assert outcome.children == ()


def test_carrier_padding_around_mark_destination_is_stripped() -> None:
    outcome = mapper.parse_issue_response("r1", golden("issue_response_zto.json"))
    assert (outcome.result.tracking_no, outcome.result.mark_destination) == ("632589663609", "891- 16-02 03")


def test_multi_parcel_response_gives_child_numbers_and_sorting_code() -> None:
    outcome = mapper.parse_issue_response("012657700388", golden("issue_response_multi.json"))
    assert outcome.result.tracking_no == "SF1300000000001"
    assert outcome.result.sort_code == "755W"
    assert outcome.children == ("SF1300000000002", "SF1300000000003")


def test_sub_orders_given_as_a_json_array_are_read_too() -> None:
    body = golden("issue_response_multi.json") | {"SubOrders": ["C1", "C2"]}
    assert mapper.parse_issue_response("r", body).children == ("C1", "C2")


def test_code_106_already_issued_is_a_success_with_the_earlier_number() -> None:
    outcome = mapper.parse_issue_response("012657700387", golden("issue_response_duplicate.json"))
    assert outcome.result.ok and outcome.result.tracking_no == "50002498503427"
    assert outcome.code == "106"


def test_documented_error_response_without_success_flag_is_a_parcel_error_with_the_reason() -> None:
    outcome = mapper.parse_issue_response("r", golden("issue_response_error.json"))
    assert outcome.result == WaybillResult(request_id="r", error="订单号已存在，请勿重复操作")
    assert outcome.kind is FailureKind.DUPLICATE


def test_out_of_range_response_is_unserviceable_with_the_chinese_reason() -> None:
    outcome = mapper.parse_issue_response("r", golden("issue_response_out_of_range.json"))
    assert not outcome.result.ok
    assert outcome.result.error == "收件地址超区，快递公司不派送（超出派送范围）"
    assert outcome.kind is FailureKind.UNSERVICEABLE


def test_balance_response_is_an_account_problem() -> None:
    outcome = mapper.parse_issue_response("r", golden("issue_response_balance.json"))
    assert "余额不足" in outcome.result.error
    assert outcome.kind is FailureKind.ACCOUNT and not outcome.retryable


def test_signature_refusal_is_classified_as_a_whole_call_failure() -> None:
    body = golden("issue_response_sign_error.json")
    assert classify(body["ResultCode"], body["Reason"]) is FailureKind.AUTH


def test_codes_table_describes_and_flags_transient_reasons() -> None:
    assert describe("101") == "101 缺少必要参数 (a required parameter is missing)"
    assert describe("999") == "999"
    assert is_retryable("105", "系统繁忙，请稍后再试")
    assert not is_retryable("105", "收件地址超区")


def test_characters_that_break_kdniao_signing_become_full_width() -> None:
    data = mapper.issue_request_data(
        doc_request(goods='A+B 50% "特价" <新> #1 & more', recipient=YANN), doc_settings()
    )
    assert data["Commodity"][0]["GoodsName"] == "A＋B 50％ ＂特价＂ ＜新＞ ＃1 ＆ more"


def test_sender_without_region_is_split_from_its_one_line_address() -> None:
    sender = mapper.party_fields(SHOP, role="发件")
    assert sender == {
        "Name": "小雨仓",
        "Tel": "0571-88880000",
        "ProvinceName": "浙江省",
        "CityName": "杭州市",
        "ExpAreaName": "余杭区",
        "Address": "仓前街道文一西路1000号",
    }


def test_mobile_with_extension_stays_in_mobile() -> None:
    assert mapper.phone_fields("138 0013 8000-1234") == {"Mobile": "13800138000-1234"}


def test_unknown_carrier_is_a_parcel_error_without_calling_kdniao(
    provider: KdniaoWaybillProvider, sim: KdniaoSimulator
) -> None:
    [result] = provider.issue([parcel(1, carrier="XYZ")])
    assert result.error == "快递鸟不支持该快递公司: XYZ"
    assert sim.calls == []


# -- settings and registry -----------------------------------------------------------------------


def test_settings_from_account_read_per_carrier_e_waybill_accounts() -> None:
    account = ProviderAccount(
        provider="kdniao",
        name="快递鸟",
        base_url="http://127.0.0.1:9/",
        credentials=json.dumps(
            {
                "EBusinessID": "1237100",
                "AppKey": "k",
                "customer_name": "DEFAULT",
                "carriers": {"zto": {"CustomerName": "ZT-1", "CustomerPwd": "p"}},
                "shipper_codes": "XYZ=XYZEXP",
                "pay_type": "1",
            }
        ),
    )
    settings = KdniaoSettings.from_account(account)
    assert settings.carrier_account("ZTO") == CarrierAccount(customer_name="ZT-1", customer_pwd="p")
    assert settings.carrier_account("YTO").customer_name == "DEFAULT"
    assert settings.shipper_code("xyz") == "XYZEXP" and settings.shipper_code("YD") == "YD"
    assert settings.pay_type == 1
    assert settings.eorder_url == "http://127.0.0.1:9/api/EOrderService"


def test_settings_without_app_key_are_refused() -> None:
    with pytest.raises(InvalidInput):
        KdniaoSettings.from_credentials({"ebusiness_id": "1"})


@pytest.mark.django_db
def test_registry_without_account_uses_the_active_kdniao_account() -> None:
    ProviderAccount.objects.create(
        provider="kdniao", name="快递鸟", credentials=json.dumps({"ebusiness_id": EBID, "app_key": APP_KEY})
    )
    provider = waybill_provider("kdniao")
    assert isinstance(provider, KdniaoWaybillProvider)
    assert provider.settings.ebusiness_id == EBID
    provider.close()


@pytest.mark.django_db
def test_registry_without_any_kdniao_account_is_not_supported() -> None:
    with pytest.raises(NotSupported):
        waybill_provider("kdniao")


# -- over real HTTP against the simulator --------------------------------------------------------


def test_issue_over_http_returns_numbers_mark_and_sort_code(provider: KdniaoWaybillProvider) -> None:
    results = provider.issue([parcel(1), parcel(2)])
    assert all(r.ok for r in results)
    assert [r.request_id for r in results] == ["demo-1-1", "demo-2-1"]
    assert all(re.fullmatch(r"7\d{11}", r.tracking_no) for r in results)
    assert results[0].tracking_no != results[1].tracking_no
    assert results[0].mark_destination.startswith("京-朝阳(京-")
    assert re.fullmatch(r"\d{3}-\d{2}-\d{2}", results[0].sort_code)


def test_same_order_code_twice_gives_the_same_number(
    provider: KdniaoWaybillProvider, sim: KdniaoSimulator
) -> None:
    [first] = provider.issue([parcel(1)])
    [again] = provider.issue_detailed([parcel(1)])
    assert again.result.tracking_no == first.tracking_no
    assert again.code == "106"
    assert sim.issued_number(EBID, "ZTO", "demo-1-1") == first.tracking_no


def test_bad_app_key_raises_provider_error_with_kdniao_reason(base_url: str) -> None:
    with KdniaoWaybillProvider(http_settings(base_url, app_key="wrong-key")) as provider:
        with pytest.raises(ProviderError) as exc:
            provider.issue([parcel(1), parcel(2)])
    assert exc.value.message == "验证数据签名失败"


def test_unknown_ebusiness_id_raises_provider_error(base_url: str) -> None:
    with KdniaoWaybillProvider(http_settings(base_url, ebusiness_id="nobody")) as provider:
        with pytest.raises(ProviderError, match="用户ID"):
            provider.issue([parcel(1)])


def test_out_of_range_parcel_fails_alone_and_the_rest_of_the_batch_is_issued(
    provider: KdniaoWaybillProvider,
) -> None:
    far = Party("李四", "13900001111", "西藏自治区", "阿里地区", "改则县", "某某乡超区村1号")
    results = provider.issue([parcel(1), parcel(2, recipient=far), parcel(3)])
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error == "收件地址超区，快递公司不派送（超出派送范围）"
    assert results[1].tracking_no == ""


def test_account_with_zero_balance_is_refused_per_parcel(
    provider: KdniaoWaybillProvider, sim: KdniaoSimulator
) -> None:
    sim.set_balance(EBID, 1)
    outcomes = provider.issue_detailed([parcel(1), parcel(2)])
    # Parcels go out concurrently, so either one may take the last number.
    issued = [o for o in outcomes if o.result.ok]
    refused = [o for o in outcomes if not o.result.ok]
    assert len(issued) == 1 and len(refused) == 1
    assert refused[0].result.error == "电子面单余额不足，请联系快递网点充值"
    assert refused[0].kind is FailureKind.ACCOUNT


def test_quantity_three_gives_a_mother_number_and_two_children(provider: KdniaoWaybillProvider) -> None:
    [outcome] = provider.issue_detailed([parcel(1, quantity=3)])
    assert outcome.result.ok
    assert len(outcome.children) == 2
    assert len({outcome.result.tracking_no, *outcome.children}) == 3


def test_missing_outlet_account_is_a_parcel_error_with_kdniao_reason(base_url: str) -> None:
    with KdniaoWaybillProvider(http_settings(base_url, customer_name="")) as provider:
        [result] = provider.issue([parcel(1)])
    assert result.error == "缺少必要参数：CustomerName（电子面单客户号）"


def test_cancel_frees_the_order_code_and_the_cancelled_number_is_never_reissued(
    provider: KdniaoWaybillProvider,
) -> None:
    [first] = provider.issue([parcel(1)])
    provider.cancel(carrier_code="ZTO", tracking_no=first.tracking_no, request_id="demo-1-1")
    [second] = provider.issue([parcel(1)])
    assert second.ok and second.tracking_no != first.tracking_no


def test_cancel_without_request_id_uses_the_order_code_remembered_from_issue(
    provider: KdniaoWaybillProvider,
) -> None:
    [first] = provider.issue([parcel(1)])
    provider.cancel(carrier_code="ZTO", tracking_no=first.tracking_no)
    with pytest.raises(ProviderError, match="已取消"):
        provider.cancel(carrier_code="ZTO", tracking_no=first.tracking_no, request_id="demo-1-1")


def test_cancel_of_an_unknown_number_raises_provider_error(provider: KdniaoWaybillProvider) -> None:
    with pytest.raises(ProviderError, match="运单号不存在"):
        provider.cancel(carrier_code="ZTO", tracking_no="700000000000", request_id="x")


def test_http_5xx_is_retried_until_it_succeeds(provider: KdniaoWaybillProvider, sim: KdniaoSimulator) -> None:
    sim.fail_next(2)
    [result] = provider.issue([parcel(1)])
    assert result.ok


def test_http_5xx_on_every_attempt_raises_provider_error(
    provider: KdniaoWaybillProvider, sim: KdniaoSimulator
) -> None:
    sim.fail_next(3)
    with pytest.raises(ProviderError, match="HTTP 503"):
        provider.issue([parcel(1)])


def test_a_business_refusal_is_never_retried(provider: KdniaoWaybillProvider, sim: KdniaoSimulator) -> None:
    far = Party("李四", "13900001111", "西藏自治区", "阿里地区", "改则县", "超区")
    [result] = provider.issue([parcel(1, recipient=far)])
    assert not result.ok
    assert len(sim.calls) == 1


def test_network_down_raises_provider_error_after_retries(sim: KdniaoSimulator) -> None:
    running = RunningSimulator(sim).start()
    url = running.base_url
    running.stop()
    with KdniaoWaybillProvider(http_settings(url, connect_timeout_s=0.5)) as provider:
        with pytest.raises(ProviderError, match="无法连接快递鸟接口"):
            provider.issue([parcel(1)])


def test_results_keep_request_order_under_concurrency(base_url: str) -> None:
    with KdniaoWaybillProvider(http_settings(base_url, concurrency=8)) as provider:
        requests = [parcel(n) for n in range(40)]
        results = provider.issue(requests)
    assert [r.request_id for r in results] == [r.request_id for r in requests]
    assert len({r.tracking_no for r in results}) == 40


def test_a_raw_plus_sign_in_request_data_breaks_kdniao_signing(base_url: str) -> None:
    # Why the mapper swaps + for ＋: Kdniao decodes RequestData once more before verifying.
    with KdniaoClient(http_settings(base_url)) as client:
        body = client.call("1007", {"OrderCode": "p-1", "ShipperCode": "ZTO", "Remark": "1+1"})
    assert body["Success"] is False and body["Reason"] == "验证数据签名失败"


def test_a_client_that_url_encodes_datasign_twice_is_accepted_too(base_url: str) -> None:
    data = mapper.issue_request_data(parcel(1), http_settings(base_url))
    text = mapper.dump_request_data(data)
    body = "&".join(
        f"{k}={quote(v, safe='')}"
        for k, v in {
            "RequestData": quote(text, safe=""),
            "EBusinessID": EBID,
            "RequestType": "1007",
            "DataSign": quote(sign(text, APP_KEY), safe=""),
            "DataType": "2",
        }.items()
    )
    response = httpx.post(
        base_url + "/api/EOrderService",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
    )
    assert response.json()["ResultCode"] == "100"


def test_simulator_accounts_may_carry_a_balance() -> None:
    sim = KdniaoSimulator.with_accounts({"a": SimAccount("k", balance=0)})
    settings = http_settings("x", ebusiness_id="a", app_key="k")
    text = mapper.dump_request_data(mapper.issue_request_data(parcel(1), settings))
    form = build_form(request_type="1007", request_data=text, settings=settings)
    assert sim.handle(form)["Reason"] == "电子面单余额不足，请联系快递网点充值"
