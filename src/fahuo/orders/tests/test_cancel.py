"""Cancelling an order by hand: stock released, refused while a waybill is issued, shop-separated."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from fahuo.accounts.models import ApiToken, AuditLog
from fahuo.fulfilment.labels.voids import cancel_waybill
from fahuo.fulfilment.services import print_orders
from fahuo.inventory.services import import_stock, stock_levels
from fahuo.inventory.tests.helpers import arrive, check_books, sku
from fahuo.inventory.tests.helpers import warehouse as make_warehouse
from fahuo.inventory.tests.test_day_one_cli import _env, as_json, fahuo
from fahuo.orders.models import Order, OrderStatus, Shop


def _client(user: Any) -> Client:
    _, raw = ApiToken.issue(user=user, name="test")
    return Client(headers={"authorization": f"Bearer {raw}"})


def _stocked_order(shop: Any) -> Order:
    hz = make_warehouse("HZ")
    sku("A")
    import_stock(fileobj=io.BytesIO(b"sku_code,quantity\nA,10\n"), filename="s.csv", warehouse=hz)
    order = arrive(shop, [("A", 3)])
    assert stock_levels()[0]["reserved"] == 3
    return order


def _cancel(client: Client, order: Order, reason: str = "买家取消") -> Any:
    return client.post(
        f"/api/orders/{order.pk}/cancel", data={"reason": reason}, content_type="application/json"
    )


@pytest.mark.django_db
def test_cancelling_through_the_api_gives_the_reserved_units_back(shop: Any, operator: Any) -> None:
    order = _stocked_order(shop)
    response = _cancel(_client(operator), order)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": order.pk,
        "order_id": order.platform_order_id,
        "shop": "demo",
        "status": "cancelled",
        "reason": "买家取消",
    }
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert stock_levels()[0] | {} == {
        "warehouse": "HZ",
        "sku_code": "A",
        "on_hand": 10,
        "reserved": 0,
        "available": 10,
    }
    log = AuditLog.objects.get(action="order.cancel")
    assert (log.user, log.object_id, log.detail["reason"]) == (operator, str(order.pk), "买家取消")
    check_books()
    # Twice is a clear refusal, and nothing moves again.
    again = _cancel(_client(operator), order)
    assert again.status_code == 409 and "已经取消" in again.json()["message"]
    check_books()


@pytest.mark.django_db
def test_an_order_with_an_issued_waybill_is_refused_until_the_waybill_is_voided(
    shop: Any, operator: Any, sandbox_carrier: Any
) -> None:
    sandbox_carrier.test_mode = True
    sandbox_carrier.save()
    order = _stocked_order(shop)
    Order.objects.filter(pk=order.pk).update(carrier=sandbox_carrier)
    print_orders(orders=Order.objects.filter(pk=order.pk))
    order.refresh_from_db()
    number = order.parcels.get().waybill.tracking_no

    refused = _cancel(_client(operator), order)
    assert refused.status_code == 409
    assert number in refused.json()["message"] and "请先作废面单" in refused.json()["message"]
    order.refresh_from_db()
    assert order.status == OrderStatus.PRINTED and stock_levels()[0]["reserved"] == 3

    cancel_waybill(order=order, reason="customer_cancelled", user=operator)
    order.refresh_from_db()
    assert _cancel(_client(operator), order).status_code == 200
    assert stock_levels()[0]["reserved"] == 0
    check_books()


@pytest.mark.django_db
def test_another_shops_order_answers_404_and_stays_open(shop: Any, operator: Any) -> None:
    other = Shop.objects.create(code="other", name="别家店", platform="douyin")
    order = _stocked_order(other)
    response = _cancel(_client(operator), order)
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.READY and stock_levels()[0]["reserved"] == 3


@pytest.mark.django_db
def test_a_packer_may_not_cancel(shop: Any, packer: Any) -> None:
    order = _stocked_order(shop)
    assert _cancel(_client(packer), order).status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.READY


@pytest.mark.django_db
def test_a_reason_is_required(shop: Any, operator: Any) -> None:
    order = _stocked_order(shop)
    response = _cancel(_client(operator), order, reason="  ")
    assert response.status_code == 422 and "取消原因" in response.json()["message"]


@pytest.mark.slow
def test_orders_cancel_from_the_cli_releases_stock_and_refuses_unknown_orders(tmp_path: Path) -> None:
    env = _env(tmp_path / "data")
    (tmp_path / "data").mkdir()
    fahuo(env, "manage", "migrate", "-v0")
    fahuo(env, "shops", "add", "xy", "--name", "小雨", "--platform", "private")
    fahuo(env, "warehouses", "add", "HZ", "--name", "杭州仓", "--province", "浙江", "--city", "杭州")
    (tmp_path / "skus.csv").write_text("sku_code,name,weight_g\nA,面膜,300\n", encoding="utf-8")
    fahuo(env, "skus", "import", str(tmp_path / "skus.csv"))
    (tmp_path / "stock.csv").write_text("sku_code,quantity\nA,10\n", encoding="utf-8")
    fahuo(env, "stock", "import", str(tmp_path / "stock.csv"), "--warehouse", "HZ")
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,name,phone,address,sku_code,title,quantity\n"
        "XY-1,王小明,13900001111,浙江省杭州市西湖区文一西路588号,A,面膜,4\n",
        encoding="utf-8",
    )
    fahuo(env, "import", "orders", str(orders), "--shop", "xy")
    assert as_json(env, "stock", "list")[0]["reserved"] == 4

    done = as_json(env, "orders", "cancel", "XY-1", "--reason", "买家取消")
    assert (done["order_id"], done["status"], done["reason"]) == ("XY-1", "cancelled", "买家取消")
    assert as_json(env, "stock", "list")[0] | {} == {
        "warehouse": "HZ",
        "sku_code": "A",
        "on_hand": 10,
        "reserved": 0,
        "available": 10,
    }
    again = fahuo(env, "orders", "cancel", "XY-1", "--reason", "x", ok=False)
    assert again.returncode == 2 and "已经取消" in again.stderr
    missing = fahuo(env, "orders", "cancel", "NOPE", "--reason", "x", "--json", ok=False)
    assert missing.returncode == 2 and json.loads(missing.stdout)["error"] == "not_found"
    assert "Traceback" not in missing.stderr
