"""The obvious actions are where a seller looks for them (issue #15, item 9): print from the order's
page, the waybill number leads to its parcel, the parcel page messages the buyer, the print result
names the carrier, the audit trail shows the IP."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fahuo.accounts.models import AuditLog
from fahuo.desk.tests.conftest import login, make_order
from fahuo.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(shop: Any, sandbox_carrier: Any, warehouse: Any) -> Order:
    order = make_order(shop)
    Order.objects.filter(pk=order.pk).update(carrier=sandbox_carrier, warehouse=warehouse)
    order.refresh_from_db()
    return order


def test_a_ready_order_is_printed_from_its_own_page_and_the_result_names_the_carrier(
    owner: Any, ready: Order
) -> None:
    client = login(owner)
    page = client.get(reverse("desk:order_detail", args=[ready.pk])).content.decode()
    form = re.search(r'<form method="post" action="([^"]+)" id="print-order">', page)
    assert form and form.group(1) == reverse("desk:print_labels") and "打印面单" in page

    response = client.post(form.group(1), {"order": [ready.pk]})
    result = client.get(response["Location"]).content.decode()

    ready.refresh_from_db()
    assert ready.status == OrderStatus.PRINTED
    assert re.search(r'id="print-carriers">快递公司： <b>沙箱快递</b> 1 件', result)
    again = client.get(reverse("desk:order_detail", args=[ready.pk])).content.decode()
    assert "重新打印面单" in again


def test_the_waybill_number_leads_to_the_parcel_page_which_can_message_the_buyer(
    owner: Any, ready: Order
) -> None:
    from fahuo.tracking.models import Track

    client = login(owner)
    client.post(reverse("desk:print_labels"), {"order": [ready.pk]})
    waybill = ready.parcels.get().waybill
    Track.objects.get_or_create(
        tracking_no=waybill.tracking_no,
        defaults={"order": ready, "waybill": waybill, "carrier_code": "SANDBOX"},
    )
    page = client.get(reverse("desk:order_detail", args=[ready.pk])).content.decode()
    link = re.search(r'<a class="mono" data-waybill href="([^"]+)"', page)
    assert link, "the waybill number is a link"

    parcel = client.get(link.group(1).replace("&amp;", "&"), follow=True)
    html = parcel.content.decode()
    assert parcel.redirect_chain and waybill.tracking_no in html
    assert 'id="message-buyer" href="#order-messages">通知买家' in html
    assert reverse("notify:order_messages", args=[ready.pk]) in html


def test_the_audit_trail_records_the_ip_of_a_recipient_edit(owner: Any, shop: Any) -> None:
    flagged = make_order(shop, phone="177148540")
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.force_login(owner)
    client.post(reverse("desk:order_edit", args=[flagged.pk]), {"phone": "13812345678"})

    row = AuditLog.objects.get(action="order.edit_recipient", object_id=str(flagged.pk))
    assert row.ip == "10.1.2.3"
    page = client.get(reverse("desk:order_detail", args=[flagged.pk])).content.decode()
    assert '<td class="mono">10.1.2.3</td>' in page
