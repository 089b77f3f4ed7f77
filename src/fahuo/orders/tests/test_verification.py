"""Imported recipients are verified, flagged with reason codes, deduplicated as customers, encrypted."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from fahuo.orders.importing import import_orders_file
from fahuo.orders.models import Customer, Order, OrderStatus, Shop
from fahuo.orders.services import update_recipient

SAMPLE = Path(__file__).parent / "data" / "douyin_order_export.csv"
PHONE_FLAGGED = {"6930000000001100126", "6930000000001100070", "6930000000001100042", "6930000000001100154"}
ADDRESS_FLAGGED = {"6930000000001100014", "6930000000001100084"}

TEMPLATE_HEADER = [
    "order_id",
    "title",
    "quantity",
    "unit_price",
    "recipient_name",
    "recipient_phone",
    "address",
]


def import_sample(shop):
    return import_orders_file(fileobj=SAMPLE.open("rb"), filename=SAMPLE.name, shop=shop)


def import_rows(shop, rows):
    buf = io.StringIO()
    csv.writer(buf).writerows([TEMPLATE_HEADER, *rows])
    return import_orders_file(fileobj=io.BytesIO(buf.getvalue().encode()), filename="t.csv", shop=shop)


def codes(order: Order) -> list[str]:
    return [r["code"] for r in order.review_reasons]


def test_bad_phones_are_flagged_with_the_phone_reason(shop):
    import_sample(shop)

    for order in Order.objects.filter(platform_order_id__in=PHONE_FLAGGED):
        assert order.status == OrderStatus.NEEDS_REVIEW
        assert codes(order) == ["phone"]


def test_unresolvable_addresses_are_flagged_with_the_address_reason(shop):
    import_sample(shop)

    for order in Order.objects.filter(platform_order_id__in=ADDRESS_FLAGGED):
        assert order.status == OrderStatus.NEEDS_REVIEW
        assert codes(order) == ["address"]


def test_every_other_order_is_ready(shop):
    import_sample(shop)

    flagged = set(
        Order.objects.filter(status=OrderStatus.NEEDS_REVIEW).values_list("platform_order_id", flat=True)
    )
    assert flagged == PHONE_FLAGGED | ADDRESS_FLAGGED
    ready = Order.objects.get(platform_order_id="6930000000001100063")
    assert (ready.status, ready.review_reasons, ready.adcode) == (OrderStatus.READY, [], "420103")
    assert (ready.province, ready.city, ready.district, ready.street) == (
        "湖北省",
        "武汉市",
        "江汉区",
        "民族街道",
    )


def test_review_reasons_and_row_errors_hold_no_personal_data(shop):
    report = import_sample(shop)

    with SAMPLE.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    personal = {r["收件人手机号"] for r in rows} | {r["收件人"] for r in rows} | {r["详细地址"] for r in rows}
    texts = [e.reason for e in report.errors]
    texts += [r["message"] for o in Order.objects.all() for r in o.review_reasons]
    for text in texts:
        assert not any(value in text for value in personal), text


def test_recipients_are_encrypted_at_rest(shop):
    import_sample(shop)

    with connection.cursor() as cur:
        cur.execute("SELECT recipient_name, recipient_phone, address_detail FROM orders_order")
        stored = [value for row in cur.fetchall() for value in row]
        cur.execute("SELECT name, phone FROM orders_customer")
        stored += [value for row in cur.fetchall() for value in row]
    assert stored
    assert all(value.startswith("v1:") for value in stored if value)
    blob = " ".join(stored)
    for plain in ("13560285272", "朱琳", "北京路155号", "周杰", "13178932879"):
        assert plain not in blob
    # while the application reads the clear values
    assert Order.objects.get(platform_order_id="6930000000001100133").recipient_name == "朱琳"


def test_one_customer_per_phone_within_a_file_and_across_imports(shop):
    import_rows(
        shop,
        [
            ["A-1", "面膜", "1", "59.9", "王小明", "13900001111", "浙江省杭州市西湖区文一西路588号"],
            ["A-2", "面膜", "1", "59.9", "王小明", "139 0000 1111", "浙江省杭州市西湖区文一西路588号"],
            ["A-3", "面膜", "1", "59.9", "李娜", "13700002222", "江苏省南京市鼓楼区中山北路100号"],
        ],
    )
    import_rows(
        shop, [["A-4", "面膜", "1", "59.9", "王小明", "+86 13900001111", "浙江省杭州市西湖区文一西路588号"]]
    )

    assert Customer.objects.count() == 2
    wang = Customer.objects.get(orders__platform_order_id="A-4")
    assert wang.orders_count == 3
    assert set(wang.orders.values_list("platform_order_id", flat=True)) == {"A-1", "A-2", "A-4"}


def test_customers_are_per_shop(shop):
    other = Shop.objects.create(code="other", name="二号店")
    row = ["A-1", "面膜", "1", "59.9", "王小明", "13900001111", "浙江省杭州市西湖区文一西路588号"]

    import_rows(shop, [row])
    import_rows(other, [row])

    assert Customer.objects.count() == 2
    assert Order.objects.count() == 2  # the same platform order id is a different order in another shop


def test_an_invalid_phone_creates_no_customer(shop):
    import_rows(shop, [["A-1", "面膜", "1", "59.9", "王小明", "1390000", "浙江省杭州市西湖区文一西路588号"]])

    order = Order.objects.get()
    assert order.customer is None
    assert codes(order) == ["phone"]
    assert not Customer.objects.exists()


def test_a_missing_name_is_its_own_reason(shop):
    import_rows(shop, [["A-1", "面膜", "1", "59.9", "", "13900001111", "浙江省杭州市西湖区文一西路588号"]])

    assert codes(Order.objects.get()) == ["name"]


def test_a_pasted_address_without_a_region_is_flagged(shop):
    import_rows(shop, [["A-1", "面膜", "1", "59.9", "王小明", "13900001111", "文一西路588号2幢301"]])

    order = Order.objects.get()
    assert order.status == OrderStatus.NEEDS_REVIEW
    assert "address" in codes(order)


def test_a_flagged_import_becomes_ready_once_corrected(shop):
    import_sample(shop)
    order = Order.objects.get(platform_order_id="6930000000001100070")

    update_recipient(
        order=order,
        name="胡蝶",
        phone="13875400911",
        province="浙江省",
        city="杭州市",
        district="西湖区",
        detail="文一西路588号2幢301",
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.READY
    assert order.customer is not None


@pytest.mark.django_db
def test_fixing_the_recipient_keeps_an_after_sale_flag(shop: Any) -> None:
    from fahuo.orders.models import Order, OrderStatus
    from fahuo.orders.services import update_recipient

    order = Order.objects.create(
        shop=shop,
        platform_order_id="AS-1",
        status=OrderStatus.NEEDS_REVIEW,
        review_reasons=[
            {"code": "after_sale", "message": "售后处理中"},
            {"code": "phone", "message": "手机号码无效 (phone)"},
        ],
    )
    update_recipient(
        order=order,
        name="李雷",
        phone="13912345678",
        province="浙江省",
        city="杭州市",
        district="西湖区",
        detail="文三路100号",
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.NEEDS_REVIEW
    assert [r["code"] for r in order.review_reasons] == ["after_sale"]


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        ("张三 abcdefghijk 浙江省杭州市西湖区文三路1号", "手机号无效"),
        ("李四 10086 浙江省杭州市西湖区文三路1号", "手机号无效"),
        ("王五 浙江省杭州市西湖区文三路1号", "缺少手机号"),
    ],
)
def test_a_pasted_line_with_no_usable_phone_is_flagged(shop, pasted, message):
    import_rows(shop, [["NP-1", "T恤", "1", "59", "", "", pasted]])

    order = Order.objects.get(platform_order_id="NP-1")
    assert order.status == OrderStatus.NEEDS_REVIEW
    [reason] = order.review_reasons
    assert reason["code"] == "phone" and reason["message"].startswith(message + "：")
    assert order.address_detail == "文三路1号"  # the junk is not kept as part of the address
