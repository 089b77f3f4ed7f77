"""``fahuo orders decrypt --shop CODE [--order ID …] [--json]``: complete held receivers from 抖店."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "为导入时收件信息为密文或已脱敏而暂扣的抖店订单，从抖店接口（orderDetail + batchDecrypt）补全收件信息。"
        "只对已付款、未发货的订单解密；每单记审计日志。"
    )
    parser.add_argument("--shop", required=True, help="shop code")
    parser.add_argument("--order", action="append", default=[], help="platform order id (repeatable)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from fahuo.orders.cli_common import on_held_orders
    from fahuo.orders.platform_recipients import complete_from_platform

    result = on_held_orders(args, complete_from_platform)
    if isinstance(result, int):
        return result
    if args.json:
        return 0
    print(
        f"补全收件信息：成功 {len(result.completed)} 单，平台不允许 {len(result.refused)} 单，"
        f"调用失败 {len(result.failed)} 单。"
    )
    for done in result.completed:
        state = "可打单" if done["ok"] else "待审核：" + "；".join(done["reasons"])
        print(f"  订单 {done['order_id']}：已解密（{state}）")
    for item in (*result.refused, *result.failed):
        print(f"  订单 {item['order_id']}：{item['reason']}")
    return 0
