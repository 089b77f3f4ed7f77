"""The demo has out-of-stock orders in each state of the buyer's choice, so the desk shows the offer
form, an open offer to withdraw and answered offers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fahuo.aftersales import demo_stockout
from fahuo.aftersales.models import StockChoice, StockChoiceStatus
from fahuo.orders.models import Order, OrderStatus, Shop

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_each_out_of_stock_state(operator: Any, shop: Shop, warehouse: Any) -> None:
    assert demo_stockout.seed(shop=shop, now=timezone.now()) == 6
    assert demo_stockout.seed(shop=shop, now=timezone.now()) == 6  # again: the same six, not twelve
    states = sorted(StockChoice.objects.values_list("status", "action"))
    assert states == sorted([(StockChoiceStatus.OFFERED, ""), (StockChoiceStatus.ANSWERED, "wait"),
                             (StockChoiceStatus.ANSWERED, "swap"), (StockChoiceStatus.ANSWERED, "refund"),
                             (StockChoiceStatus.DEFAULTED, "refund")])  # fmt: skip
    assert Order.objects.get(platform_order_id="DEMO-OOS-004").status == OrderStatus.READY  # swapped
    desk = Client()
    desk.force_login(operator)
    page = desk.get("/aftersales/stockouts/").content.decode()
    assert "DEMO-OOS-001" in page and "/offer/" in page and "/withdraw/" in page
