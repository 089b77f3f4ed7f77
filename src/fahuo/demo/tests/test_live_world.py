"""The demo world end to end: simulators over HTTP, waybills from 快递鸟, parcels that move by push."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from fahuo.carriers.models import Carrier
from fahuo.demo import live
from fahuo.demo.generate import build_demo
from fahuo.fulfilment.models import Waybill
from fahuo.fulfilment.services import print_orders
from fahuo.orders.models import Order, OrderStatus
from fahuo.tracking.models import Track, TrackStatus


@pytest.mark.django_db(transaction=True)
def test_demo_parcels_get_kdniao_numbers_and_move_through_pushes(live_server: Any, tmp_path: Any) -> None:
    build_demo(orders=120, seed=7)
    world = live.start_world(desk_url=live_server.url, move_every_s=3600)
    try:
        zto = Carrier.objects.get(code="ZTO")
        assert zto.provider == "kdniao"
        # (not the encrypted demo orders: they ship only with 抖音电子面单, see demo/platform_waybill)
        ready = Order.objects.filter(status=OrderStatus.READY, shop__code="demo").exclude(
            carrier__code="ZTO-DY"
        )[:12]
        Order.objects.filter(pk__in=[o.pk for o in ready]).update(carrier=zto)
        result = print_orders(
            orders=Order.objects.filter(pk__in=[o.pk for o in ready]), out=tmp_path / "l.pdf"
        )
        assert result.pages == 12 and not result.failed
        waybills = list(Waybill.objects.filter(provider="kdniao"))
        assert len(waybills) == 12
        assert Track.objects.filter(waybill__in=waybills).count() == 12

        live._pushed.clear()
        live.move_once(world, live_server.url, now=timezone.now() + timedelta(minutes=40))
        statuses = {t.tracking_no: t.status for t in Track.objects.filter(waybill__in=waybills)}
        expected = {
            w.tracking_no: {
                "normal": TrackStatus.DELIVERED,
                "locker": TrackStatus.DELIVERED,
                "stall": TrackStatus.IN_TRANSIT,
                "problem": TrackStatus.EXCEPTION,
                "refused": TrackStatus.REFUSED,
            }[live._fate(w.tracking_no)]
            for w in waybills
        }
        assert statuses == expected
    finally:
        world.stop()
