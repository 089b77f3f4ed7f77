"""A live stream's 抖店 pushes: 50 paid messages a push are created together, nothing lost, nothing twice."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fahuo.orders.models import Order, OrderStatus
from fahuo.orders.tests.import_world import douyin_paid_messages
from fahuo.tracking.models import MessageStatus, PlatformMessage, PushLog
from fahuo.tracking.tests.test_hooks import douyin_post

pytestmark = pytest.mark.django_db


def push(client: Client, messages: list[dict[str, Any]]) -> Any:
    response = douyin_post(client, json.dumps(messages, ensure_ascii=False).encode())
    assert response.json() == {"code": 0, "msg": "success"}
    return response


def test_a_push_of_fifty_paid_orders_costs_the_queries_of_five(client: Client, douyin_account: Any) -> None:
    with CaptureQueriesContext(connection) as five:
        push(client, douyin_paid_messages(0, 5))
    with CaptureQueriesContext(connection) as fifty:
        push(client, douyin_paid_messages(100, 50))
    assert Order.objects.filter(source="push").count() == 55
    assert len(fifty) <= len(five) + 2


def test_every_paid_message_of_a_push_is_kept_once_and_redelivery_changes_nothing(
    client: Client, douyin_account: Any
) -> None:
    messages = douyin_paid_messages(0, 50)
    push(client, messages)
    push(client, messages)  # the platform pushes again when it missed our answer
    assert Order.objects.filter(source="push").count() == 50
    assert set(PlatformMessage.objects.values_list("status", "note")) == {
        (MessageStatus.DONE, "order created")
    }
    assert PlatformMessage.objects.count() == 50
    order = Order.objects.get(platform_order_id="4781320000000000007")
    assert (order.status, order.province, order.lines.get().sku_code) == (
        OrderStatus.READY,
        "浙江省",
        "MASK-10",
    )
    assert PushLog.objects.order_by("-pk")[0].accepted_events == 0


def test_a_bad_message_is_kept_failed_and_the_others_of_its_push_are_created(
    client: Client, douyin_account: Any
) -> None:
    messages = douyin_paid_messages(0, 10)
    bad = json.loads(str(messages[3]["data"]))
    bad["pay_time"] = 10**18  # beyond year 9999
    messages[3]["data"] = json.dumps(bad)
    unreadable = json.loads(str(messages[6]["data"]))
    unreadable["receiver_msg"]["addr"]["detail"] = "不存在的地址"
    unreadable["receiver_msg"]["addr"]["town"] = {"name": ""}
    messages[6]["data"] = json.dumps(unreadable)
    push(client, messages)
    failed = PlatformMessage.objects.get(status=MessageStatus.FAILED)
    assert (failed.msg_id, failed.platform_order_id) == ("world-3", "4781320000000000003")
    assert "out of range" in failed.note
    assert Order.objects.filter(source="push").count() == 9
    # the order whose address cannot be verified is kept for correction, not dropped
    held = Order.objects.get(platform_order_id="4781320000000000006")
    assert held.status == OrderStatus.NEEDS_REVIEW


def test_an_order_already_known_and_a_bare_message_in_the_same_push(
    client: Client, douyin_account: Any
) -> None:
    push(client, douyin_paid_messages(0, 3))
    again = douyin_paid_messages(1, 1)
    again[0]["msg_id"] = "world-1-again"
    bare = {"tag": "101", "msg_id": "bare-9", "data": json.dumps({"p_id": 4781329999, "shop_id": 4463798})}
    push(client, [*douyin_paid_messages(3, 2), *again, bare])
    notes = dict(PlatformMessage.objects.values_list("msg_id", "note"))
    assert notes["world-1-again"] == "order already known"
    assert PlatformMessage.objects.get(msg_id="bare-9").status == MessageStatus.PENDING_FETCH
    assert Order.objects.filter(source="push").count() == 5


def test_two_copies_of_one_message_in_a_push_make_one_record(client: Client, douyin_account: Any) -> None:
    """Two ids the platform cuts to the same 64 characters: the set insert is refused, and the
    messages are applied one by one — the second is the first's duplicate, its order not kept."""
    messages = douyin_paid_messages(0, 4)
    messages[1]["msg_id"] = "m" * 64 + "-a"
    messages[2]["msg_id"] = "m" * 64 + "-b"
    push(client, messages)
    assert PlatformMessage.objects.count() == 3
    assert Order.objects.filter(source="push").count() == 3


def test_pushed_recipients_are_stored_encrypted(client: Client, douyin_account: Any) -> None:
    push(client, douyin_paid_messages(0, 5))
    with connection.cursor() as cursor:
        cursor.execute("SELECT recipient_phone, recipient_name, address_detail FROM orders_order")
        rows = cursor.fetchall()
    assert len(rows) == 5
    for phone, name, detail in rows:
        assert not phone.startswith("139") and "李四" not in name and "文一西路" not in detail
    assert Order.objects.get(platform_order_id="4781320000000000002").recipient_phone == "13900000002"
