"""After-sales in the demo data set: a few RMAs in the states a seller meets every morning — a
抖店 refund request waiting for a decision, an approved return on its way back, a refund for an
order the desk never saw, a private-domain (私域) exchange to ship, and out-of-stock orders in each
state of the buyer's choice (``demo_stockout``)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fahuo.aftersales import services
from fahuo.aftersales.models import Rma, RmaKind, RmaSource
from fahuo.orders.models import Order, OrderStatus, Shop


def seed(*, live: Shop, private: Shop, now: dt.datetime | None = None) -> int:
    """(Re)create the demo RMAs of these shops; returns how many."""
    now = now or timezone.now()
    Rma.objects.filter(shop__in=[live, private]).delete()
    shipped = list(
        Order.objects.filter(shop=live, status__in=[OrderStatus.SHIPPED, OrderStatus.DELIVERED]).order_by(
            "paid_at", "pk"
        )[:2]
    )
    at = int((now - dt.timedelta(hours=6)).timestamp())
    for n, order in enumerate(shipped):
        data = {"aftersale_id": 7040000000000000001 + n, "aftersale_type": 0, "refund_amount": order.total_fen,
                "reason_code": 1, "s_id": "", "apply_time": at}  # fmt: skip
        services.record_platform_event(shop=live, order_no=order.platform_order_id, tag="200", data=data)
        if n == 1:
            agreed = {**data, "agree_time": at + 600}
            services.record_platform_event(
                shop=live, order_no=order.platform_order_id, tag="202", data=agreed
            )
            rma = Rma.objects.get(source=RmaSource.DOUYIN, aftersale_id=str(data["aftersale_id"]))
            rma.pickup_due_at = now + dt.timedelta(hours=3)  # the sweep's pickup alert is due
            rma.save(update_fields=["pickup_due_at"])
    unknown = {"aftersale_id": 7040000000000000099, "aftersale_type": 1, "refund_amount": 5990, "reason_code": 3,
               "apply_time": at}  # fmt: skip
    services.record_platform_event(shop=live, order_no="6930999999999999999", tag="200", data=unknown)
    kept = Order.objects.filter(shop=private).exclude(status=OrderStatus.NEEDS_REVIEW).order_by("pk").first()
    if kept is not None:
        rma = Rma.objects.create(shop=private, order=kept, platform_order_id=kept.platform_order_id,
                                 source=RmaSource.MANUAL, kind=RmaKind.EXCHANGE, reason="尺码不合适")  # fmt: skip
        services.decide(rma=rma, approve=True, note="同意换大一码")
    from fahuo.aftersales import demo_stockout

    demo_stockout.seed(shop=private, now=now)
    return Rma.objects.filter(shop__in=[live, private]).count()
