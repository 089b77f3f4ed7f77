"""``fahuo demo``: migrate, (re)create the demo data set, print the logins, then serve the desk."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the module is imported before Django is set up
    from fahuo.demo.generate import DemoSummary

STATUS_ORDER = ("needs_review", "ready", "printed", "shipped", "delivered", "cancelled")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Wipe and rebuild the demo shops (orders of shops 'demo' and 'siyu' are deleted), "
        "print the desk logins, then serve the desk."
    )
    parser.add_argument(
        "--orders", type=int, default=2000, metavar="N", help="number of orders (default 2000)"
    )
    parser.add_argument("--seed", type=int, default=42, metavar="S", help="random seed (default 42)")
    parser.add_argument("--port", type=int, default=8000, metavar="P", help="port to serve on (default 8000)")
    parser.add_argument("--no-serve", action="store_true", help="build the data set and exit")
    parser.add_argument("--workers", type=int, default=2, metavar="N", help="web processes (default 2)")
    parser.add_argument("--dev", action="store_true", help="Django's development server instead of gunicorn")


def format_summary(summary: DemoSummary, *, seconds: float, port: int | None) -> str:
    def n(x: int) -> str:
        return f"{x:,}"

    start = summary.stream_start
    share = summary.in_stream / summary.orders if summary.orders else 0.0
    statuses = [(s, summary.by_status[s]) for s in STATUS_ORDER if summary.by_status.get(s)]
    statuses += [(s, c) for s, c in summary.by_status.items() if s not in STATUS_ORDER]
    reviews = " · ".join(f"{code} {n(c)}" for code, c in summary.review_codes.items()) or "none"
    shops = " · ".join(f"{code} {n(c)}" for code, c in sorted(summary.by_shop.items()))
    carriers = " ".join(summary.carriers)
    lines = [
        f"Demo data set: {n(summary.orders)} orders, {n(summary.lines)} lines, "
        f"{n(summary.customers)} customers in {seconds:.1f} s",
        f"  shops       {shops}  (demo = 小雨直播间 抖店, siyu = 私域)",
        f"  stream      {start:%Y-%m-%d %H:%M}–{summary.stream_end:%H:%M} Asia/Shanghai: "
        f"{n(summary.in_stream)} orders ({share:.0%})",
        "  status      " + " · ".join(f"{s} {n(c)}" for s, c in statuses),
        f"  review      {reviews}",
        "  warehouses  "
        + " · ".join(summary.warehouses)
        + f"  ({summary.skus} SKUs, {summary.stock_rows} stock rows)",
        f"  carriers    {carriers}: {n(summary.rate_lines)} rate lines, {summary.capacities} capacity rows",
    ]
    url = f"http://127.0.0.1:{port}/login/" if port else "(not serving: run `fahuo serve`)"
    lines.append(f"  login       {url}")
    for username, role, password in summary.logins:
        lines.append(f"              {username:<9} {password}   ({role})")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    from fahuo.demo import platform_waybill
    from fahuo.demo.generate import build_demo

    if args.orders < 0:
        print("--orders must be 0 or more")
        return 2
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    summary = build_demo(orders=args.orders, seed=args.seed)
    seconds = time.perf_counter() - started
    print(format_summary(summary, seconds=seconds, port=None if args.no_serve else args.port), flush=True)
    if args.no_serve:
        return 0
    # The served demo adds a 抖音电子面单 carrier and three orders whose receivers came as
    # ciphertext: they print through the 抖店 simulator and the desk's print-component page.
    if platform_waybill.seed_demo() is not None:
        print(
            f"  抖音电子面单  {len(platform_waybill.ORDERS)} 单收件人为平台密文的订单（{platform_waybill.CARRIER}），"
            "在 波次 → 用抖音打印组件打印",
            flush=True,
        )
    from fahuo.demo.live import start_world
    from fahuo.desk import cli_serve  # written alongside; imported only when serving

    served = argparse.Namespace(
        port=args.port,
        host="127.0.0.1",
        workers=args.workers,
        dev=args.dev,
        world=start_world,  # the simulators and moving parcels run beside the desk
        skip_migrate=True,
    )
    return int(cli_serve.run(served) or 0)
