"""Out-of-stock (缺货) orders in the demo: a limited colour sold past its stock, so the seller meets
each state of the choice flow — short orders to offer choices on, one offer waiting for the buyer,
one buyer waiting for the restock, one swapped, one refunded (+ coupon), one left to the default."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from fahuo.aftersales import stockout
from fahuo.aftersales.models import StockChoice
from fahuo.catalog.models import Sku
from fahuo.inventory.models import Stock, Warehouse
from fahuo.inventory.reservations import reserve_orders
from fahuo.orders.models import Order, OrderLine, OrderStatus, Shop
from fahuo.orders.services import apply_verification, attach_customers, verify_recipient

SHORT_CODE, SWAP_CODE = "DEMO-LIP-LTD", "DEMO-LIP-NUDE"
# Weighed and measured like every demo SKU: the swapped order is printed like any other.
LIP_GLOSS = {"name": "丝绒唇釉", "short_name": "丝绒唇釉", "weight_g": 60, "length_mm": 100, "width_mm": 30,
             "height_mm": 30, "declared_value_fen": 12900}  # fmt: skip
BUYERS = [("林晓", "13800138101"), ("周婷", "13800138102"), ("吴芳", "13800138103"),
          ("郑洁", "13800138104"), ("王丽", "13800138105"), ("陈静", "13800138106")]  # fmt: skip
ORDERS = len(BUYERS)  # the scene's orders come on top of the demo's generated ones


def seed(*, shop: Shop, now: dt.datetime) -> int:
    """(Re)create the demo's short orders and their offers; returns how many orders."""
    warehouses = list(Warehouse.objects.filter(active=True).order_by("code"))
    if not warehouses:
        return 0
    short, _ = Sku.objects.update_or_create(code=SHORT_CODE, defaults={**LIP_GLOSS, "spec": "限定色 #07"})
    swap, _ = Sku.objects.update_or_create(code=SWAP_CODE, defaults={**LIP_GLOSS, "spec": "裸杏色 #02"})
    for n, place in enumerate(warehouses):
        # the limited colour is sold out everywhere; the nude one is in stock where the offers ship from
        Stock.objects.update_or_create(
            warehouse=place, sku=short, defaults={"on_hand": 0, "reserved": 0, "location": "A-09-01"}
        )
        Stock.objects.update_or_create(
            warehouse=place, sku=swap, defaults={"on_hand": 30 if n == 0 else 10, "location": "A-09-02"}
        )
    Order.objects.filter(shop=shop, platform_order_id__startswith="DEMO-OOS-").delete()
    orders = [_order(shop, n, name, phone, now=now) for n, (name, phone) in enumerate(BUYERS, start=1)]
    attach_customers(shop=shop, orders=orders)  # linked to the buyer like an imported order
    for n, order in enumerate(orders, start=1):
        order.save(force_insert=True)
        OrderLine.objects.create(
            order=order,
            platform_line_id=f"OOS{n}",
            sku=short,
            sku_code=SHORT_CODE,
            title=short.name,
            spec=short.spec,
            quantity=1,
            unit_price_fen=12900,
        )
    reserve_orders(orders=orders)
    for order in orders:
        order.refresh_from_db()
    _offers(orders, now=now)
    return len(orders)


def _order(shop: Shop, n: int, name: str, phone: str, *, now: dt.datetime) -> Order:
    """The n-th buyer's order, its recipient verified like an imported one's (not saved yet)."""
    order = Order(
        shop=shop,
        platform_order_id=f"DEMO-OOS-{n:03d}",
        channel="private",
        status=OrderStatus.READY,
        source="demo",
        promise_hours=48,
        paid_at=now - dt.timedelta(hours=20 + n),
        total_fen=12900,
    )
    address = {"province": "浙江省", "city": "杭州市", "district": "西湖区", "detail": f"文三路{100 + n}号"}
    apply_verification(order=order, verification=verify_recipient(name=name, phone=phone, **address))
    return order


def _offer(order: Order, *, now: dt.datetime, hours: int = 48, default: str = "wait") -> StockChoice:
    return stockout.offer(
        order=order,
        deadline=now + dt.timedelta(hours=hours),
        wait_until=(now + dt.timedelta(days=5)).date(),
        swap_skus=[SWAP_CODE],
        coupon_code="SORRY20",
        default_action=default,
        now=now,
    )


def _offers(orders: list[Order], *, now: dt.datetime) -> None:
    answers = {2: ("wait", ""), 3: ("swap", SWAP_CODE), 4: ("refund", "")}
    for n, order in enumerate(orders[1:5], start=1):  # 0: no offer yet (the offer form is shown)
        with transaction.atomic():
            choice = _offer(order, now=now)
            if n in answers:
                action, swap_to = answers[n]
                stockout.answer(token=choice.token, action=action, swap_to=swap_to, now=now)
    with transaction.atomic():  # nobody answered by the deadline: the default (refund) applied
        late = _offer(orders[5], now=now - dt.timedelta(hours=2), hours=1, default="refund")
        StockChoice.objects.filter(pk=late.pk).update(deadline=now - dt.timedelta(minutes=30))
        stockout.apply_defaults(now=now)
