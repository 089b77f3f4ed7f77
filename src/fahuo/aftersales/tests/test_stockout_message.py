# ruff: noqa: F811  (the fixtures imported below are arguments of the tests)
"""The out-of-stock choice link reaches the buyer through the 话术库 and the buyer's channel (SMS or
抖店 IM simulators over HTTP), not copied by the seller; the phone and the text stay out of the logs."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from fahuo.aftersales import stockout
from fahuo.aftersales.tests.test_stockout import offered, short_order, skus  # noqa: F401
from fahuo.notify.models import MessageTemplate, OutboxMessage, OutboxStatus
from fahuo.notify.sending import send_due
from fahuo.notify.tests.conftest import (  # noqa: F401  (fixtures)
    _message_settings,
    im_sim,
    library,
    sms_shop,
    sms_sim,
)
from fahuo.notify.tests.factories import FULL_PHONE

pytestmark = pytest.mark.django_db


def test_the_choice_link_goes_out_by_sms_with_the_phone_masked_in_logs(
    sms_shop: Any, skus: Any, library: None, sms_sim: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    order = short_order(sms_shop, skus[0])
    order.recipient_phone = FULL_PHONE
    order.save(update_fields=["recipient_phone"])
    choice = offered(order)
    assert choice.outcome == "选择链接已通过短信发给买家"
    assert send_due().sent == 1
    [sms] = sms_sim.sent
    assert sms.mobile == FULL_PHONE
    assert f"https://fahuo.example.com/t/choice/{choice.token}" in sms.content
    assert "暂时缺货" in sms.content and sms_shop.name in sms.content
    assert FULL_PHONE not in caplog.text and sms.content not in caplog.text


def test_a_douyin_buyer_gets_the_link_in_the_douyin_chat(
    shop: Any, skus: Any, library: None, im_sim: Any
) -> None:
    order = short_order(shop, skus[0])
    choice = offered(order)
    assert "抖店消息" in choice.outcome
    send_due()
    [sent] = im_sim.delivered
    assert sent.order_id == order.platform_order_id
    assert f"/t/choice/{choice.token}" in sent.content


def test_a_new_offer_after_a_withdrawal_sends_its_own_link(sms_shop: Any, skus: Any, library: None) -> None:
    order = short_order(sms_shop, skus[0])
    first = offered(order)
    stockout.withdraw(choice=first)
    second = offered(order)
    bodies = list(OutboxMessage.objects.filter(order=order).values_list("body", flat=True))
    assert len(bodies) == 2 and first.token in bodies[0] + bodies[1] and second.token in bodies[0] + bodies[1]


def test_a_switched_off_message_tells_the_seller_to_send_the_link(
    sms_shop: Any, skus: Any, library: None
) -> None:
    MessageTemplate.objects.filter(key="stock_choice").update(active=False)
    choice = offered(short_order(sms_shop, skus[0]))
    assert "已停用" in choice.outcome
    assert not OutboxMessage.objects.exists()


def test_without_a_phone_the_seller_reads_why(sms_shop: Any, skus: Any, library: None) -> None:
    order = short_order(sms_shop, skus[0])
    order.recipient_phone = ""
    order.save(update_fields=["recipient_phone"])
    choice = offered(order)
    assert "没有收件人手机号" in choice.outcome
    assert OutboxMessage.objects.get(order=order).status == OutboxStatus.FAILED
