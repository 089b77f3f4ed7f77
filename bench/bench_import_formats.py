"""`fahuo import orders` of the same generated 抖店 export as CSV and as XLSX (issue #18, XLSX at scale).

Each format on a fresh data dir (``import_world setup``: the 抖店 shop ``live``), the import a real
subprocess: wall and CPU seconds and peak RSS (``os.wait4``), with the load average around it.

    .venv/bin/python bench/bench_import_formats.py [--orders 20000] [--out bench/results/import_formats.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "src")]

import bench_burst  # noqa: E402


def import_once(orders: list[Any], fmt: str) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix=f"fahuo-bench-{fmt}-"))
    env = {**os.environ, "FAHUO_DATA_DIR": str(data), "PYTHONPATH": str(ROOT / "src")}
    env |= {"FAHUO_HUEY_IMMEDIATE": "0", "FAHUO_MAX_UPLOAD_MB": "300"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("FAHUO_DATABASE_URL", None)
    py = sys.executable
    subprocess.run([py, "-m", "fahuo.cli", "manage", "migrate", "-v0"], env=env, check=True)
    setup = [py, "-m", "fahuo.orders.tests.import_world", "setup"]
    subprocess.run(setup, env=env, check=True, capture_output=True)
    path = data / f"1765000000_订单导出.{fmt}"
    lines = bench_burst.write_export(orders, path, fmt)
    load, began = os.getloadavg()[0], time.perf_counter()
    args = [py, "-m", "fahuo.cli", "import", "orders", str(path), "--shop", "live", "--json"]
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - began
        out.seek(0)
        report = json.loads(out.read())
    return {
        "orders": len(orders),
        "lines": lines,
        "bytes": path.stat().st_size,
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "created": report.get("orders_created"),
        "load_avg_1m": [round(load, 2), round(os.getloadavg()[0], 2)],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "import_formats.json"))
    args = parser.parse_args()
    orders = bench_burst.generate_orders(args.orders)
    results = {}
    for fmt in ("csv", "xlsx"):
        results[fmt] = import_once(orders, fmt)
        print(fmt, json.dumps(results[fmt]), flush=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
