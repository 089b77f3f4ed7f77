"""Orders holding stock: reserve on arrival, follow the allocation, release on cancel, ship at pack.

One definition of available everywhere: ``Stock.on_hand − Stock.reserved``, where
``Stock.reserved = Σ open Reservation.quantity`` of that warehouse × SKU. The allocation
(``fahuo.routing.stock``) adds an order's own reservation back while it plans that order.

The **oversell guard**: an order no single warehouse can cover is not reserved anywhere; it is
flagged 缺货 (``needs_review`` with an ``out_of_stock`` reason naming each SKU and its shortfall),
so it is neither allocated nor printed. When stock arrives (import, adjustment, count) the flagged
orders are tried again and become ready once covered.

Stock is only enforced once the install keeps stock at all (any Stock row): a desk that never
imported stock ships as before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from fahuo.catalog.models import Sku
from fahuo.inventory.models import (
    MovementReason,
    Reservation,
    ReservationState,
    Stock,
    StockMovement,
    Warehouse,
)
from fahuo.inventory.services import StockShort, change_stock, locked_stock
from fahuo.kit.bulk import bulk_insert
from fahuo.orders.models import Order, OrderLine, OrderStatus, Shop

OUT_OF_STOCK = "out_of_stock"
OPEN_STATUSES = (OrderStatus.READY, OrderStatus.NEEDS_REVIEW)


@dataclass(frozen=True, slots=True)
class Shortfall:
    sku_code: str
    needed: int
    available: int  # the most any one warehouse has free

    @property
    def short(self) -> int:
        return self.needed - self.available

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "short": self.short}


def stock_managed() -> bool:
    return Stock.objects.exists()


def _needs(order_ids: Sequence[int]) -> dict[int, dict[int, int]]:
    """order id -> {sku id: units} over lines with a known SKU."""
    need: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = OrderLine.objects.filter(order_id__in=order_ids, sku__isnull=False, quantity__gt=0).values_list(
        "order_id", "sku_id", "quantity"
    )
    for oid, sid, qty in rows:
        need[oid][sid] += qty
    return need


@transaction.atomic
def reserve_orders(*, orders: Iterable[Order]) -> dict[int, list[Shortfall]]:
    """Reserve each open, unreserved order in one warehouse that covers all of it; flag the rest.

    Returns the flagged orders' shortfalls by order id. Warehouses are tried in this order: the
    order's own warehouse when it has one (only that one), else its shop's default warehouse (only
    that one), else the one with the most units free.
    """
    if not stock_managed():
        return {}
    todo, need = _to_reserve(orders)
    if not todo:
        return {}
    sku_ids = sorted({s for o in todo for s in need[o.pk]})
    warehouses = list(Warehouse.objects.filter(active=True).order_by("code").values_list("pk", flat=True))
    # An order naming no warehouse ships from its shop's default one when the shop has one.
    defaults = dict(
        Shop.objects.filter(
            pk__in={o.shop_id for o in todo}, default_warehouse_id__in=warehouses
        ).values_list("pk", "default_warehouse_id")
    )
    rows: dict[tuple[int, int], Stock] = {}
    for wid in warehouses:
        # lock the rows we may take from (PostgreSQL; SQLite's IMMEDIATE transactions serialise)
        for sid, row in _lock_existing(wid, sku_ids).items():
            rows[(wid, sid)] = row
    free = {key: row.on_hand - row.reserved for key, row in rows.items()}
    codes = dict(Sku.objects.filter(pk__in=sku_ids).values_list("pk", "code"))
    taken: dict[tuple[int, int], int] = defaultdict(int)
    plans: list[tuple[Order, int]] = []
    short: dict[int, list[Shortfall]] = {}
    for order in todo:
        wanted = need[order.pk]
        fixed = order.warehouse_id or defaults.get(order.shop_id)
        options = [fixed] if fixed else warehouses
        covering = [w for w in options if all(free.get((w, s), 0) >= q for s, q in wanted.items())]
        if covering:
            best = max(covering, key=lambda w: sum(free.get((w, s), 0) for s in wanted))
            for s, q in wanted.items():
                free[(best, s)] -= q
                taken[(best, s)] += q
            plans.append((order, best))
        else:
            short[order.pk] = _shortfalls(wanted, options, free, codes)
    _write_reservations(plans, need, taken, rows)
    _flag(short, todo)
    _unflag([o for o, _ in plans])
    return short


def _to_reserve(orders: Iterable[Order]) -> tuple[list[Order], dict[int, dict[int, int]]]:
    """The open orders without an open reservation that need stock, and what each needs."""
    todo = [o for o in orders if o.status in OPEN_STATUSES]
    if not todo:
        return [], {}
    held = set(
        Reservation.objects.filter(
            order_id__in=[o.pk for o in todo], state=ReservationState.OPEN
        ).values_list("order_id", flat=True)
    )
    todo = [o for o in todo if o.pk not in held]
    need = _needs([o.pk for o in todo])
    return [o for o in todo if need.get(o.pk)], need


def _write_reservations(
    plans: list[tuple[Order, int]],
    need: dict[int, dict[int, int]],
    taken: dict[tuple[int, int], int],
    rows: dict[tuple[int, int], Stock],
) -> None:
    """Raise the reserved units of the locked stock rows; one reservation and movement per SKU."""
    for (wid, sid), units in taken.items():
        updated = Stock.objects.filter(pk=rows[(wid, sid)].pk, on_hand__gte=F("reserved") + units).update(
            reserved=F("reserved") + units
        )
        if not updated:  # cannot happen under the row locks; never write a negative availability
            raise StockShort("库存已被其他操作占用，请重试")
    bulk_insert(
        [
            Reservation(order=o, warehouse_id=w, sku_id=s, quantity=q)
            for o, w in plans
            for s, q in need[o.pk].items()
        ],
        return_ids=False,
    )
    bulk_insert(
        [
            StockMovement(
                warehouse_id=w,
                sku_id=s,
                reserved_delta=q,
                reason=MovementReason.RESERVE,
                order_id=o.pk,
                note=o.platform_order_id,
            )
            for o, w in plans
            for s, q in need[o.pk].items()
        ],
        return_ids=False,
    )


def _lock_existing(warehouse_id: int, sku_ids: Sequence[int]) -> dict[int, Stock]:
    rows = (
        Stock.objects.select_for_update().filter(warehouse_id=warehouse_id, sku_id__in=sku_ids).order_by("pk")
    )
    return {row.sku_id: row for row in rows}


def _shortfalls(
    wanted: dict[int, int], options: Sequence[int], free: dict[tuple[int, int], int], codes: dict[int, str]
) -> list[Shortfall]:
    """What the order lacks: SKUs no warehouse has enough of, else (split stock) what the
    warehouse with the most of the order's units lacks."""
    missing = [s for s, q in wanted.items() if all(free.get((w, s), 0) < q for w in options)]
    if missing:
        best = {s: max((free.get((w, s), 0) for w in options), default=0) for s in missing}
    else:
        top = max(options, key=lambda w: sum(min(free.get((w, s), 0), q) for s, q in wanted.items()))
        missing = [s for s, q in wanted.items() if free.get((top, s), 0) < q]
        best = {s: max(free.get((top, s), 0), 0) for s in missing}
    return [
        Shortfall(sku_code=codes.get(s, str(s)), needed=wanted[s], available=max(best[s], 0)) for s in missing
    ]


