"""``fahuo serve`` and ``fahuo demo`` as an operator runs them: a production server that stops cleanly.

Each test starts the real command in its own session, waits for the login page, sends the signal a
terminal (Ctrl-C: SIGINT to the whole foreground group) or a service manager (SIGTERM to the main
process) sends, and checks that everything it started is gone and the port is free again.
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import httpx
import pytest

from fahuo.desk.tests.procs import (
    FAHUO,
    cli_env,
    free_port,
    port_is_free,
    session_members,
    started,
    wait_http,
)

STOP_WITHIN_S = 10.0

pytestmark = pytest.mark.slow


def _stop(proc: object, sig: int, *, group: bool) -> float:
    """Send ``sig`` (to the process group, as a terminal does, or to the main process) and return
    how long the command took to exit."""
    pid = proc.pid  # type: ignore[attr-defined]
    began = time.monotonic()
    if group:
        os.killpg(pid, sig)
    else:
        os.kill(pid, sig)
    proc.wait(timeout=STOP_WITHIN_S + 5)  # type: ignore[attr-defined]
    return time.monotonic() - began


def _assert_all_gone(sid: int, ports: list[int]) -> None:
    deadline = time.monotonic() + 3
    while session_members(sid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert session_members(sid) == [], "processes left behind"
    for port in ports:
        assert port_is_free(port), f"port {port} still taken"


@pytest.mark.parametrize(
    ("sig", "group"), [(signal.SIGINT, True), (signal.SIGTERM, False)], ids=["ctrl-c", "sigterm"]
)
def test_serve_runs_gunicorn_and_stops_on_a_signal(tmp_path: Path, sig: int, group: bool) -> None:
    port = free_port()
    env = cli_env(tmp_path / "data")
    log = tmp_path / "serve.log"
    with started([FAHUO, "serve", "--port", str(port), "--workers", "2"], env, log) as proc:
        login = wait_http(f"http://127.0.0.1:{port}/login/", proc, log)
        assert login.status_code == 200  # the login page, or the first-run welcome it sends to
        assert login.headers["server"] == "gunicorn"  # not Django's "WSGIServer/0.2 CPython"
        static = httpx.get(f"http://127.0.0.1:{port}/static/desk/htmx.min.js", timeout=5)
        assert static.status_code == 200 and "max-age" in static.headers.get("cache-control", "")
        assert len(session_members(proc.pid)) >= 3  # the master and two workers
        took = _stop(proc, sig, group=group)
    assert took < STOP_WITHIN_S
    assert proc.returncode == 0, log.read_text()[-2000:]
    _assert_all_gone(proc.pid, [port])


def test_serve_dev_is_django_runserver_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with started([FAHUO, "serve", "--dev", "--port", str(port)], cli_env(tmp_path / "data"), log) as proc:
        login = wait_http(f"http://127.0.0.1:{port}/login/", proc, log)
        assert login.status_code == 200 and login.headers["server"].startswith("WSGIServer")
        took = _stop(proc, signal.SIGTERM, group=False)
    assert took < STOP_WITHIN_S
    _assert_all_gone(proc.pid, [port])


@pytest.mark.parametrize(
    ("sig", "group"), [(signal.SIGINT, True), (signal.SIGTERM, False)], ids=["ctrl-c", "sigterm"]
)
def test_demo_serves_with_gunicorn_and_stops_with_its_simulators_and_worker(
    tmp_path: Path, sig: int, group: bool
) -> None:
    port = free_port()
    log = tmp_path / "demo.log"
    command = [FAHUO, "demo", "--orders", "40", "--port", str(port)]
    with started(command, cli_env(tmp_path / "data"), log) as proc:
        login = wait_http(f"http://127.0.0.1:{port}/login/", proc, log, timeout=180)
        assert login.status_code == 200 and login.headers["server"] == "gunicorn"
        out = log.read_text()
        assert f"http://127.0.0.1:{port}/login/" in out and "owner" in out
        sims = {
            k: int(p) for k, p in re.findall(r"(\w+) http://127\.0\.0\.1:(\d+)", out.split("simulators:")[1])
        }
        assert {"kdniao", "kuaidi100", "douyin", "kdniao_sms", "wechat"} <= set(sims)
        for sim_port in sims.values():
            assert not port_is_free(sim_port)
        threads = {p.name for p in (Path("/proc") / str(proc.pid) / "task").iterdir()}
        assert len(threads) > 5  # simulators, movement and the Huey consumer run in the main process
        took = _stop(proc, sig, group=group)
    assert took < STOP_WITHIN_S, log.read_text()[-2000:]
    assert proc.returncode == 0, log.read_text()[-2000:]
    assert "fahuo stopped." in log.read_text()
    _assert_all_gone(proc.pid, [port, *sims.values()])
