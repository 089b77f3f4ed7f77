"""``fahuo labels print``: issue waybills for verified orders and print their labels into one PDF."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PROGRESS_MIN_ORDERS = 200  # smaller runs finish before a bar is worth drawing


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--all-ready", action="store_true", help="every verified, unprinted order")
    parser.add_argument("--order", action="append", default=[], help="platform order id (repeatable)")
    parser.add_argument("--shop", help="only this shop's orders")
    parser.add_argument("--batch", type=int, metavar="ID", help="print the labels of this print batch again")
    parser.add_argument("--out", required=True, help="PDF file to write")
    parser.add_argument(
        "--size", default=None, choices=["100x180", "76x130"], help="label size (default 100x180)"
    )
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")


@contextmanager
def rich_progress(column: str) -> Iterator[Any]:
    """A transient rich progress bar on stderr: ``column`` (a rich text column), bar, done/total, time."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn(column), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        yield bar


@contextmanager
def progress_bar(total: int, *, label: str) -> Iterator[Callable[[str, int, int], None] | None]:
    """A rich progress bar on stderr for long runs at a terminal; None (no callback) otherwise."""
    if total < PROGRESS_MIN_ORDERS or not sys.stderr.isatty():
        yield None
        return
    phases = {"issue": "issuing waybills", "render": "rendering labels"}
    with rich_progress("{task.description}") as bar:
        task = bar.add_task(label, total=total)

        def update(phase: str, done: int, of: int) -> None:
            bar.update(task, description=phases.get(phase, phase), completed=done, total=max(of, 1))

        yield update


def run(args: argparse.Namespace) -> int:
    from fahuo.fulfilment.services import print_orders
    from fahuo.orders.models import Order, OrderStatus

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.batch:
        return _print_batch(args, out)
    if not args.all_ready and not args.order:
        print("error: give --all-ready, --order ID or --batch ID")
        return 2
    orders = Order.objects.all()
    if args.shop:
        orders = orders.filter(shop__code=args.shop)
    if args.all_ready:
        orders = orders.filter(status=OrderStatus.READY)
    if args.order:
        orders = orders.filter(platform_order_id__in=args.order)
    orders = orders.order_by("paid_at", "id")
    with progress_bar(orders.count(), label="issuing waybills") as on_progress:
        result = print_orders(orders=orders, size=args.size or "100x180", out=out, on_progress=on_progress)
    summary = {
        "labels": result.pages,
        "issued": result.issued,
        "failed": [{"order_id": oid, "reason": reason} for oid, reason in result.failed],
        "out": str(out) if result.pages else None,
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        if result.pages:
            print(f"Printed {result.pages} labels ({result.issued} new waybills) -> {out}")
        else:
            print("No labels printed: no ready orders matched.")
        for oid, reason in result.failed:
            print(f"  order {oid}: {reason}")
    return 0 if not result.failed else 1


def _print_batch(args: argparse.Namespace, out: Path) -> int:
    from fahuo.fulfilment.batches.services import print_batch_labels
    from fahuo.kit.errors import FahuoError

    try:
        pages = print_batch_labels(batch_id=args.batch, out=out, size=args.size)
    except FahuoError as exc:
        print(f"error: {exc.message}")
        return 1
    if args.json:
        print(json.dumps({"batch": args.batch, "labels": pages, "out": str(out) if pages else None}))
    elif pages:
        print(f"Printed {pages} labels of batch {args.batch} -> {out}")
    else:
        print(f"No labels printed: batch {args.batch} has no issued waybills.")
    return 0
