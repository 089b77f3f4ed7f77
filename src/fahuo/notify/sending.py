"""Sending the outbox: due messages go out per channel, paced by the channel's rate, retried with backoff.

Each run claims the due rows (``queued`` → ``sending`` with a lease, so a second worker leaves them
alone and a worker that dies mid-run only delays them), sends them through the channel's adapter
and saves each outcome at once: ``sent`` with the provider's message id; a retryable failure goes
back to ``queued`` with ``next_attempt_at`` (1 min, 2, 4 … at most 1 h, never in the quiet hours)
and ``last_error``; a final one (invalid number, no subscription left …) or one still unsent at
``expires_at`` ends ``failed``, shown on the outbox page with the provider's message. Delivery is
at least once: a worker killed between the provider's answer and the save sends that one again.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from fahuo.accounts.selectors import visible
from fahuo.integrations.messaging.base import MessageChannel, SendResult
from fahuo.integrations.messaging.registry import channel_for
from fahuo.kit.errors import FahuoError
from fahuo.kit.privacy import scrub
from fahuo.notify import ratelimit
from fahuo.notify.channels import Directory
from fahuo.notify.models import OutboxMessage, OutboxStatus
from fahuo.notify.services import MESSAGE_TTL, NO_ADDRESS, next_send_time, request_send

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
THROTTLE_PAUSE = timedelta(minutes=1)  # after a provider's "too fast", the channel rests this long
MAX_ERROR = 300


@dataclass(slots=True)
class SendSummary:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    deferred: int = 0  # claimed but left for later by the rate limit

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed try: 1 min, 2, 4 … never more than an hour."""
    return min(BACKOFF_FIRST * 2 ** max(min(attempts, 17) - 1, 0), BACKOFF_CAP)


def send_due(
    *,
    now: datetime | None = None,
    limit: int = 200,
    wait_s: float = 0.0,
    sleep: Callable[[float], None] = time.sleep,
) -> SendSummary:
    """Send up to ``limit`` due messages. When a channel's bucket is empty the run waits for tokens
    up to ``wait_s`` seconds in all (the minute task passes ~45 s), then leaves the rest for later."""
    now = now or timezone.now()
    summary = SendSummary()
    _expire(now=now, summary=summary)
    rows = _claim(now=now, limit=limit)
    by_channel: dict[str, list[OutboxMessage]] = defaultdict(list)
    for row in rows:
        by_channel[row.channel].append(row)
    adapters: dict[tuple[str, int], MessageChannel | FahuoError] = {}
    waited = 0.0
    try:
        for channel, queue in by_channel.items():
            waited = _send_channel(
                channel, queue, adapters, now=now, waited=waited, wait_s=wait_s, sleep=sleep, summary=summary
            )
    finally:
        for adapter in adapters.values():
            if not isinstance(adapter, FahuoError):
                adapter.close()
    if rows:
        log.info("buyer messages: %s", summary.as_dict())
    return summary


def _send_channel(
    channel: str,
    queue: list[OutboxMessage],
    adapters: dict[tuple[str, int], MessageChannel | FahuoError],
    *,
    now: datetime,
    waited: float,
    wait_s: float,
    sleep: Callable[[float], None],
    summary: SendSummary,
) -> float:
    i = 0
    while i < len(queue):
        moment = now + timedelta(seconds=waited)
        granted = ratelimit.take(channel, len(queue) - i, now=moment)
        if granted == 0:
            pause = max(ratelimit.seconds_until_token(channel, now=moment), 0.01)
            if waited + pause > wait_s:
                _defer(queue[i:], until=moment + timedelta(seconds=pause), summary=summary)
                return waited
            sleep(pause)
            waited += pause
            continue
        for row in queue[i : i + granted]:
            result = _send_one(row, adapters)
            _record(row, result, now=now + timedelta(seconds=waited), summary=summary)
            i += 1
            if result.throttled:
                ratelimit.drain(channel, now=moment)
                _defer(queue[i:], until=moment + THROTTLE_PAUSE, summary=summary)
                return waited
    return waited


def _send_one(row: OutboxMessage, adapters: dict[tuple[str, int], MessageChannel | FahuoError]) -> SendResult:
    shop = row.order.shop
    key = (row.channel, shop.pk)
    if key not in adapters:
        try:
            adapters[key] = channel_for(row.channel, shop)
        except FahuoError as exc:  # no account, or unreadable credentials: wait for the seller
            adapters[key] = exc
    adapter = adapters[key]
    if isinstance(adapter, FahuoError):
        return SendResult.failed(adapter.message, retryable=True)
    if not row.to:
        return SendResult.failed(NO_ADDRESS.get(row.channel, "没有收件地址"), retryable=False)
    params = {**{k: str(v) for k, v in (row.params or {}).items()}, "ref": f"fahuo-msg-{row.pk}"}
    try:
        return adapter.send(row.to, row.body, template_code=row.template_key, params=params)
    except Exception:
        log.exception("buyer message %s (order %s) failed unexpectedly", row.pk, row.order_id)
        return SendResult.failed("发送时发生内部错误，稍后自动重试", retryable=True)


