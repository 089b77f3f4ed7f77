"""``fahuo demo`` has a 抖音电子面单 account and encrypted orders that print through it: a batch draws
their numbers from the demo 抖店 simulator (no decryption) and the print component prints them."""

from __future__ import annotations

from typing import Any

import pytest

from fahuo.carriers.models import ProviderAccount
from fahuo.demo import live, platform_waybill
from fahuo.demo.generate import build_demo
from fahuo.fulfilment.batches.services import create_batch, run_batch
from fahuo.fulfilment.labels import platform_print
from fahuo.fulfilment.models import PlatformPrint, Waybill
from fahuo.integrations.douyin import print_component
from fahuo.orders.models import Order, OrderStatus
from fahuo.orders.platform_waybill import release_held


@pytest.mark.django_db(transaction=True)
def test_the_demo_encrypted_orders_print_through_douyin_waybill(live_server: Any) -> None:
    build_demo(orders=60, seed=7)
    world = live.start_world(desk_url=live_server.url, move_every_s=3600)
    component = print_component.PrintComponentSimulator()
    try:
        platform_waybill.seed_demo()  # the demo started twice keeps one set
        ids = [oid for oid, _released, _person in platform_waybill.ORDERS]
        orders = {o.platform_order_id: o for o in Order.objects.filter(platform_order_id__in=ids)}
        assert [orders[i].status for i in ids] == [
            OrderStatus.READY,
            OrderStatus.READY,
            OrderStatus.NEEDS_REVIEW,
        ]
        assert all(not o.recipient_name and not o.recipient_phone for o in orders.values())
        account = ProviderAccount.objects.get(provider="douyin_waybill")
        assert account.shop is not None and account.shop.code == "demo"
        released = release_held(shop=orders[ids[2]].shop, order_ids=[ids[2]])
        assert released.released == [ids[2]]
        Order.objects.filter(platform_order_id=ids[2]).update(
            carrier=orders[ids[0]].carrier, warehouse=orders[ids[0]].warehouse
        )
        (batch,) = create_batch(
            orders=[o.pk for o in Order.objects.filter(platform_order_id__in=ids)], enqueue=False
        )
        done = run_batch(batch_id=batch.pk)
        assert done is not None and (done.status, done.issued, done.failed) == ("done", 3, 0)
        assert Waybill.objects.filter(provider="douyin_waybill").count() == 3
        with print_component.serve_component(component) as url:
            prints = list(PlatformPrint.objects.filter(batch=batch).values_list("pk", flat=True))
            for prepared in platform_print.prepare(print_ids=prints, server=False):
                outcome = print_component.send_task(url=url, task=prepared.task)
                platform_print.record(task_id=outcome.task_id, results=outcome.results)
        assert len(component.printed()) == 3
        assert set(Order.objects.filter(platform_order_id__in=ids).values_list("status", flat=True)) == {
            OrderStatus.PRINTED
        }
    finally:
        world.stop()
