"""``fahuo settle`` as a real subprocess, as a seller would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fahuo.contracts.tests.builders import Sc, at

FAHUO = str(Path(sys.executable).parent / "fahuo")


def cli_env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "FAHUO_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "fahuo.settings"}
    for name in ("FAHUO_DATABASE_URL", "FAHUO_REDIS_URL", "FAHUO_TEST_SQLITE", "FAHUO_HUEY_IMMEDIATE"):
        env.pop(name, None)
    return env


def run_cli(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([FAHUO, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


SAMPLE = Path(__file__).parent / "data" / "settlement-scenario"


def test_settle_prints_exactly_the_expected_statement(tmp_path: Path) -> None:
    out = run_cli("settle", "--scenario", str(SAMPLE), "--json", env=cli_env(tmp_path))
    got = json.loads(out)
    expected = json.loads((SAMPLE / "expected.json").read_text(encoding="utf-8"))
    assert {k: got[k] for k in expected} == expected
    assert not (tmp_path / "fahuo.sqlite3").exists()  # offline: no database touched


def test_settle_text_summary_shows_payable_in_yuan(tmp_path: Path) -> None:
    out = run_cli("settle", "--scenario", str(SAMPLE), env=cli_env(tmp_path))
    assert "payable ¥2,099.98" in out and "exempt sessions: LIVE1109-A" in out


def test_settle_refuses_a_week_that_is_not_a_monday(tmp_path: Path) -> None:
    sc = Sc().on_time("A", at(0))
    sc.contract["week_start"] = "2026-11-11"
    done = subprocess.run(
        [FAHUO, "settle", "--scenario", str(sc.write(tmp_path / "s")), "--json"],
        env=cli_env(tmp_path), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and json.loads(done.stdout)["error"] == "invalid"
    assert "contract.json, column week_start" in done.stderr and "not a Monday" in done.stderr