def shortfall_message(shortfalls: Sequence[Shortfall]) -> str:
    return "缺货：" + "；".join(
        f"{f.sku_code} 需 {f.needed} 件，可用 {f.available} 件，缺 {f.short} 件" for f in shortfalls
    )


def _flag(short: dict[int, list[Shortfall]], orders: Sequence[Order]) -> None:
    by_pk = {o.pk: o for o in orders}
    changed = []
    for pk, shortfalls in short.items():
        order = by_pk[pk]
        kept = [r for r in order.review_reasons or [] if r.get("code") != OUT_OF_STOCK]
        order.review_reasons = [
            *kept,
            {
                "code": OUT_OF_STOCK,
                "message": shortfall_message(shortfalls),
                "shortfall": [f.as_dict() for f in shortfalls],
            },
        ]
        order.status = OrderStatus.NEEDS_REVIEW
        changed.append(order)
    if changed:
        Order.objects.bulk_update(changed, ["review_reasons", "status"], batch_size=500)


def _unflag(orders: Sequence[Order]) -> None:
    changed = []
    for order in orders:
        reasons = order.review_reasons or []
        if not any(r.get("code") == OUT_OF_STOCK for r in reasons):
            continue
        order.review_reasons = [r for r in reasons if r.get("code") != OUT_OF_STOCK]
        if order.status == OrderStatus.NEEDS_REVIEW and not order.review_reasons:
            order.status = OrderStatus.READY
        changed.append(order)
    if changed:
        Order.objects.bulk_update(changed, ["review_reasons", "status"], batch_size=500)


def is_short(order: Order) -> bool:
    return any(r.get("code") == OUT_OF_STOCK for r in order.review_reasons or [])


