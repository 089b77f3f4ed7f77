"""``fahuo allocate``: allocate a scenario's orders to carriers and warehouses at least cost.

    fahuo allocate --scenario DIR --out allocation.csv [--json]
    fahuo allocate --pending [--apply] [--json] [--out allocation.csv]
                   [--pickup-start 18:00 --pickup-end 22:00]

``--pending`` allocates the database's ready orders instead (``fahuo.routing.services``): it
stores a preview run (``--apply`` gives the orders their carrier and warehouse) and prints the
same summary, plus the run; the CSV has the platform order ids (and a ``pickup`` column with a
pickup window). ``--pickup-start``/``--pickup-end`` (ISO date-times, or HH:MM today in Beijing)
plan for that pickup window: hourly pickups capped by ``Capacity.max_parcels_per_hour``.

Prints a summary (orders, served, unservable by reason, total freight, the greedy
cheapest-first baseline and the saving against it, the LP lower bound, seconds); ``--json``
prints the same as one JSON object. The allocation CSV is written only after everything
was read, validated and solved, and atomically.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fahuo.kit.errors import InvalidInput
from fahuo.kit.exports import CsvWriter
from fahuo.kit.money import format_yuan
from fahuo.routing import scenario, solver

EXIT_OK = 0
EXIT_INVALID = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scenario", type=Path, metavar="DIR", help="scenario directory (CSV files)")
    parser.add_argument("--pending", action="store_true", help="allocate the ready orders in the database")
    parser.add_argument(
        "--apply", action="store_true", help="with --pending: give the orders their carrier and warehouse"
    )
    parser.add_argument(
        "--pickup-start", metavar="TIME", help="with --pending: pickup window start (ISO date-time or HH:MM)"
    )
    parser.add_argument(
        "--pickup-end", metavar="TIME", help="with --pending: pickup window end (ISO date-time or HH:MM)"
    )
    parser.add_argument("--out", type=Path, metavar="CSV", help="write the allocation CSV here")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    parser.add_argument(
        "--method",
        choices=("auto", "flow", "lp", "mip"),
        default="auto",
        help="solver: min-cost flow, HiGHS network LP, or HiGHS MIP (default: auto)",
    )


def _yuan(fen: int) -> str:
    return format_yuan(fen)


def summarise(
    problem: solver.Problem, best: solver.Solution, greedy: solver.Solution, lp_bound: float
) -> dict[str, Any]:
    """The figures ``fahuo allocate`` reports, as plain JSON-able data."""
    bound_fen = math.ceil(lp_bound - 1e-6)  # prices are whole fen, so the bound rounds up
    saving = greedy.total_fen - best.total_fen
    return {
        "orders": problem.n_orders,
        "served": best.served,
        "unservable": best.unserved,
        "unservable_by_reason": best.reason_counts(),
        "total_fen": best.total_fen,
        "greedy_fen": greedy.total_fen,
        "greedy_served": greedy.served,
        "saving_fen": saving,
        "saving_pct": round(100.0 * saving / greedy.total_fen, 3) if greedy.total_fen else 0.0,
        "lp_bound_fen": bound_fen,
        "gap_to_lp_pct": round(100.0 * (best.total_fen - bound_fen) / bound_fen, 4) if bound_fen else 0.0,
        "method": best.method,
        "classes": best.n_classes,
    }


def run(args: argparse.Namespace) -> int:
    if getattr(args, "pending", False):
        if args.scenario is not None:
            print("fahuo allocate: give --scenario DIR or --pending, not both", file=sys.stderr)
            return EXIT_INVALID
        return _run_pending(args)
    for flag in ("apply", "pickup_start", "pickup_end"):
        if getattr(args, flag, None):
            print(f"fahuo allocate: --{flag.replace('_', '-')} goes with --pending", file=sys.stderr)
            return EXIT_INVALID
    if args.scenario is None:
        print("fahuo allocate: give --scenario DIR", file=sys.stderr)
        return EXIT_INVALID
    t0 = time.perf_counter()
    try:
        problem = scenario.load_problem(args.scenario)
    except InvalidInput as exc:
        print(f"fahuo allocate: {exc.message}", file=sys.stderr)
        return EXIT_INVALID
    t_read = time.perf_counter()
    best = solver.solve(problem, method=args.method)
    t_solve = time.perf_counter()
    greedy = solver.greedy_cheapest_first(problem)
    lp_bound = solver.lp_lower_bound(problem, served=best.served)
    if args.out is not None:
        scenario.write_allocation(args.out, problem, best)
    summary = summarise(problem, best, greedy, lp_bound)
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    summary["read_seconds"] = round(t_read - t0, 3)
    summary["solve_seconds"] = round(t_solve - t_read, 3)
    return _print_summary(args, summary)


def _print_summary(args: argparse.Namespace, summary: dict[str, Any], more: Sequence[str] = ()) -> int:
    """The summary as one JSON object (``--json``), else as aligned lines followed by ``more`` and
    the CSV written (``--out``)."""
    if args.out is not None:
        summary["out"] = str(args.out)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return EXIT_OK
    lines = [*_summary_lines(summary), *more]
    if args.out is not None:
        lines.append(f"written      {args.out}")
    print("\n".join(lines))
    return EXIT_OK


def _summary_lines(summary: dict[str, Any]) -> list[str]:
    reasons = ", ".join(f"{k} {v}" for k, v in summary["unservable_by_reason"].items()) or "none"
    # the optimiser of a database run (and so the LP bound) weighs freight + preference penalties
    penalties = (
        [
            f"penalties    {_yuan(summary['penalty_fen'])} of preferences "
            f"(objective {_yuan(summary['objective_fen'])}; the LP bound is on it)"
        ]
        if summary.get("penalty_fen")
        else []
    )
    return [
        f"orders       {summary['orders']}",
        f"served       {summary['served']}",
        f"unservable   {summary['unservable']} ({reasons})",
        f"total        {_yuan(summary['total_fen'])} ({summary['total_fen']} fen)",
        f"greedy       {_yuan(summary['greedy_fen'])} ({summary['greedy_fen']} fen, served {summary['greedy_served']})",
        f"saving       {_yuan(summary['saving_fen'])} ({summary['saving_pct']:.2f}% of greedy)"
        + (f" over {summary['saving_basis']}" if summary.get("saving_basis") else ""),
        *penalties,
        f"LP bound     {_yuan(summary['lp_bound_fen'])} (gap {summary['gap_to_lp_pct']:.4f}%)",
        f"method       {summary['method']} over {summary['classes']} order classes",
        f"seconds      {summary['seconds']:.3f} (read {summary['read_seconds']:.3f}, solve {summary['solve_seconds']:.3f})",
    ]


def _write_csv(path: Path, rows: list[list[str]], extra: list[str] | None = None) -> None:
    """The allocation CSV (same columns as the scenario mode), written atomically like it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = CsvWriter(fh, lineterminator="\n")
            writer.writerow([*scenario.ALLOCATION_COLUMNS, *(extra or [])])
            writer.writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _run_pending(args: argparse.Namespace) -> int:
    """Plan (and with ``--apply`` apply) the database's ready orders; same summary and CSV columns."""
    from django.db import transaction

    from fahuo.routing import services
    from fahuo.routing import window as window_mod

    t0 = time.perf_counter()
    try:
        start = window_mod.parse_pickup_time(args.pickup_start) if args.pickup_start else None
        end = window_mod.parse_pickup_time(args.pickup_end, after=start) if args.pickup_end else None
        with transaction.atomic():
            planned = services.plan_allocation(
                orders=services.ready_orders(), method=args.method, pickup_start=start, pickup_end=end
            )
            applied = services.apply_run(run=planned, user=None) if args.apply else None
    except InvalidInput as exc:
        print(f"fahuo allocate: {exc.message}", file=sys.stderr)
        return EXIT_INVALID
    run = applied.run if applied is not None else planned
    if args.out is not None:
        _write_pending_csv(args.out, run)
    timings = (run.summary or {}).get("timings", {})
    summary: dict[str, Any] = {
        k: v for k, v in services.figures(run).items() if k not in ("run", "status", "seconds")
    }
    summary["seconds"] = round(time.perf_counter() - t0, 3)
    summary["read_seconds"] = float(timings.get("build", 0.0))
    summary["solve_seconds"] = float(timings.get("solve", 0.0))
    summary["run"] = run.pk
    summary["status"] = run.status
    if applied is not None:
        summary["applied"] = applied.applied
        summary["not_ready"] = applied.not_ready
    if run.pickup_start is not None and run.pickup_end is not None:
        summary["pickup_start"] = run.pickup_start.isoformat()
        summary["pickup_end"] = run.pickup_end.isoformat()
        summary["pickup_counts"] = (run.summary or {}).get("pickup_counts", {})
    return _print_summary(args, summary, more=_run_lines(run, applied))


