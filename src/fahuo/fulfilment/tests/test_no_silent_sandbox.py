"""No silent sandbox: an order without a carrier is refused, a test carrier's label says 测试面单."""

from __future__ import annotations

from typing import Any

import pytest

from fahuo.carriers.models import Carrier
from fahuo.fulfilment.batches.services import create_batch
from fahuo.fulfilment.models import Parcel, Waybill
from fahuo.fulfilment.services import NO_CARRIER, print_orders
from fahuo.fulfilment.tests.test_printing import make_order, pdf_text
from fahuo.orders.models import Order, OrderStatus


@pytest.mark.django_db
def test_printing_an_order_that_was_never_allocated_asks_for_a_carrier(shop: Any, tmp_path: Any) -> None:
    order = make_order(shop, 1)
    Order.objects.filter(pk=order.pk).update(carrier=None)
    result = print_orders(orders=Order.objects.filter(pk=order.pk), out=tmp_path / "l.pdf")
    assert result.failed == [(order.pk, NO_CARRIER)] and "分配快递" in NO_CARRIER
    assert result.pages == 0 and not Waybill.objects.exists() and not Parcel.objects.exists()
    assert not Carrier.objects.filter(code="SANDBOX", test_mode=False).exists()  # none made up
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY


@pytest.mark.django_db
def test_a_batch_leaves_out_orders_without_a_carrier_with_the_reason(shop: Any) -> None:
    with_carrier, without = make_order(shop, 1), make_order(shop, 2)
    Order.objects.filter(pk=without.pk).update(carrier=None)
    batches = create_batch(orders=[with_carrier.pk, without.pk], enqueue=False)
    assert [b.total for b in batches] == [1]
    assert batches.skipped == [(without.pk, NO_CARRIER)]


@pytest.mark.django_db
def test_a_test_carriers_label_is_marked_test_waybill(shop: Any, tmp_path: Any) -> None:
    order = make_order(shop, 1)  # the helpers' carrier is a test carrier (sandbox)
    print_orders(orders=Order.objects.filter(pk=order.pk), out=tmp_path / "l.pdf")
    assert "测试面单" in pdf_text(tmp_path / "l.pdf")
