"""Print batches and the applied allocation's pickup hour: packing order and one batch per hour."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from fahuo.accounts.models import ApiToken
from fahuo.desk.tests.conftest import login
from fahuo.fulfilment.batches.services import create_batch
from fahuo.fulfilment.models import PrintBatch, PrintBatchItem
from fahuo.fulfilment.services import SHANGHAI
from fahuo.fulfilment.tests.batch_helpers import make_order, sku
from fahuo.orders.models import Order

pytestmark = pytest.mark.django_db

H19 = dt.datetime(2026, 11, 23, 19, tzinfo=SHANGHAI)
H20 = H19 + dt.timedelta(hours=1)
H21 = H19 + dt.timedelta(hours=2)


def at(order: Order, hour: dt.datetime | None) -> Order:
    Order.objects.filter(pk=order.pk).update(pickup_at=hour)
    order.pickup_at = hour
    return order


def seq(batch: PrintBatch) -> list[int]:
    return list(PrintBatchItem.objects.filter(batch=batch).order_by("seq").values_list("order_id", flat=True))


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_items_print_in_pickup_order_then_packing_order(shop: Any) -> None:
    mask, soap = sku("MASK"), sku("SOAP")
    late_mask = at(make_order(shop, [(mask, 1)]), H21)
    none_mask = at(make_order(shop, [(mask, 1)]), None)
    early_soap = at(make_order(shop, [(soap, 1)]), H19)
    mid_mask = at(make_order(shop, [(mask, 2)]), H20)
    early_mask = at(make_order(shop, [(mask, 1)]), H19)
    early_mask2 = at(make_order(shop, [(mask, 3)]), H19)
    [batch] = create_batch(orders=Order.objects.all(), enqueue=False)
    # 19:00 (MASK run first: two orders, by quantity; then SOAP), 20:00, 21:00, no hour last
    assert seq(batch) == [
        early_mask.pk,
        early_mask2.pk,
        early_soap.pk,
        mid_mask.pk,
        late_mask.pk,
        none_mask.pk,
    ]
    assert "by_pickup_hour" not in batch.criteria and "揽收" not in batch.name


def test_grouping_by_pickup_hour_makes_one_batch_per_hour_earliest_first(
    shop: Any, warehouse: Any, sandbox_carrier: Any
) -> None:
    h21 = [at(make_order(shop, carrier=sandbox_carrier, warehouse=warehouse), H21) for _ in range(3)]
    h19 = [at(make_order(shop, carrier=sandbox_carrier, warehouse=warehouse), H19) for _ in range(2)]
    h20 = [at(make_order(shop, carrier=sandbox_carrier, warehouse=warehouse), H20)]
    none = [make_order(shop, carrier=sandbox_carrier, warehouse=warehouse) for _ in range(4)]
    batches = create_batch(
        orders=Order.objects.all(), enqueue=False, by_pickup_hour=True, criteria={"source": "test"}
    )
    assert [b.total for b in batches] == [2, 1, 3, 4]  # earliest hour first, no hour last
    assert [set(seq(b)) for b in batches] == [{o.pk for o in group} for group in (h19, h20, h21, none)]
    assert [b.criteria.get("pickup_at") for b in batches] == [h.isoformat() for h in (H19, H20, H21)] + [None]
    assert all(b.criteria["by_pickup_hour"] and b.criteria["source"] == "test" for b in batches)
    assert "19:00揽收" in batches[0].name and "21:00揽收" in batches[2].name and "揽收" not in batches[3].name
    # without the option the same orders make one batch
    PrintBatch.objects.all().delete()
    [one] = create_batch(orders=Order.objects.all(), enqueue=False)
    assert one.total == 10


def test_the_desk_form_api_and_cli_pass_the_option(operator: Any, shop: Any, capsys: Any) -> None:
    for hour in (H19, H20):
        at(make_order(shop), hour)
    response = login(operator).post("/fulfilment/batches/create/", {"shop": shop.pk, "by_pickup_hour": "on"})
    assert response.status_code == 302 and PrintBatch.objects.count() == 2
    assert all(b.criteria["by_pickup_hour"] for b in PrintBatch.objects.all())
    PrintBatch.objects.all().delete()
    login(operator).post("/fulfilment/batches/create/", {"shop": shop.pk})
    assert PrintBatch.objects.count() == 1
    PrintBatch.objects.all().delete()

    _, raw = ApiToken.issue(user=operator, name="test")
    api = Client(headers={"authorization": f"Bearer {raw}"})
    made = api.post(
        "/api/fulfilment/batches",
        {"all_ready": True, "by_pickup_hour": True},
        content_type="application/json",
    )
    assert made.status_code == 201 and [b["total"] for b in made.json()["batches"]] == [1, 1]
    PrintBatch.objects.all().delete()

    from fahuo.cli import main

    assert main(["batches", "create", "--all-ready", "--by-pickup-hour", "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [r["total"] for r in out["batches"]] == [1, 1]
    assert "19:00揽收" in out["batches"][0]["name"]


def test_the_order_list_and_page_show_the_pickup_hour(operator: Any, shop: Any) -> None:
    order = at(make_order(shop), H20.astimezone(dt.UTC))
    client = login(operator)
    listing = client.get("/orders/").content.decode()
    assert "data-pickup>揽收 20:00<" in listing or "data-pickup>Pickup 20:00<" in listing
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert "data-pickup>20:00<" in page
