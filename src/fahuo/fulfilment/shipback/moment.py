"""When a shop's orders count as shipped (回传时机): the number goes back to the platform and the goods
leave the stock books at the moment the shop chose (``Shop.shipback_at``).

- ``issue``: as soon as the provider answers with the number (before the label is printed);
- ``print``: when the label is printed (fahuo's behaviour before the setting existed);
- ``pack`` (new shops' default): when the scan station has checked every parcel of the order — the
  shipping article's warning is a platform order marked 已发货 while the goods are still on the shelf.

Queueing is idempotent, so a later moment re-queues nothing: a reprint, or the pack scan of an order
already sent back at print, adds no row. With ``issue``/``print`` the pack scan still takes the
order's reserved units off the books when printing did not (``ship_order`` closes only open ones).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fahuo.fulfilment.models import Parcel, ParcelStatus
from fahuo.fulfilment.shipback.services import SHIPPABLE_STATUSES, queue_shipbacks
from fahuo.inventory.reservations import ship_order, ship_orders
from fahuo.orders.models import Order, OrderStatus, ShipBackMoment, Shop

AT_ISSUE = (ShipBackMoment.ISSUE,)
AT_PRINT = (ShipBackMoment.ISSUE, ShipBackMoment.PRINT)


def after_issued(*, orders: Sequence[Order]) -> None:
    """Numbers just recorded for these orders: ship back and take the stock of the shops that ship
    back at issue (one small query when none of them does)."""
    shops = set(Shop.objects.filter(shipback_at=ShipBackMoment.ISSUE).values_list("pk", flat=True))
    ids = [o.pk for o in orders if o.shop_id in shops]
    if not ids:
        return
    ship_orders(order_ids=ids, note="取号后出库")
    queue_shipbacks(
        orders=Order.objects.filter(pk__in=ids),
        moments=AT_ISSUE,
        statuses=(OrderStatus.READY, *SHIPPABLE_STATUSES),
    )


def after_printed(*, order_ids: Sequence[int]) -> None:
    """Labels printed: ship back and take the stock of the shops that ship back at issue or print."""
    ids = list(
        Order.objects.filter(
            pk__in=list(order_ids), status=OrderStatus.PRINTED, shop__shipback_at__in=AT_PRINT
        ).values_list("pk", flat=True)
    )
    if not ids:
        return
    ship_orders(order_ids=ids, note="打印后出库")
    queue_shipbacks(orders=Order.objects.filter(pk__in=ids), moments=AT_PRINT)


def after_packed(*, order: Order, parcel: Parcel, user: Any = None) -> bool:
    """A parcel passed the scan station: the goods leave the books; once every parcel of the order is
    packed its numbers go back to the platform (any moment: idempotent). True when they were queued."""
    ship_order(order=order, user=user)
    waiting = (
        Parcel.objects.filter(order_id=order.pk, packed_at__isnull=True)
        .exclude(pk=parcel.pk)
        .exclude(status=ParcelStatus.CANCELLED)
    )
    if waiting.exists():
        return False
    queue_shipbacks(orders=[order])
    return True
