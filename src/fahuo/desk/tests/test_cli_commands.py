"""Every ``fahuo`` subcommand in ``fahuo.cli.COMMANDS`` runs as a real subprocess, as a user runs it.

Tests that call ``main()`` inside the already-configured test process hid `fahuo track sweep`
crashing with ImproperlyConfigured when run for real. Here each command is started as its own
process on a freshly migrated, empty data dir: ``--help`` must work, and a real invocation must
either do its job or refuse with a clear message — never a traceback. A command added to COMMANDS
without a line in ``RUNS`` fails ``test_every_command_has_a_real_invocation``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fahuo.aftersales import demo_stockout
from fahuo.cli import COMMANDS
from fahuo.desk.tests.procs import FAHUO, cli_env, free_port, started, wait_http

pytestmark = pytest.mark.slow

PATHS = [path for path, _, _ in COMMANDS]


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...] = ()
    code: int = 0  # the exit code a user gets on an empty data dir
    says: str = ""  # part of what it prints (stdout + stderr)
    stdin: str = ""
    files: dict[str, str] = field(default_factory=dict)  # written into the working dir first


ADDRESS = "张三 13812345678 浙江省杭州市西湖区文三路90号\n"
RUNS: dict[tuple[str, ...], Run | str] = {
    # (no generated orders; the out-of-stock scene's orders are always there)
    ("demo",): Run(("--no-serve", "--orders", "0"), says=f"Demo data set: {demo_stockout.ORDERS} orders"),
    ("serve",): "server",  # started, answers the login page, stops on Ctrl-C (more in test_serve.py)
    ("worker",): "daemon",  # started, keeps running, stops on Ctrl-C
    ("address", "parse"): Run(stdin=ADDRESS, says='"province": "浙江省"'),
    ("import", "orders"): Run(("x.csv", "--shop", "nosuch"), 2, "nosuch", files={"x.csv": "x\n"}),
    ("labels", "print"): Run(("--all-ready", "--out", "l.pdf"), says="No labels printed"),
    ("batches", "list"): Run(says="No print batches yet"),
    ("batches", "create"): Run(("--all-ready",), 1, "No batch created"),
    ("batches", "run"): Run(("1",), 1, "波次不存在"),
    ("batches", "resume"): Run(("1",), 1, "波次不存在"),
    ("picklist",): Run(("--all-ready", "--out", "p.pdf"), 1, "No orders matched"),
    ("packslips",): Run(("--all-ready", "--out", "s.pdf"), 1, "No orders matched"),
    ("allocate",): Run(("--pending",), says="0 order classes"),
    ("rates", "import"): Run(
        ("x.csv", "--carrier", "ZTO", "--origin", "浙江省"), 2, "ZTO", files={"x.csv": "x\n"}
    ),
    ("track", "replay"): Run(("-",), says="lines 0"),
    ("track", "sweep"): Run(says="0 opened"),
    ("track", "poll"): Run(says="0 polled"),
    ("live", "plan"): Run(("latest",), 2, "latest"),
    ("live", "notice"): Run(("latest", "--out", "n.pdf"), 2, "latest"),
    ("live", "review"): Run(("latest",), 2, "latest"),
    ("token", "create"): Run(("nobody", "--name", "x"), 2, "nobody"),
    ("user", "create"): Run(("amy", "--role", "owner"), says="amy"),
    ("shops", "add"): Run(("dd", "--name", "小店", "--platform", "douyin"), says="dd"),
    ("shops", "connect-douyin"): Run(("nosuch", "--app-key", "1", "--code", "c"), 2, "nosuch"),
    ("shops", "douyin"): Run(("nosuch",), 2, "nosuch"),
    ("shops", "shipping"): Run(("nosuch",), 2, "nosuch"),
    ("warehouses", "add"): Run(
        ("HZ", "--name", "杭州仓", "--province", "浙江省", "--city", "杭州市", "--district", "余杭区"),
        says="HZ",
    ),
    ("skus", "template"): Run(says="sku_code"),
    ("skus", "import"): Run(("x.csv",), 2, "sku_code", files={"x.csv": "x\n"}),
    ("stock", "import"): Run(("s.csv", "--warehouse", "HZ"), 2, "HZ", files={"s.csv": "sku_code,quantity\n"}),
    ("stock", "list"): Run(),
    ("stock", "adjust"): Run(("A", "1", "--warehouse", "HZ", "--reason", "盘盈"), 2, "HZ"),
    ("stock", "count"): Run(("s.csv", "--warehouse", "HZ"), 2, "HZ", files={"s.csv": "sku_code,quantity\n"}),
    ("carriers", "add"): Run(("ZTO", "--name", "中通", "--provider", "kdniao"), says="ZTO"),
    ("carriers", "branch"): Run(("NOPE", "--pickup-hours", "16:00-18:00"), 2, "NOPE"),
    ("capacity", "set"): Run(("ZTO", "HZ", "--max-parcels", "10"), 2, "ZTO"),
    ("orders", "list"): Run(),
    ("orders", "decrypt"): Run(("--shop", "nosuch"), 2, "nosuch"),
    ("orders", "release"): Run(("--shop", "nosuch"), 2, "nosuch"),
    ("settle",): Run((), 2, "--scenario"),
    ("aftersales", "list"): Run(says="0 RMA(s)"),
    ("aftersales", "import"): Run(("售后单.csv", "--shop", "nosuch"), 2, "店铺不存在"),
    ("contracts", "stream-alerts"): Run(says="0 carrier(s) on live streams, 0 open alert(s)"),
    ("orders", "cancel"): Run(("NOPE", "--reason", "买家取消"), 2, "订单不存在"),
}


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated, empty data dir; each test works on its own copy."""
    data = tmp_path_factory.mktemp("migrated")
    subprocess.run([FAHUO, "manage", "migrate", "-v", "0"], env=cli_env(data), check=True, timeout=300)
    return data


