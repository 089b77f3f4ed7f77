"""Builders for the stock tests: SKUs with stock, orders arriving through the intake service."""

from __future__ import annotations

import itertools
from typing import Any

from django.db import transaction
from django.db.models import Sum

from fahuo.catalog.models import Sku
from fahuo.inventory.models import Reservation, ReservationState, Stock, StockMovement, Warehouse
from fahuo.orders.importing import LineDraft, OrderDraft, create_orders
from fahuo.orders.models import Order

_seq = itertools.count(1)


def warehouse(code: str, province: str = "浙江省", city: str = "杭州市") -> Warehouse:
    return Warehouse.objects.create(code=code, name=f"{code}仓", province=province, city=city, district="")


def sku(code: str, weight: int = 300) -> Sku:
    return Sku.objects.create(code=code, name=f"商品{code}", weight_g=weight)


def arrive(shop: Any, lines: list[tuple[str, int]]) -> Order:
    """One order through ``create_orders`` (as an import or the API would), lines (sku code, qty)."""
    n = next(_seq)
    draft = OrderDraft(
        platform_order_id=f"S{n:07d}",
        lines=[
            LineDraft(line_id=f"{n}-{i}", sku_code=code, title=f"商品{code}", quantity=q, unit_price_fen=990)
            for i, (code, q) in enumerate(lines)
        ],
        name="李小雨",
        phone="13812345678",
        province="浙江省",
        city="杭州市",
        district="临平区",
        detail="南苑街道88号",
    )
    with transaction.atomic():
        result = create_orders(shop=shop, drafts=[draft], source="api")
    return Order.objects.get(pk=result.created[0].pk)


def check_books() -> None:
    """The invariants: available ≥ 0, reserved = Σ open reservations, the ledger replays the rows."""
    for row in Stock.objects.all():
        assert 0 <= row.reserved <= row.on_hand, row
        open_units = Reservation.objects.filter(
            warehouse_id=row.warehouse_id, sku_id=row.sku_id, state=ReservationState.OPEN
        ).aggregate(n=Sum("quantity"))["n"]
        assert row.reserved == (open_units or 0), row
        ledger = StockMovement.objects.filter(warehouse_id=row.warehouse_id, sku_id=row.sku_id).aggregate(
            h=Sum("on_hand_delta"), r=Sum("reserved_delta")
        )
        assert (ledger["h"] or 0, ledger["r"] or 0) == (row.on_hand, row.reserved), row
