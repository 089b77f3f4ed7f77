"""The fulfilment API: batches (create, read, items, resume, PDF) and void/reprint of one order."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import StreamingHttpResponse
from django.test import Client

from fahuo.accounts.models import ApiToken
from fahuo.fulfilment.batches.services import run_batch
from fahuo.fulfilment.models import BatchStatus, PrintBatch, VoidedWaybill, Waybill
from fahuo.fulfilment.tests import batch_helpers as h
from fahuo.fulfilment.tests.batch_helpers import make_order
from fahuo.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db

output_dir = h.output_dir  # fixture


def api(user: Any) -> Client:
    _, raw = ApiToken.issue(user=user, name="test")
    return Client(headers={"authorization": f"Bearer {raw}"})


def test_create_a_batch_from_a_selection_and_follow_it_to_the_pdf(
    packer: Any, shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    orders = [make_order(shop) for _ in range(3)]
    flagged = make_order(shop, phone="123")
    client = api(packer)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/fulfilment/batches",
            {"order_ids": [o.pk for o in orders] + [flagged.pk], "name": "API 波次"},
            content_type="application/json",
        )
    assert created.status_code == 201, created.content
    body = created.json()
    [batch] = body["batches"]
    assert batch["total"] == 3 and batch["name"] == "API 波次"
    assert body["skipped"] == [{"order_id": flagged.pk, "reason": "订单待审核，请先修正收件信息"}]
    # Huey runs the worker's job inline under pytest once the transaction commits: the batch is done.
    detail = client.get(f"/api/fulfilment/batches/{batch['id']}").json()
    assert (detail["status"], detail["issued"], detail["percent"]) == ("done", 3, 100)
    items = client.get(f"/api/fulfilment/batches/{batch['id']}/items").json()
    assert [i["seq"] for i in items] == [1, 2, 3] and all(i["tracking_no"] for i in items)
    pdf = client.get(detail["pdf_url"])
    assert pdf.status_code == 200 and isinstance(pdf, StreamingHttpResponse)
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert [b["id"] for b in client.get("/api/fulfilment/batches").json()] == [batch["id"]]


def test_all_ready_needs_no_ids_and_nothing_given_is_refused(operator: Any, shop: Any) -> None:
    make_order(shop)
    client = api(operator)
    assert client.post("/api/fulfilment/batches", {}, content_type="application/json").status_code == 422
    made = client.post("/api/fulfilment/batches", {"all_ready": True}, content_type="application/json")
    assert made.status_code == 201 and made.json()["batches"][0]["total"] == 1


def test_resume_of_a_finished_batch_is_a_conflict(operator: Any, shop: Any) -> None:
    client = api(operator)
    made = client.post(
        "/api/fulfilment/batches", {"order_ids": [make_order(shop).pk]}, content_type="application/json"
    ).json()
    run_batch(batch_id=made["batches"][0]["id"])
    response = client.post(f"/api/fulfilment/batches/{made['batches'][0]['id']}/resume")
    assert response.status_code == 409 and response.json()["message"] == "波次已完成，无需继续"


def test_resume_a_failed_batch(operator: Any, shop: Any, django_capture_on_commit_callbacks: Any) -> None:
    from fahuo.fulfilment.batches.services import create_batch

    [batch] = create_batch(orders=[make_order(shop)], enqueue=False)
    PrintBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED, error="网络中断")
    assert api(operator).get(f"/api/fulfilment/batches/{batch.pk}").json()["error"] == "网络中断"
    client = api(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/fulfilment/batches/{batch.pk}/resume")
    assert response.status_code == 200 and response.json()["status"] == "queued"
    assert PrintBatch.objects.get(pk=batch.pk).status == BatchStatus.DONE  # the worker ran it on commit


def test_void_needs_an_operator_and_reprint_then_issues_a_new_number(
    packer: Any, operator: Any, shop: Any
) -> None:
    from fahuo.fulfilment.batches.services import create_batch

    order = make_order(shop)
    [batch] = create_batch(orders=[order], enqueue=False)
    run_batch(batch_id=batch.pk)
    old = Waybill.objects.get().tracking_no
    denied = api(packer).post(
        f"/api/fulfilment/orders/{order.pk}/void", {"reason": "damaged"}, content_type="application/json"
    )
    assert denied.status_code == 403
    voided = api(operator).post(
        f"/api/fulfilment/orders/{order.pk}/void", {"reason": "damaged"}, content_type="application/json"
    )
    assert voided.status_code == 200 and voided.json()["tracking_no"] == old
    assert VoidedWaybill.objects.get().reason == "面单损坏"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY
    reprint = api(packer).post(f"/api/fulfilment/orders/{order.pk}/reprint")
    assert reprint.status_code == 200 and reprint["Content-Type"] == "application/pdf"
    assert Waybill.objects.get().tracking_no != old


def test_an_unknown_void_reason_is_a_validation_error(operator: Any, shop: Any) -> None:
    order = make_order(shop)
    response = api(operator).post(
        f"/api/fulfilment/orders/{order.pk}/void", {"reason": "bored"}, content_type="application/json"
    )
    assert response.status_code == 422


def test_a_missing_batch_is_404(packer: Any) -> None:
    response = api(packer).get("/api/fulfilment/batches/999")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
