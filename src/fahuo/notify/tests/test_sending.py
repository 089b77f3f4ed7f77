"""Sending: each channel over real HTTP to its simulator, backoff, rate limits, failures kept visible."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest

from fahuo.notify import services
from fahuo.notify.models import OutboxMessage, OutboxStatus, RateBucket
from fahuo.notify.sending import backoff, retry_failed, retry_messages, send_due
from fahuo.notify.tests import factories as f

NOW = f.NOW


def queue(shop: Any, key: str = "shipped", now: dt.datetime = NOW, **order_fields: Any) -> OutboxMessage:
    order = f.order(shop, **order_fields)
    f.track(order)
    message = services.enqueue(order=order, key=key, now=now)
    assert message is not None
    return message


def test_sms_goes_out_over_http(
    sms_shop: Any, library: None, sms_sim: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    message = queue(sms_shop)
    summary = send_due(now=NOW)
    message.refresh_from_db()
    assert summary.sent == 1
    assert message.status == OutboxStatus.SENT and message.provider_msg_id and message.sent_at == NOW
    assert [(s.mobile, s.content) for s in sms_sim.sent] == [(f.FULL_PHONE, message.body)]
    assert sms_sim.sent[0].order_code == f"fahuo-msg-{message.pk}"
    assert f.FULL_PHONE not in caplog.text and message.body not in caplog.text


def test_douyin_im_goes_out_over_http(shop: Any, library: None, im_sim: Any) -> None:
    message = queue(shop, key="out_for_delivery")
    send_due(now=NOW)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert [(m.order_id, m.content) for m in im_sim.delivered] == [
        (message.order.platform_order_id, message.body)
    ]


def test_wechat_goes_out_over_http(sms_shop: Any, library: None, wechat_sim: Any) -> None:
    wechat_sim.subscribe("o-buyer-1")
    services.bind_contact(shop=sms_shop, phone=f.FULL_PHONE, address="o-buyer-1")
    message = queue(sms_shop, channel="private")
    assert message.channel == "wechat"
    send_due(now=NOW)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    sent = wechat_sim.delivered[0]
    assert sent.openid == "o-buyer-1"
    assert sent.data["character_string1"] == message.params["单号"]
    assert sent.data["phrase3"] == "已发货"


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4, 7, 8, 30)] == [1, 2, 4, 8, 60, 60, 60]


def test_a_retryable_failure_waits_and_then_goes_out(sms_shop: Any, library: None, sms_sim: Any) -> None:
    message = queue(sms_shop)
    sms_sim.fail_next(1, 503)
    assert send_due(now=NOW).retrying == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.QUEUED, 1)
    assert message.next_attempt_at == NOW + dt.timedelta(minutes=1)
    assert "HTTP 503" in message.last_error
    assert send_due(now=NOW + dt.timedelta(seconds=30)).sent == 0  # not due yet
    assert send_due(now=NOW + dt.timedelta(minutes=1)).sent == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (OutboxStatus.SENT, 2, "")


def test_a_final_failure_is_kept_with_the_providers_reason(
    sms_shop: Any, library: None, sms_sim: Any
) -> None:
    message = queue(sms_shop, recipient_phone="17714854")  # not a mobile number
    assert send_due(now=NOW).failed == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and "手机号无效" in message.last_error
    assert sms_sim.requests == 0


def test_without_an_account_the_message_waits_with_the_reason(sms_shop: Any, library: None) -> None:
    message = queue(sms_shop)
    send_due(now=NOW)
    message.refresh_from_db()
    assert message.status == OutboxStatus.QUEUED and "没有可用的快递鸟短信账号" in message.last_error


def test_the_rate_limit_spreads_a_burst(sms_shop: Any, library: None, sms_sim: Any, settings: Any) -> None:
    settings.FAHUO_MESSAGE_RATES = {"sms": "2/s"}
    for _ in range(5):
        queue(sms_shop)
    first = send_due(now=NOW)
    assert (first.sent, first.deferred) == (2, 3)
    waiting = OutboxMessage.objects.filter(status=OutboxStatus.QUEUED)
    assert waiting.count() == 3 and all(m.attempts == 0 for m in waiting)
    assert send_due(now=NOW + dt.timedelta(milliseconds=200)).sent == 0
    assert send_due(now=NOW + dt.timedelta(seconds=1)).sent == 2
    assert send_due(now=NOW + dt.timedelta(seconds=2)).sent == 1
    assert len(sms_sim.sent) == 5


def test_a_run_waits_for_tokens_within_its_budget(
    sms_shop: Any, library: None, sms_sim: Any, settings: Any
) -> None:
    settings.FAHUO_MESSAGE_RATES = {"sms": "2/s"}
    for _ in range(5):
        queue(sms_shop)
    slept: list[float] = []
    summary = send_due(now=NOW, wait_s=10, sleep=slept.append)
    assert summary.sent == 5 and summary.deferred == 0
    assert sum(slept) == pytest.approx(1.5, abs=0.05)  # 2 at once, then one every half second


def test_the_providers_too_fast_pauses_the_channel(sms_shop: Any, library: None, sms_sim: Any) -> None:
    for _ in range(3):
        queue(sms_shop)
    sms_sim.rate_limit_next(1)
    summary = send_due(now=NOW)
    assert (summary.sent, summary.retrying, summary.deferred) == (0, 1, 2)
    assert RateBucket.objects.get(channel="sms").tokens == 0
    deferred = OutboxMessage.objects.filter(status=OutboxStatus.QUEUED, attempts=0)
    assert {m.next_attempt_at for m in deferred} == {NOW + dt.timedelta(minutes=1)}
    assert send_due(now=NOW + dt.timedelta(minutes=1)).sent == 3


def test_an_expired_message_is_given_up(sms_shop: Any, library: None, sms_sim: Any) -> None:
    message = queue(sms_shop)
    summary = send_due(now=NOW + dt.timedelta(hours=49))
    message.refresh_from_db()
    assert summary.failed == 1 and message.status == OutboxStatus.FAILED and "有效期" in message.last_error
    assert sms_sim.sent == []


def test_retry_by_hand_sends_a_failed_message_again(sms_shop: Any, library: None, sms_sim: Any) -> None:
    message = queue(sms_shop)
    sms_sim.blacklist.add(f.FULL_PHONE)
    send_due(now=NOW)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and "黑名单" in message.last_error
    sms_sim.blacklist.clear()
    assert retry_messages(ids=[message.pk], now=NOW) == 1
    send_due(now=NOW)
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert retry_failed(now=NOW) == 0  # sent ones are left alone


def test_a_message_left_sending_by_a_dead_worker_is_sent_after_the_lease(
    sms_shop: Any, library: None, sms_sim: Any
) -> None:
    message = queue(sms_shop)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.SENDING, next_attempt_at=NOW + dt.timedelta(minutes=5)
    )
    assert send_due(now=NOW).sent == 0
    assert send_due(now=NOW + dt.timedelta(minutes=5)).sent == 1


def test_the_minute_task_sends_what_is_due(sms_shop: Any, library: None, sms_sim: Any) -> None:
    from django.utils import timezone

    from fahuo.notify.tasks import send_due_messages_every_minute

    queue(sms_shop, now=timezone.now())
    result = send_due_messages_every_minute.call_local()
    assert result["sent"] == 1
