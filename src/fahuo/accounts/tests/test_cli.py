"""``fahuo user create`` and ``fahuo token create`` with shops, run as real processes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

FAHUO = str(Path(sys.executable).parent / "fahuo")
PASSWORD = "shops-walk-2026-long"


def _env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "FAHUO_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "fahuo.settings"}
    for name in ("FAHUO_DATABASE_URL", "FAHUO_REDIS_URL", "FAHUO_TEST_SQLITE", "FAHUO_HUEY_IMMEDIATE"):
        env.pop(name, None)
    return env


def _fahuo(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([FAHUO, *args], env=_env(data_dir), capture_output=True, text=True, timeout=300)


def _rows(data_dir: Path, sql: str) -> list[tuple[object, ...]]:
    db = next(data_dir.glob("*.sqlite3"))
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "var"
    assert _fahuo(d, "manage", "migrate", "-v", "0").returncode == 0
    for code, name in (("tea", "云南茶叶私域"), ("rice", "五常大米")):
        done = _fahuo(d, "shops", "add", code, "--name", name, "--platform", "private")
        assert done.returncode == 0, done.stderr
    (tmp_path / "pw").write_text(PASSWORD + "\n", encoding="utf-8")
    return d


def test_users_and_tokens_are_created_per_shop(data_dir: Path) -> None:
    pw = str(data_dir.parent / "pw")
    # An operator or packer without shops is refused: only an owner may run every shop.
    refused = _fahuo(data_dir, "user", "create", "mei", "--role", "packer", "--password-file", pw)
    assert refused.returncode == 2 and "--shop" in refused.stderr
    unknown = _fahuo(
        data_dir, "user", "create", "mei", "--role", "packer", "--shop", "nope", "--password-file", pw
    )
    assert unknown.returncode == 2 and "nope" in unknown.stderr

    boss = _fahuo(data_dir, "user", "create", "boss", "--role", "owner", "--password-file", pw)
    assert boss.returncode == 0 and "every shop" in boss.stdout and PASSWORD not in boss.stdout
    mei = _fahuo(
        data_dir, "user", "create", "mei", "--role", "packer", "--shop", "tea", "--password-file", pw
    )
    assert mei.returncode == 0, mei.stderr
    assert "password:" not in mei.stdout  # read from the file, never echoed
    assert _rows(
        data_dir,
        "SELECT u.username, s.code, m.role, u.is_superuser FROM accounts_membership m "
        "JOIN auth_user u ON u.id = m.user_id JOIN orders_shop s ON s.id = m.shop_id",
    ) == [("mei", "tea", "packer", 0)]
    assert _rows(data_dir, "SELECT is_superuser FROM auth_user WHERE username = 'boss'") == [(1,)]

    # A token reaches only the user's shops; one outside them is refused.
    outside = _fahuo(data_dir, "token", "create", "mei", "--name", "scan", "--shop", "rice")
    assert outside.returncode == 2 and "rice" in outside.stderr
    scan = _fahuo(data_dir, "token", "create", "mei", "--name", "scan")
    assert scan.returncode == 0 and scan.stdout.strip().startswith("fh_")
    erp = _fahuo(data_dir, "token", "create", "boss", "--name", "erp", "--shop", "tea", "--role", "packer")
    assert erp.returncode == 0, erp.stderr
    assert _rows(
        data_dir,
        "SELECT t.name, t.role, s.code FROM accounts_apitoken t "
        "LEFT JOIN accounts_apitoken_shops ts ON ts.apitoken_id = t.id "
        "LEFT JOIN orders_shop s ON s.id = ts.shop_id ORDER BY t.id",
    ) == [("scan", "", None), ("erp", "packer", "tea")]
