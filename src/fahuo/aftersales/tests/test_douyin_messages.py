"""抖店 refund messages (tags 200-208) drive RMAs: created, moved, idempotent, out-of-order safe."""

from __future__ import annotations

from typing import Any

import pytest

from fahuo.aftersales.models import Rma, RmaKind, RmaStatus
from fahuo.integrations.douyin.push import DouyinMessage
from fahuo.orders.models import Order, OrderStatus
from fahuo.tracking.models import MessageStatus, PlatformMessage
from fahuo.tracking.shop_messages import handle_douyin_messages
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.django_db
P_ID = "4781320682406083640"
AS_ID = "7040458102513434891"


def msg(tag: str, msg_id: str, *, at: int, aftersale_type: int = 0, **extra: Any) -> DouyinMessage:
    time_key = {
        "200": "apply_time",
        "202": "agree_time",
        "203": "return_time",
        "204": "refuse_time",
        "206": "success_time",
        "207": "close_time",
    }.get(tag, "update_time")
    data = {
        "p_id": int(P_ID),
        "s_id": int(P_ID) + 1,
        "shop_id": 4463798,
        "aftersale_id": int(AS_ID),
        "aftersale_type": aftersale_type,
        "aftersale_status": 6,
        "refund_amount": 5990,
        "refund_post_amount": 0,
        "reason_code": 1,
        time_key: at,
        **extra,
    }
    return DouyinMessage(tag=tag, msg_id=msg_id, data=data)


def test_a_return_runs_from_request_to_refund(douyin_account: Any, shop: Any) -> None:
    order = f.order(shop, platform_order_id=P_ID)
    handle_douyin_messages([msg("200", "m1", at=1700000000)])
    rma = Rma.objects.get()
    assert (rma.order_id, rma.kind, rma.status, rma.refund_amount_fen) == (
        order.pk,
        RmaKind.RETURN_REFUND,
        RmaStatus.REQUESTED,
        5990,
    )
    handle_douyin_messages([msg("202", "m2", at=1700000100, addr="杭州市余杭区退货仓")])
    handle_douyin_messages([msg("203", "m3", at=1700000200, logistics=773012345678901)])
    rma.refresh_from_db()
    assert (rma.status, rma.return_tracking_no) == (RmaStatus.RETURNING, "773012345678901")
    handle_douyin_messages([msg("206", "m4", at=1700000300)])
    rma.refresh_from_db()
    assert rma.status == RmaStatus.REFUNDED
    assert list(rma.steps.values_list("tag", flat=True)) == ["200", "202", "203", "206"]


def test_the_created_message_still_holds_the_order_for_review(douyin_account: Any, shop: Any) -> None:
    order = f.order(shop, platform_order_id=P_ID, status=OrderStatus.READY)
    handle_douyin_messages([msg("200", "m1", at=1700000000)])
    order.refresh_from_db()
    assert order.status == OrderStatus.NEEDS_REVIEW
    assert [r["code"] for r in order.review_reasons] == ["after_sale"]


def test_a_replayed_message_changes_nothing(douyin_account: Any, shop: Any) -> None:
    f.order(shop, platform_order_id=P_ID)
    batch = [msg("200", "m1", at=1700000000), msg("202", "m2", at=1700000100)]
    handle_douyin_messages(batch)
    outcome = handle_douyin_messages(batch)
    assert outcome.duplicates == 2
    assert Rma.objects.get().steps.count() == 2


def test_a_late_older_message_does_not_move_the_rma_back(douyin_account: Any, shop: Any) -> None:
    f.order(shop, platform_order_id=P_ID)
    handle_douyin_messages([msg("203", "m3", at=1700000200, logistics="SF1234")])
    handle_douyin_messages([msg("200", "m1", at=1700000000), msg("202", "m2", at=1700000100)])
    rma = Rma.objects.get()
    assert rma.status == RmaStatus.RETURNING
    assert list(rma.steps.order_by("at").values_list("tag", "applied")) == [
        ("200", False),
        ("202", False),
        ("203", True),
    ]


def test_a_closed_rma_stays_closed(douyin_account: Any, shop: Any) -> None:
    f.order(shop, platform_order_id=P_ID)
    handle_douyin_messages([msg("207", "m9", at=1700000900), msg("206", "m4", at=1700000300)])
    assert Rma.objects.get().status == RmaStatus.CLOSED


def test_kind_comes_from_aftersale_type(douyin_account: Any, shop: Any) -> None:
    f.order(shop, platform_order_id=P_ID)
    handle_douyin_messages([msg("200", "m1", at=1700000000, aftersale_type=3)])
    assert Rma.objects.get().kind == RmaKind.EXCHANGE
    handle_douyin_messages([msg("208", "m2", at=1700000050, aftersale_type=2, refund_amount=1000)])
    rma = Rma.objects.get()
    assert (rma.kind, rma.refund_amount_fen, rma.status) == (RmaKind.REFUND_ONLY, 1000, RmaStatus.REQUESTED)


def test_a_refund_for_an_unknown_order_is_kept_and_linked_later(douyin_account: Any, shop: Any) -> None:
    outcome = handle_douyin_messages([msg("200", "m1", at=1700000000)])
    rma = Rma.objects.get()
    assert (rma.order_id, rma.platform_order_id, rma.shop_id) == (None, P_ID, shop.pk)
    record = PlatformMessage.objects.get()
    assert record.status == MessageStatus.DONE and "kept" in record.note
    assert outcome.errors == [] and not Order.objects.exists()
    order = f.order(shop, platform_order_id=P_ID)
    handle_douyin_messages([msg("202", "m2", at=1700000100)])
    rma.refresh_from_db()
    assert (rma.order_id, rma.status) == (order.pk, RmaStatus.APPROVED)


def test_a_message_without_aftersale_id_fails_on_its_own(douyin_account: Any, shop: Any) -> None:
    bad = DouyinMessage(tag="200", msg_id="bad", data={"p_id": 1, "shop_id": 4463798})
    outcome = handle_douyin_messages([bad, msg("200", "m1", at=1700000000)])
    assert len(outcome.errors) == 1 and "aftersale_id" in outcome.errors[0]
    assert PlatformMessage.objects.get(msg_id="bad").status == MessageStatus.FAILED
    assert Rma.objects.count() == 1
