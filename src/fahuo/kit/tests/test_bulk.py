"""``bulk_insert``: the same rows ``bulk_create`` writes, ids set, encrypted and auto fields prepared."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from fahuo.kit.bulk import bulk_insert
from fahuo.orders.models import Order, OrderLine


@pytest.mark.django_db
def test_bulk_insert_writes_what_bulk_create_writes(shop: Any) -> None:
    orders = [
        Order(
            shop=shop,
            platform_order_id=f"B{i}",
            recipient_name="王小明",
            recipient_phone=f"1390000{i:04d}",
            province="浙江省",
            review_reasons=[{"code": "x", "message": "甲"}] if i % 2 else [],
            total_fen=100 + i,
        )
        for i in range(2500)  # more rows than one statement takes
    ]
    bulk_insert(orders)
    assert all(o.pk for o in orders) and len({o.pk for o in orders}) == 2500
    lines = [
        OrderLine(order=o, platform_line_id=f"{o.platform_order_id}-1", title="糖", quantity=2)
        for o in orders
    ]
    bulk_insert(lines, return_ids=False)

    again = Order.objects.get(pk=orders[7].pk)
    assert (again.platform_order_id, again.recipient_phone, again.total_fen) == ("B7", "13900000007", 107)
    assert again.review_reasons == [{"code": "x", "message": "甲"}] and again.created_at is not None
    assert again.lines.get().quantity == 2
    assert OrderLine.objects.count() == 2500
    with connection.cursor() as cursor:  # personal data is encrypted at rest, as with bulk_create
        cursor.execute("SELECT recipient_phone FROM orders_order WHERE id = %s", [orders[7].pk])
        assert "13900000007" not in cursor.fetchone()[0]


@pytest.mark.django_db
def test_rows_after_a_large_insert_get_new_ids(shop: Any) -> None:
    """PostgreSQL takes ≥ COPY_MIN_ROWS rows by COPY with ids drawn from the sequence: an order saved
    afterwards the ordinary way gets a fresh id, not one of theirs."""
    orders = [Order(shop=shop, platform_order_id=f"C{i}", recipient_name="李雷") for i in range(1200)]
    bulk_insert(orders)
    later = Order.objects.create(shop=shop, platform_order_id="AFTER", recipient_name="韩梅梅")
    assert later.pk not in {o.pk for o in orders}
    assert Order.objects.count() == 1201
    assert Order.objects.get(pk=orders[-1].pk).recipient_name == "李雷"
