"""The ready orders of an allocation run read into arrays: one row per order, and each order's
parcel (weight, box volume, traits, declared value) summed from its lines and SKUs.

Two queries for the orders and lines plus one for their SKUs, whatever the number of orders; the
candidates (:mod:`fahuo.routing.candidates`) are built from these arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from fahuo.catalog.models import Sku
from fahuo.orders.models import Order, OrderLine, OrderStatus
from fahuo.orders.platform_waybill import PLATFORM_WAYBILL

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass
class ReadyOrders:
    pk: IntArray
    no: list[str]
    province: list[str]
    warehouse_pk: list[int | None]
    promise: IntArray
    door: BoolArray
    channel: list[str]
    shop: list[str]
    platform_waybill: BoolArray  # receiver held as platform ciphertext: platform waybill only


def read_ready_orders(orders: QuerySet[Order]) -> ReadyOrders:
    rows = list(
        orders.filter(status=OrderStatus.READY)
        .order_by("paid_at", "pk")
        # an order naming no warehouse ships from its shop's default one (when the shop has one)
        .annotate(ship_from=Coalesce("warehouse_id", "shop__default_warehouse_id"))
        .values_list(
            "pk",
            "platform_order_id",
            "province",
            "ship_from",
            "promise_hours",
            "door_delivery",
            "channel",
            "shop__code",
            "review_reasons",
        )
    )
    n = len(rows)
    return ReadyOrders(
        pk=np.fromiter((r[0] for r in rows), dtype=np.int64, count=n),
        no=[r[1] for r in rows],
        province=[r[2] or "" for r in rows],
        warehouse_pk=[r[3] for r in rows],
        promise=np.fromiter((-1 if r[4] is None else r[4] for r in rows), dtype=np.int64, count=n),
        door=np.fromiter((bool(r[5]) for r in rows), dtype=bool, count=n),
        channel=[r[6] or "" for r in rows],
        shop=[r[7] or "" for r in rows],
        platform_waybill=np.fromiter(
            (any(x.get("code") == PLATFORM_WAYBILL for x in r[8] or []) for r in rows), dtype=bool, count=n
        ),
    )


@dataclass
class Parcels:
    """Each order's parcel from its lines: weight, box volume, traits, declared value."""

    weight_g: IntArray
    volume_mm3: IntArray
    declared_value_fen: IntArray
    traits: list[frozenset[str]]
    missing: list[list[str]]
    line_order: IntArray  # per line (SKU known): order position
    line_sku: IntArray  # per line: SKU position in ``sku_pk``
    line_qty: IntArray
    sku_pk: IntArray
    sku_code: list[str]
    sku_query: QuerySet[Sku]


def read_parcels(orders: QuerySet[Order], o: ReadyOrders) -> Parcels:
    n = o.pk.shape[0]
    ready = orders.filter(status=OrderStatus.READY).values("pk")
    lines = list(
        OrderLine.objects.filter(order_id__in=ready).values_list("order_id", "sku_id", "quantity", "sku_code")
    )
    sku_query = Sku.objects.filter(pk__in=OrderLine.objects.filter(order_id__in=ready).values("sku_id"))
    skus = list(
        sku_query.values_list(
            "pk", "code", "weight_g", "length_mm", "width_mm", "height_mm", "traits", "declared_value_fen"
        )
    )
    pos = {int(pk): i for i, pk in enumerate(o.pk.tolist())}
    sku_pos = {row[0]: k for k, row in enumerate(skus)}
    s_weight = np.array([-1 if r[2] is None else r[2] for r in skus], dtype=np.int64)
    s_volume = np.array([(r[3] or 0) * (r[4] or 0) * (r[5] or 0) for r in skus], dtype=np.int64)
    s_value = np.array([r[7] or 0 for r in skus], dtype=np.int64)
    s_traits = [frozenset(str(t).strip().lower() for t in (r[6] or []) if str(t).strip()) for r in skus]
    s_code = [r[1] for r in skus]

    missing: list[list[str]] = [[] for _ in range(n)]
    known = [(pos[oid], sku_pos[sid], qty) for oid, sid, qty, _ in lines if sid in sku_pos and oid in pos]
    for oid, sid, _, code in lines:
        if oid in pos and (sid not in sku_pos or s_weight[sku_pos[sid]] < 0):
            missing[pos[oid]].append(s_code[sku_pos[sid]] if sid in sku_pos else code or "?")
    line_order = np.array([k[0] for k in known], dtype=np.int64)
    line_sku = np.array([k[1] for k in known], dtype=np.int64)
    line_qty = np.array([k[2] for k in known], dtype=np.int64)
    has_line = np.zeros(n, dtype=bool)
    has_line[[pos[oid] for oid, *_ in lines if oid in pos]] = True
    for i in np.flatnonzero(~has_line).tolist():
        missing[i].append("—")  # an order without items cannot be weighed either
    weight = np.bincount(line_order, weights=np.maximum(s_weight[line_sku], 0) * line_qty, minlength=n)
    volume = np.bincount(line_order, weights=s_volume[line_sku] * line_qty, minlength=n)
    value = np.bincount(line_order, weights=s_value[line_sku] * line_qty, minlength=n)
    trait_sets: list[set[str]] = [set() for _ in range(n)]
    for i, k in zip(line_order.tolist(), line_sku.tolist(), strict=True):
        trait_sets[i] |= s_traits[k]
    return Parcels(
        weight_g=np.rint(weight).astype(np.int64),
        volume_mm3=np.rint(volume).astype(np.int64),
        declared_value_fen=np.rint(value).astype(np.int64),
        traits=[frozenset(t) for t in trait_sets],
        missing=missing,
        line_order=line_order,
        line_sku=line_sku,
        line_qty=line_qty,
        sku_pk=np.array([r[0] for r in skus], dtype=np.int64),
        sku_code=s_code,
        sku_query=sku_query,
    )
