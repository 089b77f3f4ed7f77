"""Helpers for tests that run ``fahuo`` as a real subprocess (as a seller or an operator would)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

FAHUO = str(Path(sys.executable).parent / "fahuo")


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``fahuo`` command on its own SQLite data dir (never the test database)."""
    env = {**os.environ, "FAHUO_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "fahuo.settings"}
    for name in ("FAHUO_DATABASE_URL", "FAHUO_REDIS_URL", "FAHUO_TEST_SQLITE", "FAHUO_HUEY_IMMEDIATE"):
        env.pop(name, None)
    env.update(extra)
    return env


def run_cli(
    *args: str,
    env: dict[str, str],
    timeout: float = 300,
    stdin: str | None = None,
    ok: tuple[int, ...] = (0,),
) -> str:
    """Run ``fahuo ARGS``; fail with its output unless it exits with a code in ``ok``; return stdout."""
    done = subprocess.run(
        [FAHUO, *args], env=env, capture_output=True, text=True, timeout=timeout, input=stdin
    )
    assert done.returncode in ok, (
        f"fahuo {' '.join(args)} → {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> httpx.Response:
    """The first answer of ``url`` while ``proc`` starts; fails with the process's log if it dies."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=5, follow_redirects=True)
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"{url} never answered:\n{log.read_text(errors='replace')[-4000:]}"
                ) from None
            time.sleep(0.25)


@contextmanager
def started(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``args`` in its own process group, logging to ``log``; kill what is left at the end."""
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def session_members(sid: int) -> list[int]:
    """Live (non-zombie) processes of session ``sid`` — a process started with ``started`` and all
    it spawned (gunicorn workers, simulators …), read from /proc."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, pgrp, session …
        if fields[0] != "Z" and int(fields[3]) == sid:
            out.append(int(entry.name))
    return out
