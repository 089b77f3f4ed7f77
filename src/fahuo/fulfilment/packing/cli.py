"""``fahuo picklist`` and ``fahuo packslips``: the pick list and packing slips as one PDF."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--batch", type=int, help="print batch (wave) id")
    which.add_argument("--all-ready", action="store_true", help="every verified, unprinted order")
    which.add_argument("--order", action="append", default=[], help="platform order id (repeatable)")
    parser.add_argument("--shop", help="only this shop's orders (with --all-ready / --order)")
    parser.add_argument("--out", required=True, help="PDF file to write")


def run(args: argparse.Namespace) -> int:
    from fahuo.fulfilment.models import PrintBatch
    from fahuo.fulfilment.packing.documents import render_packing_slips, render_picklist
    from fahuo.orders.models import Order, OrderStatus

    slips = tuple(getattr(args, "_path", ("picklist",))) == ("packslips",)
    render = render_packing_slips if slips else render_picklist
    if args.batch is not None:
        batch = PrintBatch.objects.filter(pk=args.batch).first()
        if batch is None:
            print(f"error: no print batch {args.batch}")
            return 2
        if not batch.items.exists():
            print(f"error: print batch {args.batch} has no orders")
            return 1
        data = render(batch=batch)
        count = batch.items.count()
    else:
        orders = Order.objects.all()
        if args.shop:
            orders = orders.filter(shop__code=args.shop)
        if args.all_ready:
            orders = orders.filter(status=OrderStatus.READY)
        else:
            orders = orders.filter(platform_order_id__in=args.order)
        count = orders.count()
        if not count:
            print("No orders matched: nothing written.")
            return 1
        data = render(orders=orders)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    kind = "packing slips" if slips else "pick list"
    print(f"Wrote the {kind} for {count} orders -> {out}")
    return 0
