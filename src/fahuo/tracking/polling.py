"""Polling fallback: ask the tracking provider for the parcels whose push went missing or quiet.

A parcel is polled with the provider's instant query (Kdniao 1002, Kuaidi100 ``poll/query.do``) when
it is active (not delivered/returned/lost), due (``Track.next_poll_at`` empty or passed), and either

* has no live push subscription (``subscribed_at`` empty: subscribing failed, or Kuaidi100 gave up
  on it with ``abort``), was issued more than ``unsubscribed_after_minutes`` ago and has no trace
  newer than ``every_minutes``, or
* is subscribed but quiet: subscribed more than ``quiet_hours`` ago, and its latest trace
  (``last_event_at``) is older than that (no trace at all counts as old).

"Quiet" reads the trace time, not when a push arrived: Track has no such column, and looking it up
in the events is a pass over the largest table. A push that only repeats old lines therefore does
not count, and the parcel is polled once more — harmless, the answer is deduplicated.

The answers go through ``ingest_events`` — the pushes' own path — so a trace line seen twice is
stored once and an older line never moves a parcel back. Per provider, the calls are rate-limited
(``poll_rate`` calls/s in the account's credentials, else the provider's ``TrackPoller.default_rate``
in ``integrations.registry``) and the parcels are
handled in batches: the HTTP calls of a batch, then one transaction that ingests its events and
sets the next poll time (``every_minutes`` later; ``retry_minutes`` after a failed call, so it is
retried the next round without holding up the rest of the batch).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from fahuo.integrations import registry
from fahuo.integrations.base import TraceEvent
from fahuo.kit.errors import FahuoError
from fahuo.tracking.ingest import IngestResult, ingest_events
from fahuo.tracking.models import FINAL_STATUSES, Track
from fahuo.tracking.subscriptions import choose_provider

logger = logging.getLogger(__name__)

# Calls per second per provider unless the account says otherwise (credential ``poll_rate``).
BATCH = 50  # parcels per batch: HTTP calls, then one write transaction
LEASE_MINUTES = 15  # a claimed parcel is left alone this long by other workers

Query = Callable[[Track], list[TraceEvent]]


@dataclass(frozen=True, slots=True)
class PollPolicy:
    quiet_hours: float = 12.0  # subscribed but no trace (and none received) for this long
    unsubscribed_after_minutes: int = 60  # an unsubscribed parcel: polled once issued this long ago
    every_minutes: int = 120  # a parcel that was polled is not polled again before this
    retry_minutes: int = 10  # after a failed call: the next round (the periodic task's interval)


@dataclass(frozen=True, slots=True)
class Change:
    tracking_no: str
    carrier_code: str
    provider: str
    status_before: str
    status: str
    last_event_at: dt.datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "tracking_no": self.tracking_no,
            "carrier": self.carrier_code,
            "provider": self.provider,
            "from": self.status_before,
            "to": self.status,
            "last_event_at": self.last_event_at.isoformat() if self.last_event_at else None,
        }


@dataclass(slots=True)
class PollResult:
    polled: int = 0
    accepted: int = 0  # new trace lines
    duplicates: int = 0
    changed: list[Change] = field(default_factory=list)  # parcels with a new latest trace
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (number, provider, message)
    unmatched: int = 0  # due parcels no configured provider can query

    def as_dict(self) -> dict[str, Any]:
        return {
            "polled": self.polled,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "changed": len(self.changed),
            "failed": len(self.failed),
            "unmatched": self.unmatched,
        }


class Throttle:
    """At most ``rate`` calls per second: ``wait()`` before each call sleeps as needed."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._clock, self._sleep = clock, sleep
        self._next = 0.0

    def wait(self) -> None:
        now = self._clock()
        if now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


# --- which parcels -------------------------------------------------------------------------------


def due_tracks(*, now: dt.datetime, policy: PollPolicy, limit: int) -> list[Track]:
    """The parcels to poll now, those never polled or waiting longest first (two queries: the ids on
    the narrow Track row alone, then those parcels with their order and waybill)."""
    stale = now - dt.timedelta(hours=policy.quiet_hours)
    recent = now - dt.timedelta(minutes=policy.every_minutes)
    issued_before = now - dt.timedelta(minutes=policy.unsubscribed_after_minutes)
    unsubscribed = (
        Q(subscribed_at__isnull=True)
        & (Q(issued_at__isnull=True) | Q(issued_at__lte=issued_before))
        & _no_trace_since(recent)
    )
    quiet = Q(subscribed_at__lte=stale) & _no_trace_since(stale)
    ids = list(
        Track.objects.filter(active__in=[True])
        .exclude(status__in=FINAL_STATUSES)
        .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
        .filter(unsubscribed | quiet)
        .order_by(F("next_poll_at").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)[:limit]
    )
    rows = Track.objects.filter(pk__in=ids).select_related("order", "waybill").in_bulk()
    return [rows[pk] for pk in ids if pk in rows]


