"""Replay decoded pushes from a JSON-lines file through the provider mappers and ingestion.

One object per line: ``{"provider": "kdniao" | "kuaidi100" | "douyin", "payload": …}`` where the
payload is the push already decoded — Kdniao: the RequestData object (with ``Data[]``); Kuaidi100:
the ``param`` object (with ``lastResult``); 抖店: the message array (``[{tag, msg_id, data}]``).
Signatures are not checked (there are none left to check: the payloads are decoded, typically taken
from PushLog or a provider's console); everything after the signature is the hooks' own code path.
Events are ingested in batches, so a replay of a day's pushes runs at ingestion speed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from fahuo.integrations import registry
from fahuo.integrations.base import MalformedPush, TraceEvent
from fahuo.tracking.ingest import ingest_events

FLUSH_EVENTS = 5000


@dataclass(slots=True)
class ReplaySummary:
    lines: int = 0
    accepted: int = 0
    duplicates: int = 0
    unknown: int = 0
    messages: int = 0
    failed_lines: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "unknown": self.unknown,
            "messages": self.messages,
            "errors": len(self.errors),
            "error_list": self.errors[:100],
        }


def _accounts(provider: str) -> list[Any]:
    from fahuo.carriers.models import ProviderAccount

    return list(ProviderAccount.objects.filter(provider=provider, active=True).order_by("pk"))


def replay_lines(lines: Iterable[str]) -> ReplaySummary:
    """Replay pushes line by line; a bad line is reported and skipped."""
    summary = ReplaySummary()
    pending: list[TraceEvent] = []
    accounts: dict[str, list[Any]] = {}

    def flush() -> None:
        if not pending:
            return
        with transaction.atomic():
            result = ingest_events(pending)
        summary.accepted += result.accepted
        summary.duplicates += result.duplicates
        summary.unknown += result.unknown
        pending.clear()

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        summary.lines += 1
        try:
            obj = json.loads(line)
            provider = str(obj.get("provider") or "") if isinstance(obj, dict) else ""
            payload = obj.get("payload") if isinstance(obj, dict) else None
            if provider == "douyin":
                flush()
                summary.messages += _replay_douyin(payload, summary, number)
                continue
            if provider not in registry.TRACK_PUSHES:
                raise MalformedPush(f"unknown provider {provider!r}")
            if not isinstance(payload, dict):
                raise MalformedPush("payload is not an object")
            if provider not in accounts:
                accounts[provider] = _accounts(provider)
            events, errors = registry.track_push(provider).replay(payload, accounts[provider])
        except (ValueError, MalformedPush) as exc:
            summary.failed_lines += 1
            summary.errors.append(f"line {number}: {exc}")
            continue
        summary.errors.extend(f"line {number}: {e}" for e in errors)
        pending.extend(events)
        if len(pending) >= FLUSH_EVENTS:
            flush()
    flush()
    return summary


def _replay_douyin(payload: Any, summary: ReplaySummary, number: int) -> int:
    from fahuo.integrations.douyin.push import DouyinMessage
    from fahuo.tracking.shop_messages import handle_douyin_messages

    if isinstance(payload, dict):
        payload = [payload]
    if not isinstance(payload, list):
        raise MalformedPush("payload is not a message array")
    messages = []
    for raw in payload:
        if not isinstance(raw, dict) or not raw.get("msg_id"):
            raise MalformedPush("a message has no msg_id")
        data = raw.get("data")
        if isinstance(data, str):
            data = json.loads(data or "{}")  # the platform sends data as JSON text
        if not isinstance(data, dict):
            raise MalformedPush(f"message {raw['msg_id']}: data is not an object")
        messages.append(DouyinMessage(tag=str(raw.get("tag") or ""), msg_id=str(raw["msg_id"]), data=data))
    with transaction.atomic():
        outcome = handle_douyin_messages(messages)
    summary.duplicates += outcome.duplicates
    summary.errors.extend(f"line {number}: {e}" for e in outcome.errors)
    return outcome.processed
