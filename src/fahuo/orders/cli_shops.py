"""``fahuo shops add CODE --name NAME --platform douyin|private [--json]``."""

from __future__ import annotations

import argparse
from typing import Any

from fahuo.kit.cli_io import add_json, write_and_emit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "添加店铺：抖店（douyin）或私域（private）。"
    parser.add_argument("code", help="shop code, e.g. xiaoyu")
    parser.add_argument("--name", required=True, help="shop name, e.g. 小雨直播间")
    parser.add_argument("--platform", required=True, choices=["douyin", "private"])
    parser.add_argument("--sender-name", default="", help="sender name on waybills")
    parser.add_argument("--sender-phone", default="", help="sender phone on waybills")
    parser.add_argument("--sender-address", default="", help="return / sender address")
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    from fahuo.orders.models import Shop
    from fahuo.orders.shops import create_shop, shop_dict

    def show(shop: Shop) -> tuple[dict[str, Any], str]:
        return shop_dict(shop), f"已添加店铺 {shop.code}（{shop.name}，{shop.get_platform_display()}）"

    return write_and_emit(
        args,
        lambda: create_shop(
            code=args.code,
            name=args.name,
            platform=args.platform,
            sender_name=args.sender_name,
            sender_phone=args.sender_phone,
            sender_address=args.sender_address,
        ),
        show,
    )
