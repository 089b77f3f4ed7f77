"""``fahuo shops shipping CODE [--warehouse W] [--ship-back-at issue|print|pack] [--unpacked-alert-hours N] [--json]``."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from fahuo.kit.cli_io import add_json

    parser.description = (
        "店铺发货设置：默认发货仓（订单未指定仓库时占用库存、分配）、回传时机"
        "（issue 取号后 / print 打印后 / pack 验货打包后）、已打单未打包提醒（承诺发货前 N 小时）。不带参数时只显示。"
    )
    parser.add_argument("shop", help="shop code")
    parser.add_argument("--warehouse", help="default ship-from warehouse code ('' clears it)")
    parser.add_argument("--ship-back-at", choices=["issue", "print", "pack"], help="when numbers go to 抖店")
    parser.add_argument(
        "--unpacked-alert-hours", type=int, help="alert N hours before the promised ship time"
    )
    add_json(parser)


MOMENT_TEXT = {"issue": "取号后立即回传", "print": "打印面单后回传", "pack": "验货打包后回传"}


def run(args: argparse.Namespace) -> int:
    from django.db import transaction

    from fahuo.kit.cli_io import emit, fail
    from fahuo.kit.errors import FahuoError
    from fahuo.orders.shop_shipping import get_shop, set_shipping, shipping_dict

    try:
        with transaction.atomic():
            shop = set_shipping(
                shop=get_shop(code=args.shop),
                warehouse=args.warehouse,
                ship_back_at=args.ship_back_at,
                unpacked_alert_hours=args.unpacked_alert_hours,
            )
    except FahuoError as exc:
        return fail(args, exc)
    d = shipping_dict(shop)
    emit(
        args,
        d,
        f"{shop.code}：默认发货仓 {d['default_warehouse'] or '未设置'}；{MOMENT_TEXT[d['ship_back_at']]}；"
        f"承诺发货前 {d['unpacked_alert_hours']} 小时未打包提醒",
    )
    return 0
