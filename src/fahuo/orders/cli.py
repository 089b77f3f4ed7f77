"""``fahuo import orders FILE --shop CODE [--json]``: import a 抖店 export or a fahuo template."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "导入订单文件（抖店订单导出或 fahuo 模板，CSV 或 XLSX）。行号以表头为第 1 行。"
    parser.add_argument("file", type=Path, help="CSV or XLSX file")
    parser.add_argument("--shop", required=True, help="shop code")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object with the counts and row errors"
    )


def _fail(args: argparse.Namespace, code: str, message: str) -> int:
    print(message, file=sys.stderr)
    if args.json:
        print(json.dumps({"error": code, "message": message}, ensure_ascii=False))
    return 2


def run(args: argparse.Namespace) -> int:
    from django.db import transaction

    from fahuo.kit.errors import FahuoError
    from fahuo.orders.importing import import_orders_file
    from fahuo.orders.models import Shop

    shop = Shop.objects.filter(code=args.shop).first()
    if shop is None:
        codes = ", ".join(Shop.objects.values_list("code", flat=True)) or "（还没有店铺）"
        return _fail(args, "not_found", f"店铺不存在：{args.shop}。已有店铺：{codes}")
    path: Path = args.file
    if not path.is_file():
        return _fail(args, "not_found", f"文件不存在：{path}")
    try:
        with path.open("rb") as fileobj, transaction.atomic():
            report = import_orders_file(fileobj=fileobj, filename=path.name, shop=shop)
    except FahuoError as exc:
        return _fail(args, exc.code, exc.message)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
        return 0
    print(
        f"导入完成（{shop.name}）：新建订单 {report.orders_created} 个，商品行 {report.order_lines} 条，"
        f"其中待审核 {report.needs_review} 个；重复（已导入过）{report.duplicates} 个；"
        f"跳过（非待发货）{report.skipped} 个；无法读取的行 {len(report.errors)} 行。"
    )
    if report.skus_created:
        print(f"新建商品 SKU {report.skus_created} 个（重量未知，请在商品资料中补充）。")
    if report.errors:
        print("无法读取的行（表头为第 1 行），修正后可重新导入同一文件：")
        for error in report.errors:
            print(f"  第 {error.row} 行：{error.reason}")
    return 0
