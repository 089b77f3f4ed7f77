"""A Kuaidi100 reverse pickup gets its waybill number from Kuaidi100's 商家寄件 callback: the simulator
POSTs the signed callback over real HTTP to the callBackUrl fahuo gave at booking; the RMA records the
courier's progress, takes the number and moves to returning; a cancelled pickup can be booked again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from fahuo.aftersales import services
from fahuo.aftersales.models import Rma, RmaKind, RmaSource, RmaStatus, RmaStep
from fahuo.carriers.models import Carrier, ProviderAccount
from fahuo.fulfilment.tests import batch_helpers as h
from fahuo.integrations.kuaidi100 import simulator as k100_sim
from fahuo.integrations.kuaidi100.sim_pickup_callback import send_pickup_callback
from fahuo.integrations.simserver import serve
from fahuo.tracking.models import PushLog

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def state() -> k100_sim.SimulatorState:
    return k100_sim.SimulatorState()


@pytest.fixture
def booked(
    state: k100_sim.SimulatorState, shop: Any, warehouse: Any, live_server: Any, settings: Any
) -> Iterator[Rma]:
    settings.FAHUO_PUBLIC_URL = live_server.url
    with serve(k100_sim.make_app(state)) as url:
        carrier = Carrier.objects.create(code="ZTO", name="中通快递", provider="kuaidi100")
        creds = {
            "key": k100_sim.DEMO_KEY,
            "secret": k100_sim.DEMO_SECRET,
            "salt": "pickup-salt",
            "retries": 1,
        }
        ProviderAccount.objects.create(
            provider="kuaidi100", name="快递100", base_url=url, credentials=json.dumps(creds)
        )
        order = h.make_order(shop, carrier=carrier, warehouse=warehouse)
        rma = Rma.objects.create(shop=shop, order=order, platform_order_id=order.platform_order_id,
                                 source=RmaSource.MANUAL, kind=RmaKind.RETURN_REFUND)  # fmt: skip
        yield services.book_pickup(rma=services.decide(rma=rma, approve=True))


def test_the_booking_gives_kuaidi100_the_callback_and_the_salt(
    booked: Rma, state: k100_sim.SimulatorState, live_server: Any
) -> None:
    sent = state.pickups[0]["param"]
    assert sent["callBackUrl"] == f"{live_server.url}/aftersales/hooks/kuaidi100-pickup"
    assert sent["salt"] == "pickup-salt"


def test_the_collected_callback_gives_the_return_its_number(
    booked: Rma, state: k100_sim.SimulatorState
) -> None:
    order_id = booked.pickup_order
    taken = send_pickup_callback(state, order_id, status=1)
    assert taken.status_code == 200 and taken.json() == {
        "result": True,
        "returnCode": "200",
        "message": "提交成功",
    }
    collected = send_pickup_callback(state, order_id, status=10, kuaidinum="73100012345678")
    assert collected.json()["result"] is True
    send_pickup_callback(state, order_id, status=10, kuaidinum="73100012345678")  # Kuaidi100 retries
    rma = Rma.objects.get(pk=booked.pk)
    assert rma.return_tracking_no == "73100012345678" and rma.status == RmaStatus.RETURNING
    notes = list(RmaStep.objects.filter(rma=rma, source="carrier").values_list("note", flat=True))
    assert any("快递员已接单（王师傅）" in n for n in notes)
    assert sum("退货运单号 73100012345678" in n for n in notes) == 1
    assert "13900001111" not in " ".join(PushLog.objects.values_list("body_excerpt", flat=True))


def test_a_cancelled_pickup_can_be_booked_again(booked: Rma, state: k100_sim.SimulatorState) -> None:
    send_pickup_callback(state, booked.pickup_order, status=11)
    rma = Rma.objects.get(pk=booked.pk)
    assert rma.pickup_order == "" and rma.status == RmaStatus.APPROVED
    assert RmaStep.objects.filter(rma=rma, note__contains="揽货失败").exists()
    rma = services.book_pickup(rma=rma)
    assert len(state.pickups) == 2 and rma.pickup_order == state.pickups[1]["orderId"]


def test_a_forged_callback_is_refused_and_logged(
    booked: Rma, state: k100_sim.SimulatorState, live_server: Any
) -> None:
    param = json.dumps({"kuaidinum": "1", "data": {"orderId": booked.pickup_order, "status": 10}})
    answer = httpx.post(f"{live_server.url}/aftersales/hooks/kuaidi100-pickup",
                        data={"taskId": "x", "param": param, "sign": "0" * 32})  # fmt: skip
    assert answer.status_code == 401
    assert Rma.objects.get(pk=booked.pk).return_tracking_no == ""
    assert PushLog.objects.filter(provider="kuaidi100-pickup", http_status=401).exists()
