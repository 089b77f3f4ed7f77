"""``fahuo serve``: apply migrations, then serve the desk and the API with gunicorn (static files via
WhiteNoise). ``--dev`` uses Django's development server instead (one process, for debugging).

Given a world to run beside the desk (``fahuo demo`` passes the demo's simulators as ``args.world``,
see :class:`World`), this process is a small supervisor: it starts the world (simulators, parcel
movement, Huey consumer in threads), serves the desk from a ``fahuo serve`` child process, and on
Ctrl-C (SIGINT) or SIGTERM stops all of them. serve names no world: the demo, a layer above, brings it.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any, Protocol

DEFAULT_WORKERS = 2
THREADS_PER_WORKER = 4
GRACEFUL_S = 5  # a stop waits this long for requests in flight, then ends them
CHILD_STOP_S = 15


class World(Protocol):
    """What runs beside the desk in a supervised serve: started with the desk's public URL."""

    urls: dict[str, str]

    def stop(self) -> None: ...


StartWorld = Callable[..., World]  # called as start(desk_url=...)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        metavar="N",
        help=f"web processes (default {DEFAULT_WORKERS}; {THREADS_PER_WORKER} threads each)",
    )
    parser.add_argument(
        "--dev", action="store_true", help="Django's development server instead of gunicorn (debugging only)"
    )
    parser.add_argument("--skip-migrate", action="store_true", help=argparse.SUPPRESS)


def public_url(host: str, port: int) -> str:
    """The address buyers' links point at unless FAHUO_PUBLIC_URL says otherwise."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def run(args: argparse.Namespace) -> int:
    if args.workers < 1:
        print("--workers must be 1 or more")
        return 2
    if not getattr(args, "skip_migrate", False):
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
    # Children (web workers) inherit it; links in buyer messages use it (fahuo.notify.services).
    os.environ.setdefault("FAHUO_PUBLIC_URL", public_url(args.host, args.port))
    start_world: StartWorld | None = getattr(args, "world", None)
    if start_world is not None:
        return _supervise_with_world(args, start_world)
    if args.dev:
        return _runserver(args)
    return _gunicorn(args)


# --- the production server -----------------------------------------------------------------------


def gunicorn_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "bind": f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}",
        "workers": args.workers,
        "worker_class": "gthread",
        "threads": THREADS_PER_WORKER,
        "timeout": 120,  # a label PDF of a big batch is rendered in the request
        "graceful_timeout": GRACEFUL_S,
        "keepalive": 5,
        "errorlog": "-",
        "loglevel": "info",
        "accesslog": None,  # off: query strings may carry searched phone numbers
        "proc_name": "fahuo",
        "forwarded_allow_ips": os.environ.get("FAHUO_FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
    }


def _gunicorn(args: argparse.Namespace) -> int:
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    class FahuoServer(BaseApplication):
        def __init__(self, options: dict[str, Any]) -> None:
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                self.cfg.set(key, value)
            if "control_socket_disable" in self.cfg.settings:  # gunicorn ≥ 24: no socket in $HOME
                self.cfg.set("control_socket_disable", True)

        def load(self) -> Any:
            from fahuo.wsgi import application

            return application

    connections.close_all()  # the forked workers must not share the migration's connection
    print(f"fahuo desk: http://{args.host}:{args.port}/  (gunicorn, {args.workers} workers; Ctrl-C to stop)")
    sys.stdout.flush()
    FahuoServer(gunicorn_options(args)).run()  # returns after SIGINT/SIGTERM (or exits the process)
    return 0


def _runserver(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    print(f"fahuo desk: http://{args.host}:{args.port}/  (development server; Ctrl-C to stop)")
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        # The autoreloader would re-exec the CLI, so it stays off.
        call_command("runserver", f"{args.host}:{args.port}", use_reloader=False, skip_checks=True)
    except KeyboardInterrupt:
        pass
    return 0


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


# --- a world (the demo's simulators + worker) here, the web server in a child ----------------------


def _supervise_with_world(args: argparse.Namespace, start_world: StartWorld) -> int:
    from django.db import connections

    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, frame: Any) -> None:
        received.append(signum)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    world = start_world(desk_url=public_url(args.host, args.port))
    if stop.is_set():  # stopped while the simulators were starting
        world.stop()
        return 0
    print("simulators: " + ", ".join(f"{k} {v}" for k, v in world.urls.items()), flush=True)
    command = [sys.executable, "-m", "fahuo.cli", "serve", "--skip-migrate"]
    command += ["--host", args.host, "--port", str(args.port), "--workers", str(args.workers)]
    if args.dev:
        command.append("--dev")
    child = subprocess.Popen(command, env=os.environ.copy())
    code = 0
    try:
        while not stop.wait(0.5):
            if child.poll() is not None:
                code = child.returncode or 1  # the web server died on its own
                break
    finally:
        if child.poll() is None:
            child.send_signal(received[0] if received else signal.SIGTERM)
            try:
                child.wait(CHILD_STOP_S)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        world.stop()
        connections.close_all()
    print("fahuo stopped.", flush=True)
    return code
