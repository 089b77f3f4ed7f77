"""``fahuo track replay FILE.jsonl`` and ``fahuo track sweep [--json]``.

Replay feeds decoded pushes (one ``{"provider": …, "payload": …}`` object per line) through the same
mappers and ingestion as the hooks, without signatures (the payloads are already decoded). Sweep runs
the alert rules once and prints the open alerts.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from django.utils import timezone

from fahuo.tracking.models import AlertKind


def add_arguments(parser: argparse.ArgumentParser) -> None:
    if parser.get_default("_path") == ("track", "replay"):
        parser.add_argument("file", type=Path, help="JSON lines: {provider, payload} (- for stdin)")
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    else:
        parser.add_argument("--json", action="store_true", help="print alerts as JSON lines")
        parser.add_argument("--new", action="store_true", help="print only the alerts this sweep opened")
        parser.add_argument(
            "--kind", action="append", choices=AlertKind.values, help="only these rules (repeatable)"
        )
        parser.add_argument("--limit", type=int, default=None, help="print at most this many alerts")
        parser.add_argument(
            "--backfill", action="store_true", help="first create tracks for issued waybills that have none"
        )


def run(args: argparse.Namespace) -> int:
    if tuple(args._path) == ("track", "replay"):
        return _replay(args)
    return _sweep(args)


def _replay(args: argparse.Namespace) -> int:
    from fahuo.tracking.replay import replay_lines

    if str(args.file) == "-":
        lines = sys.stdin.read().splitlines()
    else:
        try:
            lines = args.file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            print(f"cannot read {args.file}: {exc.strerror}", file=sys.stderr)
            return 2
    started = time.perf_counter()
    summary = replay_lines(lines)
    seconds = time.perf_counter() - started
    if args.json:
        print(json.dumps({**summary.as_dict(), "seconds": round(seconds, 3)}, ensure_ascii=False))
    else:
        print(
            f"lines {summary.lines}  accepted {summary.accepted}  duplicates {summary.duplicates}  "
            f"unknown {summary.unknown}  errors {len(summary.errors)}  ({seconds:.2f} s)"
        )
        for error in summary.errors[:50]:
            print(f"  {error}")
        if len(summary.errors) > 50:
            print(f"  … {len(summary.errors) - 50} more")
    return 1 if summary.failed_lines else 0


def _sweep(args: argparse.Namespace) -> int:
    from django.db import transaction

    from fahuo.tracking.ingest import backfill_tracks
    from fahuo.tracking.sweep import open_alert_rows, sweep

    started_at = timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        backfilled = backfill_tracks() if args.backfill else 0
        result = sweep(kinds=set(args.kind) if args.kind else None)
    seconds = time.perf_counter() - started
    rows = open_alert_rows(
        kinds=set(args.kind) if args.kind else None,
        created_since=started_at if args.new else None,
        limit=args.limit,
    )
    if args.json:
        for row in rows:
            since = row["since"].isoformat() if row["since"] else None
            out = {
                "tracking_no": row["tracking_no"],
                "kind": row["kind"],
                "since": since,
                "order_id": row["order_id"],
            }
            print(json.dumps(out, ensure_ascii=False))
        return 0
    print(
        f"sweep: {result.total_created} opened, {result.total_resolved} resolved in {seconds:.2f} s"
        + (f"; {result.messaged} buyer messages queued" if result.messaged else "")
        + (f"; {backfilled} tracks created" if backfilled else "")
    )
    if not rows:
        print("no open alerts")
        return 0
    print(f"{'kind':<16} {'severity':<9} {'since (Asia/Shanghai)':<17} {'tracking no':<22} order")
    for row in rows:
        since = timezone.localtime(row["since"]).strftime("%Y-%m-%d %H:%M") if row["since"] else "-"
        print(
            f"{row['kind']:<16} {row['severity']:<9} {since:<17} "
            f"{row['tracking_no'] or '-':<22} {row['order_no'] or row['order_id'] or '-'}"
        )
    return 0