@transaction.atomic
def retry_short_orders() -> int:
    """Try the 缺货 orders again (after stock arrived); returns how many are covered now."""
    candidates = [
        o
        for o in Order.objects.filter(status=OrderStatus.NEEDS_REVIEW).only(
            "pk", "status", "review_reasons", "warehouse_id", "shop_id", "platform_order_id"
        )
        if is_short(o)
    ]
    if not candidates:
        return 0
    short = reserve_orders(orders=sorted(candidates, key=lambda o: o.pk))
    return len(candidates) - len(short)


@transaction.atomic
def _close(order_ids: Sequence[int], *, ship: bool, note: str = "", user: Any = None) -> int:
    """Release (cancel) or ship (pack scan) the open reservations of these orders."""
    open_rows = list(
        Reservation.objects.filter(order_id__in=order_ids, state=ReservationState.OPEN).order_by(
            "warehouse_id", "sku_id"
        )
    )
    if not open_rows:
        return 0
    by_stock: dict[tuple[int, int], list[Reservation]] = defaultdict(list)
    for r in open_rows:
        by_stock[(r.warehouse_id, r.sku_id)].append(r)
    # One conditional UPDATE per stock row for all its reservations (the deltas all have one sign, so
    # the summed check holds exactly when each step's would), then the ledger rows set-wise.
    ledger: list[StockMovement] = []
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    for (wid, sid), reservations in by_stock.items():
        stock = locked_stock(warehouse_id=wid, sku_ids=[sid])[sid]
        units = sum(r.quantity for r in reservations)
        change_stock(stock=stock, on_hand_delta=-units if ship else 0, reserved_delta=-units)
        ledger.extend(
            StockMovement(
                warehouse_id=wid,
                sku_id=sid,
                on_hand_delta=-r.quantity if ship else 0,
                reserved_delta=-r.quantity,
                reason=MovementReason.SHIP if ship else MovementReason.RELEASE,
                note=note[:200],
                order_id=r.order_id,
                user_id=user_id,
            )
            for r in reservations
        )
    bulk_insert(ledger, return_ids=False)
    Reservation.objects.filter(pk__in=[r.pk for r in open_rows]).update(
        state=ReservationState.SHIPPED if ship else ReservationState.RELEASED, closed_at=timezone.now()
    )
    return len(open_rows)


def release_order(*, order: Order, user: Any = None, note: str = "取消") -> int:
    """Give the order's reserved units back (order cancelled)."""
    released = _close([order.pk], ship=False, note=note, user=user)
    if released:
        retry_short_orders()
    return released


def ship_order(*, order: Order, user: Any = None) -> int:
    """Take the order's reserved units out of stock (pack scan, or print for ship-at-print shops)."""
    return _close([order.pk], ship=True, note=order.platform_order_id, user=user)


def ship_orders(*, order_ids: Sequence[int], note: str = "", user: Any = None) -> int:
    """Take these orders' reserved units out of stock at once (shops that ship back at issue/print)."""
    return _close(list(order_ids), ship=True, note=note, user=user)


@transaction.atomic
def follow_allocation(*, order_ids: Sequence[int]) -> None:
    """Move open reservations to the warehouse the allocation gave each order."""
    stale = (
        Reservation.objects.filter(order_id__in=order_ids, state=ReservationState.OPEN)
        .exclude(warehouse_id=F("order__warehouse_id"))
        .filter(order__warehouse_id__isnull=False)
        .values_list("order_id", flat=True)
        .distinct()
    )
    moved = list(stale)
    if not moved:
        return
    _close(moved, ship=False, note="改仓")
    orders = list(Order.objects.filter(pk__in=moved).order_by("pk"))
    reserve_orders(orders=orders)


def open_reserved(*, warehouse_ids: Sequence[int], order_filter: Q) -> dict[tuple[int, int], int]:
    """Units the matching orders hold, by (warehouse id, SKU id)."""
    rows = (
        Reservation.objects.filter(order_filter, state=ReservationState.OPEN, warehouse_id__in=warehouse_ids)
        .values("warehouse_id", "sku_id")
        .annotate(units=Sum("quantity"))
        .order_by()
        .values_list("warehouse_id", "sku_id", "units")
    )
    return {(w, s): int(u or 0) for w, s, u in rows}


def cancel_order(*, order: Order, user: Any = None) -> Order:
    """Cancel an order that has not shipped: its reserved units go back to stock."""
    from fahuo.kit.errors import Conflict

    if order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        raise Conflict("订单已发货，不能取消")
    with transaction.atomic():
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)
        order.status = OrderStatus.CANCELLED
        release_order(order=order, user=user)
    return order
