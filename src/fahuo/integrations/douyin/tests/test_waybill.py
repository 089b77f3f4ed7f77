"""抖音电子面单 (logistics.*): golden payloads, the provider against the 抖店 simulator over real HTTP,
and print tasks sent to the print-component simulator over a real websocket — with no clear
personal data anywhere fahuo sends or receives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial

import pytest

from fahuo.integrations.base import Party, WaybillRequest
from fahuo.integrations.douyin import mapper, print_component
from fahuo.integrations.douyin import waybill as dw
from fahuo.integrations.douyin.settings import DouyinSettings
from fahuo.integrations.douyin.simulator import DouyinSimulator
from fahuo.integrations.registry import prints_encrypted, waybill_provider
from fahuo.integrations.simserver import serve
from fahuo.kit import testing
from fahuo.kit.errors import InvalidInput, ProviderError

APP_KEY, APP_SECRET, TOKEN = "6839207088506275336", "sim-secret-1", "sim-token-1"
ORDER, OTHER = "6920000000000000101", "6920000000000000102"
golden = partial(testing.golden, "douyin")
SENDER = Party("杭州仓", "13900001111", "浙江省", "杭州市", "余杭区", "文一西路 1 号 2 号仓")
EMPTY = Party("", "", "", "", "", "")


def _request(order_id: str, request_id: str = "", carrier: str = "ZTO") -> WaybillRequest:
    return WaybillRequest(
        request_id=request_id or f"S1-{order_id}-1",
        carrier_code=carrier,
        sender=SENDER,
        recipient=EMPTY,  # fahuo has no receiver for an encrypted order
        weight_g=450,
        goods="面膜 10片装 ×2",
        order_id=order_id,
    )


def test_new_create_order_param_equals_the_golden_and_carries_the_ciphertext_receiver() -> None:
    order = mapper.parse_order_detail(golden("order_detail_encrypted.json"))
    params = dw.new_create_order_params(
        logistics_code="zhongtong",
        sender={
            "name": "杭州仓",
            "phone": "13900001111",
            "province": "浙江省",
            "city": "杭州市",
            "district": "余杭区",
            "detail": "文一西路 1 号 2 号仓",
        },
        orders=[(_request(order.order_id), order.recipient)],
    )
    expected = {k: v for k, v in golden("new_create_order_param.json").items() if not k.startswith("_")}
    assert mapper.dump_param_json(params) == mapper.dump_param_json(expected)
    contact = params["order_infos"][0]["receiver_info"]["contact"]
    assert all(mapper.is_cipher(t) for t in (contact["name"], contact["mobile"]))


def test_golden_answers_read_as_numbers_errors_stock_and_print_data() -> None:
    good, bad = dw.parse_new_create_order(golden("new_create_order_response.json"))
    assert good[("6920000000000000001", "")]["track_no"] == "78012345678901"
    assert bad == {("6920000000000000002", "2"): "电子面单余额不足，请联系网点充值"}
    (site,) = dw.parse_netsites(golden("list_shop_netsite_response.json"))
    assert (site.company, site.netsite_code, site.amount) == ("zhongtong", "57101", 1280)
    assert site.sender_address["district_name"] == "余杭区"
    data, errors = dw.parse_waybill_apply(golden("waybill_apply_response.json"))
    assert [(d.track_no, d.sign) for d in data] == [("78012345678901", "3b1f0c9d2e")]
    assert errors == {"78000000000000": "运单号有误，请检查运单号"}


def test_print_frame_equals_the_golden_print_task() -> None:
    (data,), _ = dw.parse_waybill_apply(golden("waybill_apply_response.json"))
    task = print_component.print_task(
        task_id="fahuo-batch-7",
        documents=[data],
        template_url="https://lf3-cm.ecombdstatic.com/obj/logistics-davinci/template/zhongtong_76_130.xml",
    )
    frame = print_component.frame_for(task)
    expected = golden("print_component_print.json")
    assert frame["task"] == expected["task"]
    assert (frame["cmd"], frame["version"]) == (expected["cmd"], expected["version"])


def test_pack_ids_new_for_a_second_parcel_or_a_reissue_only() -> None:
    assert dw.pack_id_for("S1-692-1") == ""
    assert dw.pack_id_for("S1-692-2") == "2"
    assert dw.pack_id_for("S1-692-1-r1") == "1_r1"


@pytest.fixture
def sim() -> DouyinSimulator:
    s = DouyinSimulator.with_app(APP_KEY, APP_SECRET, TOKEN)
    s.add_netsite("zhongtong", amount=2)
    return s


@pytest.fixture
def provider(sim: DouyinSimulator) -> Iterator[dw.DouyinWaybillProvider]:
    with serve(sim) as url:
        api = DouyinSettings(
            app_key=APP_KEY, app_secret=APP_SECRET, access_token=TOKEN, base_url=url, backoff_s=0.01
        )
        with dw.DouyinWaybillProvider(dw.WaybillSettings(api=api, net_code="57101")) as adapter:
            yield adapter


def _plain_of(sim: DouyinSimulator, order_id: str) -> list[str]:
    r = sim.orders[order_id].data.recipient
    return [r["name"], r["phone"], r["detail"]]


def test_an_encrypted_order_gets_a_number_with_only_ciphertext_on_the_wire(
    sim: DouyinSimulator, provider: dw.DouyinWaybillProvider
) -> None:
    sim.add_synthetic_order(ORDER)
    (result,) = provider.issue([_request(ORDER)])
    assert result.ok and result.tracking_no.startswith("7801")
    assert result.sort_code == "300-W01 000"
    sent = json.dumps(sim.waybill.received, ensure_ascii=False)
    assert not any(text in sent for text in _plain_of(sim, ORDER))
    assert [c.method for c in sim.calls] == ["order.orderDetail", "logistics.newCreateOrder"]
    assert "order.batchDecrypt" not in {c.method for c in sim.calls}


def test_asking_again_gives_the_same_number_and_takes_no_stock(
    sim: DouyinSimulator, provider: dw.DouyinWaybillProvider
) -> None:
    sim.add_synthetic_order(ORDER)
    first = provider.issue([_request(ORDER)])[0].tracking_no
    assert provider.issue([_request(ORDER)])[0].tracking_no == first
    assert provider.netsites("zhongtong")[0].amount == 1


def test_stock_running_out_fails_that_parcel_with_the_platform_words(
    sim: DouyinSimulator, provider: dw.DouyinWaybillProvider
) -> None:
    for order_id in (ORDER, OTHER, "6920000000000000103"):
        sim.add_synthetic_order(order_id)
    results = provider.issue([_request(ORDER), _request(OTHER), _request("6920000000000000103")])
    assert [r.ok for r in results] == [True, True, False]
    assert results[2].error == "电子面单余额不足，请联系网点充值"


def test_an_unknown_order_or_carrier_fails_per_parcel(
    sim: DouyinSimulator, provider: dw.DouyinWaybillProvider
) -> None:
    sim.add_synthetic_order(ORDER)
    results = provider.issue(
        [_request("6929999999999999999"), _request(ORDER, carrier="XYZ"), _request(ORDER)]
    )
    assert "订单不存在" in results[0].error
    assert results[1].error == "抖音电子面单不支持快递公司 XYZ"
    assert results[2].ok


def test_cancel_returns_the_number_to_stock_and_a_reissue_draws_a_new_one(
    sim: DouyinSimulator, provider: dw.DouyinWaybillProvider
) -> None:
    sim.add_synthetic_order(ORDER)
    first = provider.issue([_request(ORDER)])[0]
    provider.cancel(carrier_code="ZTO", tracking_no=first.tracking_no, provider_ref=first.provider_ref)
    assert provider.netsites()[0].amount == 2
    with pytest.raises(ProviderError, match="已取消"):
        provider.cancel(carrier_code="ZTO", tracking_no=first.tracking_no)
    again = provider.issue([_request(ORDER, request_id=f"S1-{ORDER}-1-r1")])[0]
    assert again.ok and again.tracking_no != first.tracking_no


def test_print_task_reaches_the_print_component_with_no_plaintext(
    sim: DouyinSimulator, provider: dw.DouyinWaybillProvider
) -> None:
    sim.add_synthetic_order(ORDER)
    number = provider.issue([_request(ORDER)])[0].tracking_no
    data, errors = provider.print_data([("ZTO", number)])
    assert errors == {}
    component = print_component.PrintComponentSimulator()
    with print_component.serve_component(component) as url:
        assert print_component.printers(url)[0] == "抖音电子面单打印机"
        task = print_component.send_print(url=url, documents=data, template_url=provider.template_url())
    assert component.printed() == [number]
    assert component.tasks[0]["taskID"] == task
    frames = "".join(component.frames)
    assert not any(text in frames for text in _plain_of(sim, ORDER))


def test_a_tampered_print_task_is_refused_by_the_component(
    sim: DouyinSimulator, provider: dw.DouyinWaybillProvider
) -> None:
    sim.add_synthetic_order(ORDER)
    number = provider.issue([_request(ORDER)])[0].tracking_no
    (data,), _ = provider.print_data([("ZTO", number)])
    forged = dw.PrintData(data.track_no, data.order_id, data.print_data + "x", data.sign)
    component = print_component.PrintComponentSimulator()
    with print_component.serve_component(component) as url:
        with pytest.raises(ProviderError, match="签名校验失败"):
            print_component.send_print(url=url, documents=[forged], template_url=provider.template_url())
    assert component.tasks == []


def test_no_print_component_running_is_a_clear_error() -> None:
    with pytest.raises(ProviderError, match="打印组件已启动"):
        print_component.printers("ws://127.0.0.1:9", timeout=1)


def test_registry_offers_douyin_waybill_and_flags_it_for_encrypted_orders() -> None:
    assert prints_encrypted("douyin_waybill")
    assert not prints_encrypted("kdniao") and not prints_encrypted("sandbox")
    with pytest.raises(InvalidInput, match="抖音电子面单账号"):
        waybill_provider("douyin_waybill", None)
