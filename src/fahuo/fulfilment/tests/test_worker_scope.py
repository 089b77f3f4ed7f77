"""Print jobs the worker runs for someone keep to that person's shops as they are when the job runs:
a print task prints only orders of shops where its requester may print; a batch whose maker lost the
shop before the worker got to it (a queue backlog, a resume after a crash) is cancelled, its orders
back in the ready queue, and no label with their addresses is drawn."""

from __future__ import annotations

from typing import Any

import pytest

from fahuo.accounts.services import add_member, remove_member
from fahuo.fulfilment.batches.services import create_batch
from fahuo.fulfilment.models import BatchStatus, PrintBatch, Waybill
from fahuo.fulfilment.tasks import print_orders_task, run_batch_task
from fahuo.fulfilment.tests import batch_helpers as h
from fahuo.fulfilment.tests.batch_helpers import make_order
from fahuo.orders.models import Order, OrderStatus, Shop

output_dir = h.output_dir  # fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_shop() -> Shop:
    return Shop.objects.create(code="tea", name="茶叶私域", platform="wechat")


def test_a_print_task_for_a_user_prints_only_their_shops_orders(
    shop: Shop, other_shop: Shop, operator: Any, tmp_path: Any
) -> None:
    mine, theirs = make_order(shop), make_order(other_shop)
    summary = print_orders_task([mine.pk, theirs.pk], "100x180", str(tmp_path / "a.pdf"), user_id=operator.pk)
    assert summary.get()["refused"] == [theirs.pk]
    assert Order.objects.get(pk=mine.pk).status == OrderStatus.PRINTED
    assert Order.objects.get(pk=theirs.pk).status == OrderStatus.READY
    assert not Waybill.objects.filter(parcel__order=theirs).exists()


def test_a_print_task_without_a_user_is_the_clis_and_prints_every_shop(
    shop: Shop, other_shop: Shop, tmp_path: Any
) -> None:
    orders = [make_order(shop), make_order(other_shop)]
    summary = print_orders_task([o.pk for o in orders], "100x180", str(tmp_path / "b.pdf"))
    assert summary.get()["refused"] == [] and summary.get()["pages"] == 2


def test_a_batch_whose_maker_left_the_shop_is_cancelled_not_printed(
    shop: Shop, other_shop: Shop, operator: Any
) -> None:
    add_member(user=operator, shop=other_shop, role="operator")
    orders = [make_order(shop), make_order(other_shop)]
    [batch] = create_batch(
        orders=Order.objects.filter(pk__in=[o.pk for o in orders]), user=operator, enqueue=False
    )
    remove_member(user=operator, shop=other_shop)  # before the worker takes the batch
    result = run_batch_task(batch.pk).get()
    assert result == {"batch": batch.pk, "status": "cancelled", "refused_shops": [other_shop.pk]}
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED
    assert not Waybill.objects.exists()
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.READY}


def test_a_batch_whose_maker_still_runs_the_shops_prints(shop: Shop, other_shop: Shop, operator: Any) -> None:
    add_member(user=operator, shop=other_shop, role="packer")  # packers print too
    orders = [make_order(shop), make_order(other_shop)]
    [batch] = create_batch(
        orders=Order.objects.filter(pk__in=[o.pk for o in orders]), user=operator, enqueue=False
    )
    result = run_batch_task(batch.pk).get()
    assert result is not None and result["status"] == BatchStatus.DONE
    assert PrintBatch.objects.get(pk=batch.pk).issued == 2
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.PRINTED}
