"""Out-of-stock counts per stream in the 24 h review (issue #17): held, offered, and each answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.urls import reverse

from fahuo.aftersales.models import StockChoice, StockChoiceStatus
from fahuo.inventory.reservations import OUT_OF_STOCK
from fahuo.livestream import review
from fahuo.livestream.tests import helpers as h
from fahuo.orders.models import Order, OrderStatus

M = dt.timedelta(minutes=1)
T0 = h.T0


def _short(order: Order) -> Order:
    order.status = OrderStatus.NEEDS_REVIEW
    order.review_reasons = [{"code": OUT_OF_STOCK, "message": "缺货：LIP-07 需 1 件，可用 0 件，缺 1 件"}]
    order.save(update_fields=["status", "review_reasons"])
    return order


def _offer(order: Order, n: int, *, status: str = StockChoiceStatus.OFFERED, action: str = "") -> None:
    StockChoice.objects.create(
        shop=order.shop, order=order, token=f"tok{order.pk}x{n}", status=status, action=action,
        deadline=T0 + 48 * 60 * M, short_skus=["LIP-07"], default_action="refund",
    )  # fmt: skip


def _seed(shop: Any) -> Any:
    s = h.session(shop)
    _short(h.order(shop, T0 + 5 * M, status=OrderStatus.READY))  # held, no offer yet
    _offer(_short(h.order(shop, T0 + 6 * M, status=OrderStatus.READY)), 1)  # waiting for the buyer
    waiting = _short(h.order(shop, T0 + 7 * M, status=OrderStatus.READY))
    _offer(waiting, 1, status=StockChoiceStatus.WITHDRAWN)  # a first offer withdrawn, then answered
    _offer(waiting, 2, status=StockChoiceStatus.ANSWERED, action="wait")
    _offer(h.order(shop, T0 + 8 * M), 1, status=StockChoiceStatus.ANSWERED, action="swap")
    _offer(h.order(shop, T0 + 9 * M), 1, status=StockChoiceStatus.DEFAULTED, action="refund")
    h.order(shop, T0 + 10 * M)  # an order stock covered
    _offer(h.order(shop, T0 - 10 * M), 1, status=StockChoiceStatus.ANSWERED, action="refund")  # before
    return s


def test_the_review_counts_the_streams_short_orders_and_what_became_of_them(shop: Any) -> None:
    oos = review.review_24h(_seed(shop), now=T0 + 30 * 60 * M)["out_of_stock"]
    assert oos == {
        "orders": 5, "held": 2 + 1, "not_offered": 1, "offered": 4,
        "open": 1, "defaulted": 1, "withdrawn": 0, "wait": 1, "swap": 1, "refund": 1,
    }  # fmt: skip


def test_the_review_page_shows_the_out_of_stock_tile(shop: Any, operator: Any) -> None:
    s = _seed(shop)
    client = Client()
    assert client.login(username=operator.username, password="fahuo-test-pw")
    body = client.get(reverse("live_review:review", args=[s.pk])).content.decode()
    tile = body[body.index('data-stat="out_of_stock"') :][:600]
    assert ">5<" in tile and "缺货" in tile and "等待 1" in tile and "未发起 1" in tile