def _no_trace_since(moment: dt.datetime) -> Q:
    return Q(last_event_at__isnull=True) | Q(last_event_at__lte=moment)


def claim(tracks: Sequence[Track], *, now: dt.datetime) -> list[Track]:
    """Take these parcels for this round (two statements): their next poll time is moved ahead by a
    lease stamp of our own, so a second worker polling at the same time skips them, and a worker
    that dies leaves them due again when the lease ends."""
    if not tracks:
        return []
    lease = now + dt.timedelta(minutes=LEASE_MINUTES, microseconds=secrets.randbelow(10**6))
    ids = [t.pk for t in tracks]
    Track.objects.filter(pk__in=ids).filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)).update(
        next_poll_at=lease
    )
    mine = set(Track.objects.filter(pk__in=ids, next_poll_at=lease).values_list("pk", flat=True))
    return [t for t in tracks if t.pk in mine]


# --- providers -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Provider:
    key: str
    query: Query
    throttle: Throttle


def _phone(track: Track) -> str:
    return track.order.recipient_phone if track.order is not None else ""


def _providers(sleep: Callable[[float], None]) -> dict[str, _Provider]:
    """The active tracking accounts that can query (first account per provider)."""
    from fahuo.carriers.models import ProviderAccount

    out: dict[str, _Provider] = {}
    accounts = ProviderAccount.objects.filter(
        provider__in=registry.tracking_providers(), active=True
    ).order_by("pk")
    for account in accounts:
        if account.provider in out:
            continue
        try:
            query = _query_for(account)
            rate = float(
                account.credential_dict().get("poll_rate")
                or registry.track_poller(account.provider).default_rate
            )
        except (FahuoError, ValueError) as exc:
            logger.warning("tracking account %s cannot be used for polling: %s", account.pk, exc)
            continue
        if query is None:
            continue
        out[account.provider] = _Provider(account.provider, query, Throttle(rate, sleep=sleep))
    return out


def _query_for(account: Any) -> Query | None:
    query = registry.track_poller(account.provider).factory(account)
    if query is None:
        return None
    return lambda t: query(tracking_no=t.tracking_no, carrier_code=t.carrier_code, phone=_phone(t))


# --- one round -----------------------------------------------------------------------------------


def poll_round(
    *,
    limit: int = 500,
    now: dt.datetime | None = None,
    policy: PollPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PollResult:
    """Query up to ``limit`` due parcels at their providers and ingest what comes back.

    Runs its own short transactions (one per batch, never around an HTTP call): call it outside one.
    """
    now = now or timezone.now()
    policy = policy or PollPolicy()
    result = PollResult()
    providers = _providers(sleep)
    if not providers:
        return result
    groups: dict[str, list[Track]] = defaultdict(list)
    for track in due_tracks(now=now, policy=policy, limit=limit):
        key = choose_provider(track, providers)
        if key is None:
            result.unmatched += 1
            continue
        groups[key].append(track)
    for key, tracks in groups.items():
        for start in range(0, len(tracks), BATCH):
            _poll_batch(providers[key], tracks[start : start + BATCH], now=now, policy=policy, result=result)
    return result


def _poll_batch(
    provider: _Provider, tracks: Sequence[Track], *, now: dt.datetime, policy: PollPolicy, result: PollResult
) -> None:
    mine = claim(tracks, now=now)
    if not mine:
        return
    events: list[TraceEvent] = []
    ok: list[int] = []
    failed: list[int] = []
    for track in mine:
        provider.throttle.wait()
        try:
            found = provider.query(track)
        except FahuoError as exc:
            # Numbers are not personal data; the provider's message names no person.
            logger.warning(
                "polling %s %s at %s failed: %s",
                track.carrier_code,
                track.tracking_no,
                provider.key,
                exc.message,
            )
            result.failed.append((track.tracking_no, provider.key, exc.message))
            failed.append(track.pk)
            continue
        ok.append(track.pk)
        # Only this parcel's own lines: an answer never moves another parcel.
        events.extend(e for e in found if e.tracking_no == track.tracking_no)
    result.polled += len(ok)
    with transaction.atomic():
        ingested = ingest_events(events) if events else IngestResult()
        Track.objects.filter(pk__in=ok).update(next_poll_at=now + dt.timedelta(minutes=policy.every_minutes))
        Track.objects.filter(pk__in=failed).update(
            next_poll_at=now + dt.timedelta(minutes=policy.retry_minutes)
        )
        after = {
            pk: (status, last)
            for pk, status, last in Track.objects.filter(pk__in=ok).values_list(
                "pk", "status", "last_event_at"
            )
        }
    result.accepted += ingested.accepted
    result.duplicates += ingested.duplicates
    for track in mine:
        if track.pk not in after:
            continue
        status, last = after[track.pk]
        if status != track.status or last != track.last_event_at:
            result.changed.append(
                Change(track.tracking_no, track.carrier_code, provider.key, track.status, status, last)
            )
