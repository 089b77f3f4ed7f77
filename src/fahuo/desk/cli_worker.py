"""``fahuo worker``: run the Huey consumer that executes background jobs (printing, imports)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, default=2, help="number of worker threads (default 2)")


def run(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    call_command("run_huey", workers=args.workers, worker_type="thread")
    return 0
