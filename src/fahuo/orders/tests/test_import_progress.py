"""A large ``fahuo import orders`` reports its progress and can be cancelled with nothing kept (#18)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fahuo.orders.tests.douyin_files import Line, export_rows, order, to_csv

N = 6000


def _env(data: Path) -> dict[str, str]:
    env = {**os.environ, "FAHUO_DATA_DIR": str(data), "FAHUO_HUEY_IMMEDIATE": "1"}
    for name in ("DJANGO_SETTINGS_MODULE", "FAHUO_REDIS_URL", "FAHUO_DATABASE_URL"):
        env.pop(name, None)  # SQLite in its own data dir (pytest-django does not reset a subprocess's)
    return env


def _fahuo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fahuo.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def big_export(tmp_path: Path) -> tuple[dict[str, str], Path]:
    data = tmp_path / "data"
    data.mkdir()
    env = _env(data)
    assert _fahuo(env, "manage", "migrate", "-v0").returncode == 0
    assert _fahuo(env, "shops", "add", "live", "--name", "小雨直播间", "--platform", "douyin").returncode == 0
    orders = [order(f"69261100{i:08d}", Line(sub_id=f"69261100{i:08d}1")) for i in range(N)]
    export = tmp_path / "1733833534_big.csv"
    export.write_bytes(to_csv(export_rows(orders)))
    return env, export


def _count(env: dict[str, str]) -> int:
    proc = _fahuo(env, "orders", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    return len(json.loads(proc.stdout))


@pytest.mark.slow
def test_progress_is_reported_step_by_step(big_export: tuple[dict[str, str], Path]) -> None:
    env, export = big_export
    proc = _fahuo(env, "import", "orders", str(export), "--shop", "live", "--progress")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0].startswith(f"读取行 {N}/{N}")
    assert [line.split("（")[0].split()[1] for line in lines if line.startswith("校验订单")] == [
        "2000/6000",
        "4000/6000",
        "6000/6000",
    ]
    assert lines[-1].startswith(f"写入订单 {N}/{N}")
    assert f"新建订单 {N} 个" in proc.stdout
    assert _fahuo(env, "import", "orders", str(export), "--shop", "live", "--no-progress").stderr == ""


@pytest.mark.slow
def test_ctrl_c_cancels_the_import_with_nothing_kept(big_export: tuple[dict[str, str], Path]) -> None:
    env, export = big_export
    proc = subprocess.Popen(
        [sys.executable, "-m", "fahuo.cli", "import", "orders", str(export), "--shop", "live", "--progress"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()
    assert first.startswith("读取行"), first
    proc.send_signal(signal.SIGINT)  # while the orders are being verified, before anything is written
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    assert "已取消导入" in err
    assert _count(env) == 0
