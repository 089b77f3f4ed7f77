"""``fahuo carriers add CODE --name N --provider sandbox|kdniao|kuaidi100|douyin_waybill [--test]
[--json]`` and
``fahuo capacity set CARRIER WAREHOUSE --max-parcels N [--per-hour N] [--json]``."""

from __future__ import annotations

import argparse

from fahuo.kit.cli_io import add_json, emit, fail


def add_arguments(parser: argparse.ArgumentParser) -> None:
    if parser.prog.split()[-2:] == ["capacity", "set"]:
        parser.description = "设置快递网点在一个仓库的揽收运力（每次分配、每小时）。"
        parser.add_argument("carrier", help="carrier code")
        parser.add_argument("warehouse", help="warehouse code")
        parser.add_argument("--max-parcels", type=int, required=True)
        parser.add_argument("--per-hour", type=int, default=None)
    else:
        parser.description = "添加快递。沙箱（sandbox）只能作为测试快递（--test），其面单标“测试面单”。"
        parser.add_argument("code", help="carrier code, e.g. ZTO")
        parser.add_argument("--name", required=True, help="e.g. 中通快递")
        parser.add_argument(
            "--provider", required=True, choices=["sandbox", "kdniao", "kuaidi100", "douyin_waybill"]
        )
        parser.add_argument("--test", action="store_true", help="a test carrier: waybills marked 测试面单")
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    from django.db import transaction

    from fahuo.carriers.setup import add_carrier, set_capacity
    from fahuo.kit.errors import FahuoError

    try:
        with transaction.atomic():
            if args._path[0] == "capacity":
                cap = set_capacity(
                    carrier_code=args.carrier,
                    warehouse_code=args.warehouse,
                    max_parcels=args.max_parcels,
                    per_hour=args.per_hour,
                )
                payload = {
                    "carrier": cap.carrier.code,
                    "warehouse": cap.warehouse.code,
                    "max_parcels": cap.max_parcels,
                    "per_hour": cap.max_parcels_per_hour,
                }
                hourly = f"，每小时 {cap.max_parcels_per_hour}" if cap.max_parcels_per_hour else ""
                emit(
                    args, payload, f"{cap.carrier.name}@{cap.warehouse.name}：运力 {cap.max_parcels}{hourly}"
                )
                return 0
            carrier = add_carrier(code=args.code, name=args.name, provider=args.provider, test=args.test)
    except FahuoError as exc:
        return fail(args, exc)
    payload = {
        "code": carrier.code,
        "name": carrier.name,
        "provider": carrier.provider,
        "test": carrier.test_mode,
    }
    mark = "（测试面单）" if carrier.test_mode else ""
    emit(args, payload, f"已添加快递 {carrier.code} {carrier.name}{mark}，面单服务 {carrier.provider}")
    return 0
