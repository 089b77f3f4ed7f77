"""The order page of an order held for its encrypted receiver: ship it with 抖音电子面单 instead of
decrypting it, and the state it then shows."""

from __future__ import annotations

import io
from typing import Any

from django.test import Client
from django.urls import reverse

from fahuo.accounts.models import AuditLog
from fahuo.orders.importing import import_orders_file
from fahuo.orders.models import Order, OrderStatus
from fahuo.orders.tests import douyin_files as df

OID = "6926000000000000901"


def _held(shop: Any, *, reasons_extra: bool = False) -> Order:
    row = df.order(
        OID,
        name=df.ENCRYPTED_NAME,
        phone=df.ENCRYPTED_PHONE,
        detail=df.ENCRYPTED_DETAIL,
        **({"address_changed": "是"} if reasons_extra else {}),
    )
    import_orders_file(
        fileobj=io.BytesIO(df.to_csv(df.export_rows([row]))), filename="1762776334_订单导出.csv", shop=shop
    )
    return Order.objects.get(platform_order_id=OID)


def test_the_held_order_page_offers_the_douyin_e_waybill_and_releases_it(
    operator_client: Client, shop: Any
) -> None:
    order = _held(shop)
    page = operator_client.get(reverse("desk:order_detail", args=[order.pk])).content.decode()
    assert 'id="platform-waybill-form"' in page

    response = operator_client.post(reverse("desk:order_platform_waybill", args=[order.pk]), follow=True)

    page = response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.READY
    assert [r["code"] for r in order.review_reasons] == ["platform_waybill"]
    assert 'id="platform-waybill-state"' in page and 'id="platform-waybill-form"' not in page
    assert "只能用抖音电子面单取号" in page
    assert AuditLog.objects.filter(action="order.platform_waybill", object_id=str(order.pk)).exists()


def test_releasing_twice_says_why_and_changes_nothing(operator_client: Client, shop: Any) -> None:
    order = _held(shop)
    operator_client.post(reverse("desk:order_platform_waybill", args=[order.pk]))
    page = operator_client.post(
        reverse("desk:order_platform_waybill", args=[order.pk]), follow=True
    ).content.decode()
    assert "不在待审核状态" in page
    assert AuditLog.objects.filter(action="order.platform_waybill").count() == 1
