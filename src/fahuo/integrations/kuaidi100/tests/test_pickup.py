"""Kuaidi100 reverse pickup (商家寄件 bOrder) against the simulator over HTTP, and an RMA's pickup
booked through it when the order's carrier is served by Kuaidi100."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fahuo.integrations.base import Party
from fahuo.integrations.kdniao.pickup import PickupRequest
from fahuo.integrations.kuaidi100 import simulator as k100_sim
from fahuo.integrations.kuaidi100.client import sign
from fahuo.integrations.kuaidi100.pickup import Kuaidi100Pickup, book_param
from fahuo.integrations.simserver import serve
from fahuo.kit.errors import ProviderError
from fahuo.kit.testing import golden

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def state() -> k100_sim.SimulatorState:
    return k100_sim.SimulatorState()


@pytest.fixture
def url(state: k100_sim.SimulatorState) -> Iterator[str]:
    with serve(k100_sim.make_app(state)) as base:
        yield base


def request(start: dt.datetime | None = None, hours: int = 4) -> PickupRequest:
    start = start or dt.datetime.now(SHANGHAI).replace(hour=10, minute=0, second=0, microsecond=0)
    return PickupRequest(
        order_code="RMA7",
        carrier_code="ZTO",
        sender=Party("张三丰", "13812345678", "浙江省", "杭州市", "临平区", "南苑街道88号"),
        receiver=Party("小雨直播间", "0571-88886666", "", "", "", "浙江省杭州市余杭区文一西路1000号"),
        start=start,
        end=start + dt.timedelta(hours=hours),
        goods="补水面膜",
    )


def test_the_booking_param_names_the_buyer_as_sender_and_the_window() -> None:
    param = book_param(request(), k100_sim.demo_settings("http://x"))
    assert param["kuaidicom"] == "zhongtong" and param["payment"] == "SHIPPER"
    assert param["sendManPrintAddr"] == "浙江省杭州市临平区南苑街道88号"
    assert param["recManPrintAddr"] == "浙江省杭州市余杭区文一西路1000号"
    assert (param["dayType"], param["pickupStartTime"], param["pickupEndTime"]) == ("今天", "10:00", "14:00")


def test_a_window_past_midnight_ends_at_eight_in_the_evening_of_tomorrow() -> None:
    tomorrow = dt.datetime.now(SHANGHAI).replace(hour=16, minute=30, second=0, microsecond=0) + dt.timedelta(
        days=1
    )
    param = book_param(request(tomorrow, hours=24), k100_sim.demo_settings("http://x"))
    assert (param["dayType"], param["pickupStartTime"], param["pickupEndTime"]) == ("明天", "16:30", "20:00")


def test_booking_is_signed_and_answered_with_the_order(url: str, state: k100_sim.SimulatorState) -> None:
    booking = Kuaidi100Pickup(k100_sim.demo_settings(url)).book(request())
    assert booking.provider_order and booking.tracking_no == ""
    [(_path, form)] = [r for r in state.received if r[0] == "/order/borderapi.do"]
    assert form["method"] == "bOrder"
    assert form["sign"] == sign(form["param"], form["t"], k100_sim.DEMO_KEY, k100_sim.DEMO_SECRET)
    assert json.loads(form["param"])["sendManName"] == "张三丰"
    assert state.pickups[0]["orderId"] == booking.provider_order


def test_the_simulator_answers_like_the_documented_success() -> None:
    expected = golden("kuaidi100", "border_response_success.json")
    state = k100_sim.SimulatorState()
    from fahuo.integrations.kuaidi100.sim_pickup import handle_border

    param = json.dumps(book_param(request(), k100_sim.demo_settings("http://x")), ensure_ascii=False)
    t = "1700000000000"
    form = {"method": "bOrder", "key": k100_sim.DEMO_KEY, "t": t, "param": param,
            "sign": sign(param, t, k100_sim.DEMO_KEY, k100_sim.DEMO_SECRET)}  # fmt: skip
    body = handle_border(state, form)
    assert set(body) == set(expected) and set(body["data"]) == set(expected["data"])
    assert (body["result"], body["returnCode"]) == (True, "200")


def test_a_wrong_secret_is_refused_with_kuaidi100s_message(url: str) -> None:
    with pytest.raises(ProviderError, match="签名验证失败"):
        Kuaidi100Pickup(k100_sim.demo_settings(url, secret="wrong")).book(request())


def test_a_booking_without_the_buyers_phone_is_refused(url: str) -> None:
    bad = request()
    bad = PickupRequest(**{**{f: getattr(bad, f) for f in bad.__dataclass_fields__},
                           "sender": Party("张三丰", "", "浙江省", "杭州市", "临平区", "南苑街道88号")})  # fmt: skip
    with pytest.raises(ProviderError, match="sendManMobile"):
        Kuaidi100Pickup(k100_sim.demo_settings(url)).book(bad)


@pytest.mark.django_db
def test_an_rma_pickup_goes_to_kuaidi100_once(
    url: str, state: k100_sim.SimulatorState, shop: Any, warehouse: Any
) -> None:
    from fahuo.aftersales import services
    from fahuo.aftersales.models import Rma, RmaKind, RmaSource
    from fahuo.carriers.models import Carrier, ProviderAccount
    from fahuo.fulfilment.tests import batch_helpers as h

    carrier = Carrier.objects.create(code="ZTO", name="中通快递", provider="kuaidi100")
    ProviderAccount.objects.create(provider="kuaidi100", name="快递100", base_url=url,
                                   credentials=json.dumps({"key": k100_sim.DEMO_KEY, "secret": k100_sim.DEMO_SECRET,
                                                           "retries": 1}))  # fmt: skip
    order = h.make_order(shop, carrier=carrier, warehouse=warehouse)
    rma = Rma.objects.create(shop=shop, order=order, platform_order_id=order.platform_order_id,
                             source=RmaSource.MANUAL, kind=RmaKind.RETURN_REFUND)  # fmt: skip
    rma = services.decide(rma=rma, approve=True)
    rma = services.book_pickup(rma=rma)
    assert rma.pickup_provider == "kuaidi100" and rma.pickup_order == state.pickups[0]["orderId"]
    sent = state.pickups[0]["param"]
    assert sent["recManPrintAddr"] == "浙江省 杭州市 余杭区 文一西路1000号"  # the order's warehouse
    assert sent["sendManMobile"] == "13812345678"  # the buyer, where the courier collects
    with pytest.raises(services.RmaStateError, match="请勿重复预约"):
        services.book_pickup(rma=rma)
    assert len(state.pickups) == 1
