"""`make bench`: run every benchmark in turn; each prints its figures and the machine, and writes
bench/results/<name>.json. A failing benchmark is reported and the others still run."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    "bench_address.py",
    "eval_independent_addresses.py",
    "bench_labels.py",
    "bench_allocation.py",
    "bench_batch.py",
    "bench_tracking.py",
    "bench_ingest.py",
]


def main() -> int:
    failed = []
    for name in BENCHES:
        script = HERE / name
        if not script.exists():
            continue
        print(f"\n=== {name}", flush=True)
        started = time.perf_counter()
        rc = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"=== {name}: exit {rc} in {time.perf_counter() - started:.1f} s", flush=True)
        if rc:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
