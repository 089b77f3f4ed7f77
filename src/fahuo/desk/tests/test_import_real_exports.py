"""The desk's import page with the 抖店 files sellers really download: what the file is, skipped and held orders."""

from __future__ import annotations

import io
from typing import Any

from django.test import Client
from django.urls import reverse

from fahuo.accounts.models import AuditLog
from fahuo.orders.models import ImportBatch, Order, OrderStatus
from fahuo.orders.tests import douyin_files as df
from fahuo.orders.tests.douyin_files import Line, order
from fahuo.orders.tests.test_platform_recipients import CANCELLED, OPEN, held, sim, sim_url  # noqa: F401


def upload(content: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


def test_a_zipped_export_shows_what_it_is_and_every_skipped_and_held_order(
    operator_client: Client, shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    closed = "6926000000000000080"
    secret = "6926000000000000081"
    rows = df.export_rows(
        [
            order("6926000000000000082"),
            order(closed, Line(f"{closed}1", status="已关闭")),
            order(secret, name=df.ENCRYPTED_NAME, phone=df.ENCRYPTED_PHONE, detail=df.ENCRYPTED_DETAIL),
        ]
    )
    data = df.zipped("1762776334_订单导出.csv", df.to_csv(rows))

    with django_capture_on_commit_callbacks(execute=True):  # the worker's job (Huey immediate in tests)
        response = operator_client.post(
            reverse("desk:import"), {"shop": shop.pk, "file": upload(data, "1762776334_订单导出.zip")}
        )

    batch = ImportBatch.objects.get()
    assert response.status_code == 302, response.content.decode()[:2000]
    page = operator_client.get(response["Location"]).content.decode()
    assert "识别为：抖店订单导出（75 列，商品维度）" in page
    held_table = page.split('id="held-orders"')[1].split("</table>")[0]
    assert secret in held_table and "收件信息为平台密文" in held_table
    skipped = page.split('id="skipped-orders"')[1].split("</table>")[0]
    assert closed in skipped and "订单状态「已关闭」" in skipped
    assert "AgAAAA" not in page
    assert Order.objects.filter(import_batch=batch).count() == 2


def test_an_after_sale_export_is_refused_on_the_page_saying_what_it_is(
    operator_client: Client, shop: Any
) -> None:
    response = operator_client.post(
        reverse("desk:import"), {"shop": shop.pk, "file": upload(df.after_sale_export(), "售后.csv")}
    )

    assert response.status_code == 422
    assert "这是抖店「售后单」导出" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_order_page_completes_a_held_receiver_from_the_platform(
    operator_client: Client,
    shop: Any,
    held: None,  # noqa: F811
) -> None:
    got = Order.objects.get(platform_order_id=OPEN)
    page = operator_client.get(reverse("desk:order_detail", args=[got.pk])).content.decode()
    assert 'id="decrypt-form"' in page and "收件信息为平台密文" in page

    response = operator_client.post(reverse("desk:order_decrypt", args=[got.pk]), follow=True)

    assert response.status_code == 200
    got.refresh_from_db()
    assert got.status == OrderStatus.READY and got.recipient_name == "林小雨"
    assert 'id="decrypt-form"' not in response.content.decode()
    assert AuditLog.objects.filter(action="order.decrypt_recipient", object_id=str(got.pk)).exists()


def test_the_order_page_says_when_the_platform_does_not_allow_decrypting(
    operator_client: Client,
    shop: Any,
    held: None,  # noqa: F811
) -> None:
    got = Order.objects.get(platform_order_id=CANCELLED)

    page = operator_client.post(reverse("desk:order_decrypt", args=[got.pk]), follow=True).content.decode()

    assert "平台只允许为已付款、未发货的订单解密" in page
    got.refresh_from_db()
    assert got.status == OrderStatus.NEEDS_REVIEW and got.recipient_name == ""
