"""``fahuo warehouses add CODE --name N --province P --city C --district D --address TEXT [--json]``."""

from __future__ import annotations

import argparse
from typing import Any

from fahuo.kit.cli_io import add_json, write_and_emit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "添加仓库（或云仓）：地址用于运价的始发省份和揽收。"
    parser.add_argument("code", help="warehouse code, e.g. HZ")
    parser.add_argument("--name", required=True)
    parser.add_argument("--province", required=True)
    parser.add_argument("--city", required=True)
    parser.add_argument("--district", default="")
    parser.add_argument("--address", default="", help="street address")
    parser.add_argument("--pickup-hours", default="", help="e.g. 16:00-18:00")
    parser.add_argument("--packers", type=int, default=0, help="packers per shift")
    parser.add_argument("--packing-rate", type=int, default=0, help="orders per packer-hour")
    add_json(parser)


def warehouse_dict(w: Any) -> dict[str, Any]:
    return {
        "code": w.code,
        "name": w.name,
        "province": w.province,
        "city": w.city,
        "district": w.district,
        "address": w.address,
    }


def run(args: argparse.Namespace) -> int:
    from fahuo.inventory.services import create_warehouse

    def show(w: Any) -> tuple[dict[str, Any], str]:
        return warehouse_dict(w), f"已添加仓库 {w.code}（{w.name}，{w.province}{w.city}{w.district}）"

    return write_and_emit(
        args,
        lambda: create_warehouse(
            code=args.code,
            name=args.name,
            province=args.province,
            city=args.city,
            district=args.district,
            address=args.address,
            pickup_hours=args.pickup_hours,
            packers=args.packers,
            packing_rate=args.packing_rate,
        ),
        show,
    )
