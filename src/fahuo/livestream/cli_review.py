"""``fahuo live review SESSION [--kind 24h|7d] [--json]``: a session's review figures."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from fahuo.kit.errors import FahuoError
from fahuo.kit.money import format_yuan


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", help="session id, latest (most recent finished) or next")
    parser.add_argument(
        "--kind", choices=["24h", "7d", "all"], default="all", help="which review (default both)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--refresh", action="store_true", help="recompute even if stored")


def run(args: argparse.Namespace) -> int:
    from django.db import transaction

    from fahuo.livestream import review

    kinds = ["24h", "7d"] if args.kind == "all" else [args.kind]
    try:
        session = review.resolve_session(args.session)
        with transaction.atomic():
            data = {
                k: review.stored_or_computed(session=session, kind=k, refresh=args.refresh) for k in kinds
            }
    except FahuoError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    out: dict[str, Any] = {"session": {"id": session.pk, "title": session.title}, **data}
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    _print_text(out)
    return 0


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _yuan(fen: int | None) -> str:
    return format_yuan(fen)


def _diff(row: dict[str, Any]) -> str:
    fen, pct = row.get("freight_diff_fen"), row.get("freight_diff_pct")
    if fen is None:
        return ""
    return f"({format_yuan(fen, symbol=False, signed=True)}" + ("" if pct is None else f", {pct:+.1f}%") + ")"


def _print_text(out: dict[str, Any]) -> None:
    s = out["session"]
    print(f"#{s['id']} {s['title']}")
    r24 = out.get("24h")
    if r24:
        err = r24["forecast_error_pct"]
        print(
            f"  orders {r24['orders']} (forecast {r24['forecast_orders'] or '—'}"
            f"{'' if err is None else f', {err:+.1f}%'})"
        )
        print(
            f"  pickup 24 h {_pct(r24['pickup_rate_24h'])}  shipped 48 h {_pct(r24['shipped_rate_48h'])}"
            f"  late {r24['late_count']}"
        )
        if r24.get("planned_freight_fen") is not None or r24.get("actual_freight_fen") is not None:
            print(
                f"  freight: plan {_yuan(r24.get('planned_freight_fen'))}  actual {_yuan(r24.get('actual_freight_fen'))}"
                f"  {_diff(r24)}"
            )
        for c in r24["carriers"]:
            print(
                f"    {c['code']:<8} parcels {c['parcels']:>5}  pickup 24 h {_pct(c['pickup_rate_24h']):>6}"
                f"  shipped 48 h {_pct(c['shipped_rate_48h']):>6}  late {c['late']}"
                f"  freight plan {_yuan(c.get('planned_freight_fen'))} actual {_yuan(c.get('actual_freight_fen'))}"
                f" {_diff(c)}"
            )
    r7 = out.get("7d")
    if r7:
        print(f"  7 d: loss {_pct(r7['loss_rate'])}  damage {_pct(r7['damage_rate'])}")
        for a in r7["advice"]:
            print(f"    {a['province']}: damage {_pct(a['damage_rate'])} — {a['advice']}")
