"""Out of stock (缺货) handled with the buyer: the seller offers wait / swap / refund (+ coupon), the
buyer answers once through the link, the shop's default applies after the deadline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fahuo.aftersales import stockout, tasks
from fahuo.aftersales.models import Rma, RmaKind, RmaStatus, StockChoice, StockChoiceStatus
from fahuo.aftersales.tests.test_api_views import client_for
from fahuo.catalog.models import Sku
from fahuo.inventory.models import Reservation, ReservationState, Stock
from fahuo.inventory.reservations import reserve_orders
from fahuo.inventory.services import adjust_stock
from fahuo.kit.errors import Conflict, InvalidInput
from fahuo.orders.models import Order, OrderLine, OrderStatus
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def skus(warehouse: Any) -> tuple[Sku, Sku]:
    red = Sku.objects.create(code="LIP-RED", name="丝绒口红", spec="正红")
    pink = Sku.objects.create(code="LIP-PINK", name="丝绒口红", spec="豆沙粉")
    Stock.objects.create(warehouse=warehouse, sku=red, on_hand=0)
    Stock.objects.create(warehouse=warehouse, sku=pink, on_hand=5)
    return red, pink


def short_order(shop: Any, sku: Sku, total_fen: int = 8900) -> Order:
    order = f.order(shop, status=OrderStatus.READY, total_fen=total_fen)
    OrderLine.objects.create(order=order, platform_line_id="L1", sku=sku, sku_code=sku.code, title=sku.name,
                             spec=sku.spec, quantity=1)  # fmt: skip
    reserve_orders(orders=[order])
    order.refresh_from_db()
    assert order.status == OrderStatus.NEEDS_REVIEW
    return order


def offered(order: Any, **kw: Any) -> StockChoice:
    args: dict[str, Any] = {
        "order": order,
        "deadline": timezone.now() + dt.timedelta(hours=48),
        "wait_until": timezone.localdate() + dt.timedelta(days=5),
        "swap_skus": ["LIP-PINK"],
        "coupon_code": "SORRY10",
        "default_action": "wait",
    }
    args.update(kw)
    return stockout.offer(**args)


def test_only_a_short_order_gets_choices(shop: Any, skus: Any) -> None:
    _, pink = skus
    order = f.order(shop, status=OrderStatus.READY)
    OrderLine.objects.create(order=order, sku=pink, sku_code=pink.code, title=pink.name, quantity=1)
    reserve_orders(orders=[order])
    order.refresh_from_db()
    with pytest.raises(Conflict):
        offered(order)


def test_a_swap_to_an_unknown_or_the_short_sku_is_refused(shop: Any, skus: Any) -> None:
    order = short_order(shop, skus[0])
    with pytest.raises(InvalidInput, match="NOPE"):
        offered(order, swap_skus=["NOPE"])
    with pytest.raises(InvalidInput, match="缺货的款本身"):
        offered(order, swap_skus=["LIP-RED"])


def test_buyer_swaps_and_the_order_is_reserved_and_ready(shop: Any, skus: Any, warehouse: Any) -> None:
    red, pink = skus
    order = short_order(shop, red)
    choice = offered(order)
    buyer = Client()
    page = buyer.get(f"/t/choice/{choice.token}").content.decode()
    assert "丝绒口红" in page and "豆沙粉" in page
    assert "张三丰" not in page and "13812345678" not in page
    done = buyer.post(f"/t/choice/{choice.token}", {"action": "swap:LIP-PINK"})
    assert done.status_code == 200 and "换成其他款" in done.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.READY
    line = order.lines.get()
    assert line.sku == pink and line.spec == "豆沙粉"
    assert Reservation.objects.get(order=order, state=ReservationState.OPEN).sku == pink
    assert Stock.objects.get(sku=pink).reserved == 1
    choice.refresh_from_db()
    assert choice.status == StockChoiceStatus.ANSWERED and "可以打单" in choice.outcome


def test_a_link_used_twice_answers_with_the_first_choice(shop: Any, skus: Any) -> None:
    choice = offered(short_order(shop, skus[0]))
    buyer = Client()
    assert buyer.post(f"/t/choice/{choice.token}", {"action": "wait"}).status_code == 200
    again = buyer.post(f"/t/choice/{choice.token}", {"action": "refund"})
    assert again.status_code == 410
    assert "已经选择过：等待补货" in again.content.decode()
    assert not Rma.objects.exists()
    choice.refresh_from_db()
    assert choice.action == "wait"


def test_buyer_refunds_the_order_is_cancelled_and_an_rma_records_the_coupon(skus: Any) -> None:
    from fahuo.orders.models import Shop

    own_shop = Shop.objects.create(
        code="own", name="自有小店", platform="manual"
    )  # 抖店: test_stockout_refund
    order = short_order(own_shop, skus[0], total_fen=8900)
    choice = offered(order)
    page = Client().post(f"/t/choice/{choice.token}", {"action": "refund"}).content.decode()
    assert "SORRY10" in page
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    rma = Rma.objects.get(order=order)
    assert rma.kind == RmaKind.REFUND_ONLY and rma.status == RmaStatus.APPROVED
    assert rma.refund_amount_fen == 8900 and "SORRY10" in rma.decision_note


def test_waiting_buyer_ships_when_stock_arrives(shop: Any, skus: Any, warehouse: Any) -> None:
    red, _ = skus
    order = short_order(shop, red)
    choice = offered(order)
    Client().post(f"/t/choice/{choice.token}", {"action": "wait"})
    order.refresh_from_db()
    assert order.status == OrderStatus.NEEDS_REVIEW
    adjust_stock(warehouse=warehouse, sku=red, delta=3, note="到货")
    order.refresh_from_db()
    assert order.status == OrderStatus.READY


def test_no_answer_by_the_deadline_applies_the_default(shop: Any, skus: Any) -> None:
    order = short_order(shop, skus[0])
    choice = offered(order, default_action="refund")
    StockChoice.objects.filter(pk=choice.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    assert tasks.stock_choice_defaults.call_local() == 1
    choice.refresh_from_db()
    assert choice.status == StockChoiceStatus.DEFAULTED and choice.action == "refund"
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    late = Client().post(f"/t/choice/{choice.token}", {"action": "wait"})
    assert late.status_code == 410 and "按店铺默认处理" in late.content.decode()


def test_a_late_link_settles_the_default_itself(shop: Any, skus: Any) -> None:
    choice = offered(short_order(shop, skus[0]), default_action="swap")
    StockChoice.objects.filter(pk=choice.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    page = Client().get(f"/t/choice/{choice.token}")
    assert page.status_code == 200 and "逾期未选择" in page.content.decode()
    choice.refresh_from_db()
    assert choice.status == StockChoiceStatus.DEFAULTED and choice.swap_to == "LIP-PINK"


def test_the_desk_offers_and_withdraws_choices(operator: Any, shop: Any, skus: Any) -> None:
    order = short_order(shop, skus[0])
    desk = Client()
    desk.force_login(operator)
    listed = desk.get("/aftersales/stockouts/").content.decode()
    assert order.platform_order_id in listed and "LIP-RED 需 1 件" in listed
    response = desk.post(
        f"/aftersales/stockouts/orders/{order.pk}/offer/",
        {"hours": "24", "swap_skus": "LIP-PINK", "coupon_code": "SORRY10", "default_action": "refund"},
        follow=True,
    )
    choice = StockChoice.objects.get(order=order)
    assert f"/t/choice/{choice.token}" in response.content.decode()
    assert choice.default_action == "refund" and choice.swap_skus == ["LIP-PINK"]
    assert dt.timedelta(hours=23) < choice.deadline - timezone.now() <= dt.timedelta(hours=24)
    twice = desk.post(f"/aftersales/stockouts/orders/{order.pk}/offer/", {"hours": "24", "default_action": "refund"},
                      follow=True)  # fmt: skip
    assert "已有待买家选择" in twice.content.decode()
    desk.post(f"/aftersales/stockouts/{choice.pk}/withdraw/")
    choice.refresh_from_db()
    assert choice.status == StockChoiceStatus.WITHDRAWN
    assert Client().post(f"/t/choice/{choice.token}", {"action": "refund"}).status_code == 410


def test_another_shops_short_order_is_not_listed_nor_offered(shop: Any, skus: Any) -> None:
    from django.contrib.auth.models import User

    from fahuo.accounts.services import add_member
    from fahuo.orders.models import Shop

    order = short_order(shop, skus[0])
    other = Shop.objects.create(code="tea", name="茶", platform="private")
    user = User.objects.create_user(username="tea", password="fahuo-test-pw")
    add_member(user=user, shop=other, role="operator")
    desk = Client()
    desk.force_login(User.objects.get(pk=user.pk))
    assert order.platform_order_id not in desk.get("/aftersales/stockouts/").content.decode()
    response = desk.post(
        f"/aftersales/stockouts/orders/{order.pk}/offer/", {"hours": "24", "default_action": "refund"}
    )
    assert response.status_code == 404
    assert not StockChoice.objects.exists()


def test_an_unknown_link_is_404() -> None:
    assert Client().get("/t/choice/nope").status_code == 404


def test_the_api_offers_choices_and_lists_short_orders(operator: Any, shop: Any, skus: Any) -> None:
    order = short_order(shop, skus[0])
    api = client_for(operator)
    listed = api.get("/api/aftersales/stockouts").json()
    assert [r["order_id"] for r in listed] == [order.platform_order_id] and listed[0]["choice"] is None
    made = api.post(
        f"/api/aftersales/stockouts/{order.platform_order_id}/offer",
        {
            "hours": 12,
            "wait_until": str(timezone.localdate() + dt.timedelta(days=3)),
            "swap_skus": ["LIP-PINK"],
        },
        content_type="application/json",
    )
    assert made.status_code == 200, made.content
    body = made.json()
    assert body["status"] == "offered" and body["url"].endswith(
        f"/t/choice/{StockChoice.objects.get().token}"
    )
    late = api.post(f"/api/aftersales/stockouts/{order.platform_order_id}/offer", {"hours": 0},
                    content_type="application/json")  # fmt: skip
    assert late.status_code == 422
    again = api.post(f"/api/aftersales/stockouts/{order.platform_order_id}/offer", {"hours": 5, "default_action": "refund"},
                     content_type="application/json")  # fmt: skip
    assert again.status_code == 409
    assert api.get("/api/aftersales/stockouts").json()[0]["choice"]["status"] == "offered"
