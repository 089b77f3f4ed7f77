"""The ``fahuo`` command line. Each subcommand parses arguments, calls a service, prints the result."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

# (command path, module, help). The module provides add_arguments(parser) and run(args) -> int.
COMMANDS: list[tuple[tuple[str, ...], str, str]] = [
    (("demo",), "fahuo.demo.cli", "(re)create the demo data set and serve it"),
    (("serve",), "fahuo.desk.cli_serve", "serve the desk and API"),
    (("worker",), "fahuo.desk.cli_worker", "run the background worker (Huey)"),
    (("address", "parse"), "fahuo.kit.cli_address", "parse pasted addresses from stdin to JSON lines"),
    (("import", "orders"), "fahuo.orders.cli", "import an order export (CSV or XLSX)"),
    (("labels", "print"), "fahuo.fulfilment.labels.cli", "issue waybills and print labels into one PDF"),
    (("batches", "list"), "fahuo.fulfilment.batches.cli", "list print batches (波次) with their progress"),
    (("batches", "create"), "fahuo.fulfilment.batches.cli", "group ready orders into print batches"),
    (("batches", "run"), "fahuo.fulfilment.batches.cli", "work a print batch here (resumes if interrupted)"),
    (("batches", "resume"), "fahuo.fulfilment.batches.cli", "queue a failed or interrupted batch again"),
    (("picklist",), "fahuo.fulfilment.packing.cli", "pick list of a batch or ready orders (by SKU, shelf)"),
    (("packslips",), "fahuo.fulfilment.packing.cli", "packing slips of a batch or orders into one PDF"),
    (("allocate",), "fahuo.routing.cli", "allocate orders to carrier x warehouse at minimum cost"),
    (("rates", "import"), "fahuo.carriers.cli", "import a carrier's rate card (CSV or XLSX) from one origin"),
    (("track", "replay"), "fahuo.tracking.cli", "replay decoded tracking/抖店 pushes from a JSON-lines file"),
    (("track", "sweep"), "fahuo.tracking.cli", "run the alert rules once and print the open alerts"),
    (("track", "poll"), "fahuo.tracking.cli_poll", "query quiet/unsubscribed parcels at their provider once"),
    (("live", "plan"), "fahuo.livestream.cli", "forecast a live session and print its shipping plan"),
    (("live", "notice"), "fahuo.livestream.cli", "write carrier peak notices (预警通知) to PDF/Excel"),
    (("live", "review"), "fahuo.livestream.cli_review", "session review: 24 h pickup, 48 h shipped, damage"),
    (("token", "create"), "fahuo.accounts.cli", "create an API token for a user"),
    (("user", "create"), "fahuo.accounts.cli_user", "create a desk user with a role"),
    (("shops", "add"), "fahuo.orders.cli_shops", "add a shop (抖店 or 私域)"),
    (("shops", "connect-douyin"), "fahuo.orders.cli_douyin", "authorise a 抖店 shop (token from a code)"),
    (("shops", "douyin"), "fahuo.orders.cli_douyin", "a 抖店 shop's connection: status, fetch/ship-back"),
    (("shops", "shipping"), "fahuo.orders.cli_shipping", "a shop's ship-from warehouse and ship-back moment"),
    (("warehouses", "add"), "fahuo.inventory.cli_warehouses", "add a warehouse (仓库/云仓)"),
    (("skus", "import"), "fahuo.catalog.cli", "import products (商品资料) from the template, all-or-nothing"),
    (("skus", "template"), "fahuo.catalog.cli", "print the product template (CSV with sample rows)"),
    (("stock", "import"), "fahuo.inventory.cli", "import on-hand stock (sku_code, quantity) of a warehouse"),
    (("stock", "list"), "fahuo.inventory.cli", "stock per warehouse: on hand, reserved, available"),
    (("stock", "adjust"), "fahuo.inventory.cli", "adjust one SKU's stock with a reason"),
    (("stock", "count"), "fahuo.inventory.cli", "record a stock count (盘点) and print the variances"),
    (("carriers", "add"), "fahuo.carriers.cli_setup", "add a carrier (sandbox only as a --test carrier)"),
    (
        ("carriers", "branch"),
        "fahuo.carriers.cli_branch",
        "a carrier's 网点: name, contact, pickup address/hours",
    ),
    (("capacity", "set"), "fahuo.carriers.cli_setup", "set a carrier's pickup capacity at a warehouse"),
    (("orders", "list"), "fahuo.orders.cli_list", "list orders with status, flags, carrier, warehouse"),
    (
        ("orders", "decrypt"),
        "fahuo.orders.cli_decrypt",
        "complete held (encrypted/masked) receivers from 抖店",
    ),
    (
        ("orders", "release"),
        "fahuo.orders.cli_release",
        "ship held encrypted 抖店 orders with 抖音电子面单 (no decryption)",
    ),
    (
        ("settle",),
        "fahuo.contracts.cli",
        "weekly carrier settlement (周结对账): offline scenario or database",
    ),
    (
        ("contracts", "stream-alerts"),
        "fahuo.contracts.cli_streams",
        "per-stream pickup and peak alerts of the live streams (raise, refresh, resolve)",
    ),
    (("aftersales", "list"), "fahuo.aftersales.cli", "list after-sale requests (RMAs) and their state"),
    (("aftersales", "import"), "fahuo.aftersales.cli_import", "import a 抖店 售后单 export into RMAs"),
    (("orders", "cancel"), "fahuo.orders.cli_cancel", "cancel an order and release its reserved stock"),
]

NEEDS_DJANGO_EXEMPT = {("address", "parse"), ("allocate",), ("settle",)}


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fahuo.settings")
    import django

    django.setup()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fahuo", description="发货 — shipping desk for Chinese e-commerce sellers"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    groups: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}
    for path, module_name, help_text in COMMANDS:
        if len(path) == 1:
            cmd = sub.add_parser(path[0], help=help_text)
        else:
            if path[0] not in groups:
                group_parser = sub.add_parser(path[0], help=f"{path[0]} commands")
                groups[path[0]] = group_parser.add_subparsers(dest="subcommand", required=True)
            cmd = groups[path[0]].add_parser(path[1], help=help_text)
        cmd.set_defaults(_module=module_name, _path=path)
    sub.add_parser("manage", help="run a Django management command", add_help=False).set_defaults(
        _module="", _path=("manage",)
    )
    return parser


def _load(
    module_name: str,
) -> tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]:
    module = importlib.import_module(module_name)
    return module.add_arguments, module.run


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "manage":
        setup_django()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["fahuo manage", *argv[1:]])
        return 0
    parser = build_parser()
    # Two passes: find the command, then let its module add its own arguments.
    # (--help is held back from the first pass, so it lists the command's own arguments.)
    first_pass = [a for a in argv if a not in ("-h", "--help")]
    if not first_pass or first_pass[0].startswith("-"):
        parser.parse_args(argv)  # prints the top-level help or usage and exits
    wants_help = len(first_pass) != len(argv)
    try:
        known, _ = parser.parse_known_args(first_pass)
    except SystemExit:
        if wants_help:  # e.g. `fahuo labels --help`: show the group's help, not a usage error
            parser.parse_args(argv)
        raise
    path = known._path
    sub_parser = parser
    for part in path:
        actions = [a for a in sub_parser._actions if isinstance(a, argparse._SubParsersAction)]
        sub_parser = actions[0].choices[part]
    if path not in NEEDS_DJANGO_EXEMPT:
        # Before the command's module is imported: it may import models at the top (`fahuo track
        # sweep` did, and crashed with ImproperlyConfigured when run for real).
        setup_django()
    add_arguments, run = _load(known._module)
    add_arguments(sub_parser)
    args = parser.parse_args(argv)
    if path not in NEEDS_DJANGO_EXEMPT or getattr(args, "pending", False) or getattr(args, "carrier", None):
        setup_django()
    return int(run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
