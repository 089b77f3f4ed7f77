"""``fahuo track poll [--limit N] [--json]``: one polling round (see fahuo.tracking.polling).

Queries the parcels whose push went missing or quiet at their tracking provider, feeds the answers
through ingestion, and prints the parcels whose latest trace changed and the calls that failed.
"""

from __future__ import annotations

import argparse
import json
import time

from django.utils import timezone


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, default=500, help="poll at most this many parcels (default 500)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")


def run(args: argparse.Namespace) -> int:
    from fahuo.tracking.polling import poll_round

    started = time.perf_counter()
    result = poll_round(limit=max(args.limit, 0))
    seconds = time.perf_counter() - started
    if args.json:
        out = {
            **result.as_dict(),
            "changed": [c.as_dict() for c in result.changed],
            "failed": [{"tracking_no": no, "provider": p, "error": e} for no, p, e in result.failed],
            "seconds": round(seconds, 3),
        }
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(
        f"poll: {result.polled} polled, {result.accepted} new trace lines, {len(result.changed)} changed, "
        f"{len(result.failed)} failed ({seconds:.2f} s)"
        + (f"; {result.unmatched} without a provider that can query" if result.unmatched else "")
    )
    if result.changed:
        print(f"{'tracking no':<22} {'carrier':<8} {'provider':<10} {'from':<17} {'to':<17} last trace")
        for c in result.changed:
            last = timezone.localtime(c.last_event_at).strftime("%Y-%m-%d %H:%M") if c.last_event_at else "-"
            print(
                f"{c.tracking_no:<22} {c.carrier_code:<8} {c.provider:<10} {c.status_before:<17} {c.status:<17} {last}"
            )
    for number, provider, error in result.failed:
        print(f"  failed {number} ({provider}): {error}")
    return 0