def _record(row: OutboxMessage, result: SendResult, *, now: datetime, summary: SendSummary) -> None:
    row.attempts += 1
    if result.ok:
        row.status = OutboxStatus.SENT
        row.sent_at = now
        row.next_attempt_at = None
        row.provider_msg_id = result.provider_msg_id[:64]
        row.last_error = ""
        summary.sent += 1
    elif result.retryable and (retry_at := next_send_time(now + backoff(row.attempts))) < (
        row.expires_at or now + MESSAGE_TTL
    ):
        row.status = OutboxStatus.QUEUED
        row.next_attempt_at = retry_at
        row.last_error = scrub(result.error)[:MAX_ERROR]
        summary.retrying += 1
    else:
        row.status = OutboxStatus.FAILED
        row.next_attempt_at = None
        suffix = "（已超过有效期，不再重试）" if result.retryable else ""
        row.last_error = (scrub(result.error) + suffix)[:MAX_ERROR]
        summary.failed += 1
    row.save(
        update_fields=["status", "attempts", "sent_at", "next_attempt_at", "provider_msg_id", "last_error"]
    )
    log.info("buyer message %s (order %s, %s): %s", row.pk, row.order_id, row.channel, row.status)


def _due(now: datetime) -> Q:
    queued = Q(status=OutboxStatus.QUEUED) & (Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
    stale = Q(status=OutboxStatus.SENDING, next_attempt_at__lte=now)  # a dead worker's lease ran out
    return queued | stale


def _claim(*, now: datetime, limit: int) -> list[OutboxMessage]:
    """The due rows this run takes, in two queries: the lease value marks this run's claim."""
    ids = list(
        OutboxMessage.objects.filter(_due(now))
        .order_by(F("next_attempt_at").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return []
    until = now + LEASE
    OutboxMessage.objects.filter(pk__in=ids).filter(_due(now)).update(
        status=OutboxStatus.SENDING, next_attempt_at=until
    )
    return list(
        OutboxMessage.objects.filter(pk__in=ids, status=OutboxStatus.SENDING, next_attempt_at=until)
        .select_related("order__shop")
        .order_by("pk")
    )


def _defer(rows: list[OutboxMessage], *, until: datetime, summary: SendSummary) -> None:
    """Hand claimed rows back unsent (no attempt counted): the rate limit, not the provider, said wait."""
    if not rows:
        return
    OutboxMessage.objects.filter(pk__in=[r.pk for r in rows], status=OutboxStatus.SENDING).update(
        status=OutboxStatus.QUEUED, next_attempt_at=until
    )
    summary.deferred += len(rows)


def _expire(*, now: datetime, summary: SendSummary) -> None:
    expired = OutboxMessage.objects.filter(_due(now), expires_at__lt=now)
    summary.failed += expired.update(
        status=OutboxStatus.FAILED, next_attempt_at=None, last_error="超过有效期仍未发出，已停止重试"
    )


# --- retry by hand -------------------------------------------------------------------------------


def _mine(user: Any) -> QuerySet[OutboxMessage]:
    qs = OutboxMessage.objects.all()
    return qs if user is None else visible(qs, user, field="order__shop")


def retry_messages(*, ids: Iterable[int], now: datetime | None = None, user: Any = None) -> int:
    """Make these failed or waiting messages due now (sent ones are left alone); returns how many.
    With ``user``, another shop's ids are ignored."""
    return _make_due(_mine(user).filter(pk__in=list(ids)), now=now or timezone.now())


def retry_failed(*, channel: str = "", now: datetime | None = None, user: Any = None) -> int:
    qs = _mine(user).filter(status=OutboxStatus.FAILED)
    if channel:
        qs = qs.filter(channel=channel)
    return _make_due(qs, now=now or timezone.now())


def _make_due(messages: QuerySet[OutboxMessage], *, now: datetime) -> int:
    rows = list(
        messages.filter(status__in=[OutboxStatus.FAILED, OutboxStatus.QUEUED]).select_related("order__shop")
    )
    missing = [r for r in rows if not r.to]
    if missing:
        # The buyer may have subscribed (WeChat) or the order been corrected since.
        directory = Directory.for_orders(r.order for r in missing)
        for row in missing:
            row.to = directory.address(row.order, row.channel)
    for row in rows:
        row.status = OutboxStatus.QUEUED
        row.next_attempt_at = now
        row.expires_at = now + MESSAGE_TTL
    OutboxMessage.objects.bulk_update(rows, ["to", "status", "next_attempt_at", "expires_at"])
    if rows:
        request_send()
    return len(rows)
