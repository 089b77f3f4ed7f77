"""``fahuo orders cancel ORDER --reason TEXT [--shop CODE] [--json]``."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from fahuo.kit.cli_io import add_json

    parser.description = (
        "取消订单：释放占用的库存。已取运单号的订单要先作废面单再取消。"
        "ORDER 是平台订单号（或 fahuo 订单 id）。"
    )
    parser.add_argument("order", help="platform order id (or fahuo order id)")
    parser.add_argument("--reason", required=True, help="why (kept in the audit log), e.g. 买家取消")
    parser.add_argument("--shop", default="", help="shop code, when two shops have the same order id")
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    from django.db import transaction

    from fahuo.kit.cli_io import emit, fail
    from fahuo.kit.errors import FahuoError
    from fahuo.orders.cancel import cancel, cancel_dict, find_order
    from fahuo.orders.models import Order

    try:
        with transaction.atomic():
            order = find_order(orders=Order.objects.select_related("shop"), ref=args.order, shop=args.shop)
            cancel(order=order, reason=args.reason)
    except FahuoError as exc:
        return fail(args, exc)
    emit(
        args, cancel_dict(order, reason=args.reason), f"已取消订单 {order.platform_order_id}（{args.reason}）"
    )
    return 0
