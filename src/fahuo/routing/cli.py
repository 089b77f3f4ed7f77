"""``fahuo allocate``: allocate a scenario's orders to carriers and warehouses at least cost.

    fahuo allocate --scenario DIR --out allocation.csv [--json]

Prints a summary (orders, served, unservable by reason, total freight, the greedy
cheapest-first baseline and the saving against it, the LP lower bound, seconds); ``--json``
prints the same as one JSON object. The allocation CSV is written only after everything
was read, validated and solved, and atomically.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from fahuo.kit.errors import InvalidInput
from fahuo.routing import scenario, solver

EXIT_OK = 0
EXIT_INVALID = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scenario", type=Path, metavar="DIR", help="scenario directory (CSV files)")
    parser.add_argument("--pending", action="store_true", help="allocate the pending orders in the database")
    parser.add_argument("--out", type=Path, metavar="CSV", help="write the allocation CSV here")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    parser.add_argument(
        "--method",
        choices=("auto", "flow", "lp", "mip"),
        default="auto",
        help="solver: min-cost flow, HiGHS network LP, or HiGHS MIP (default: auto)",
    )


def _yuan(fen: int) -> str:
    return f"¥{fen / 100:,.2f}"


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
        print("fahuo allocate: --pending needs the database; see fahuo.routing.services", file=sys.stderr)
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
    if args.out is not None:
        summary["out"] = str(args.out)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return EXIT_OK
    reasons = ", ".join(f"{k} {v}" for k, v in summary["unservable_by_reason"].items()) or "none"
    lines = [
        f"orders       {summary['orders']}",
        f"served       {summary['served']}",
        f"unservable   {summary['unservable']} ({reasons})",
        f"total        {_yuan(summary['total_fen'])} ({summary['total_fen']} fen)",
        f"greedy       {_yuan(summary['greedy_fen'])} ({summary['greedy_fen']} fen, served {summary['greedy_served']})",
        f"saving       {_yuan(summary['saving_fen'])} ({summary['saving_pct']:.2f}% of greedy)",
        f"LP bound     {_yuan(summary['lp_bound_fen'])} (gap {summary['gap_to_lp_pct']:.4f}%)",
        f"method       {summary['method']} over {summary['classes']} order classes",
        f"seconds      {summary['seconds']:.3f} (read {summary['read_seconds']:.3f}, solve {summary['solve_seconds']:.3f})",
    ]
    if args.out is not None:
        lines.append(f"written      {args.out}")
    print("\n".join(lines))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m fahuo.routing.cli``) until ``fahuo`` wires the subcommand."""
    parser = argparse.ArgumentParser(
        prog="fahuo allocate", description="Allocate orders to carriers and warehouses at least cost."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
