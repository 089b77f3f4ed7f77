"""A shop's shipping settings: default ship-from warehouse (reservations and allocation of orders that
name none), ship-back moment and unpacked-alert hours — service, API and the CLI as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fahuo.accounts.models import AuditLog
from fahuo.catalog.models import Sku
from fahuo.inventory.models import Reservation, Warehouse
from fahuo.inventory.reservations import is_short, reserve_orders
from fahuo.inventory.services import adjust_stock
from fahuo.kit.errors import InvalidInput
from fahuo.orders.models import Order, OrderLine, OrderStatus, Shop
from fahuo.orders.shop_shipping import set_shipping, shipping_dict
from fahuo.routing.order_tables import read_ready_orders


def warehouse(code: str) -> Warehouse:
    return Warehouse.objects.create(code=code, name=f"{code}仓", province="浙江省", city="杭州市")


def order(shop: Shop, sku: Sku, qty: int, n: int) -> Order:
    o = Order.objects.create(shop=shop, platform_order_id=f"69{n:017d}", status=OrderStatus.READY)
    OrderLine.objects.create(order=o, platform_line_id=f"69{n:017d}1", title="面膜", sku=sku, quantity=qty)
    return o


@pytest.mark.django_db
def test_orders_naming_no_warehouse_reserve_in_the_shops_default_one_only(shop: Shop) -> None:
    big, small = warehouse("BIG"), warehouse("SMALL")
    sku = Sku.objects.create(code="MASK", name="面膜")
    adjust_stock(warehouse=big, sku=sku, delta=100, note="期初")
    adjust_stock(warehouse=small, sku=sku, delta=3, note="期初")
    set_shipping(shop=shop, warehouse="SMALL")
    first, second = order(shop, sku, 2, 1), order(shop, sku, 2, 2)
    short = reserve_orders(orders=[first, second])
    # Without the default the big warehouse would have taken both; the shop ships from SMALL.
    assert list(Reservation.objects.filter(order=first).values_list("warehouse__code", flat=True)) == [
        "SMALL"
    ]
    assert second.pk in short and is_short(Order.objects.get(pk=second.pk))
    assert short[second.pk][0].available == 1
    # An order that names its warehouse keeps it.
    named = order(shop, sku, 5, 3)
    Order.objects.filter(pk=named.pk).update(warehouse=big)
    reserve_orders(orders=[Order.objects.get(pk=named.pk)])
    assert list(Reservation.objects.filter(order=named).values_list("warehouse__code", flat=True)) == ["BIG"]


@pytest.mark.django_db
def test_allocation_reads_the_shops_default_as_the_orders_warehouse(shop: Shop) -> None:
    wh = warehouse("HZ")
    sku = Sku.objects.create(code="MASK", name="面膜")
    o = order(shop, sku, 1, 9)
    assert read_ready_orders(Order.objects.filter(pk=o.pk)).warehouse_pk == [None]
    set_shipping(shop=shop, warehouse="HZ")
    assert read_ready_orders(Order.objects.filter(pk=o.pk)).warehouse_pk == [wh.pk]


@pytest.mark.django_db
def test_bad_settings_are_refused_with_a_sentence_and_nothing_is_saved(shop: Shop) -> None:
    with pytest.raises(InvalidInput, match="仓库不存在或已停用：NOPE"):
        set_shipping(shop=shop, warehouse="NOPE", ship_back_at="print")
    with pytest.raises(InvalidInput, match="回传时机无效"):
        set_shipping(shop=shop, ship_back_at="later")
    with pytest.raises(InvalidInput, match="0 到 168"):
        set_shipping(shop=shop, unpacked_alert_hours=500)
    shop.refresh_from_db()
    assert (shop.default_warehouse_id, shop.shipback_at, shop.unpacked_alert_hours) == (None, "pack", 4)
    assert not AuditLog.objects.filter(action="shop.shipping").exists()


@pytest.mark.django_db
def test_a_change_is_audited_and_an_empty_warehouse_clears_the_default(shop: Shop) -> None:
    warehouse("HZ")
    set_shipping(shop=shop, warehouse="HZ", ship_back_at="issue", unpacked_alert_hours=2)
    assert shipping_dict(shop) == {
        "shop": "demo",
        "default_warehouse": "HZ",
        "ship_back_at": "issue",
        "unpacked_alert_hours": 2,
    }
    set_shipping(shop=shop, warehouse="")
    assert Shop.objects.get(pk=shop.pk).default_warehouse_id is None
    assert AuditLog.objects.filter(action="shop.shipping").count() == 2


def fahuo(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAHUO_DATA_DIR": str(data), "FAHUO_HUEY_IMMEDIATE": "1"}
    for key in ("DJANGO_SETTINGS_MODULE", "FAHUO_REDIS_URL", "FAHUO_DATABASE_URL"):
        env.pop(key, None)
    return subprocess.run(
        [sys.executable, "-m", "fahuo.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_the_cli_sets_and_shows_a_shops_shipping_settings(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    assert fahuo(data, "manage", "migrate", "-v0").returncode == 0
    assert fahuo(data, "shops", "add", "xy", "--name", "小雨", "--platform", "douyin").returncode == 0
    args = ["warehouses", "add", "HZ", "--name", "杭州仓", "--province", "浙江省", "--city", "杭州市"]
    assert fahuo(data, *args, "--district", "余杭区", "--address", "1号").returncode == 0
    shown: Any = json.loads(fahuo(data, "shops", "shipping", "xy", "--json").stdout)
    assert shown == {
        "shop": "xy",
        "default_warehouse": None,
        "ship_back_at": "pack",
        "unpacked_alert_hours": 4,
    }
    proc = fahuo(data, "shops", "shipping", "xy", "--warehouse", "HZ", "--ship-back-at", "print", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["default_warehouse"] == "HZ"
    text = fahuo(data, "shops", "shipping", "xy").stdout
    assert "默认发货仓 HZ" in text and "打印面单后回传" in text
    bad = fahuo(data, "shops", "shipping", "xy", "--warehouse", "NOPE", "--json")
    assert bad.returncode == 2 and "仓库不存在或已停用" in bad.stderr
