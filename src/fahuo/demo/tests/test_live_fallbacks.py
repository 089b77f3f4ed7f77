"""The demo world's fallbacks: 快递100 parcels (no push in the demo) move by polling, and a new 抖店
order pushed by the simulator is fetched into the desk."""

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
from fahuo.tracking.polling import poll_round


@pytest.mark.django_db(transaction=True)
def test_kuaidi100_parcels_move_by_polling_and_new_shop_orders_are_fetched(
    live_server: Any, tmp_path: Any, settings: Any, monkeypatch: Any
) -> None:
    settings.FAHUO_PUBLIC_URL = ""  # as in the demo: Kuaidi100 cannot call back, so it is polled
    monkeypatch.delenv("FAHUO_PUBLIC_URL", raising=False)
    build_demo(orders=40, seed=11)
    world = live.start_world(desk_url=live_server.url, move_every_s=3600)
    try:
        sf = Carrier.objects.get(code="SF")
        assert sf.provider == "kuaidi100"
        ready = list(Order.objects.filter(status=OrderStatus.READY, shop__code="demo")[:4])
        Order.objects.filter(pk__in=[o.pk for o in ready]).update(carrier=sf)
        result = print_orders(
            orders=Order.objects.filter(pk__in=[o.pk for o in ready]), out=tmp_path / "l.pdf"
        )
        assert result.pages == 4 and not result.failed
        waybills = list(Waybill.objects.filter(provider="kuaidi100"))
        tracks = Track.objects.filter(waybill__in=waybills)
        assert tracks.count() == 4 and not tracks.filter(subscribed_at__isnull=False).exists()

        later = timezone.now() + timedelta(minutes=90)
        live._pushed.clear()
        live.move_once(world, live_server.url, now=later)
        polled = poll_round(now=later, sleep=lambda s: None)
        assert (polled.polled, polled.failed) == (4, [])
        assert not tracks.filter(status=TrackStatus.AWAITING_PICKUP).exists()

        order_id = live.push_shop_order(world, live_server.url)
        order = Order.objects.get(platform_order_id=order_id)
        assert (order.shop.code, order.source, order.lines.count() >= 1) == ("demo", "push", True)
    finally:
        world.stop()
