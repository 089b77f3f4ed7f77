"""An order the export shows already shipped elsewhere (快递信息 filled in) holds no stock: its goods
left the shelf with that parcel, so reserving them again would hide units from the orders to ship."""

from __future__ import annotations

import io

import pytest

from fahuo.catalog.models import Sku
from fahuo.inventory.models import Reservation, Stock, Warehouse
from fahuo.orders.importing import import_orders_file
from fahuo.orders.models import Order, OrderStatus
from fahuo.orders.tests import douyin_files as df

pytestmark = pytest.mark.django_db
ELSEWHERE, TO_SHIP = "6926000000000000501", "6926000000000000502"


def test_an_order_shipped_elsewhere_reserves_no_stock(shop) -> None:
    sku = Sku.objects.create(code="SKU-NG500", name="手工牛轧糖", weight_g=560)
    warehouse = Warehouse.objects.create(code="HZ", name="杭州仓", province="浙江省", city="杭州市")
    Stock.objects.create(warehouse=warehouse, sku=sku, on_hand=10)
    rows = [
        df.order(ELSEWHERE, df.Line(f"{ELSEWHERE}1", qty=3, logistics="中通快递 73100000000001")),
        df.order(TO_SHIP, df.Line(f"{TO_SHIP}1", qty=2)),
    ]
    import_orders_file(
        fileobj=io.BytesIO(df.to_csv(df.export_rows(rows))), filename="1762776334_订单导出.csv", shop=shop
    )

    assert Order.objects.get(platform_order_id=ELSEWHERE).status == OrderStatus.SHIPPED
    reserved = {r.order.platform_order_id: r.quantity for r in Reservation.objects.select_related("order")}
    assert reserved == {TO_SHIP: 2}
    assert Stock.objects.get(sku=sku).reserved == 2
