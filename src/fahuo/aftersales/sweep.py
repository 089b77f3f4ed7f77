"""The return-pickup rule of the tracking sweep (connected to ``tracking.events.sweep_rules``).

An approved return or exchange whose reverse pickup has not happened (no return tracking number, not
yet ``returning``) within ``LEAD`` of ``pickup_due_at`` — or past it — gets the order's after-sale
alert, critical, saying when the pickup clock runs out. One open after-sale alert per order (the
tracking constraint): an existing one gets the new detail instead of a second alert.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from fahuo.aftersales.models import Rma, RmaKind, RmaStatus

LEAD = dt.timedelta(hours=4)


def pickup_rule(*, now: dt.datetime, result: Any) -> None:
    """Alert the orders whose return pickup runs out within LEAD (or already did)."""
    from fahuo.tracking.models import Alert, AlertKind, AlertStatus

    due = list(
        Rma.objects.filter(
            status=RmaStatus.APPROVED,
            pickup_due_at__lte=now + LEAD,
            order__isnull=False,
            return_tracking_no="",
        )
        .exclude(kind=RmaKind.REFUND_ONLY)
        .order_by("pickup_due_at")
        .values_list("pk", "order_id", "pickup_due_at")
    )
    if not due:
        return
    order_ids = {order_id for _, order_id, _ in due}
    open_alerts = {
        a.order_id: a
        for a in Alert.objects.filter(
            Q(kind=AlertKind.AFTER_SALE, order_id__in=order_ids, track__isnull=True)
            & ~Q(status=AlertStatus.RESOLVED)
        )
    }
    new, changed = [], []
    for pk, order_id, due_at in due:
        assert due_at is not None  # filtered on pickup_due_at__lte
        local = timezone.localtime(due_at)
        late = due_at <= now
        detail = f"售后单 #{pk} 退货上门取件{'已超时' if late else '即将超时'}（截止 {local:%m-%d %H:%M}）"
        alert = open_alerts.get(order_id)
        if alert is None:
            alert = Alert(
                kind=AlertKind.AFTER_SALE, order_id=order_id, since=now, severity="critical", detail=detail
            )
            open_alerts[order_id] = alert
            new.append(alert)
        elif alert.detail != detail and alert.pk is not None:
            alert.detail, alert.severity = detail, "critical"
            changed.append(alert)
    Alert.objects.bulk_create(new, ignore_conflicts=True)
    if changed:
        Alert.objects.bulk_update(changed, ["detail", "severity"])
    result.created[AlertKind.AFTER_SALE] += len(new)
