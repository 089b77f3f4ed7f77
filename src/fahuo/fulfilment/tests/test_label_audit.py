"""Issue #12, finding 9: every label file and every batch PDF handed out is audited per order."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fahuo.accounts.models import ApiToken, AuditLog
from fahuo.fulfilment.labels import audit as label_audit
from fahuo.fulfilment.tests import batch_helpers as h
from fahuo.fulfilment.tests.batch_helpers import make_order

pytestmark = pytest.mark.django_db

output_dir = h.output_dir  # fixture


def _api(user: Any) -> Client:
    _, raw = ApiToken.issue(user=user, name="test")
    return Client(headers={"authorization": f"Bearer {raw}"})


def _trail(order: Any, action: str) -> list[AuditLog]:
    return list(AuditLog.objects.filter(object_type="order", object_id=str(order.pk), action=action))


def test_a_batch_pdf_download_is_audited_for_each_of_its_orders(
    packer: Any, shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    orders = [make_order(shop) for _ in range(3)]
    client = _api(packer)
    with django_capture_on_commit_callbacks(execute=True):
        made = client.post(
            "/api/fulfilment/batches", {"order_ids": [o.pk for o in orders]}, content_type="application/json"
        )
    batch = made.json()["batches"][0]
    # The worker wrote the file: each order's trail says so, attributed to who made the batch.
    for order in orders:
        [written] = _trail(order, label_audit.WRITTEN)
        assert written.user == packer and written.detail["batch"] == batch["id"]
    desk = Client()
    desk.force_login(packer)
    response = desk.get(f"/fulfilment/batches/{batch['id']}/pdf/", REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 200
    for order in orders:
        [download] = _trail(order, label_audit.DOWNLOADED)
        assert (download.user, download.ip, download.detail["via"]) == (packer, "10.0.0.7", "desk")
    assert client.get(f"/api/fulfilment/batches/{batch['id']}/pdf").status_code == 200
    assert AuditLog.objects.filter(action=label_audit.DOWNLOADED, detail__via="api").count() == 3


def test_an_api_reprint_is_audited_on_the_order(operator: Any, shop: Any) -> None:
    order = make_order(shop)
    response = _api(operator).post(f"/api/fulfilment/orders/{order.pk}/reprint")
    assert response.status_code == 200
    [row] = _trail(order, label_audit.WRITTEN)
    assert row.user == operator and row.detail["file"].endswith(".pdf")


def test_desk_printing_audits_each_order_not_only_a_count(packer: Any, shop: Any) -> None:
    orders = [make_order(shop) for _ in range(2)]
    client = Client()
    client.force_login(packer)
    assert client.post("/labels/print/", {"order": [o.pk for o in orders]}).status_code == 302
    files = {_trail(o, label_audit.WRITTEN)[0].detail["file"] for o in orders}
    assert len(files) == 1  # both went into the one file, and the trail names it