def _run_lines(run: Any, applied: Any) -> list[str]:
    """The lines ``--pending`` adds: the run, applied or a preview, and its pickups per hour."""
    from fahuo.routing import window as window_mod

    state = f"applied ({applied.applied} orders got their carrier)" if applied is not None else "preview"
    lines = [f"run          #{run.pk} {state}"]
    if run.pickup_start is not None and run.pickup_end is not None:
        lines.append(
            f"pickup       {window_mod.label(run.pickup_start)} – {window_mod.label(run.pickup_end)}"
        )
        summary_hours = (run.summary or {}).get("pickup_counts", {})
        for lane, counts in sorted(summary_hours.items()):
            per_hour = ", ".join(
                f"{window_mod.label(dt.datetime.fromisoformat(h))[-5:]} {n}"
                for h, n in sorted(counts.items())
            )
            lines.append(f"  {lane:<11}{per_hour}")
    return lines


def _write_pending_csv(path: Path, run: Any) -> None:
    """The scenario mode's columns with platform order ids; ``pickup`` (ISO) with a pickup window."""
    from fahuo.routing import window as window_mod

    with_pickup = run.pickup_start is not None
    rows = (
        run.decisions.order_by("order__paid_at", "order_id")
        .values_list(
            "order__platform_order_id",
            "carrier__code",
            "warehouse__code",
            "freight_fen",
            "reason",
            "pickup_at",
        )
        .iterator(chunk_size=2000)
    )
    out = []
    for oid, c, w, fen, reason, at in rows:
        row = [oid, c, w, str(fen), ""] if c else [oid, "", "", "", reason]
        if with_pickup:
            row.append(at.astimezone(window_mod.TZ).isoformat() if at is not None else "")
        out.append(row)
    _write_csv(path, out, extra=["pickup"] if with_pickup else [])


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m fahuo.routing.cli``) until ``fahuo`` wires the subcommand."""
    parser = argparse.ArgumentParser(
        prog="fahuo allocate", description="Allocate orders to carriers and warehouses at least cost."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
