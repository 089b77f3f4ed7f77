"""Score fahuo.kit.address.parse_address on the independent address set.

    .venv/bin/python bench/eval_independent_addresses.py            # report + bench/results/address_independent.json
    .venv/bin/python bench/eval_independent_addresses.py --no-write # report only

The set (bench/data/addresses_independent.tsv) is built by bench/gen_independent_addresses.py,
which was written without looking at the parser or its own test data. Every miss is listed
with the raw line, what was expected and what the parser returned.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path
from typing import TypedDict

from bench_batch import cpu_model

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data" / "addresses_independent.tsv"
OUT = HERE / "results" / "address_independent.json"
REGION_FIELDS = ("province", "city", "district")
FIELDS = (*REGION_FIELDS, "name", "phone")


class Miss(TypedDict):
    raw: str
    fields: list[str]
    expected: dict[str, str]
    got: dict[str, str]


try:
    from fahuo.kit.address import parse_address
except ImportError:  # not installed editable: fall back to the source tree
    sys.path.insert(0, str(ROOT / "src"))
    from fahuo.kit.address import parse_address


def load(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    for row in rows:
        for k, v in row.items():
            row[k] = v or ""
    return rows


def got_fields(parsed: object) -> dict[str, str]:
    return {f: (getattr(parsed, f, "") or "") for f in FIELDS}


def evaluate(rows: list[dict[str, str]]) -> tuple[dict[str, float], list[Miss]]:
    right = dict.fromkeys((*FIELDS, "region_all3"), 0)
    misses: list[Miss] = []
    for row in rows:
        expected = {f: row[f] for f in FIELDS}
        try:
            got = got_fields(parse_address(row["raw"]))
        except Exception as exc:  # a crash is a miss on every field
            got = {f: f"<{type(exc).__name__}: {exc}>" for f in FIELDS}
        wrong = [f for f in FIELDS if got[f] != expected[f]]
        for f in FIELDS:
            right[f] += f not in wrong
        right["region_all3"] += not any(f in wrong for f in REGION_FIELDS)
        if wrong:
            misses.append({"raw": row["raw"], "fields": wrong, "expected": expected, "got": got})
    n = len(rows)
    return {k: round(v / n, 4) for k, v in right.items()}, misses


def fmt(d: dict[str, str], fields: list[str]) -> str:
    return " | ".join(f"{f}={d[f] or '∅'}" for f in fields)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)

    rows = load(args.data)
    accuracy, misses = evaluate(rows)
    n = len(rows)

    print(f"independent address set: {n} lines ({args.data.relative_to(ROOT)})")
    print(f"misses: {len(misses)} lines with at least one wrong field\n")
    for i, m in enumerate(misses, 1):
        print(f"[{i}] {m['raw']}")
        print(f"     expected: {fmt(m['expected'], m['fields'])}")
        print(f"     got:      {fmt(m['got'], m['fields'])}")
    print("\naccuracy")
    for k in (*REGION_FIELDS, "region_all3", "name", "phone"):
        wrong = round(n * (1 - accuracy[k]))
        print(f"  {k:<12} {accuracy[k] * 100:6.2f}%   ({n - wrong}/{n})")

    if not args.no_write:
        result = {
            "n": n,
            "accuracy": accuracy,
            "misses": len(misses),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "machine": {
                "platform": platform.platform(),
                "cpu": cpu_model(),
                "cores": os.cpu_count(),
                "python": platform.python_version(),
            },
            "data": str(args.data.relative_to(ROOT)),
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
