"""``fahuo carriers add --provider douyin_waybill`` as a real subprocess: a carrier whose e-waybill
is 抖音电子面单 (the one allocation offers encrypted 抖店 orders)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _fahuo(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAHUO_DATA_DIR": str(data), "FAHUO_HUEY_IMMEDIATE": "1"}
    for name in ("DJANGO_SETTINGS_MODULE", "FAHUO_REDIS_URL", "FAHUO_DATABASE_URL"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "fahuo.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_a_douyin_waybill_carrier_is_added_and_an_unknown_provider_refused(tmp_path: Path) -> None:
    assert _fahuo(tmp_path, "manage", "migrate", "-v0").returncode == 0
    done = _fahuo(
        tmp_path, "carriers", "add", "ZTO", "--name", "中通快递", "--provider", "douyin_waybill", "--json"
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "code": "ZTO",
        "name": "中通快递",
        "provider": "douyin_waybill",
        "test": False,
    }
    bad = _fahuo(tmp_path, "carriers", "add", "YTO", "--name", "圆通", "--provider", "douyin")
    assert bad.returncode == 2 and "invalid choice: 'douyin'" in bad.stderr
