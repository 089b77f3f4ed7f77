"""The contracts API, the Monday task, claim clocks, and ``fahuo settle`` on the database."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from fahuo.accounts.models import ApiToken
from fahuo.contracts import services, tasks
from fahuo.contracts import settlement as st
from fahuo.contracts.models import Claim, ContractAlert, WeeklyStatement
from fahuo.contracts.tests.factories import contracted_carrier, parcel

WEEK = dt.date(2026, 11, 9)
START = dt.datetime(2026, 11, 9, tzinfo=st.SHANGHAI)


def client_for(user: Any) -> Client:
    _, raw = ApiToken.issue(user=user, name="test")
    return Client(headers={"authorization": f"Bearer {raw}"})


@pytest.mark.django_db
def test_api_generates_moves_and_reads_a_statement(owner: Any, operator: Any, shop: Any) -> None:
    carrier, _, _ = contracted_carrier(min_daily=0)
    parcel(shop, carrier, ready_at=START + dt.timedelta(hours=9), picked_up_at=START + dt.timedelta(hours=10),
           departed_at=START + dt.timedelta(hours=12))  # fmt: skip
    api = client_for(owner)
    bad = api.post(
        "/api/contracts/statements",
        {"carrier": "YTO", "week_start": "2026-11-10"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "not a Monday" in bad.json()["message"]
    made = api.post(
        "/api/contracts/statements",
        {"carrier": "YTO", "week_start": "2026-11-09"},
        content_type="application/json",
    )
    assert made.status_code == 200 and made.json()["statement"]["freight_fen"] == 500
    pk = made.json()["id"]
    assert (
        api.post(
            f"/api/contracts/statements/{pk}/status", {"status": "paid"}, content_type="application/json"
        ).status_code
        == 409
    )
    sent = api.post(
        f"/api/contracts/statements/{pk}/status", {"status": "sent"}, content_type="application/json"
    )
    assert sent.json()["status"] == "sent"
    reader = client_for(operator)
    assert reader.get(f"/api/contracts/statements/{pk}").json()["status"] == "sent"
    assert reader.post("/api/contracts/statements", {"carrier": "YTO", "week_start": "2026-11-09"},
                       content_type="application/json").status_code == 403  # fmt: skip


@pytest.mark.django_db
def test_api_terms_new_version_and_unknown_field(owner: Any) -> None:
    contracted_carrier(starts_on=dt.date(2020, 1, 1))
    api = client_for(owner)
    assert api.get("/api/contracts/terms/YTO").json()["pickup_hours"] == 24
    put = api.put("/api/contracts/terms/YTO", {"pickup_hours": 12}, content_type="application/json")
    assert put.status_code == 200 and put.json()["pickup_hours"] == 12 and put.json()["version"] == 2
    assert (
        api.put("/api/contracts/terms/YTO", {"colour": "red"}, content_type="application/json").status_code
        == 422
    )


def test_monday_task_runs_at_08_00_beijing() -> None:
    # Huey checks crontabs against naive UTC; Monday 08:00 in Beijing is Monday 00:00 UTC.
    validate = tasks.weekly_statements_task.task_class().validate_datetime
    assert validate(dt.datetime(2026, 11, 16, 0, 0))
    assert not validate(dt.datetime(2026, 11, 16, 8, 0)) and not validate(dt.datetime(2026, 11, 17, 0, 0))


@pytest.mark.django_db
def test_monday_run_settles_last_week_for_each_contracted_carrier(shop: Any) -> None:
    carrier, _, _ = contracted_carrier()
    parcel(shop, carrier, ready_at=START + dt.timedelta(days=2, hours=9))
    assert tasks.run_weekly_statements(today=dt.date(2026, 11, 16)) == ["YTO"]
    stmt = WeeklyStatement.objects.get()
    assert stmt.week_start == WEEK and stmt.data["parcels"] == 1
    assert stmt.as_of == START + dt.timedelta(days=7, hours=8)
    services.set_status(statement=stmt, status="sent")
    assert tasks.run_weekly_statements(today=dt.date(2026, 11, 16)) == []  # a sent statement is kept


@pytest.mark.django_db
def test_claim_clocks_alert_before_they_run_out() -> None:
    carrier, _, _ = contracted_carrier()
    reported = START + dt.timedelta(hours=10)
    claim = services.open_claim(
        carrier=carrier, tracking_no="YT1", kind="damage", amount_fen=1000, reported_at=reported
    )
    assert services.claim_clock_alerts(now=reported + dt.timedelta(hours=19)) == 0
    assert services.claim_clock_alerts(now=reported + dt.timedelta(hours=21)) == 1  # 3 h before the 24 h
    assert services.claim_clock_alerts(now=reported + dt.timedelta(hours=22)) == 0  # once
    services.verify_claim(claim=claim, responsibility="handling", at=reported + dt.timedelta(hours=30))
    assert services.claim_clock_alerts(now=reported + dt.timedelta(hours=30 + 49)) == 1
    assert set(ContractAlert.objects.values_list("kind", flat=True)) == {"verify_due", "pay_due"}
    assert Claim.objects.get().responsibility == "handling"


def test_settle_on_the_database_as_a_subprocess(tmp_path: Path) -> None:
    env = {**os.environ, "FAHUO_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "fahuo.settings"}
    for name in ("FAHUO_DATABASE_URL", "FAHUO_REDIS_URL", "FAHUO_TEST_SQLITE", "FAHUO_HUEY_IMMEDIATE"):
        env.pop(name, None)
    fahuo = str(Path(sys.executable).parent / "fahuo")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([fahuo, *args], env=env, capture_output=True, text=True, timeout=300)

    assert run("manage", "migrate", "-v", "0").returncode == 0
    create = "from fahuo.carriers.models import Carrier; Carrier.objects.create(code='YTO', name='圆通速递')"
    assert run("manage", "shell", "-c", create).returncode == 0
    missing = run("settle", "--carrier", "NOPE", "--week", "2026-11-09", "--json")
    assert missing.returncode == 2 and "not found" in missing.stderr
    monday = run("settle", "--carrier", "YTO", "--week", "2026-11-11")
    assert monday.returncode == 2 and "not a Monday" in monday.stderr
    made = run("settle", "--carrier", "YTO", "--week", "2026-11-09", "--json", "--save")
    assert made.returncode == 0, made.stderr
    data = json.loads(made.stdout)
    assert data["parcels"] == 0 and data["week_start"] == "2026-11-09"
