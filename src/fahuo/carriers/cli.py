"""``fahuo rates import FILE --carrier CODE --origin 浙江省 [--effective-from D --announced-on D] [--json]``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"不是日期 (not a date, use YYYY-MM-DD)：{text}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "导入一家快递从一个始发省份出发的运价表（CSV 或 XLSX，每个目的省份一行）。全部行无误才写入；"
        "已在执行的价格变更需满足合同的提前通知天数。行号以表头为第 1 行。"
    )
    parser.add_argument("file", type=Path, help="CSV or XLSX rate card")
    parser.add_argument("--carrier", required=True, help="carrier code, e.g. ZTO")
    parser.add_argument("--origin", required=True, help="origin province, e.g. 浙江省")
    parser.add_argument("--effective-from", type=_date, help="first day the prices apply (default: today)")
    parser.add_argument(
        "--announced-on", type=_date, help="day the carrier announced the change (default: today)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _fail(args: argparse.Namespace, code: str, message: str, detail: object | None = None) -> int:
    print(message, file=sys.stderr)
    if args.json:
        body: dict[str, object] = {"error": code, "message": message}
        if detail is not None:
            body["detail"] = detail
        print(json.dumps(body, ensure_ascii=False))
    return 2


def run(args: argparse.Namespace) -> int:
    from django.db import transaction
    from django.utils import timezone

    from fahuo.carriers.importing import RateFileError, import_rate_file
    from fahuo.kit.errors import FahuoError

    path: Path = args.file
    if not path.is_file():
        return _fail(args, "not_found", f"文件不存在 (no such file)：{path}")
    try:
        with path.open("rb") as fileobj, transaction.atomic():
            result = import_rate_file(
                fileobj=fileobj,
                filename=path.name,
                carrier_code=args.carrier,
                origin_province=args.origin,
                effective_from=args.effective_from,
                announced_on=args.announced_on,
                today=timezone.localdate(),
            )
    except RateFileError as exc:
        if not args.json:
            print("运价表有错误，未写入任何价格 (nothing was applied)：", file=sys.stderr)
            for error in exc.errors:
                print(f"  {error}", file=sys.stderr)
            return 2
        return _fail(args, exc.code, exc.message, exc.detail)
    except FahuoError as exc:
        return _fail(args, exc.code, exc.message, exc.detail)
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
        return 0
    c = result.change
    print(
        f"已导入 {args.carrier.upper()} 从 {result.origin_province} 出发的运价 {result.rows} 行，"
        f"{c.effective_from} 起生效（{c.announced_on} 公布，通知期 {c.notice_days} 天）："
        f"新增 {c.created} 条，更正 {c.updated} 条，未变 {c.unchanged} 条；"
        f"其中新线路 {c.new_lanes} 条，调价 {c.price_changes} 条。"
    )
    return 0
