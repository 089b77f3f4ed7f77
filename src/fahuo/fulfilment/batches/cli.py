"""``fahuo batches list|create|run|resume``: print batches (波次) from the command line.

``create`` queues the batches for the worker (``fahuo worker``) unless ``--run`` works them here;
``run ID`` works a batch in this process (continuing an interrupted one); ``resume ID`` queues a
failed or interrupted batch for the worker again.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fahuo.fulfilment.models import PrintBatch


def add_arguments(parser: argparse.ArgumentParser) -> None:
    command = parser.get_default("_path")[-1]
    if command == "list":
        parser.add_argument("--status", choices=["queued", "running", "done", "failed", "cancelled"])
        parser.add_argument("--limit", type=int, default=30, help="newest N batches (default 30)")
    elif command == "create":
        parser.add_argument("--all-ready", action="store_true", help="every ready (待打单) order")
        parser.add_argument("--order", action="append", default=[], help="platform order id (repeatable)")
        parser.add_argument("--shop", help="only this shop's orders")
        parser.add_argument("--name", help="batch name (default: warehouse · carrier and the time)")
        parser.add_argument("--size", default="100x180", choices=["100x180", "76x130"])
        parser.add_argument(
            "--by-pickup-hour",
            action="store_true",
            help="one batch per pickup hour (of the applied allocation), earliest first",
        )
        parser.add_argument(
            "--run", action="store_true", help="work the batches here instead of in the worker"
        )
    else:  # run, resume
        parser.add_argument("id", type=int, help="batch id")
        if command == "resume":
            parser.add_argument("--now", action="store_true", help="continue here instead of in the worker")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    command = args._path[-1]
    handler: Callable[[argparse.Namespace], int] = {
        "list": _list,
        "create": _create,
        "run": _run,
        "resume": _resume,
    }[command]
    from fahuo.kit.errors import FahuoError

    try:
        return handler(args)
    except FahuoError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1


def _row(batch: PrintBatch) -> dict[str, Any]:
    from django.utils import timezone

    from fahuo.fulfilment.batches.services import is_interrupted

    return {
        "id": batch.pk,
        "name": batch.name,
        "status": "interrupted" if is_interrupted(batch) else batch.status,
        "warehouse": batch.warehouse.name if batch.warehouse else "",
        "carrier": batch.carrier.name if batch.carrier else "",
        "total": batch.total,
        "issued": batch.issued,
        "failed": batch.failed,
        "created": timezone.localtime(batch.created_at).strftime("%Y-%m-%d %H:%M"),
        "pdf": batch.pdf_path,
        "error": batch.error,
    }


def _list(args: argparse.Namespace) -> int:
    from fahuo.fulfilment.batches.services import batch_list

    qs = batch_list()
    if args.status:
        qs = qs.filter(status=args.status)
    rows = [_row(b) for b in qs[: args.limit]]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "name", "status", "warehouse", "carrier", "total/issued/failed", "created")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["name"],
            r["status"],
            r["warehouse"],
            r["carrier"],
            f"{r['total']}/{r['issued']}/{r['failed']}",
            r["created"],
        )
    Console(width=160).print(table)
    if not rows:
        print("No print batches yet: fahuo batches create --all-ready")
    return 0


def _create(args: argparse.Namespace) -> int:
    from django.db import transaction

    from fahuo.fulfilment.batches.services import create_batch
    from fahuo.orders.models import Order, OrderStatus

    if not args.all_ready and not args.order:
        print("error: give --all-ready or --order ID", file=sys.stderr)
        return 2
    orders = Order.objects.filter(status=OrderStatus.READY) if args.all_ready else Order.objects.all()
    if args.shop:
        orders = orders.filter(shop__code=args.shop)
    if args.order:
        orders = orders.filter(platform_order_id__in=args.order)
    criteria = {"source": "cli", "all_ready": args.all_ready, "shop": args.shop or "", "orders": args.order}
    with transaction.atomic():
        batches = create_batch(
            orders=orders,
            name=args.name,
            size=args.size,
            criteria=criteria,
            enqueue=not args.run,
            by_pickup_hour=args.by_pickup_hour,
        )
    if args.run:
        for batch in batches:
            _work(batch.pk, json_out=args.json)
    result = {
        "batches": [_row(b) for b in _fresh(batches)],
        "skipped": [{"order_id": oid, "reason": reason} for oid, reason in batches.skipped],
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for r in result["batches"]:
            print(f"Batch {r['id']} {r['name']}: {r['total']} orders, {r['status']}")
        if not batches:
            print("No batch created: no ready orders matched.")
        for s in result["skipped"]:
            print(f"  skipped order {s['order_id']}: {s['reason']}")
    return 0 if batches else 1


def _fresh(batches: list[PrintBatch]) -> list[PrintBatch]:
    from fahuo.fulfilment.batches.services import batch_list

    return list(batch_list().filter(pk__in=[b.pk for b in batches]).order_by("pk"))


@contextmanager
def _bar(batch_id: int, *, quiet: bool) -> Iterator[Callable[[PrintBatch], None] | None]:
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from fahuo.fulfilment.labels.cli import rich_progress

    with rich_progress("batch {task.fields[batch]}") as bar:
        task = bar.add_task("", total=None, batch=batch_id)

        def update(batch: PrintBatch) -> None:
            bar.update(task, completed=batch.issued + batch.failed, total=batch.total)

        yield update


def _work(batch_id: int, *, json_out: bool) -> int:
    from fahuo.fulfilment.batches.services import get_batch, run_batch

    with _bar(batch_id, quiet=json_out) as on_progress:
        batch = run_batch(batch_id=batch_id, on_progress=on_progress)
    batch = batch or get_batch(pk=batch_id)
    row = _row(batch)
    if not json_out:
        print(
            f"Batch {row['id']} {row['status']}: {row['issued']} issued, {row['failed']} failed"
            + (f" -> {row['pdf']}" if row["pdf"] else "")
            + (f" ({row['error']})" if row["error"] else "")
        )
    return 0 if batch.status == "done" else 1


def _run(args: argparse.Namespace) -> int:
    from fahuo.fulfilment.batches.services import get_batch, holder_alive

    batch = get_batch(pk=args.id)
    if holder_alive(batch):
        print(f"error: batch {batch.pk} is being printed by a worker right now", file=sys.stderr)
        return 1
    code = _work(args.id, json_out=args.json)
    if args.json:
        print(json.dumps(_row(get_batch(pk=args.id)), ensure_ascii=False))
    return code


def _resume(args: argparse.Namespace) -> int:
    from django.db import transaction

    from fahuo.fulfilment.batches.services import get_batch, resume_batch

    if args.now:
        get_batch(pk=args.id)
        return _run(args)
    with transaction.atomic():
        batch = resume_batch(batch_id=args.id)
    if args.json:
        print(json.dumps(_row(get_batch(pk=batch.pk)), ensure_ascii=False))
    else:
        print(f"Batch {batch.pk} queued again; `fahuo worker` continues it from its pending orders.")
    return 0
