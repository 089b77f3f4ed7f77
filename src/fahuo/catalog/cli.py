"""``fahuo skus import FILE [--json]`` and ``fahuo skus template [--out FILE]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fahuo.kit.cli_io import add_json, emit, fail


def add_arguments(parser: argparse.ArgumentParser) -> None:
    if parser.prog.endswith("template"):
        parser.description = "输出商品资料模板（CSV，含 3 行示例）。"
        parser.add_argument("--out", type=Path, help="write to this file instead of stdout")
        return
    parser.description = (
        "导入商品资料（fahuo 模板或抖店商品导出，CSV/XLSX）。全部行无误才写入；重复导入不改变任何东西。"
        "行号以表头为第 1 行。"
    )
    parser.add_argument("file", type=Path, help="CSV or XLSX")
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    if args._path[-1] == "template":
        return _template(args)
    from django.db import transaction

    from fahuo.catalog.services import import_skus
    from fahuo.kit.errors import FahuoError, NotFound

    path: Path = args.file
    if not path.is_file():
        return fail(args, NotFound(f"文件不存在：{path}"))
    try:
        with path.open("rb") as fileobj, transaction.atomic():
            report = import_skus(fileobj=fileobj, filename=path.name)
    except FahuoError as exc:
        return fail(args, exc)
    lines = [f"商品资料：新建 {report.created}，更新 {report.updated}，未变 {report.unchanged}"]
    if report.errors:
        lines = ["有错误，未导入任何行（修正后重新导入）："]
        lines += [f"  第 {e['row']} 行：{e['reason']}" for e in report.errors]
    emit(args, report.as_dict(), "\n".join(lines))
    return 1 if report.errors else 0


def _template(args: argparse.Namespace) -> int:
    from fahuo.catalog.services import template_csv

    text = template_csv()
    if args.out:
        args.out.write_text("\ufeff" + text, encoding="utf-8")  # BOM: Excel opens it as UTF-8
        print(f"模板已写入 {args.out}")
    else:
        sys.stdout.write(text)
    return 0
