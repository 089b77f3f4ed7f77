"""``fahuo import orders FILE --shop CODE [--json]``: import a 抖店 export or a fahuo template."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "导入订单文件（抖店订单导出的两代格式、商品维度/订单维度，或 fahuo 模板；CSV、XLSX 或 .zip）。"
        "行号以表头为第 1 行。"
    )
    parser.add_argument("file", type=Path, help="CSV, XLSX or a .zip of them")
    parser.add_argument("--shop", required=True, help="shop code")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object with the counts and row errors"
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="report progress on stderr (default: when stderr is a terminal); Ctrl-C cancels: the orders already written stay, a second run continues",
    )


STEPS = {"read": "读取行", "verify": "校验订单", "write": "写入订单"}


def _progress(args: argparse.Namespace) -> Callable[[str, int, int], None] | None:
    """Progress lines on stderr (one per step and every 2,000 orders). The orders are written in
    short transactions of a few hundred; Ctrl-C stops at once, the chunk in flight is rolled back."""
    if not (args.progress if args.progress is not None else sys.stderr.isatty()):
        return None
    started = time.monotonic()

    def report(step: str, done: int, total: int) -> None:
        print(
            f"{STEPS.get(step, step)} {done}/{total}（{time.monotonic() - started:.1f} 秒）",
            file=sys.stderr,
            flush=True,
        )

    return report


def _fail(args: argparse.Namespace, code: str, message: str) -> int:
    print(message, file=sys.stderr)
    if args.json:
        print(json.dumps({"error": code, "message": message}, ensure_ascii=False))
    return 2


def run(args: argparse.Namespace) -> int:
    from fahuo.kit.errors import FahuoError
    from fahuo.orders.import_runs import Interrupted, ctrl_c_remembered
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
        with ctrl_c_remembered(), path.open("rb") as fileobj:
            report = import_orders_file(
                fileobj=fileobj, filename=path.name, shop=shop, on_progress=_progress(args)
            )
    except FahuoError as exc:
        return _fail(args, exc.code, exc.message)
    except KeyboardInterrupt as exc:  # the chunk in flight rolled back; earlier chunks are kept
        kept = exc.report.orders_created if isinstance(exc, Interrupted) else 0
        if kept:
            print(
                f"已取消导入：已导入 {kept} 个订单，其余未导入。再次导入同一文件会跳过已导入的订单、接着导入其余的。",
                file=sys.stderr,
            )
        else:
            print("已取消导入：没有导入任何订单。", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
        return 0
    _print_report(report, shop_name=shop.name)
    return 0


def _print_report(report: Any, *, shop_name: str) -> None:
    """The seller's summary: what the file is, the counts, then every order left out or held and why."""
    if report.recognised:
        print(report.recognised)
    print(
        f"导入完成（{shop_name}）：新建订单 {report.orders_created} 个，商品行 {report.order_lines} 条，"
        f"其中待审核 {report.needs_review} 个；重复（已导入过）{report.duplicates} 个；"
        f"跳过（非待发货）{report.skipped} 个；无法读取的行 {len(report.errors)} 行。"
    )
    if report.skus_created:
        print(f"新建商品 SKU {report.skus_created} 个（重量未知，请在商品资料中补充）。")
    if report.skipped_orders:
        print("未导入（不需要发货）的订单和子订单：")
        for s in report.skipped_orders:
            what = f"订单 {s.order_id} 的子订单 {s.line_id}" if s.line_id else f"订单 {s.order_id}"
            rows = "、".join(str(n) for n in s.rows)
            print(f"  {what}（第 {rows} 行）：{s.reason}")
    if report.held:
        print("已导入但暂扣（待审核）的订单：")
        for h in report.held:
            print(f"  订单 {h.order_id}：{'；'.join(h.reasons)}")
    if report.shipped_elsewhere:
        print(f"已在别处发货（已记录为已发货，不再打单）：{'、'.join(report.shipped_elsewhere)}")
    for changed in report.address_reverified:
        state = "校验通过" if changed["ok"] else "待审核：" + "；".join(changed["reasons"])
        print(f"订单 {changed['order_id']} 买家修改过地址，已按新地址重新校验（{state}）")
    if report.errors:
        print("无法读取的行（表头为第 1 行），修正后可重新导入同一文件：")
        for error in report.errors:
            column = f"「{error.column}」列" if error.column else ""
            where = f"{error.file} " if error.file and error.file != report.filename else ""
            print(f"  {where}第 {error.row} 行{column}：{error.reason}")
