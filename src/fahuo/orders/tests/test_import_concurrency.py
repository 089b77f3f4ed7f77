"""A big import no longer locks the database (issue #12, finding 7), on SQLite (WAL) and PostgreSQL.

Real processes: ``fahuo serve`` answers a carrier's tracking push and ``POST /api/orders`` while
``fahuo import orders`` works a 6,000-order 抖店 export; a ``fahuo worker`` killed in the middle of
a staged import is started again and finishes it with every order exactly once. Timing figures
are in bench/bench_ingest.py, not here.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fahuo.orders.tests.douyin_files import Line, export_rows, order, to_csv
from fahuo.orders.tests.import_world import api_order, kdniao_push_form

PG = os.environ.get("FAHUO_DATABASE_URL", "").startswith("postgres")
N = 6000
pytestmark = pytest.mark.slow


def _fahuo(env: dict[str, str], *args: str, module: str = "fahuo.cli") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    data = tmp_path / "data"
    data.mkdir()
    env = {**os.environ, "FAHUO_DATA_DIR": str(data), "FAHUO_HUEY_IMMEDIATE": "0"}
    for name in ("DJANGO_SETTINGS_MODULE", "FAHUO_DATABASE_URL", "FAHUO_REDIS_URL"):
        env.pop(name, None)
    if request.param == "sqlite":
        yield env
        return
    if not PG:
        pytest.skip("PostgreSQL run only (FAHUO_DATABASE_URL)")
    import psycopg

    base = os.environ["FAHUO_DATABASE_URL"]
    name = f"fahuo_ingest_{uuid.uuid4().hex[:8]}"
    admin = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env["FAHUO_DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + name
    try:
        yield env
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sql(env: dict[str, str], query: str) -> list[tuple[Any, ...]]:
    """Read the desk's database directly (a third party: neither the server nor the importer)."""
    if env.get("FAHUO_DATABASE_URL"):
        import psycopg

        with psycopg.connect(env["FAHUO_DATABASE_URL"], autocommit=True) as conn:
            return list(conn.execute(query).fetchall())
    lite = sqlite3.connect(Path(env["FAHUO_DATA_DIR"]) / "fahuo.sqlite3", timeout=30)
    try:
        return lite.execute(query).fetchall()
    finally:
        lite.close()


def _imported(env: dict[str, str]) -> int:
    return int(_sql(env, "SELECT COUNT(*) FROM orders_order WHERE import_batch_id IS NOT NULL")[0][0])


@pytest.fixture
def world(database: dict[str, str], tmp_path: Path) -> tuple[dict[str, str], str, Path]:
    env = database
    migrate = _fahuo(env, "manage", "migrate", "-v0")
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    setup = _fahuo(env, "setup", module="fahuo.orders.tests.import_world")
    assert setup.returncode == 0, setup.stderr[-2000:]
    token = json.loads(setup.stdout)["token"]
    orders = [order(f"69261200{i:08d}", Line(sub_id=f"69261200{i:08d}1")) for i in range(N)]
    export = tmp_path / "1733833534_big.csv"
    export.write_bytes(to_csv(export_rows(orders)))
    return env, token, export


@pytest.fixture
def server(world: tuple[dict[str, str], str, Path]) -> Iterator[str]:
    env = world[0]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "fahuo.cli", "serve", "--skip-migrate", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/login/", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline and proc.poll() is None, "fahuo serve did not start"
        time.sleep(0.3)
    try:
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_pushes_and_api_writes_answer_while_a_big_import_runs(
    world: tuple[dict[str, str], str, Path], server: str
) -> None:
    env, token, export = world
    importer = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fahuo.cli",
            "import",
            "orders",
            str(export),
            "--shop",
            "live",
            "--no-progress",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    answered: list[tuple[int, int, int]] = []  # (push status, API status, imported orders right after)
    bodies: list[str] = []
    with httpx.Client(base_url=server, timeout=60) as http:
        while importer.poll() is None:
            n = len(answered)
            push = http.post("/hooks/kdniao", data=kdniao_push_form(f"7319{n:010d}"))
            api = http.post(
                "/api/orders",
                json={"shop": "live", "orders": [api_order(f"API-{n:05d}")]},
                headers={"Authorization": f"Bearer {token}"},
            )
            answered.append((push.status_code, api.status_code, _imported(env)))
            bodies += [push.text, api.text]
    out, err = importer.communicate(timeout=300)
    assert importer.returncode == 0, err[-2000:]
    assert f"新建订单 {N} 个" in out

    assert answered and all(p == 200 and a == 200 for p, a, _ in answered), answered
    assert not [b for b in bodies if "locked" in b]
    # Answered while the import was half-way: its orders were committing chunk by chunk. (In one
    # long transaction nothing of the file is visible until the very end, and the writers wait.)
    midway = [imported for _, _, imported in answered if 0 < imported < N]
    assert len(midway) >= 2, answered
    api_orders = _sql(env, "SELECT COUNT(*) FROM orders_order WHERE source = 'api'")[0][0]
    assert api_orders == len(answered)
    assert _imported(env) == N
    logs = _sql(env, "SELECT COUNT(*) FROM tracking_pushlog WHERE provider = 'kdniao' AND http_status = 200")
    assert logs[0][0] == len(answered)


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "fahuo.cli", "worker", "--workers", "1"],
        env={**env, "FAHUO_IMPORT_CHUNK": "200"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _run_state(env: dict[str, str], run: int) -> tuple[str, int, int | None]:
    status, done, total = _sql(
        env, f"SELECT status, orders_done, orders_total FROM orders_importbatch WHERE id = {int(run)}"
    )[0]
    return str(status), int(done), total


def _wait_for(predicate: Any, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_worker_killed_mid_file_is_resumed_with_every_order_once(
    world: tuple[dict[str, str], str, Path],
) -> None:
    env, _, export = world
    staged = _fahuo(env, "stage", str(export), module="fahuo.orders.tests.import_world")
    assert staged.returncode == 0, staged.stderr[-2000:]
    run = json.loads(staged.stdout)["run"]
    assert _run_state(env, run)[0] == "queued"

    first = _worker(env)
    _wait_for(lambda: _run_state(env, run)[1] >= 1000)
    first.send_signal(signal.SIGKILL)  # no clean-up: as if the machine lost power
    first.wait()

    status, done, total = _run_state(env, run)
    assert status == "running" and total == N and 0 < done < N
    assert _imported(env) == done  # whole chunks only: the one in flight was rolled back

    second = _worker(env)  # its start-up hook finds the run's worker dead and queues the run again
    try:
        _wait_for(lambda: _run_state(env, run)[0] == "done")
    finally:
        second.send_signal(signal.SIGINT)
        second.wait(30)
    assert _run_state(env, run) == ("done", N, N)
    counts = _sql(
        env,
        "SELECT COUNT(*), COUNT(DISTINCT platform_order_id) FROM orders_order WHERE import_batch_id IS NOT NULL",
    )[0]
    assert tuple(counts) == (N, N)
    created, duplicates = _sql(
        env, f"SELECT orders_created, duplicates FROM orders_importbatch WHERE id = {run}"
    )[0]
    assert (created, duplicates) == (N, 0)
    assert _sql(env, "SELECT COUNT(*) FROM orders_importfile")[0][0] == 0  # the staged file is gone
