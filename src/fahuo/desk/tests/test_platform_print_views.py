"""The print-component page and its two script endpoints keep to the user's shops: another shop's
batch is a 404, its labels are neither prepared nor recorded; a malformed report is a 400."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fahuo.carriers.models import Carrier
from fahuo.fulfilment.models import Parcel, PlatformPrint, PlatformPrintStatus, PrintBatch, Waybill
from fahuo.orders.models import Order, OrderStatus, Shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(db: Any) -> PlatformPrint:
    """A label of another shop, sent to its print component and waiting for the result."""
    other = Shop.objects.create(code="other", name="别家小店", platform="douyin")
    carrier = Carrier.objects.create(code="SF", name="顺丰速运", provider="douyin_waybill")
    order = Order.objects.create(
        shop=other, platform_order_id="6926000000000000999", status=OrderStatus.READY
    )
    parcel = Parcel.objects.create(order=order, carrier=carrier)
    waybill = Waybill.objects.create(
        parcel=parcel, carrier=carrier, provider="douyin_waybill", tracking_no="SF1", request_id="x-1"
    )
    batch = PrintBatch.objects.create(name="别家波次", carrier=carrier)
    return PlatformPrint.objects.create(
        waybill=waybill, batch=batch, status=PlatformPrintStatus.SENT, task_id="their-task"
    )


@pytest.fixture
def client(packer: Any) -> Client:
    """A packer of the ``shop`` fixture's shop only."""
    c = Client()
    c.force_login(packer)
    return c


def test_another_shops_batch_page_is_not_found(client: Client, theirs: PlatformPrint) -> None:
    response = client.get(reverse("desk:platform_print") + f"?batch={theirs.batch_id}")
    assert response.status_code == 404
    page = client.get(reverse("desk:platform_print")).content.decode()
    assert "SF1" not in page and "没有待打印的抖音电子面单" in page


def test_the_page_may_open_a_websocket_to_this_pc_only(client: Client) -> None:
    csp = client.get(reverse("desk:platform_print"))["Content-Security-Policy"]
    connect = next(d for d in csp.split(";") if d.strip().startswith("connect-src"))
    assert "ws://127.0.0.1:*" in connect and "ws://*" not in connect and "https:" not in connect


def test_another_shops_label_is_neither_prepared_nor_recorded(client: Client, theirs: PlatformPrint) -> None:
    prepared = client.post(reverse("desk:platform_print_prepare"), {"print": [theirs.pk]}).json()
    assert prepared == {"tasks": [], "failed": []}
    report = {
        "taskID": "their-task",
        "taskStatus": "printed",
        "printStatus": [{"documentID": "SF1", "status": "success"}],
    }
    got = client.post(
        reverse("desk:platform_print_result"), json.dumps(report), content_type="application/json"
    )
    assert got.json() == {"printed": 0, "failed": 0}
    theirs.refresh_from_db()
    assert theirs.status == PlatformPrintStatus.SENT
    assert Order.objects.get(pk=theirs.waybill.parcel.order_id).status == OrderStatus.READY


def test_a_report_that_is_not_json_is_refused_with_a_sentence(client: Client) -> None:
    got = client.post(reverse("desk:platform_print_result"), "not json", content_type="application/json")
    assert got.status_code == 400 and got.json()["error"]
