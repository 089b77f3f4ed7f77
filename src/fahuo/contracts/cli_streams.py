"""``fahuo contracts stream-alerts [--json] [--at ISO] [--dry-run]``: the per-stream breach check of
every live stream (what the worker runs every few minutes), then each carrier's projection and the
open stream alerts, as a table or one JSON object. ``--dry-run`` projects without raising alerts."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

EXIT_OK = 0
EXIT_INVALID = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--at", metavar="ISO", help="judge as of this time (default: now; no offset = Beijing)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="project only: raise, refresh or resolve nothing"
    )


def _when(text: str | None) -> dt.datetime | None:
    from fahuo.contracts.settlement import SHANGHAI

    if not text:
        return None
    at = dt.datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=SHANGHAI)


def report(*, now: dt.datetime, dry_run: bool) -> dict[str, Any]:
    """Run the check (unless ``dry_run``) and describe every live stream's carriers and open alerts."""
    from django.db import transaction

    from fahuo.contracts.models import ContractAlert
    from fahuo.contracts.streams import KINDS, live_sessions, stream_breach_alerts, stream_risks

    with transaction.atomic():
        opened = 0 if dry_run else stream_breach_alerts(now=now)
    streams = [
        {"session": r.session_key, "title": r.title, "carrier": r.carrier.code, "parcels": r.parcels,
         "peak": r.peak, "over_peak": r.parcels > r.peak, "awaiting": r.awaiting, "late": r.late,
         "penalty_fen": r.penalty_fen, "pickup_hours": r.pickup_hours, "per_hour": r.per_hour}
        for session in live_sessions(now)
        for r in stream_risks(session=session, now=now)
    ]  # fmt: skip
    alerts = [
        {"carrier": code, "kind": kind, "session": key, "message": message}
        for code, kind, key, message in ContractAlert.objects.filter(kind__in=KINDS, resolved_at__isnull=True)
        .order_by("key", "carrier__code", "kind")
        .values_list("carrier__code", "kind", "key", "message")
    ]
    return {"as_of": now.isoformat(), "opened": opened, "streams": streams, "alerts": alerts}


def run(args: argparse.Namespace) -> int:
    from django.utils import timezone

    try:
        now = _when(args.at) or timezone.now()
    except ValueError:
        print(f"error: --at {args.at!r} is not an ISO date-time", file=sys.stderr)
        return EXIT_INVALID
    data = report(now=now, dry_run=args.dry_run)
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
        return EXIT_OK
    print(f"{'stream':<10} {'carrier':<8} {'parcels':>7} {'peak':>5} {'awaiting':>8} {'late':>5} penalty")
    for s in data["streams"]:
        print(
            f"{s['session']:<10} {s['carrier']:<8} {s['parcels']:>7} {s['peak']:>5} {s['awaiting']:>8} "
            f"{s['late']:>5} ¥{s['penalty_fen'] / 100:,.2f}{'  over peak' if s['over_peak'] else ''}"
        )
    for a in data["alerts"]:
        print(f"! {a['message']}")
    print(
        f"{len(data['streams'])} carrier(s) on live streams, {len(data['alerts'])} open alert(s), {data['opened']} new"
    )
    return EXIT_OK
