"""A small hand-built world for the database allocation tests.

Two warehouses (HZ 浙江省, GZ 广东省), three carriers (ZTO cheap and plain, EMS insured with door
delivery, SF cold chain, insured, fast), lanes to 北京市 and 广东省, four SKUs (tea, frozen fish, a
watch, one without a weight) with stock everywhere, no capacity caps and no rules unless a test
adds them.

Prices (fen, first kilo / each further kilo, transit hours):

    lane           ZTO           EMS            SF
    HZ → 北京市    500/200 48h   1000/400 48h   1400/800 24h
    GZ → 北京市    600/200 60h   1100/400 72h   1500/800 30h
    HZ → 广东省    450/200 36h   1050/400 48h   1250/500 24h
    GZ → 广东省    300/100 24h   1000/400 48h   1200/300 24h
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from fahuo.carriers.models import Capacity, Carrier, RateLine
from fahuo.catalog.models import Sku
from fahuo.inventory.models import Stock, Warehouse
from fahuo.orders.models import Order, OrderLine, OrderStatus, Shop

_seq = itertools.count(1)

LANES = {
    # carrier: {(origin, dest): (first_price, step_price, transit)}
    "ZTO": {
        ("浙江省", "北京市"): (500, 200, 48),
        ("广东省", "北京市"): (600, 200, 60),
        ("浙江省", "广东省"): (450, 200, 36),
        ("广东省", "广东省"): (300, 100, 24),
    },
    "EMS": {
        ("浙江省", "北京市"): (1000, 400, 48),
        ("广东省", "北京市"): (1100, 400, 72),
        ("浙江省", "广东省"): (1050, 400, 48),
        ("广东省", "广东省"): (1000, 400, 48),
    },
    "SF": {
        ("浙江省", "北京市"): (1400, 800, 24),
        ("广东省", "北京市"): (1500, 800, 30),
        ("浙江省", "广东省"): (1250, 500, 24),
        ("广东省", "广东省"): (1200, 300, 24),
    },
}


@dataclass
class World:
    shop: Shop
    hz: Warehouse
    gz: Warehouse
    carriers: dict[str, Carrier]
    skus: dict[str, Sku]

    def order(
        self,
        province: str = "北京市",
        lines: Sequence[tuple[str, int]] = (("TEA", 1),),
        *,
        warehouse: Warehouse | None = None,
        promise_hours: int | None = None,
        channel: str = "live",
        door_delivery: bool = False,
        shop: Shop | None = None,
        status: str = OrderStatus.READY,
    ) -> Order:
        n = next(_seq)
        order = Order.objects.create(
            shop=shop or self.shop,
            platform_order_id=f"T{n:06d}",
            status=status,
            province=province,
            city=province,
            warehouse=warehouse,
            promise_hours=promise_hours,
            channel=channel,
            door_delivery=door_delivery,
        )
        for k, (code, qty) in enumerate(lines, start=1):
            sku = self.skus.get(code)
            OrderLine.objects.create(
                order=order,
                platform_line_id=f"{n}-{k}",
                sku=sku,
                sku_code=code,
                title=sku.name if sku else code,
                quantity=qty,
            )
        return order

    def cap(self, carrier: str, warehouse: Warehouse, max_parcels: int) -> None:
        Capacity.objects.update_or_create(
            carrier=self.carriers[carrier], warehouse=warehouse, defaults={"max_parcels": max_parcels}
        )

    def stock(self, warehouse: Warehouse, sku: str, on_hand: int, reserved: int = 0) -> None:
        Stock.objects.update_or_create(
            warehouse=warehouse, sku=self.skus[sku], defaults={"on_hand": on_hand, "reserved": reserved}
        )


def build_world(shop: Shop) -> World:
    hz = Warehouse.objects.create(code="HZ", name="杭州仓", province="浙江省", city="杭州市")
    gz = Warehouse.objects.create(code="GZ", name="广州仓", province="广东省", city="广州市")
    carriers = {
        "ZTO": Carrier.objects.create(code="ZTO", name="中通快递", door_delivery=False),
        "EMS": Carrier.objects.create(
            code="EMS", name="中国邮政EMS", insured=True, max_weight_g=40000, insurance_rate_permille=5
        ),
        "SF": Carrier.objects.create(
            code="SF",
            name="顺丰速运",
            cold_chain=True,
            insured=True,
            volumetric_divisor=6000,
            max_weight_g=50000,
            insurance_rate_permille=10,
        ),
    }
    RateLine.objects.bulk_create(
        RateLine(
            carrier=carriers[code],
            origin_province=origin,
            dest_province=dest,
            first_weight_g=1000,
            first_price_fen=first,
            step_weight_g=1000,
            step_price_fen=step,
            transit_hours=hours,
        )
        for code, lanes in LANES.items()
        for (origin, dest), (first, step, hours) in lanes.items()
    )
    skus = {
        "TEA": Sku.objects.create(
            code="TEA",
            name="龙井",
            weight_g=400,
            length_mm=100,
            width_mm=100,
            height_mm=100,
            declared_value_fen=5000,
        ),
        "FISH": Sku.objects.create(
            code="FISH", name="冻鱼", weight_g=800, length_mm=200, width_mm=150, height_mm=60, traits=["cold"]
        ),
        "WATCH": Sku.objects.create(
            code="WATCH", name="手表", weight_g=200, traits=["valuable"], declared_value_fen=150000
        ),
        "NOWEIGHT": Sku.objects.create(code="NOWEIGHT", name="未称重"),
        "BRICK": Sku.objects.create(code="BRICK", name="砖", weight_g=11000, traits=["fragile"]),
    }
    for wh in (hz, gz):
        for sku in skus.values():
            Stock.objects.create(warehouse=wh, sku=sku, on_hand=1000)
    return World(shop=shop, hz=hz, gz=gz, carriers=carriers, skus=skus)


@pytest.fixture
def world(shop: Shop) -> World:
    return build_world(shop)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
