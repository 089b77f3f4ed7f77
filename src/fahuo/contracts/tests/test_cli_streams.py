"""``fahuo contracts stream-alerts`` as a real subprocess: a live stream whose carrier cannot pick its
parcels up in time, then the alerts it raises (and a dry run that raises nothing)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from fahuo.contracts.tests.test_cli import FAHUO, cli_env

SETUP = """
import datetime as dt
from fahuo.contracts.tests.factories import contracted_carrier, parcel, session
from fahuo.orders.models import Shop
now = dt.datetime(2026, 11, 12, 21, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
shop = Shop.objects.create(code="xiaoyu", name="小雨直播间", platform="douyin")
carrier, _, _ = contracted_carrier(peak=5, pickup_hours=2, pickups_per_hour=2)
stream = session(shop, now - dt.timedelta(hours=1))
for i in range(8):
    parcel(shop, carrier, ready_at=now - dt.timedelta(minutes=30), paid_at=now - dt.timedelta(minutes=50 - i),
           tracking_no=f"YTLIVE{i}")
"""
AT = "2026-11-12T21:00:00"


def fahuo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([FAHUO, *args], env=env, capture_output=True, text=True, timeout=300)


def test_stream_alerts_project_the_late_parcels_and_raise_the_alerts(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "var")
    assert fahuo(env, "manage", "migrate", "-v", "0").returncode == 0
    made = fahuo(env, "manage", "shell", "-c", SETUP)
    assert made.returncode == 0, made.stderr
    dry = fahuo(env, "contracts", "stream-alerts", "--json", "--at", AT, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    projected = json.loads(dry.stdout)
    (stream,) = projected["streams"]
    assert (stream["carrier"], stream["parcels"], stream["late"], stream["penalty_fen"]) == ("YTO", 8, 5, 500)
    assert stream["over_peak"] and projected["alerts"] == [] and projected["opened"] == 0
    done = fahuo(env, "contracts", "stream-alerts", "--json", "--at", AT)
    result = json.loads(done.stdout)
    assert result["opened"] == 2
    assert sorted(a["kind"] for a in result["alerts"]) == ["stream_capacity", "stream_pickup"]
    text = fahuo(env, "contracts", "stream-alerts", "--at", AT)
    assert text.returncode == 0 and "5 件将超过 2 小时未揽收" in text.stdout and "0 new" in text.stdout


def test_a_time_that_is_not_a_date_exits_2(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "var")
    bad = fahuo(env, "contracts", "stream-alerts", "--at", "tonight")
    assert bad.returncode == 2 and "not an ISO date-time" in bad.stderr
