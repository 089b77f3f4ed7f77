"""A refund the 抖店 buyer chooses on the out-of-stock page goes to 抖店 (afterSale.ApplyMarketAfterSale
on the simulator over HTTP, one per sku order); the platform's later refund messages land on the same
RMA; when 抖店 refuses, the RMA waits for the seller with the reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from fahuo.aftersales.models import Rma, RmaSource, RmaStatus
from fahuo.aftersales.services import record_platform_event
from fahuo.aftersales.tests.test_stockout import offered, short_order, skus  # noqa: F401
from fahuo.carriers.models import ProviderAccount
from fahuo.integrations.douyin.simulator import DouyinSimulator
from fahuo.integrations.simserver import serve
from fahuo.orders.models import OrderStatus

pytestmark = pytest.mark.django_db
APP_KEY, SECRET, TOKEN = "7000000000000000001", "sim-secret", "sim-token"


@pytest.fixture
def sim(shop: Any) -> Iterator[DouyinSimulator]:
    sim = DouyinSimulator.with_app(APP_KEY, SECRET, TOKEN)
    with serve(sim) as url:
        creds = {"app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN, "shop_id": "4463798"}
        ProviderAccount.objects.create(
            provider="douyin", name="抖店", shop=shop, base_url=url, credentials=json.dumps(creds)
        )
        yield sim


def douyin_short_order(shop: Any, sku: Any) -> Any:
    order = short_order(shop, sku)
    order.lines.update(platform_line_id="4781320682406083641")
    return order


def test_the_buyers_refund_is_sent_to_douyin(shop: Any, skus: Any, sim: DouyinSimulator) -> None:  # noqa: F811
    order = douyin_short_order(shop, skus[0])
    choice = offered(order)
    page = Client().post(f"/t/choice/{choice.token}", {"action": "refund"})
    assert page.status_code == 200
    assert sim.aftersale.received[-1] == {"sku_order_id": 4781320682406083641, "after_sale_reason": 2}
    aftersale_id = sim.aftersale.stockouts["4781320682406083641"]
    rma = Rma.objects.get(order=order)
    assert (rma.source, rma.aftersale_id, rma.status) == (RmaSource.DOUYIN, aftersale_id, RmaStatus.APPROVED)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    choice.refresh_from_db()
    assert "已提交抖店退款" in choice.outcome
    # 抖店's "refund succeeded" message (206) moves the same RMA, no second one.
    record_platform_event(shop=shop, order_no=order.platform_order_id, tag="206",
                          data={"aftersale_id": aftersale_id, "aftersale_type": 2, "success_time": 1765000000})  # fmt: skip
    assert Rma.objects.get(order=order).status == RmaStatus.REFUNDED and Rma.objects.count() == 1


def test_when_douyin_refuses_the_rma_waits_for_the_seller(shop: Any, skus: Any, sim: DouyinSimulator) -> None:  # noqa: F811
    order = douyin_short_order(shop, skus[0])
    sim.aftersale.stockouts["4781320682406083641"] = "7100000000000000099"  # already opened on 抖店
    choice = offered(order)
    page = Client().post(f"/t/choice/{choice.token}", {"action": "refund"})
    assert page.status_code == 200
    rma = Rma.objects.get(order=order)
    assert rma.status == RmaStatus.REQUESTED and rma.source == RmaSource.MANUAL
    assert "该商品单已存在售后单" in rma.decision_note and "请在抖店后台" in rma.decision_note
    choice.refresh_from_db()
    assert "未能提交抖店退款" in choice.outcome


def test_without_a_douyin_account_the_refund_is_recorded_with_the_reason(shop: Any, skus: Any) -> None:  # noqa: F811
    order = douyin_short_order(shop, skus[0])
    choice = offered(order)
    Client().post(f"/t/choice/{choice.token}", {"action": "refund"})
    rma = Rma.objects.get(order=order)
    assert rma.status == RmaStatus.REQUESTED and "抖店开放平台账号" in rma.decision_note
