"""``fahuo aftersales list [--status S] [--json]``: RMAs as a table or one JSON array."""

from __future__ import annotations

import argparse
import json

from fahuo.aftersales.models import RmaStatus


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", choices=RmaStatus.values, help="only RMAs in this status")
    parser.add_argument("--json", action="store_true", help="print one JSON array")


def run(args: argparse.Namespace) -> int:
    from fahuo.aftersales.selectors import as_row, rmas

    rows = [as_row(r) for r in rmas(status=args.status)[:1000]]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    print(f"{'rma':>6}  {'order':<22} {'kind':<14} {'status':<10} {'pickup due':<25} tracking")
    for row in rows:
        order = row["order_id"] + ("" if row["order_known"] else " (?)")
        print(
            f"{row['rma_id']:>6}  {order:<22} {row['kind']:<14} {row['status']:<10} "
            f"{row['pickup_due_at'] or '-':<25} {row['tracking_no'] or '-'}"
        )
    print(f"{len(rows)} RMA(s); (?) = order not in fahuo yet")
    return 0
