"""``fahuo orders list [--status S] [--shop CODE] [--json]``."""

from __future__ import annotations

import argparse
from typing import Any

from fahuo.kit.cli_io import add_json, emit

STATUSES = ["needs_review", "ready", "printed", "shipped", "delivered", "cancelled"]  # OrderStatus


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "列出订单：状态、标记（待审核原因，如缺货 out_of_stock）、快递、仓库。"
    parser.add_argument("--status", choices=STATUSES)
    parser.add_argument("--shop", help="shop code")
    parser.add_argument("--limit", type=int, default=0, help="at most this many (default: all)")
    add_json(parser)


def order_rows(*, status: str | None, shop: str | None, limit: int = 0) -> list[dict[str, Any]]:
    from fahuo.orders.models import Order

    qs = Order.objects.select_related("carrier", "warehouse").order_by("pk")
    if status:
        qs = qs.filter(status=status)
    if shop:
        qs = qs.filter(shop__code=shop)
    if limit > 0:
        qs = qs[:limit]
    fields = ("pk", "platform_order_id", "status", "review_reasons", "carrier__code", "warehouse__code")
    return [
        {
            "order_id": platform_id,
            "status": status_,
            "flags": [str(r.get("code", "")) for r in reasons or []],
            "carrier": carrier or None,
            "warehouse": warehouse or None,
        }
        for _pk, platform_id, status_, reasons, carrier, warehouse in qs.values_list(*fields)
    ]


def run(args: argparse.Namespace) -> int:
    rows = order_rows(status=args.status, shop=args.shop, limit=args.limit)
    text = "\n".join(
        f"{r['order_id']:<24}{r['status']:<14}{r['carrier'] or '-':<8}{r['warehouse'] or '-':<8}{','.join(r['flags'])}"
        for r in rows
    )
    emit(args, rows, text or "（没有订单）")
    return 0
