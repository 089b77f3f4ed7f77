"""``fahuo aftersales import FILE --shop CODE [--json]``: a 抖店 「售后单」 export → RMAs, with a row report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the 售后单 export (CSV or XLSX)")
    parser.add_argument("--shop", required=True, help="the shop code the export was downloaded from")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")


def _fail(args: argparse.Namespace, message: str) -> int:
    if args.json:
        print(json.dumps({"error": message}, ensure_ascii=False))
    else:
        print(f"错误：{message}")
    return 2


def run(args: argparse.Namespace) -> int:
    from fahuo.aftersales.importing import import_after_sale_file
    from fahuo.kit.errors import FahuoError
    from fahuo.orders.models import Shop

    shop = Shop.objects.filter(code=args.shop).first()
    if shop is None:
        return _fail(args, f"店铺不存在：{args.shop}")
    path: Path = args.file
    if not path.is_file():
        return _fail(args, f"文件不存在：{path}")
    try:
        with path.open("rb") as fileobj:
            report = import_after_sale_file(fileobj=fileobj, filename=path.name, shop=shop)
    except FahuoError as exc:
        return _fail(args, exc.message)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        print(
            f"{report.filename}：{report.rows} 行，新建售后 {report.created}（已关联订单 {report.linked_to_orders}），"
            f"更新 {report.updated}，无变化 {report.unchanged}，未导入 {len(report.errors)}"
        )
        for error in report.errors:
            print(f"  第 {error['row'] or '-'} 行 {error['aftersale_id']}：{error['error']}")
    return 1 if report.errors else 0
