"""In the demo world buyer messages really go out: 抖店 IM, WeChat and SMS reach their simulators."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from fahuo.carriers.models import Carrier
from fahuo.demo import live
from fahuo.demo.generate import build_demo
from fahuo.fulfilment.services import print_orders
from fahuo.kit.privacy import lookup_hash
from fahuo.notify.models import BuyerContact, OutboxMessage, OutboxStatus
from fahuo.notify.sending import send_due
from fahuo.orders.models import Order, OrderStatus


@pytest.mark.django_db(transaction=True)
def test_demo_buyer_messages_reach_the_sms_im_and_wechat_simulators_and_show_as_sent(
    live_server: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    monkeypatch.setenv("FAHUO_PUBLIC_URL", live_server.url)
    settings.FAHUO_MESSAGE_QUIET_HOURS = None  # the test may run at night in Beijing
    # The demo's 私域 orders are paid between 09:00 and 23:00 Beijing time over the last days and the
    # ones older than 30 h are shipped: built "now" at 02:00 Beijing time it has hardly any ready. Build
    # it as of the last 23:00 in Beijing so the test does not depend on the hour it runs at.
    beijing = timezone.now().astimezone(ZoneInfo("Asia/Shanghai"))
    evening = beijing.replace(hour=23, minute=0, second=0, microsecond=0)
    if evening > beijing:
        evening -= timedelta(days=1)
    build_demo(orders=600, seed=11, now=evening)
    world = live.start_world(desk_url=live_server.url, move_every_s=3600)
    try:
        zto = Carrier.objects.get(code="ZTO")
        picked = [
            *Order.objects.filter(status=OrderStatus.READY, shop__code="demo")[:6],
            # (not the out-of-stock scene's buyers: they were just sent their choice link, and the
            # per-buyer SMS rate rightly holds their next message back)
            *Order.objects.filter(status=OrderStatus.READY, shop__code="siyu")
            .exclude(platform_order_id__startswith="DEMO-OOS-")
            .select_related("shop")[:10],
        ]
        ids = [o.pk for o in picked]
        private = [o for o in picked if o.shop.code == "siyu"]
        assert len(private) >= 2
        # one private-domain buyer subscribed in the mini-program (WeChat), one did not (SMS)
        hashes = [lookup_hash(o.recipient_phone) for o in private[:2]]
        BuyerContact.objects.update_or_create(
            shop=private[0].shop, phone_hash=hashes[0], channel="wechat", defaults={"address": "o-test-1"}
        )
        BuyerContact.objects.filter(phone_hash=hashes[1]).delete()
        Order.objects.filter(pk__in=ids).update(carrier=zto)
        result = print_orders(orders=Order.objects.filter(pk__in=ids), out=tmp_path / "l.pdf")
        assert not result.failed

        live._pushed.clear()
        live.move_once(world, live_server.url, now=timezone.now() + timedelta(minutes=40))
        outbox = OutboxMessage.objects.filter(order_id__in=ids)
        deadline = time.monotonic() + 20
        while outbox.filter(status__in=[OutboxStatus.QUEUED, OutboxStatus.SENDING]).exists():
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
            send_due(wait_s=2)  # as the worker's minute run: what the channels' rates held back
        by_status = {s: outbox.filter(status=s).count() for s in OutboxStatus.values}
        assert by_status[OutboxStatus.SENT] > 0, by_status
        assert by_status[OutboxStatus.FAILED] == 0, list(
            outbox.filter(status=OutboxStatus.FAILED).values_list("channel", "template_key", "last_error")
        )
        assert by_status[OutboxStatus.QUEUED] == 0, list(
            outbox.values_list("channel", "status", "last_error", "next_attempt_at", "attempts")
        )
        channels = set(outbox.filter(status=OutboxStatus.SENT).values_list("channel", flat=True))
        assert channels == {"douyin_im", "wechat", "sms"}
        # what the desk calls sent is what the simulators received
        sent = outbox.filter(status=OutboxStatus.SENT)
        assert len(world.douyin_im.delivered) == sent.filter(channel="douyin_im").count()
        assert len(world.wechat.delivered) == sent.filter(channel="wechat").count()
        assert len(world.sms.sent) == sent.filter(channel="sms").count()
        # tracking links point at the address the desk is served on
        texts = [m.content for m in world.douyin_im.delivered] + [m.content for m in world.sms.sent]
        assert any(f"{live_server.url}/t/" in t for t in texts), texts[:3]
        assert not any("127.0.0.1:8000" in t for t in texts)
    finally:
        world.stop()
