"""The desk's import page with the 抖店 files sellers really download: what the file is, skipped and held orders."""

from __future__ import annotations

import io
from typing import Any

from django.test import Client
from django.urls import reverse

from fahuo.orders.models import ImportBatch, Order
from fahuo.orders.tests import douyin_files as df
from fahuo.orders.tests.douyin_files import Line, order


def upload(content: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


def test_a_zipped_export_shows_what_it_is_and_every_skipped_and_held_order(
    operator_client: Client, shop: Any
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

    response = operator_client.post(
        reverse("desk:import"), {"shop": shop.pk, "file": upload(data, "1762776334_订单导出.zip")}
    )

    batch = ImportBatch.objects.get()
    assert response.status_code == 302, response.content.decode()[:2000]
    page = operator_client.get(response["Location"]).content.decode()
    assert "识别为：抖店订单导出（75 列，商品维度）" in page
    held = page.split('id="held-orders"')[1].split("</table>")[0]
    assert secret in held and "收件信息为平台密文" in held
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
