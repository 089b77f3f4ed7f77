"""``fahuo labels print``: issue waybills for verified orders and print their labels into one PDF."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--all-ready", action="store_true", help="every verified, unprinted order")
    parser.add_argument("--order", action="append", default=[], help="platform order id (repeatable)")
    parser.add_argument("--shop", help="only this shop's orders")
    parser.add_argument("--out", required=True, help="PDF file to write")
    parser.add_argument("--size", default="100x180", choices=["100x180", "76x130"])
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")


def run(args: argparse.Namespace) -> int:
    from fahuo.fulfilment.services import print_orders
    from fahuo.orders.models import Order, OrderStatus

    if not args.all_ready and not args.order:
        print("error: give --all-ready or --order ID")
        return 2
    orders = Order.objects.all()
    if args.shop:
        orders = orders.filter(shop__code=args.shop)
    if args.all_ready:
        orders = orders.filter(status=OrderStatus.READY)
    if args.order:
        orders = orders.filter(platform_order_id__in=args.order)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result = print_orders(orders=orders.order_by("paid_at", "id"), size=args.size, out=out)
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
