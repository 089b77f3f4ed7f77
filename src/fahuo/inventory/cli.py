"""``fahuo stock import FILE --warehouse CODE``, ``stock list``, ``stock adjust``, ``stock count``."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from fahuo.kit.cli_io import add_json, emit, fail

if TYPE_CHECKING:
    from fahuo.inventory.models import Warehouse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    command = parser.prog.split()[-1]
    if command == "list":
        parser.description = "库存：在库、已占用（订单）、可用 = 在库 − 已占用。"
        parser.add_argument("--warehouse", help="warehouse code (default: all)")
    elif command == "adjust":
        parser.description = "调整库存（必须写原因）：正数入库，负数出库。"
        parser.add_argument("sku_code")
        parser.add_argument("delta", type=int, help="units, e.g. 10 or -2")
        parser.add_argument("--warehouse", required=True)
        parser.add_argument("--reason", required=True, help="why, e.g. 破损 / 采购入库")
    elif command == "count":
        parser.description = "盘点：文件（sku_code, quantity）为实盘数量，账面跟随实盘，输出差异。"
        parser.add_argument("file", type=Path)
        parser.add_argument("--warehouse", required=True)
    else:
        parser.description = "导入库存（sku_code, quantity[, shelf]）：数量为在库数，全部行无误才写入。"
        parser.add_argument("file", type=Path, help="CSV or XLSX")
        parser.add_argument("--warehouse", required=True, help="warehouse code")
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    from django.db import transaction

    from fahuo.kit.errors import FahuoError

    command = args._path[-1]
    try:
        with transaction.atomic():
            if command == "list":
                return _list(args)
            if command == "adjust":
                return _adjust(args)
            if command == "count":
                return _count(args)
            return _import(args)
    except FahuoError as exc:
        return fail(args, exc)


def _list(args: argparse.Namespace) -> int:
    from fahuo.inventory.services import stock_levels

    rows = stock_levels(warehouse_code=args.warehouse)
    text = "\n".join(
        [f"{'仓库':<8}{'SKU':<20}{'在库':>8}{'占用':>8}{'可用':>8}"]
        + [
            f"{r['warehouse']:<10}{r['sku_code']:<20}{r['on_hand']:>8}{r['reserved']:>8}{r['available']:>8}"
            for r in rows
        ]
    )
    emit(args, rows, text)
    return 0


@contextmanager
def _warehouse_file(args: argparse.Namespace) -> Iterator[tuple[Warehouse, BinaryIO]]:
    """The ``--warehouse`` and the FILE, open, of ``stock import`` and ``stock count``."""
    from fahuo.inventory.services import get_warehouse
    from fahuo.kit.errors import NotFound

    warehouse = get_warehouse(code=args.warehouse)
    if not args.file.is_file():
        raise NotFound(f"文件不存在：{args.file}")
    with args.file.open("rb") as fileobj:
        yield warehouse, fileobj


def _import(args: argparse.Namespace) -> int:
    from fahuo.inventory.services import import_stock

    with _warehouse_file(args) as (warehouse, fileobj):
        report = import_stock(fileobj=fileobj, filename=args.file.name, warehouse=warehouse)
    if report.errors:
        lines = ["有错误，未导入任何行（修正后重新导入）："]
        lines += [f"  第 {e.row} 行：{e.reason}" for e in report.errors]
    else:
        lines = [f"库存导入 {warehouse.code}：{report.rows} 行，其中 {report.changed} 行有变化"]
    emit(args, report.as_dict(), "\n".join(lines))
    return 1 if report.errors else 0


def _adjust(args: argparse.Namespace) -> int:
    from fahuo.catalog.services import get_sku
    from fahuo.inventory.services import adjust_stock, get_warehouse

    warehouse = get_warehouse(code=args.warehouse)
    sku = get_sku(code=args.sku_code)
    movement = adjust_stock(warehouse=warehouse, sku=sku, delta=args.delta, note=args.reason)
    payload = {
        "warehouse": warehouse.code,
        "sku_code": sku.code,
        "delta": movement.on_hand_delta,
        "reason": movement.note,
    }
    emit(args, payload, f"已调整 {warehouse.code}/{sku.code} {movement.on_hand_delta:+d}（{movement.note}）")
    return 0


def _count(args: argparse.Namespace) -> int:
    from fahuo.inventory.services import import_count_file, variance_report

    with _warehouse_file(args) as (warehouse, fileobj):
        count = import_count_file(fileobj=fileobj, filename=args.file.name, warehouse=warehouse)
    rows = variance_report(count=count)
    text = "\n".join(
        [f"盘点 #{count.pk}：{len(rows)} 个 SKU 有差异"]
        + [
            f"  {r['sku_code']}：账面 {r['expected']}，实盘 {r['counted']}，差异 {r['variance']:+d}"
            for r in rows
        ]
    )
    emit(args, {"count": count.pk, "variances": rows}, text)
    return 0
