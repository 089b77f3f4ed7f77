"""Allocation benchmark: the shared sample, 20k and 100k generated orders (6 carriers × 3 warehouses).

    .venv/bin/python bench/bench_allocation.py [--repeat 3] [--out bench/results/allocation.json]

Scenarios: the shared sample; 20k and 100k generated orders with carrier × warehouse caps
(nested caps: min-cost flow); 20k with per-carrier and per-warehouse totals as well (crossing
caps: HiGHS MIP); and 2k / 20k with short stock (``stock`` rows: each order without a fixed
warehouse asks for 1–3 units of one of 30 SKUs, every warehouse holds 30% of the demand of each
SKU — the solver's stock MIP with the desk's 3 s branch-and-bound limit; not in the LP-bound
target, its LP relaxation is weak by nature). Per scenario: orders, seconds (read + build + solve;
best and median of ``--repeat`` runs),
total_fen, lp_bound_fen and the ratio to it, greedy_fen and the greedy excess %. Targets:
within 0.1% of the LP bound, and 100k orders in under 5 s. Where OR-Tools cannot be loaded
next to highspy in one process, the min-cost-flow engine is also timed in a child process
that loads OR-Tools first (``--flow-only``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import cpu_model

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "samples" / "allocation-scenario"
# name, orders, seed, per-carrier and per-warehouse totals (crossing caps → MIP)
GENERATED = (
    ("generated-20k", 20_000, 11, False),
    ("generated-100k", 100_000, 7, False),
    ("generated-20k-totals", 20_000, 13, True),
)
STOCK = (("generated-2k-stock", 2_000, 17), ("generated-20k-stock", 20_000, 11))
STOCK_SKUS, STOCK_SHARE, STOCK_SECONDS = 30, 0.3, 3.0
TARGET_SECONDS_100K = 5.0
TARGET_RATIO = 1.001


def machine() -> dict[str, Any]:
    cpu = cpu_model()
    versions: dict[str, str | None] = {}
    for pkg in ("numpy", "highspy", "ortools"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "versions": versions,
    }


def flow_only(directory: Path, repeat: int) -> dict[str, Any]:
    """Time OR-Tools' min-cost flow alone (this process must load OR-Tools before highspy)."""
    import ortools.graph.python.min_cost_flow  # noqa: F401  (load OR-Tools' libhighs first)

    from fahuo.routing import scenario, solver

    problem = scenario.load_problem(directory)
    times, best = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        best = solver.solve(problem, method="flow")
        times.append(time.perf_counter() - t0)
    assert best is not None
    return {
        "method": best.method,
        "solve_seconds": min(times),
        "total_fen": best.total_fen,
        "served": best.served,
    }


