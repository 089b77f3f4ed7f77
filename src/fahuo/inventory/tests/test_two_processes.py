"""Two processes at once — one importing orders, one packing them — on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG = os.environ.get("FAHUO_DATABASE_URL", "").startswith("postgres")


def _run(env: dict[str, str], role: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "fahuo.inventory.tests.twoproc", role],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    return out


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {**os.environ, "FAHUO_DATA_DIR": str(tmp_path), "FAHUO_HUEY_IMMEDIATE": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("FAHUO_DATABASE_URL", None)
    if request.param == "sqlite":
        yield env
        return
    if not PG:
        pytest.skip("PostgreSQL run only (FAHUO_DATABASE_URL)")
    import psycopg

    base = os.environ["FAHUO_DATABASE_URL"]
    name = f"fahuo_twoproc_{uuid.uuid4().hex[:8]}"
    admin = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env["FAHUO_DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + name
    try:
        yield env
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
def test_importing_and_packing_at_once_keep_the_books(database: dict[str, str]) -> None:
    migrate = subprocess.run(
        [sys.executable, "-m", "fahuo.cli", "manage", "migrate", "-v0"],
        env=database,
        capture_output=True,
        text=True,
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    _wait(_run(database, "setup"))
    importer, packer = _run(database, "import"), _run(database, "pack")
    _wait(importer)
    packed = json.loads(_wait(packer))["packed"]
    result = json.loads(_wait(_run(database, "check")))  # raises inside on a broken invariant
    assert result["orders"] == 60
    # A: 60 on hand; 20 orders want 1-2 A and 1 B (B: 40), 40 orders want 1 A → 80 A wanted.
    assert result["short"] > 0, result  # the guard refused what was not there
    assert packed == result["shipped"] > 0
    on_hand_a, reserved_a = result["stock"]["A"]
    assert on_hand_a >= 0 and reserved_a == 0 and result["open"] == 0  # all packed, nothing dangling
    assert 60 - on_hand_a == result["shipped_a"] > 0  # every unit that left is a packed order's
