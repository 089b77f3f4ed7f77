"""Tracking looks providers up in integrations.registry: a new one is one registry line away."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from fahuo.carriers.models import ProviderAccount
from fahuo.integrations import registry
from fahuo.integrations.base import TraceEvent
from fahuo.tracking.models import TrackStatus
from fahuo.tracking.polling import poll_round
from fahuo.tracking.subscriptions import subscribe_tracks
from fahuo.tracking.tests import factories as f


@pytest.fixture
def acme(db: Any) -> Iterator[list[tuple[str, str]]]:
    """A made-up provider registered the way a real one is: a poller and a subscriber."""
    calls: list[tuple[str, str]] = []

    def query_factory(account: Any) -> registry.TrackQuery:
        def query(*, tracking_no: str, carrier_code: str, phone: str) -> list[TraceEvent]:
            calls.append(("query", tracking_no))
            at = timezone.now() - dt.timedelta(minutes=5)
            return [TraceEvent(tracking_no, carrier_code, at, "picked_up", "acme", "1", "已揽收")]

        return query

    def subscriber_factory(account: Any) -> registry.TrackSubscribe:
        def subscribe(*, tracking_no: str, carrier_code: str, phone: str, callback_base: str) -> None:
            calls.append(("subscribe", tracking_no))

        return subscribe

    registry.TRACK_POLLERS["acme"] = registry.TrackPoller(query_factory, default_rate=1000.0)
    registry.TRACK_SUBSCRIBERS["acme"] = subscriber_factory
    ProviderAccount.objects.create(provider="acme", name="Acme 轨迹", base_url="http://127.0.0.1:9")
    try:
        yield calls
    finally:
        del registry.TRACK_POLLERS["acme"], registry.TRACK_SUBSCRIBERS["acme"]


def test_a_registered_provider_is_polled_without_any_tracking_change(
    shop: Any, acme: list[tuple[str, str]]
) -> None:
    now = timezone.now()
    t = f.track(shop, issued_at=now - dt.timedelta(hours=3))
    result = poll_round(now=now, sleep=lambda seconds: None)
    assert (result.polled, result.accepted, result.failed) == (1, 1, [])
    assert acme == [("query", t.tracking_no)]
    t.refresh_from_db()
    assert t.status == TrackStatus.PICKED_UP


def test_a_registered_provider_takes_subscriptions(shop: Any, acme: list[tuple[str, str]]) -> None:
    t = f.track(shop)
    result = subscribe_tracks(tracks=[t])
    assert result.subscribed == 1 and acme == [("subscribe", t.tracking_no)]
    t.refresh_from_db()
    assert t.subscribed_provider == "acme"


@pytest.fixture
def acme_push(db: Any) -> Iterator[list[str]]:
    """A made-up provider's push parser, registered the way Kdniao's and Kuaidi100's are."""
    seen: list[str] = []

    def replay(payload: Any, accounts: Any) -> tuple[list[TraceEvent], list[str]]:
        seen.extend(account.name for account in accounts)
        at = timezone.now() - dt.timedelta(minutes=5)
        return [TraceEvent(payload["no"], "ZTO", at, "picked_up", "acme", "1", "已揽收")], []

    registry.TRACK_PUSHES["acme"] = registry.TrackPush(parse=lambda form, accounts: None, replay=replay)  # type: ignore[arg-type,return-value]
    ProviderAccount.objects.create(provider="acme", name="Acme 推送", base_url="http://127.0.0.1:9")
    try:
        yield seen
    finally:
        del registry.TRACK_PUSHES["acme"]


def test_a_registered_push_parser_replays_without_any_tracking_change(
    shop: Any, acme_push: list[str]
) -> None:
    from fahuo.tracking.replay import replay_lines

    t = f.track(shop, issued_at=timezone.now() - dt.timedelta(hours=3))
    summary = replay_lines([json.dumps({"provider": "acme", "payload": {"no": t.tracking_no}})])
    assert (summary.accepted, summary.failed_lines) == (1, 0)
    assert acme_push == ["Acme 推送"]  # the provider's own accounts were handed to its parser
    t.refresh_from_db()
    assert t.status == TrackStatus.PICKED_UP


def test_every_registered_push_parser_has_its_hook_endpoint() -> None:
    from django.urls import reverse

    assert set(registry.TRACK_PUSHES) >= {"kdniao", "kuaidi100"}
    for key in registry.TRACK_PUSHES:
        assert reverse(f"hooks:{key}") == f"/hooks/{key}"
