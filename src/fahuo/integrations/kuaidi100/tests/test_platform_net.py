"""Kuaidi100's e-waybill drawing 抖音 numbers (``net=douyin``) from a platform account the seller
authorised through Kuaidi100: the param, and the simulator over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from fahuo.integrations.base import Party, WaybillRequest
from fahuo.integrations.kuaidi100 import mapper
from fahuo.integrations.kuaidi100.client import Kuaidi100Client, Kuaidi100WaybillProvider
from fahuo.integrations.kuaidi100.settings import Kuaidi100Settings
from fahuo.integrations.kuaidi100.simulator import (
    DEMO_KEY,
    DEMO_SECRET,
    SimulatorState,
    demo_settings,
    make_app,
)
from fahuo.integrations.simserver import serve
from fahuo.kit.errors import InvalidInput

SHOP = "4463798"  # the 抖店 account authorised in Kuaidi100 (the partnerId of net=douyin)
SENDER = Party("小雨仓", "0571-88880000", "浙江省", "杭州市", "余杭区", "仓前街道文一西路1000号")


def parcel(request_id: str) -> WaybillRequest:
    return WaybillRequest(
        request_id=request_id,
        carrier_code="ZTO",
        sender=SENDER,
        recipient=Party("张三", "13888888888", "广东省", "深圳市", "南山区", "科技南十二路2号"),
        weight_g=800,
        goods="T恤",
    )


@pytest.fixture
def sim() -> Iterator[tuple[SimulatorState, str]]:
    state = SimulatorState()
    with serve(make_app(state)) as base_url:
        yield state, base_url


def provider(base_url: str) -> Kuaidi100WaybillProvider:
    settings = demo_settings(base_url, net="douyin", partner_id=SHOP)
    return Kuaidi100WaybillProvider(settings, client=Kuaidi100Client(settings, retry_wait=0))


def test_the_param_names_the_platform_and_its_authorised_account() -> None:
    param = mapper.order_param(
        parcel("p1"), demo_settings("http://x", net="douyin", partner_id=SHOP), kuaidicom="zhongtong"
    )
    assert (param["net"], param["partnerId"], param["kuaidicom"]) == ("douyin", SHOP, "zhongtong")


def test_after_authorisation_numbers_come_from_the_douyin_stock(sim: tuple[SimulatorState, str]) -> None:
    state, base_url = sim
    state.authorise_platform("douyin", SHOP, stock=1)
    first, second = provider(base_url).issue([parcel("p1"), parcel("p2")])
    assert first.ok and first.tracking_no.startswith("78")
    assert second.error == "抖音电子面单网点余额不足，请联系网点充值"
    assert state.platform_stock[("douyin", SHOP)] == 0
    sent = [json.loads(form["param"]) for path, form in state.received if form.get("method") == "order"]
    assert {p["net"] for p in sent} == {"douyin"}


def test_without_authorisation_the_parcel_fails_with_what_to_do(sim: tuple[SimulatorState, str]) -> None:
    _, base_url = sim
    (result,) = provider(base_url).issue([parcel("p1")])
    assert not result.ok and "未授权，请先在快递100完成第三方平台授权" in result.error


def test_an_account_for_net_douyin_without_partner_id_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput, match="net=douyin"):
        Kuaidi100Settings.from_credentials({"key": DEMO_KEY, "secret": DEMO_SECRET, "net": "douyin"})
