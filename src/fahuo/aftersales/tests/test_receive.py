"""Receiving a return: inspection, then restock through the stock ledger or a write-off."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fahuo.accounts.models import ApiToken
from fahuo.aftersales import services
from fahuo.aftersales.models import AfterSalePolicy, Disposition, Rma, RmaKind, RmaSource, RmaStatus
from fahuo.catalog.models import Sku
from fahuo.inventory.models import Stock, StockMovement
from fahuo.orders.models import OrderLine
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.django_db


def returned(shop: Any, warehouse: Any, *, quantity: int = 2, kind: str = RmaKind.RETURN_REFUND) -> Rma:
    sku = Sku.objects.get_or_create(code="MASK-10", defaults={"name": "补水面膜"})[0]
    order = f.order(shop, platform_order_id=f"WX-{Rma.objects.count() + 1}", warehouse=warehouse)
    OrderLine.objects.create(
        order=order, platform_line_id="L1", sku=sku, sku_code=sku.code, title="面膜", quantity=quantity
    )
    rma = Rma.objects.create(
        shop=shop, order=order, platform_order_id=order.platform_order_id, source=RmaSource.MANUAL, kind=kind
    )
    return services.decide(rma=rma, approve=True)


def on_hand(warehouse: Any) -> int:
    stock = Stock.objects.filter(warehouse=warehouse, sku__code="MASK-10").first()
    return stock.on_hand if stock else 0


def api(user: Any) -> Client:
    _, raw = ApiToken.issue(user=user, name="t")
    return Client(headers={"authorization": f"Bearer {raw}"})


def test_goods_in_good_condition_go_back_on_the_shelf(owner: Any, shop: Any, warehouse: Any) -> None:
    rma = returned(shop, warehouse)
    out = api(owner).post(
        f"/api/aftersales/{rma.pk}/receive",
        {"condition": "good", "note": "吊牌完好"},
        content_type="application/json",
    )
    assert out.status_code == 200, out.content
    assert (out.json()["status"], out.json()["disposition"]) == (RmaStatus.RECEIVED, Disposition.RESTOCKED)
    assert on_hand(warehouse) == 2
    movement = StockMovement.objects.get()
    assert (movement.on_hand_delta, f"#{rma.pk}" in movement.note) == (2, True)


def test_damaged_goods_are_written_off_under_the_inspect_rule(shop: Any, warehouse: Any) -> None:
    rma = services.receive(rma=returned(shop, warehouse), condition="damaged", note="外盒压坏")
    assert rma.disposition == Disposition.WRITTEN_OFF
    assert on_hand(warehouse) == 0 and not StockMovement.objects.exists()
    assert "报损" in rma.steps.last().note  # type: ignore[union-attr]


def test_the_never_rule_writes_off_even_good_goods(shop: Any, warehouse: Any) -> None:
    AfterSalePolicy.objects.create(shop=shop, restock="never")
    rma = services.receive(rma=returned(shop, warehouse), condition="good")
    assert rma.disposition == Disposition.WRITTEN_OFF and on_hand(warehouse) == 0


def test_receiving_twice_or_a_refund_only_is_refused(owner: Any, shop: Any, warehouse: Any) -> None:
    rma = returned(shop, warehouse)
    client = api(owner)
    url = f"/api/aftersales/{rma.pk}/receive"
    assert client.post(url, {"condition": "good"}, content_type="application/json").status_code == 200
    again = client.post(url, {"condition": "good"}, content_type="application/json")
    assert again.status_code == 409 and on_hand(warehouse) == 2
    refund_only = returned(shop, warehouse, kind=RmaKind.REFUND_ONLY)
    no = client.post(
        f"/api/aftersales/{refund_only.pk}/receive", {"condition": "good"}, content_type="application/json"
    )
    assert no.status_code == 409 and "仅退款" in no.json()["message"]


def test_an_unknown_condition_changes_nothing(owner: Any, shop: Any, warehouse: Any) -> None:
    rma = returned(shop, warehouse)
    out = api(owner).post(
        f"/api/aftersales/{rma.pk}/receive", {"condition": "meh"}, content_type="application/json"
    )
    assert out.status_code in (400, 422)
    rma.refresh_from_db()
    assert rma.status == RmaStatus.APPROVED and on_hand(warehouse) == 0


def test_a_manual_return_is_refunded_after_receipt(owner: Any, shop: Any, warehouse: Any) -> None:
    rma = returned(shop, warehouse)
    client = api(owner)
    early = client.post(f"/api/aftersales/{rma.pk}/refunded")
    assert early.status_code == 409
    client.post(f"/api/aftersales/{rma.pk}/receive", {"condition": "opened"}, content_type="application/json")
    done = client.post(f"/api/aftersales/{rma.pk}/refunded")
    assert done.status_code == 200 and done.json()["status"] == RmaStatus.REFUNDED


def test_the_desk_receive_form_restocks(operator: Any, shop: Any, warehouse: Any) -> None:
    rma = returned(shop, warehouse, quantity=3)
    desk = Client()
    desk.force_login(operator)
    assert "登记收货" in desk.get(f"/aftersales/{rma.pk}/").content.decode()
    page = desk.post(f"/aftersales/{rma.pk}/receive/", {"condition": "good", "restock": "yes"}, follow=True)
    html = page.content.decode()
    assert "已登记收货验货" in html and "已入库" in html
    assert on_hand(warehouse) == 3
