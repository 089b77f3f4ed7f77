"""``fahuo serve``: apply migrations, then serve the desk and the API (static files via whitenoise)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument(
        "--demo-world",
        action="store_true",
        help="also run the provider simulators (快递鸟, 快递100, 抖店) and move demo parcels",
    )


def run(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if getattr(args, "demo_world", False):
        from fahuo.demo.live import start_world

        world = start_world(desk_url=f"http://127.0.0.1:{args.port}")
        print("simulators: " + ", ".join(f"{k} {v}" for k, v in world.urls.items()))
    print(f"fahuo desk: http://{args.host}:{args.port}/  (Ctrl-C to stop)")
    # runserver is threaded by default; the autoreloader would re-exec the CLI, so it stays off.
    call_command("runserver", f"{args.host}:{args.port}", use_reloader=False, skip_checks=True)
    return 0
