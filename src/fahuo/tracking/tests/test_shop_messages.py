"""抖店 messages change orders: new paid orders, address changes, ship-by changes, after-sales."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from fahuo.integrations.douyin.push import DouyinMessage
from fahuo.orders.models import Order, OrderStatus
from fahuo.tracking.models import Alert, AlertKind, MessageStatus, PlatformMessage
from fahuo.tracking.shop_messages import handle_douyin_messages
from fahuo.tracking.tests import factories as f
from fahuo.tracking.tests.conftest import golden

pytestmark = pytest.mark.django_db
P_ID = "4781320682406083640"


def messages(name: str) -> list[DouyinMessage]:
    return [
        DouyinMessage(tag=m["tag"], msg_id=m["msg_id"], data=json.loads(m["data"]))
        for m in golden("douyin", name)["body"]
    ]


def our_order(shop: Any, **fields: Any) -> Order:
    return f.order(shop, platform_order_id=P_ID, **fields)


def test_a_bare_paid_message_is_recorded_for_fetching(douyin_account: Any) -> None:
    outcome = handle_douyin_messages(messages("push_trade_paid.json"))
    msg = PlatformMessage.objects.get()
    assert (msg.status, msg.platform_order_id, msg.shop_id, msg.tag) == (
        MessageStatus.PENDING_FETCH,
        P_ID,
        douyin_account.shop_id,
        "101",
    )
    assert (outcome.processed, outcome.pending_fetch) == (1, 1)
    assert not Order.objects.exists()


def test_a_paid_message_with_recipient_and_items_creates_the_order(douyin_account: Any, shop: Any) -> None:
    data = {
        "p_id": 4781320682406000001,
        "shop_id": 4463798,
        "pay_time": 1630921208,
        "receiver_msg": {
            "name": "李四",
            "tel": "13912345678",
            "addr": {
                "province": {"name": "浙江省"},
                "city": {"name": "杭州市"},
                "town": {"name": "余杭区"},
                "street": {"name": "仓前街道"},
                "detail": "文一西路1000号",
            },
        },
        "sku_order_list": [
            {
                "order_id": "4781320682406000002",
                "product_name": "面膜",
                "item_num": 2,
                "out_sku_id": "MASK-10",
                "origin_amount": 5990,
            }
        ],
    }
    outcome = handle_douyin_messages([DouyinMessage(tag="101", msg_id="m-create", data=data)])
    order = Order.objects.get(platform_order_id="4781320682406000001")
    assert (order.shop_id, order.status, order.source, order.province) == (
        shop.pk,
        OrderStatus.READY,
        "push",
        "浙江省",
    )
    assert order.lines.get().quantity == 2
    assert outcome.created_orders == 1
    assert PlatformMessage.objects.get().status == MessageStatus.DONE


def test_a_paid_message_for_a_known_order_changes_nothing(douyin_account: Any, shop: Any) -> None:
    o = our_order(shop, status=OrderStatus.READY)
    handle_douyin_messages(messages("push_trade_paid.json"))
    assert Order.objects.get().pk == o.pk
    assert PlatformMessage.objects.get().note == "order already known"


def test_the_same_message_twice_is_handled_once(douyin_account: Any, shop: Any) -> None:
    our_order(shop, status=OrderStatus.READY)
    first = handle_douyin_messages(messages("push_refund_created.json"))
    second = handle_douyin_messages(messages("push_refund_created.json"))
    assert (first.processed, second.processed, second.duplicates) == (1, 0, 1)
    assert PlatformMessage.objects.count() == 1
    assert Alert.objects.filter(kind=AlertKind.AFTER_SALE).count() == 1
    assert len(Order.objects.get().review_reasons) == 1


def test_an_address_change_re_verifies_a_ready_order(douyin_account: Any, shop: Any) -> None:
    o = our_order(shop, status=OrderStatus.READY, province="江苏省", city="苏州市", district="姑苏区")
    handle_douyin_messages(messages("push_address_changed.json"))
    o.refresh_from_db()
    assert (o.province, o.city, o.district, o.street) == ("浙江省", "杭州市", "余杭区", "仓前街道")
    assert o.address_detail == "文一西路1000号2幢101室"
    assert o.recipient_phone == "13812345678"  # the message's phone is masked: the order keeps its own
    assert o.status == OrderStatus.READY
    assert not Alert.objects.exists()


def test_an_address_change_after_printing_raises_an_intercept_alert(douyin_account: Any, shop: Any) -> None:
    o = our_order(shop, status=OrderStatus.PRINTED)
    handle_douyin_messages(messages("push_address_changed.json"))
    alert = Alert.objects.get()
    assert (alert.kind, alert.order_id, alert.severity, alert.track_id) == (
        AlertKind.ADDRESS_CHANGED,
        o.pk,
        "critical",
        None,
    )
    assert alert.detail.startswith("已打单，请拦截")
    assert "余杭区" in alert.detail


def test_an_encrypted_address_change_holds_a_ready_order_for_review(douyin_account: Any, shop: Any) -> None:
    o = our_order(shop, status=OrderStatus.READY)
    data = {
        "p_id": P_ID,
        "shop_id": 4463798,
        "receiver_msg": {"name": "张*", "tel": "138****8000", "addr": json.dumps({"detail": "#EncDetail#"})},
    }
    handle_douyin_messages([DouyinMessage(tag="105", msg_id="m-enc", data=data)])
    o.refresh_from_db()
    assert o.status == OrderStatus.NEEDS_REVIEW
    assert o.review_reasons[-1]["code"] == "address"
    assert PlatformMessage.objects.get().status == MessageStatus.PENDING_FETCH


def test_a_ship_by_change_moves_the_deadline(douyin_account: Any, shop: Any) -> None:
    o = our_order(shop, status=OrderStatus.READY)
    handle_douyin_messages(messages("push_ship_time_changed.json"))
    o.refresh_from_db()
    assert o.ship_by == dt.datetime.fromtimestamp(1631107200, tz=dt.UTC)


def test_an_after_sale_flags_the_order_and_alerts(douyin_account: Any, shop: Any) -> None:
    o = our_order(shop, status=OrderStatus.READY)
    handle_douyin_messages(messages("push_refund_created.json"))
    o.refresh_from_db()
    assert o.status == OrderStatus.NEEDS_REVIEW
    assert [r["code"] for r in o.review_reasons] == ["after_sale"]
    assert "7016599999999999999" in o.review_reasons[0]["message"]
    alert = Alert.objects.get()
    assert (alert.kind, alert.order_id) == (AlertKind.AFTER_SALE, o.pk)
    assert alert.detail.startswith("未发货")


def test_an_after_sale_on_a_printed_order_says_intercept(douyin_account: Any, shop: Any) -> None:
    o = our_order(shop, status=OrderStatus.PRINTED)
    handle_douyin_messages(messages("push_refund_created.json"))
    o.refresh_from_db()
    assert o.status == OrderStatus.PRINTED
    assert Alert.objects.get().detail.startswith("已打单，请拦截")


def test_a_refund_about_an_unknown_order_is_kept_as_an_rma_without_alert(douyin_account: Any) -> None:
    # After-sales keeps it (issue #17): listed with the platform order id, linked when the order comes.
    from fahuo.aftersales.models import Rma

    handle_douyin_messages(messages("push_refund_created.json"))
    record = PlatformMessage.objects.get()
    assert (record.status, "kept" in record.note) == (MessageStatus.DONE, True)
    assert Rma.objects.get().order_id is None
    assert not Alert.objects.exists()
