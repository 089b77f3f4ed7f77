"""Out of stock (缺货) per stream, for the review: how many of the stream's orders stock could not
fill, and what became of them — offered a choice, the buyer's answer (wait / swap / refund), the
shop's default applied at the deadline, or still short with no offer yet."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from fahuo.aftersales.models import StockChoice, StockChoiceStatus
from fahuo.inventory.reservations import is_short
from fahuo.orders.models import Order, OrderStatus


def out_of_stock(orders: QuerySet[Order]) -> dict[str, Any]:
    """The stream's orders that ran short: now short (held 缺货) or offered a choice at some point."""
    held = {
        o.pk
        for o in orders.filter(status=OrderStatus.NEEDS_REVIEW).only("pk", "review_reasons")
        if is_short(o)
    }
    latest: dict[int, StockChoice] = {}
    for choice in StockChoice.objects.filter(order__in=orders.values("pk")).order_by("created_at", "pk"):
        latest[choice.order_id] = choice  # the last offer per order is its outcome
    actions = {"wait": 0, "swap": 0, "refund": 0}
    status = {"open": 0, "defaulted": 0, "withdrawn": 0}
    for choice in latest.values():
        if choice.status == StockChoiceStatus.OFFERED:
            status["open"] += 1
        elif choice.status == StockChoiceStatus.WITHDRAWN:
            status["withdrawn"] += 1
        else:
            if choice.status == StockChoiceStatus.DEFAULTED:
                status["defaulted"] += 1
            if choice.action in actions:
                actions[choice.action] += 1
    return {
        "orders": len(held | set(latest)),
        "held": len(held),
        "not_offered": len(held - set(latest)),
        "offered": len(latest),
        **status,
        **actions,
    }
