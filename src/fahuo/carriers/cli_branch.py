"""``fahuo carriers branch CODE [--name N] [--code C] [--contact "王经理 138…"] [--pickup-address A]
[--pickup-hours 16:00-18:00] [--json]``: the carrier's 网点; without options it prints it."""

from __future__ import annotations

import argparse

FIELDS = ("name", "code", "contact", "pickup_address", "pickup_hours")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from fahuo.kit.cli_io import add_json

    parser.description = (
        "快递网点信息：名称、编码、联系人（加密保存，显示时打码）、揽收地址、揽收时间。不带选项时只显示。"
    )
    parser.add_argument("carrier", help="carrier code, e.g. ZTO")
    parser.add_argument("--name", dest="branch_name", help="网点名称")
    parser.add_argument("--code", dest="branch_code", help="网点编码")
    parser.add_argument("--contact", help="联系人和电话, e.g. '王经理 13800001111'")
    parser.add_argument("--pickup-address", help="揽收地址")
    parser.add_argument("--pickup-hours", help="揽收时间, e.g. 16:00-18:00")
    add_json(parser)


def run(args: argparse.Namespace) -> int:
    from django.db import transaction

    from fahuo.carriers.setup import branch_dict, get_carrier, set_branch
    from fahuo.kit.cli_io import emit, fail
    from fahuo.kit.errors import FahuoError

    given = {
        "name": args.branch_name,
        "code": args.branch_code,
        "contact": args.contact,
        "pickup_address": args.pickup_address,
        "pickup_hours": args.pickup_hours,
    }
    try:
        with transaction.atomic():
            carrier = get_carrier(code=args.carrier)
            if any(v is not None for v in given.values()):
                current = branch_dict(carrier, reveal=True)
                values = {k: (current[k] if v is None else v) for k, v in given.items()}
                carrier = set_branch(carrier_code=carrier.code, **values)
    except FahuoError as exc:
        return fail(args, exc)
    shown = branch_dict(carrier)
    text = "\n".join(
        f"{label}：{shown[key] or '—'}"
        for key, label in zip(FIELDS, ("网点名称", "网点编码", "联系人", "揽收地址", "揽收时间"), strict=True)
    )
    emit(args, shown, f"{carrier.code} {carrier.name}\n{text}")
    return 0
