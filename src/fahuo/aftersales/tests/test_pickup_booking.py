"""Reverse pickup (上门取件) booked at Kdniao (1001 on the simulator over HTTP) within the pickup clock."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from fahuo.accounts.models import ApiToken
from fahuo.aftersales import services
from fahuo.aftersales.models import AfterSalePolicy, Rma, RmaKind, RmaSource
from fahuo.fulfilment.tests import batch_helpers as h
from fahuo.integrations.kdniao.simulator import KdniaoSimulator

kdniao_sim, kdniao_url, zto = h.kdniao_sim, h.kdniao_url, h.zto  # fixtures
pytestmark = pytest.mark.django_db


def approved(shop: Any, carrier: Any, warehouse: Any) -> Rma:
    order = h.make_order(shop, carrier=carrier, warehouse=warehouse)
    rma = Rma.objects.create(shop=shop, order=order, platform_order_id=order.platform_order_id,
                             source=RmaSource.MANUAL, kind=RmaKind.RETURN_REFUND)  # fmt: skip
    return services.decide(rma=rma, approve=True)


def api(user: Any) -> Client:
    _, raw = ApiToken.issue(user=user, name="t")
    return Client(headers={"authorization": f"Bearer {raw}"})


def test_booking_sends_the_buyer_as_sender_and_the_clock_as_window(
    owner: Any, shop: Any, zto: Any, warehouse: Any, kdniao_sim: KdniaoSimulator
) -> None:
    rma = approved(shop, zto, warehouse)
    out = api(owner).post(f"/api/aftersales/{rma.pk}/pickup")
    assert out.status_code == 200, out.content
    sent = kdniao_sim.pickups.received[0]
    assert (sent["RequestType"], sent["OrderCode"], sent["ShipperCode"]) == ("1001", f"RMA{rma.pk}", "ZTO")
    assert sent["Sender"]["Mobile"] == "13812345678" and sent["Receiver"]["CityName"] == "杭州市"
    assert rma.pickup_due_at is not None
    end = dt.datetime.strptime(sent["EndDate"], "%Y-%m-%d %H:%M:%S")
    assert end.strftime("%m-%d %H:%M") == rma.pickup_due_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime(
        "%m-%d %H:%M"
    )
    rma.refresh_from_db()
    assert rma.return_tracking_no.startswith("ZTOR") and rma.pickup_provider == "kdniao"
    assert out.json()["tracking_no"] == rma.return_tracking_no


def test_a_retried_booking_gets_the_same_booking_back(
    shop: Any, zto: Any, warehouse: Any, kdniao_sim: KdniaoSimulator
) -> None:
    rma = services.book_pickup(rma=approved(shop, zto, warehouse))
    number = rma.return_tracking_no
    rma = services.book_pickup(rma=rma)  # a retry after a lost answer: same OrderCode → same booking
    assert rma.return_tracking_no == number and len(kdniao_sim.pickups.booked) == 1


def test_a_provider_refusal_leaves_the_rma_unbooked(owner: Any, shop: Any, zto: Any, warehouse: Any) -> None:
    AfterSalePolicy.objects.create(shop=shop, return_address="无法识别")
    rma = approved(shop, zto, warehouse)
    out = api(owner).post(f"/api/aftersales/{rma.pk}/pickup")
    assert out.status_code in (424, 502) and "地址" in out.json()["message"]
    rma.refresh_from_db()
    assert (rma.return_tracking_no, rma.pickup_booked_at) == ("", None)
