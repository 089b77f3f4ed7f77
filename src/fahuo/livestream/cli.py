"""``fahuo live plan SESSION_ID [--json]`` and ``fahuo live notice SESSION_ID --carrier CODE|all --out FILE.pdf``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fahuo.kit.money import format_yuan


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", help="session id, 'latest' (last finished) or 'next' (next planned)")
    if parser.prog.endswith("notice"):
        parser.add_argument("--carrier", default="all", help="carrier code, or 'all' (one page per carrier)")
        parser.add_argument("--out", required=True, type=Path, help="PDF file to write")
        parser.add_argument("--xlsx", type=Path, help="also write the notices as an Excel file")
    else:
        parser.add_argument("--json", action="store_true", help="print the plan as JSON")
        parser.add_argument(
            "--backtest",
            action="store_true",
            help="also backtest the forecast over the shop's past sessions (MAPE)",
        )


def run(args: argparse.Namespace) -> int:
    from django.db import transaction
    from django.utils import timezone

    from fahuo.kit.errors import FahuoError
    from fahuo.livestream import notices, selectors, services
    from fahuo.livestream.planning import plan_session

    try:
        session = selectors.resolve_session(args.session)
        if args._path[-1] == "notice":
            with transaction.atomic():
                services.refresh_forecast(session=session)
                notices.create_notices(session=session)
            chosen = notices.notices_for(session=session, code=args.carrier)
            args.out.write_bytes(notices.render_pdf(chosen))
            if args.xlsx:
                args.xlsx.write_bytes(notices.render_xlsx(chosen))
            for n in chosen:
                print(f"{n.carrier.code}\t{n.expected_parcels}\t{n.text}")
            print(f"wrote {args.out}" + (f" and {args.xlsx}" if args.xlsx else ""))
            return 0
        plan = plan_session(session=session)
    except FahuoError as exc:
        print(f"error: {exc.message}")
        return 2
    if args.json:
        print(json.dumps(plan.as_dict(), ensure_ascii=False, indent=2, default=str))
        return 0
    f = plan.forecast
    start = timezone.localtime(session.starts_at)
    print(
        f"#{session.pk} {session.title} {start:%Y-%m-%d %H:%M}–{timezone.localtime(session.ends_at):%H:%M} [{session.status}]"
    )
    print(f"forecast: {f.orders} orders ({f.low}–{f.high}, {f.method}, {f.history} past sessions)")
    print(
        f"plan for: {plan.expected_parcels} parcels expected, capacity for {plan.parcels}, from {plan.warehouse or '-'}"
    )
    print(
        f"packers: {plan.packers} × {plan.orders_per_packer_hour}/h = {plan.pack_hours:.1f} working hours; "
        f"needed {plan.packers_needed_24h} (98% in 24 h), {plan.packers_needed_48h} (100% in 48 h)"
    )
    if plan.split_method == "optimiser":
        print(f"split: optimiser, freight {_yuan(plan.freight_fen)} (cheapest-first {_yuan(plan.greedy_fen)})"
              f"; over capacity at the high end: {plan.over_capacity}")  # fmt: skip
    else:
        print(f"split: {plan.split_method} (no rate card from the warehouse: no freight planned)")
    for c in plan.carriers:
        print(f"  {c.code:<6} {c.parcels:>6} parcels ({c.peak_parcels} at the high end)  "
              f"freight {_yuan(c.freight_fen)}  cap {c.capacity_per_stream or '-'}/stream "
              f"{c.capacity_per_hour or '-'}/h  picked in 24 h {c.picked_24h}")  # fmt: skip
    for w in plan.warnings:
        print(f"! {w}")
    if args.backtest:
        _print_backtest(session.shop_id)
    return 0


def _yuan(fen: int | None) -> str:
    return format_yuan(fen)


def _print_backtest(shop_id: int) -> None:
    from django.utils import timezone

    from fahuo.livestream.forecast import backtest

    bt = backtest(shop_id=shop_id)
    print("backtest (leave-one-out over the shop's finished sessions):")
    for r in bt.rows:
        print(f"  #{r.session_id:<4} {timezone.localtime(r.starts_at):%Y-%m-%d}  actual {r.actual:>5}  "
              f"forecast {r.predicted:>5} ({r.low}–{r.high})  error {r.ape:.0%}")  # fmt: skip
    if bt.mape is None:
        print("  fewer than 4 finished sessions: no backtest")
    else:
        print(f"MAPE {bt.mape:.1%} over {len(bt.rows)} sessions; interval coverage {bt.coverage:.0%}")