def run_scenario(name: str, directory: Path, repeat: int) -> dict[str, Any]:
    from fahuo.routing import scenario, solver

    load_t, solve_t, total_t = [], [], []
    problem = best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        problem = scenario.load_problem(directory)
        t1 = time.perf_counter()
        best = solver.solve(problem)
        t2 = time.perf_counter()
        load_t.append(t1 - t0)
        solve_t.append(t2 - t1)
        total_t.append(t2 - t0)
    assert problem is not None and best is not None
    t0 = time.perf_counter()
    greedy = solver.greedy_cheapest_first(problem)
    greedy_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    bound = solver.lp_lower_bound(problem, served=best.served)
    lp_s = time.perf_counter() - t0
    bound_fen = math.ceil(bound - 1e-6)
    row: dict[str, Any] = {
        "scenario": name,
        "orders": problem.n_orders,
        "options": problem.n_options,
        "classes": best.n_classes,
        "served": best.served,
        "unservable": best.unserved,
        "unservable_by_reason": best.reason_counts(),
        "method": best.method,
        "seconds": round(min(total_t), 3),
        "seconds_median": round(statistics.median(total_t), 3),
        "read_build_seconds": round(min(load_t), 3),
        "solve_seconds": round(min(solve_t), 3),
        "total_fen": best.total_fen,
        "lp_bound_fen": bound_fen,
        "ratio_to_lp_bound": round(best.total_fen / bound_fen, 6) if bound_fen else 1.0,
        "lp_seconds": round(lp_s, 3),
        "greedy_fen": greedy.total_fen,
        "greedy_served": greedy.served,
        "greedy_excess_pct": round(100.0 * (greedy.total_fen - best.total_fen) / best.total_fen, 3)
        if best.total_fen
        else 0.0,
        "greedy_seconds": round(greedy_s, 3),
    }
    row["branch_and_bound_phases"] = int(best.stats.get("branch_and_bound_phases", 0))
    if best.method != "mip" and solver._ortools_min_cost_flow() is None:  # flow engine, clean child
        out = subprocess.run(
            [sys.executable, __file__, "--flow-only", str(directory), "--repeat", str(repeat)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        flow = json.loads(out.stdout)
        if flow["total_fen"] != best.total_fen:
            raise SystemExit(f"{name}: flow engine total {flow['total_fen']} != {best.total_fen}")
        row["min_cost_flow_solve_seconds"] = round(flow["solve_seconds"], 3)
        row["seconds_with_min_cost_flow"] = round(row["read_build_seconds"] + flow["solve_seconds"], 3)
    return row


def with_stock(problem: Any, seed: int) -> Any:
    """The problem with short stock: flexible orders ask for 1–3 units of one of 30 SKUs (Zipf),
    each warehouse holds STOCK_SHARE of every SKU's demand."""
    import numpy as np

    from fahuo.routing import solver

    rng = np.random.default_rng(seed)
    p, nw = problem, len(problem.warehouses)
    reach = np.zeros((p.n_orders, nw), dtype=bool)
    reach[p.opt_order, p.opt_warehouse] = True
    flexible = np.flatnonzero(reach.sum(axis=1) > 1)
    sku = (rng.zipf(1.5, size=flexible.size) - 1) % STOCK_SKUS
    qty = rng.choice([1, 1, 1, 2, 3], size=flexible.size)
    demand = np.bincount(sku, weights=qty, minlength=STOCK_SKUS)
    stock = np.floor(np.tile(demand * STOCK_SHARE, (nw, 1))).astype(np.int64)
    fields = {f: getattr(p, f) for f in p.__dataclass_fields__ if not f.startswith("demand") and f != "stock"}
    return solver.Problem(**fields, stock=stock, demand_order=flexible, demand_sku=sku, demand_qty=qty)


def run_stock(name: str, directory: Path, seed: int, repeat: int) -> dict[str, Any]:
    from fahuo.routing import scenario, solver

    problem = with_stock(scenario.load_problem(directory), seed)
    times, best = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        best = solver.solve(problem, time_limit=STOCK_SECONDS)
        times.append(time.perf_counter() - t0)
    assert best is not None
    greedy = solver.greedy_cheapest_first(problem)
    bound = math.ceil(solver.lp_lower_bound(problem, served=best.served) - 1e-6)
    return {
        "scenario": name,
        "orders": problem.n_orders,
        "stock_rows": int(best.stats["stock_rows"]),
        "classes": best.n_classes,
        "arcs": int(best.stats["arcs"]),
        "method": best.method,
        "solve_seconds": round(min(times), 3),
        "solve_seconds_median": round(statistics.median(times), 3),
        "branch_and_bound_phases": int(best.stats["branch_and_bound_phases"]),
        "served": best.served,
        "served_gap": int(best.stats.get("served_gap", 0)),
        "unservable_by_reason": best.reason_counts(),
        "total_fen": best.total_fen,
        "lp_bound_fen": bound,
        "ratio_to_lp_bound": round(best.total_fen / bound, 6) if bound else 1.0,
        "mip_gap_pct": round(100 * best.stats.get("mip_gap", 0.0), 3),
        "greedy_served": greedy.served,
        "greedy_fen": greedy.total_fen,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "allocation.json")
    ap.add_argument("--flow-only", type=Path, metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.flow_only:
        print(json.dumps(flow_only(args.flow_only, args.repeat)))
        return

    from gen_scenario import generate, write

    info = machine()
    rows = []
    with tempfile.TemporaryDirectory(prefix="fahuo-bench-") as tmp:
        scenarios: list[tuple[str, Path]] = []
        if SAMPLE.is_dir():
            scenarios.append(("sample-2000", SAMPLE))
        for name, n, seed, totals in GENERATED:
            scenarios.append((name, write(Path(tmp) / name, generate(n, seed, totals=totals))))
        stock_rows = []
        for name, n, seed in STOCK:
            directory = write(Path(tmp) / name, generate(n, seed, totals=False))
            row = run_stock(name, directory, seed, args.repeat)
            stock_rows.append(row)
            print(
                f"{name:15} {row['orders']:>7} orders  solve {row['solve_seconds']:6.3f} s "
                f"(median {row['solve_seconds_median']:.3f}, {row['method']}, {row['arcs']} arcs)  "
                f"served {row['served']} (LP +{row['served_gap']}, greedy {row['greedy_served']})  "
                f"total {row['total_fen']}  LP {row['lp_bound_fen']} (×{row['ratio_to_lp_bound']:.4f}, "
                f"B&B gap {row['mip_gap_pct']}%)  greedy {row['greedy_fen']}"
            )
        for name, directory in scenarios:
            row = run_scenario(name, directory, args.repeat)
            rows.append(row)
            print(
                f"{name:15} {row['orders']:>7} orders  {row['seconds']:6.3f} s (median {row['seconds_median']:.3f}, "
                f"solve {row['solve_seconds']:.3f} {row['method']}"
                + (
                    f", flow {row['min_cost_flow_solve_seconds']:.3f}"
                    if "min_cost_flow_solve_seconds" in row
                    else ""
                )
                + f")  total {row['total_fen']}  LP {row['lp_bound_fen']} (×{row['ratio_to_lp_bound']:.6f})"
                f"  greedy +{row['greedy_excess_pct']:.2f}%  unservable {row['unservable']}"
            )
    if SAMPLE.is_dir():
        expected = json.loads((SAMPLE / "optimum.json").read_text(encoding="utf-8"))
        sample = rows[0]
        sample["matches_optimum_json"] = (
            sample["total_fen"] == expected["optimum_fen"]
            and sample["unservable"] == expected["unservable_orders"]
        )
    big = next(r for r in rows if r["orders"] == 100_000)
    info["load_average_after"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    result = {
        "benchmark": "allocation",
        "command": "python bench/bench_allocation.py --repeat " + str(args.repeat),
        "machine": info,
        "targets": {
            "ratio_to_lp_bound_max": TARGET_RATIO,
            "seconds_100k_max": TARGET_SECONDS_100K,
            "ratio_met": all(r["ratio_to_lp_bound"] <= TARGET_RATIO for r in rows),
            "seconds_100k_met": big["seconds"] < TARGET_SECONDS_100K,
        },
        "scenarios": rows,
        "stock_scenarios": stock_rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"targets: {result['targets']}")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
