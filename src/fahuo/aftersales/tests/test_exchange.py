"""An exchange (换货) becomes a new zero-price order linked to the original, printed in a normal batch."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fahuo.aftersales import services
from fahuo.aftersales.models import Rma, RmaKind, RmaSource
from fahuo.fulfilment.batches.services import create_batch, run_batch
from fahuo.fulfilment.models import Waybill
from fahuo.fulfilment.tests import batch_helpers as h
from fahuo.orders.models import Order, OrderStatus

output_dir = h.output_dir  # fixture: labels go to a temporary folder
pytestmark = pytest.mark.django_db


def exchange_rma(shop: Any, sandbox_carrier: Any, warehouse: Any) -> Rma:
    original = h.make_order(shop, [(h.sku("TEA-50"), 2)], carrier=sandbox_carrier, warehouse=warehouse)
    Order.objects.filter(pk=original.pk).update(status=OrderStatus.SHIPPED)
    rma = Rma.objects.create(
        shop=shop, order=original, platform_order_id=original.platform_order_id, source=RmaSource.MANUAL,
        kind=RmaKind.EXCHANGE,
    )  # fmt: skip
    return services.decide(rma=rma, approve=True)


def test_an_exchange_order_is_created_once_and_prints_in_a_batch(
    shop: Any, sandbox_carrier: Any, warehouse: Any
) -> None:
    rma = exchange_rma(shop, sandbox_carrier, warehouse)
    order = services.ship_exchange(rma=rma)
    assert order.platform_order_id == f"{rma.platform_order_id}-HH{rma.pk}"
    assert order.status == OrderStatus.READY, order.review_reasons
    assert [(ln.sku_code, ln.quantity, ln.unit_price_fen) for ln in order.lines.all()] == [("TEA-50", 2, 0)]
    assert order.recipient_phone == "13812345678" and order.exchange_for == rma
    [batch] = create_batch(orders=[order], enqueue=False)
    run_batch(batch_id=batch.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.PRINTED and Waybill.objects.filter(parcel__order=order).exists()
    with pytest.raises(services.RmaStateError):
        services.ship_exchange(rma=rma)


def test_the_desk_button_creates_the_exchange(
    operator: Any, shop: Any, sandbox_carrier: Any, warehouse: Any
) -> None:
    rma = exchange_rma(shop, sandbox_carrier, warehouse)
    desk = Client()
    desk.force_login(operator)
    assert "创建换货订单" in desk.get(f"/aftersales/{rma.pk}/").content.decode()
    html = desk.post(f"/aftersales/{rma.pk}/exchange/", follow=True).content.decode()
    assert "已创建换货订单" in html and f"-HH{rma.pk}" in html
