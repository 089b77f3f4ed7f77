"""Builders shared by the packing tests: SKUs with sizes, orders with lines, parcels with waybills."""

from __future__ import annotations

import itertools
from typing import Any

from fahuo.catalog.models import Sku
from fahuo.fulfilment.models import Parcel, ParcelStatus, Waybill
from fahuo.orders.models import Order, OrderLine, OrderStatus
from fahuo.orders.services import apply_verification, verify_recipient

FULL_PHONE = "13812345678"
_seq = itertools.count(1)


def make_sku(
    code: str,
    *,
    size: tuple[int, int, int] | None = (200, 150, 30),
    weight: int | None = 300,
    traits: tuple[str, ...] = (),
    name: str = "",
    spec: str = "",
) -> Sku:
    length, width, height = size if size is not None else (None, None, None)
    return Sku.objects.create(
        code=code,
        name=name or f"商品{code}",
        spec=spec,
        weight_g=weight,
        length_mm=length,
        width_mm=width,
        height_mm=height,
        traits=list(traits),
    )


def make_order(
    shop: Any,
    lines: list[tuple[Sku, int]],
    *,
    status: str = OrderStatus.PRINTED,
    warehouse: Any = None,
    note: str = "",
    phone: str = FULL_PHONE,
) -> Order:
    n = next(_seq)
    order = Order(
        shop=shop, platform_order_id=f"T{n:08d}", status=status, warehouse=warehouse, buyer_note=note
    )
    apply_verification(
        order=order,
        verification=verify_recipient(
            name="张三丰",
            phone=phone,
            province="浙江省",
            city="杭州市",
            district="临平区",
            detail="南苑街道8号",
        ),
    )
    order.status = status
    order.save()
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            platform_line_id=f"{n}-{i}",
            sku=sku,
            sku_code=sku.code,
            title=sku.name,
            spec=sku.spec,
            quantity=qty,
        )
        for i, (sku, qty) in enumerate(lines)
    )
    return order


def make_parcel(order: Order, carrier: Any, *, tracking: str | None = None, warehouse: Any = None) -> Parcel:
    parcel = Parcel.objects.create(
        order=order,
        carrier=carrier,
        warehouse=warehouse if warehouse is not None else order.warehouse,
        status=ParcelStatus.LABELLED,
    )
    if tracking:
        Waybill.objects.create(
            parcel=parcel,
            carrier=carrier,
            provider="sandbox",
            tracking_no=tracking,
            request_id=f"req-{tracking}",
        )
    return parcel
