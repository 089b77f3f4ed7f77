"""``fahuo settle``: the weekly settlement (周结对账) of one carrier.

    fahuo settle --scenario DIR [--json]          offline, from the shared scenario format
    fahuo settle --carrier CODE --week YYYY-MM-DD [--json] [--save]
                                                  from the database (a Monday; --save stores a draft)

Both print the statement computed by :func:`fahuo.contracts.settlement.settle`. Bad input exits 2
with a message naming the file, line and column.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from fahuo.kit.errors import FahuoError

EXIT_OK = 0
EXIT_INVALID = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scenario", type=Path, metavar="DIR", help="offline scenario directory")
    parser.add_argument("--carrier", metavar="CODE", help="database mode: the carrier's code")
    parser.add_argument("--week", metavar="YYYY-MM-DD", help="database mode: the week's Monday")
    parser.add_argument("--save", action="store_true", help="database mode: store the statement as a draft")
    parser.add_argument("--json", action="store_true", help="print the statement as one JSON object")


def _yuan(fen: int) -> str:
    return f"¥{fen / 100:,.2f}"


def _print_text(data: dict[str, Any]) -> None:
    lines = [
        f"{data['carrier']}  week of {data['week_start']}",
        f"parcels {data['parcels']} (daily avg {data['daily_avg']}, tier {data['tier_min_daily_avg']})",
        f"freight {_yuan(data['freight_fen'])}  minimum top-up {_yuan(data['minimum_topup_fen'])}",
        f"late {data['late_parcels']} (penalty {_yuan(data['late_penalty_fen'])}), exempt sessions: "
        f"{', '.join(data['exempt_sessions']) or '-'}",
        f"24h pickup {data['pickup_rate_24h']}  48h shipped {data['shipped_rate_48h']}  "
        f"breached: {'yes' if data['sla_breached'] else 'no'}",
        f"running late {data['cumulative_late']}  may terminate: {'yes' if data['may_terminate'] else 'no'}",
        f"privacy fines {_yuan(data['privacy_fine_fen'])}  claims credited {_yuan(data['claims_credited_fen'])}",
        f"net {_yuan(data['net_fen'])}  payable {_yuan(data['payable_fen'])}  "
        f"deposit drawn {_yuan(data['deposit_drawn_fen'])}  carried forward {_yuan(data['carried_forward_fen'])}",
    ]
    bill = data.get("bill")
    if bill:
        lines.append(
            "bill: "
            + ", ".join(f"{k} {len(v)}" for k, v in bill.items() if isinstance(v, list))
            + f", dispute {_yuan(bill['dispute_fen'])}"
        )
    print("\n".join(lines))


def run(args: argparse.Namespace) -> int:
    from fahuo.contracts.scenario import read_scenario
    from fahuo.contracts.settlement import settle

    if bool(args.scenario) == bool(args.carrier or args.week):
        print("give either --scenario DIR or --carrier CODE --week YYYY-MM-DD", file=sys.stderr)
        return EXIT_INVALID
    try:
        if args.scenario:
            data = settle(read_scenario(args.scenario)).as_json()
        else:
            data = _from_database(args)
    except FahuoError as exc:
        if args.json:  # the house convention: one JSON value on stdout, the message also on stderr
            print(
                json.dumps(
                    {"error": exc.code, "message": exc.message, "detail": exc.detail}, ensure_ascii=False
                )
            )
        print(f"error: {exc.message}", file=sys.stderr)
        for item in (exc.detail if isinstance(exc.detail, list) else [])[1:]:
            print(f"  {item}", file=sys.stderr)
        return EXIT_INVALID
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        _print_text(data)
    return EXIT_OK


def _from_database(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import transaction

    from fahuo.contracts import services

    if not (args.carrier and args.week):
        from fahuo.kit.errors import InvalidInput

        raise InvalidInput("database mode needs both --carrier and --week")
    week = services.parse_week(args.week)
    with transaction.atomic():
        if args.save:
            stmt = services.generate_statement(carrier_code=args.carrier, week_start=week)
            return dict(stmt.data)
        return services.compute_statement(carrier_code=args.carrier, week_start=week).as_json()
