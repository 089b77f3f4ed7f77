"""``fahuo orders release --shop CODE [--order ID …] [--json]``: ship held encrypted 抖店 orders with
抖音电子面单 (no decryption), the desk's "用抖音电子面单发货（不解密）" from the command line."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "把导入时因收件信息为平台密文而暂扣的抖店订单改为用抖音电子面单发货（不解密）："
        "订单变为待打单（仅限抖音电子面单），由抖音打印组件打印面单；每单记审计日志。"
        "已脱敏的订单不能这样发货，请用 fahuo orders decrypt。"
    )
    parser.add_argument("--shop", required=True, help="shop code")
    parser.add_argument(
        "--order",
        action="append",
        default=[],
        help="platform order id (repeatable; default: every held order)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from fahuo.orders.cli_common import on_held_orders
    from fahuo.orders.platform_waybill import release_held

    result = on_held_orders(args, release_held)
    if isinstance(result, int):
        return result
    if not args.json:
        print(f"改用抖音电子面单发货：{len(result.released)} 单，未改 {len(result.refused)} 单。")
        for oid in result.released:
            print(f"  订单 {oid}：待打单（仅限抖音电子面单）")
        for item in result.refused:
            print(f"  订单 {item['order_id']}：{item['reason']}")
    return 1 if result.refused and not result.released else 0
