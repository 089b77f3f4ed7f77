"""Stock a database allocation may draw on, per warehouse × SKU.

**Available** to a run = ``Stock.on_hand − Stock.reserved`` (``reserved`` = Σ open
``inventory.Reservation``: units orders hold since they arrived, see
``fahuo.inventory.reservations``) **+ what the run's own orders reserve** (they are placed again)
**− what allocated, unshipped orders without a reservation outside the run hold**. An order
holds its lines' quantities in a warehouse while

* an *applied* allocation run gave it that warehouse (an ``AllocationDecision`` of an applied run
  for the order with the order's current warehouse),
* it is not shipped yet (status ``ready`` or ``printed``; shipping takes the units out of
  ``on_hand`` in the warehouse's own books, cancelling frees them), and
* it is not among the orders being planned: those are planned again, so their earlier hold is
  released for this run.

Nothing is written on apply: holding follows from the applied decisions, so a second plan right
after applying sees the reduced availability, and shipping, cancelling or re-planning an order
never leaves a stale reservation behind. Within a run, orders fixed to a warehouse (by the
seller) take their units first; the flexible orders share the rest through the solver's stock rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from django.db.models import F, Q, QuerySet, Sum

from fahuo.catalog.models import Sku
from fahuo.inventory.models import Reservation, ReservationState, Stock
from fahuo.inventory.reservations import open_reserved
from fahuo.orders.models import Order, OrderLine, OrderStatus
from fahuo.routing.models import AllocationDecision

IntArray = npt.NDArray[np.int64]

HOLDING_STATUSES = (OrderStatus.READY, OrderStatus.PRINTED)
STATUS_APPLIED = "applied"


@dataclass(frozen=True, eq=False)
class Demand:
    """Units per order × SKU (two lines of one SKU count together), sorted by order, then SKU."""

    order: IntArray  # (d,) order position
    sku: IntArray  # (d,) SKU position
    qty: IntArray  # (d,)


def demand(line_order: IntArray, line_sku: IntArray, line_qty: IntArray, n_sku: int) -> Demand:
    width = max(n_sku, 1)
    keys, inv = np.unique(line_order * width + line_sku, return_inverse=True)
    qty = np.bincount(inv.reshape(-1), weights=line_qty, minlength=keys.shape[0])
    return Demand(
        order=(keys // width).astype(np.int64),
        sku=(keys % width).astype(np.int64),
        qty=np.rint(qty).astype(np.int64),
    )


def held_lines(orders: QuerySet[Order]) -> QuerySet[OrderLine]:
    """Lines of allocated, unshipped orders outside ``orders``' ready ones (see the module)."""
    holding = (
        AllocationDecision.objects.filter(run__status=STATUS_APPLIED, order__status__in=HOLDING_STATUSES)
        # "+ 0" keeps SQLite from walking the decisions by warehouse for every order (a full scan
        # per warehouse); it looks them up by order instead
        .alias(at=F("warehouse_id") + 0)
        .filter(at=F("order__warehouse_id"))
        .exclude(order_id__in=orders.filter(status=OrderStatus.READY).values("pk"))
        .values("order_id")
    )
    # An order with open reservations holds its units in ``Stock.reserved`` already.
    reserving = Reservation.objects.filter(state=ReservationState.OPEN).values("order_id")
    return OrderLine.objects.filter(order_id__in=holding).exclude(order_id__in=reserving)


def available(
    *, orders: QuerySet[Order], warehouse_pks: Sequence[int], sku_pk: IntArray, sku_query: QuerySet[Sku]
) -> tuple[IntArray, IntArray]:
    """(W, K) ``on_hand − reserved`` and (W, K) units held by allocated, unshipped orders (2 queries)."""
    nw, ns = len(warehouse_pks), sku_pk.shape[0]
    stock = np.zeros((nw, ns), dtype=np.int64)
    held = np.zeros((nw, ns), dtype=np.int64)
    w_pos = {pk: j for j, pk in enumerate(warehouse_pks)}
    s_pos = {int(pk): k for k, pk in enumerate(sku_pk.tolist())}
    rows = Stock.objects.filter(warehouse_id__in=list(w_pos), sku_id__in=sku_query.values("pk")).values_list(
        "warehouse_id", "sku_id", "on_hand", "reserved"
    )
    for wid, sid, on_hand, reserved in rows:
        if sid in s_pos:
            stock[w_pos[wid], s_pos[sid]] = on_hand - reserved
    # The run's own orders are planned again: what they reserve is theirs to place.
    own = open_reserved(
        warehouse_ids=list(w_pos),
        order_filter=Q(order__in=orders.filter(status=OrderStatus.READY).values("pk")),
    )
    for (wid, sid), units in own.items():
        if sid in s_pos:
            stock[w_pos[wid], s_pos[sid]] += units
    holding = (
        held_lines(orders)
        .filter(order__warehouse_id__in=list(w_pos), sku_id__in=sku_query.values("pk"))
        .values("order__warehouse_id", "sku_id")
        .annotate(units=Sum("quantity"))
        .order_by()
        .values_list("order__warehouse_id", "sku_id", "units")
    )
    for wid, sid, units in holding:
        if sid in s_pos:
            held[w_pos[wid], s_pos[sid]] = int(units or 0)
    return stock, held
