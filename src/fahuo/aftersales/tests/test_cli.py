"""``fahuo track replay`` of 抖店 refund messages, then ``fahuo aftersales list`` — real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FAHUO = str(Path(sys.executable).parent / "fahuo")


def _env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "FAHUO_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "fahuo.settings"}
    for name in ("FAHUO_DATABASE_URL", "FAHUO_REDIS_URL", "FAHUO_TEST_SQLITE", "FAHUO_HUEY_IMMEDIATE"):
        env.pop(name, None)
    return env


def _fahuo(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([FAHUO, *args], env=_env(data_dir), capture_output=True, text=True, timeout=300)


def _line(tag: str, msg_id: str, at: int, **extra: object) -> str:
    data = {"p_id": 4781320682406000777, "shop_id": 1, "aftersale_id": 7040458102513000001,
            "aftersale_type": 0, "aftersale_status": 6, "refund_amount": 5990, "reason_code": 1,
            "update_time": at, **extra}  # fmt: skip
    message = {"tag": tag, "msg_id": msg_id, "data": json.dumps(data)}
    return json.dumps({"provider": "douyin", "payload": [message]})


def test_replayed_refund_messages_are_listed_as_json(tmp_path: Path) -> None:
    d = tmp_path / "var"
    assert _fahuo(d, "manage", "migrate", "-v", "0").returncode == 0
    added = _fahuo(d, "shops", "add", "xiaoyu", "--name", "小雨直播间", "--platform", "douyin")
    assert added.returncode == 0, added.stderr
    pushes = tmp_path / "pushes.jsonl"
    # Out of order: the buyer's return parcel arrives before the request itself.
    lines = [_line("203", "m3", 1700000200, logistics="SF1400000000"), _line("200", "m1", 1700000000)]
    pushes.write_text("\n".join(lines) + "\n", encoding="utf-8")
    replay = _fahuo(d, "track", "replay", str(pushes), "--json")
    assert replay.returncode == 0, replay.stderr
    listed = _fahuo(d, "aftersales", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["order_id"], r["kind"], r["status"], r["tracking_no"], r["order_known"]) for r in rows] == [
        ("4781320682406000777", "return_refund", "returning", "SF1400000000", False)
    ]
    assert set(rows[0]) >= {"rma_id", "order_id", "kind", "status", "pickup_due_at", "tracking_no"}
    assert json.loads(_fahuo(d, "aftersales", "list", "--json", "--status", "closed").stdout) == []
    table = _fahuo(d, "aftersales", "list")
    assert "4781320682406000777 (?)" in table.stdout and "1 RMA(s)" in table.stdout
    bad = _fahuo(d, "aftersales", "list", "--status", "nonsense")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
