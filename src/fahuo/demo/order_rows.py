"""The demo's planned orders as rows: orders, customers and lines, and parcels with sandbox waybills
for the ones printed or shipped on earlier days (set-based, no query per order)."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import datetime, timedelta
from functools import cache

from fahuo.carriers.models import Carrier
from fahuo.catalog.models import Sku
from fahuo.demo import data
from fahuo.demo.data import BATCH, LIVE_SHOP, PACKAGING_G, TZ
from fahuo.demo.order_plans import Plan
from fahuo.demo.people import Recipient
from fahuo.fulfilment.models import Parcel, ParcelStatus, Waybill
from fahuo.integrations.base import Party, WaybillRequest
from fahuo.integrations.sandbox.client import SandboxWaybillProvider
from fahuo.inventory.models import Warehouse
from fahuo.kit.privacy import lookup_hash
from fahuo.orders.models import Customer, Order, OrderLine, OrderStatus, Shop
from fahuo.orders.services import Verification, apply_verification, recipient_fields, verify_recipient

# --- order rows ------------------------------------------------------------------------------------


def _verify(r: Recipient) -> Verification:
    if r.raw:
        return verify_recipient(name="", phone="", raw_address=r.raw)
    return verify_recipient(**recipient_fields(r))


def _platform_ids(plan: Plan, rng: random.Random) -> str:
    local = plan.paid_at.astimezone(TZ)
    if plan.shop == LIVE_SHOP:  # 19 digits like a Douyin 主订单编号
        return f"69{local:%y%m%d}{plan.seq:06d}{rng.randrange(10**5):05d}"
    return f"SY{local:%Y%m%d}{plan.seq:06d}"


@cache
def _lane_tiers() -> dict[tuple[str, str], int]:
    return {
        (w.province, p.name): data.lane_tier(w.province, p.name)
        for w in data.WAREHOUSES
        for p in data.PROVINCES
    }


def _route(plan: Plan, province: str) -> tuple[str, str]:
    """Warehouse and carrier an earlier order was shipped with: nearest warehouse, cheapest fit."""
    tiers = _lane_tiers()
    wh = min(data.WAREHOUSES, key=lambda w: tiers.get((w.province, province), 3))
    traits = {t for sku, _ in plan.lines for t in sku.traits}
    best: tuple[int, str] | None = None
    for spec in data.CARRIERS:
        if province in spec.not_served:
            continue
        if "cold" in traits and not spec.cold_chain:
            continue
        if "valuable" in traits and not spec.insured:
            continue
        if plan.door_delivery and not spec.door_delivery:
            continue
        price = spec.tiers[tiers.get((wh.province, province), 3)].first_price_fen
        if best is None or price < best[0]:
            best = (price, spec.code)
    return wh.code, best[1] if best else "SF"


def _order_row(rng: random.Random, plan: Plan, shop: Shop) -> Order:
    """A planned order as a row, before its recipient is verified."""
    ordered = plan.paid_at - timedelta(seconds=rng.randint(3, 90 if plan.channel == "live" else 900))
    order = Order(
        shop=shop,
        platform_order_id=_platform_ids(plan, rng),
        status=OrderStatus.READY,
        source="demo",
        channel=plan.channel,
        buyer_note=plan.note,
        total_fen=sum(sku.price_fen * q for sku, q in plan.lines),
        freight_paid_fen=0,
        ordered_at=ordered,
        paid_at=plan.paid_at,
        ship_by=plan.paid_at + timedelta(hours=shop.default_ship_hours),
        promise_hours=plan.promise_hours,
        door_delivery=plan.door_delivery,
        influencer=data.INFLUENCER if plan.channel == "live" else "",
    )
    return order


def _order_lines(plans: list[Plan], orders: list[Order], skus: dict[str, Sku]) -> list[OrderLine]:
    lines: list[OrderLine] = []
    for plan, order in zip(plans, orders, strict=True):
        for k, (spec, qty) in enumerate(plan.lines, start=1):
            lines.append(
                OrderLine(
                    order=order,
                    platform_line_id=f"{order.platform_order_id}{k}"
                    if plan.shop == LIVE_SHOP
                    else f"{order.platform_order_id}-{k}",
                    sku=skus[spec.code],
                    sku_code=spec.code,
                    title=spec.name,
                    spec=spec.spec,
                    quantity=qty,
                    unit_price_fen=spec.price_fen,
                )
            )
    return lines


def create_orders(
    rng: random.Random,
    plans: list[Plan],
    shops: dict[str, Shop],
    warehouses: dict[str, Warehouse],
    carriers: dict[str, Carrier],
    skus: dict[str, Sku],
    now: datetime,
) -> None:
    orders: list[Order] = []
    customers: dict[tuple[str, str], Customer] = {}
    counts: Counter[tuple[str, str]] = Counter()
    routes: list[tuple[int, str, str]] = []  # (order index, warehouse, carrier) of earlier shipments
    for i, plan in enumerate(plans):
        shop = shops[plan.shop]
        order = _order_row(rng, plan, shop)
        v = _verify(plan.recipient)
        apply_verification(
            order=order, verification=v, street="" if plan.recipient.raw else plan.recipient.street
        )
        # What the importer does with customer_for, batched: one customer per shop and phone hash,
        # none for an order whose phone failed the check.
        if v.phone and not any(r["code"] == "phone" for r in v.reasons):
            key = (plan.shop, lookup_hash(v.phone))
            if key not in customers:
                customers[key] = Customer(shop=shop, phone_hash=key[1], name=v.name, phone=v.phone)
            counts[key] += 1
            order.customer = customers[key]
        if plan.history and order.status == OrderStatus.READY:
            wh, carrier = _route(plan, order.province)
            order.status = OrderStatus.SHIPPED if plan.history == "shipped" else OrderStatus.PRINTED
            order.warehouse = warehouses[wh]
            order.carrier = carriers[carrier]
            routes.append((i, wh, carrier))
        orders.append(order)

    for key, customer in customers.items():
        customer.orders_count = counts[key]
    Customer.objects.bulk_create(list(customers.values()), batch_size=BATCH)
    # bulk_create copies the pks now set on the related customers (and, below, on the orders)
    Order.objects.bulk_create(orders, batch_size=500)
    if any(o.pk is None for o in orders[:1]) or any(
        c.pk is None for c in itertools.islice(customers.values(), 1)
    ):
        # SQLite ≥ 3.35 and PostgreSQL return ids from bulk inserts; fahuo supports no other backend
        raise RuntimeError("the database did not return ids from a bulk insert")

    OrderLine.objects.bulk_create(_order_lines(plans, orders, skus), batch_size=BATCH)
    _create_parcels(plans, orders, routes, carriers, warehouses, shops, now)


def _create_parcels(
    plans: list[Plan],
    orders: list[Order],
    routes: list[tuple[int, str, str]],
    carriers: dict[str, Carrier],
    warehouses: dict[str, Warehouse],
    shops: dict[str, Shop],
    now: datetime,
) -> None:
    """Parcels and sandbox waybills for the orders printed or shipped on earlier days."""
    if not routes:
        return
    parcels: list[Parcel] = []
    requests: list[WaybillRequest] = []
    for i, wh, carrier in routes:
        order, plan = orders[i], plans[i]
        weight = PACKAGING_G + sum(sku.weight_g * q for sku, q in plan.lines)
        shipped = order.status == OrderStatus.SHIPPED
        parcels.append(
            Parcel(
                order=order,
                seq=1,
                carrier=carriers[carrier],
                warehouse=warehouses[wh],
                weight_g=weight,
                status=ParcelStatus.PICKED_UP if shipped else ParcelStatus.LABELLED,
            )
        )
        shop = shops[plan.shop]
        requests.append(
            WaybillRequest(
                request_id=f"demo-{shop.code}-{order.platform_order_id}-1",
                carrier_code=carrier,
                sender=Party(
                    shop.sender_name, shop.sender_phone, "浙江省", "杭州市", "余杭区", shop.sender_address
                ),
                recipient=Party(
                    order.recipient_name,
                    order.recipient_phone,
                    order.province,
                    order.city,
                    order.district,
                    order.address_detail,
                ),
                weight_g=weight,
                goods="、".join(sku.short_name for sku, _ in plan.lines),
            )
        )
    Parcel.objects.bulk_create(parcels, batch_size=BATCH)
    results = SandboxWaybillProvider().issue(requests)
    waybills = []
    for parcel, req, res, (i, _, carrier) in zip(parcels, requests, results, routes, strict=True):
        if not res.ok:
            continue
        printed_at = min(plans[i].paid_at + timedelta(hours=6), now)
        waybills.append(
            Waybill(
                parcel=parcel,
                carrier=carriers[carrier],
                provider="sandbox",
                tracking_no=res.tracking_no,
                sort_code=res.sort_code,
                mark_destination=res.mark_destination,
                request_id=req.request_id,
                print_count=1,
                last_printed_at=printed_at,
            )
        )
    Waybill.objects.bulk_create(waybills, batch_size=BATCH)
