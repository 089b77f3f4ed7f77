"""``fahuo worker``: run the Huey consumer that executes background jobs (printing, imports).

``--workers N`` runs N threads in one process (a print batch draws its labels in a process pool
beside them); ``--processes N`` runs N worker processes (Huey's process workers), which spread a
burst's batches — and one batch's label parts — over the cores. Several ``fahuo worker`` commands,
on one machine or several sharing PostgreSQL and Redis, take jobs from the same queue.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, default=2, help="number of worker threads (default 2)")
    parser.add_argument(
        "--processes", type=int, default=0, help="number of worker processes instead of threads"
    )


def run(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    if args.processes > 0:
        call_command("run_huey", workers=args.processes, worker_type="process")
    else:
        call_command("run_huey", workers=args.workers, worker_type="thread")
    return 0