def _env(migrated: Path, tmp_path: Path) -> dict[str, str]:
    data = tmp_path / "data"
    shutil.copytree(migrated, data)
    return cli_env(data, FAHUO_HUEY_IMMEDIATE="0", COLUMNS="120")


def test_every_command_has_a_real_invocation() -> None:
    missing = [" ".join(p) for p in PATHS if p not in RUNS]
    assert not missing, f"add a real invocation of these new commands to RUNS: {missing}"
    stale = [" ".join(p) for p in RUNS if p not in PATHS]
    assert not stale, f"RUNS names commands that no longer exist: {stale}"


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) for p in PATHS])
def test_command_runs_as_a_subprocess(path: tuple[str, ...], migrated: Path, tmp_path: Path) -> None:
    env = _env(migrated, tmp_path)
    helped = subprocess.run([FAHUO, *path, "--help"], env=env, capture_output=True, text=True, timeout=120)
    assert helped.returncode == 0, helped.stderr[-2000:]
    assert helped.stdout.startswith(f"usage: fahuo {' '.join(path)}"), helped.stdout[:300]

    spec = RUNS.get(path)
    if spec is None:
        pytest.fail(f"no real invocation of `fahuo {' '.join(path)}` in RUNS")
    if spec in ("server", "daemon"):
        _run_until_interrupted(path, env, tmp_path, server=spec == "server")
        return
    assert isinstance(spec, Run)
    for name, text in spec.files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [FAHUO, *path, *spec.args],
        env=env,
        cwd=tmp_path,
        input=spec.stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    said = done.stdout + done.stderr
    assert "Traceback" not in said, said[-3000:]
    assert done.returncode == spec.code, said[-3000:]
    assert spec.says in said, said[-3000:]
    if path == ("address", "parse"):
        assert json.loads(done.stdout.splitlines()[0])["phone"] == "13812345678"


def _run_until_interrupted(
    path: tuple[str, ...], env: dict[str, str], tmp_path: Path, *, server: bool
) -> None:
    log = tmp_path / "out.log"
    args = [FAHUO, *path]
    port = free_port()
    if server:
        args += ["--port", str(port), "--workers", "1"]
    with started(args, env, log) as proc:
        if server:
            assert wait_http(f"http://127.0.0.1:{port}/login/", proc, log).status_code == 200
        else:
            time.sleep(4)
            assert proc.poll() is None, log.read_text()[-3000:]
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=15)
    said = log.read_text()
    assert proc.returncode == 0 and "Traceback" not in said, said[-3000:]
