"""The sweep alerts an approved return whose 24 h pickup clock is about to run out (or ran out)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fahuo.aftersales import services
from fahuo.aftersales.models import Rma, RmaKind, RmaSource
from fahuo.tracking.models import Alert, AlertKind, AlertStatus
from fahuo.tracking.sweep import sweep
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.django_db


def approved(shop: Any, kind: str = RmaKind.RETURN_REFUND) -> Rma:
    order = f.order(shop, platform_order_id=f"WX-{Rma.objects.count() + 1}")
    rma = Rma.objects.create(
        shop=shop, order=order, platform_order_id=order.platform_order_id, source=RmaSource.MANUAL, kind=kind
    )
    return services.decide(rma=rma, approve=True)


def test_no_alert_while_the_pickup_clock_has_time(shop: Any) -> None:
    approved(shop)
    sweep(now=timezone.now())
    assert not Alert.objects.filter(kind=AlertKind.AFTER_SALE).exists()


def test_a_pickup_running_out_raises_a_critical_alert_once(shop: Any) -> None:
    rma = approved(shop)
    assert rma.pickup_due_at is not None
    result = sweep(now=rma.pickup_due_at - dt.timedelta(hours=2))
    alert = Alert.objects.get(kind=AlertKind.AFTER_SALE)
    assert (alert.order_id, alert.severity) == (rma.order_id, "critical")
    assert f"售后单 #{rma.pk}" in alert.detail and "即将超时" in alert.detail
    assert result.created[AlertKind.AFTER_SALE] == 1
    sweep(now=rma.pickup_due_at + dt.timedelta(minutes=5))
    alert = Alert.objects.get(kind=AlertKind.AFTER_SALE, status=AlertStatus.OPEN)
    assert "已超时" in alert.detail


def test_a_picked_up_return_or_a_refund_only_is_not_alerted(shop: Any) -> None:
    rma = approved(shop)
    Rma.objects.filter(pk=rma.pk).update(return_tracking_no="SF1400000000")
    approved(shop, kind=RmaKind.REFUND_ONLY)
    assert rma.pickup_due_at is not None
    sweep(now=rma.pickup_due_at + dt.timedelta(hours=1))
    assert not Alert.objects.filter(kind=AlertKind.AFTER_SALE).exists()
