"""``fahuo live plan`` / ``fahuo live notice`` with ``latest`` and ``next``."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.utils import timezone
from openpyxl import load_workbook

from fahuo.cli import main
from fahuo.livestream.models import SessionStatus
from fahuo.livestream.tests.test_forecast import make_session
from fahuo.livestream.tests.test_planning import carrier

pytestmark = pytest.mark.django_db


@pytest.fixture
def streams(shop: Any, warehouse: Any) -> dict[str, Any]:
    carrier("ZTO", "中通快递", per_stream=300, per_hour=100)
    carrier("YTO", "圆通速递", per_stream=300, per_hour=100)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    past = [
        make_session(shop, now - timedelta(days=7 * (i + 1)), n) for i, n in enumerate([200, 240, 220, 260])
    ]
    upcoming = make_session(
        shop, now + timedelta(days=1), 0, status=SessionStatus.PLANNED, pickup_address="仓前街道"
    )
    return {"latest": past[0], "next": upcoming}


def test_live_plan_prints_the_plan_of_the_next_session(streams: dict[str, Any], capsys: Any) -> None:
    assert main(["live", "plan", "next", "--backtest"]) == 0
    out = capsys.readouterr().out
    assert "MAPE" in out and "over 4 sessions" in out
    assert "forecast:" in out and "nearest, 4 past sessions)" in out and "ZTO" in out


def test_live_plan_json_for_the_latest_finished_session(streams: dict[str, Any], capsys: Any) -> None:
    assert main(["live", "plan", "latest", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["session_id"] == streams["latest"].pk and data["forecast"]["method"] == "nearest"


def test_live_notice_all_writes_one_page_per_carrier(
    streams: dict[str, Any], tmp_path: Path, capsys: Any
) -> None:
    out, xlsx = tmp_path / "notice.pdf", tmp_path / "notice.xlsx"
    assert main(["live", "notice", "next", "--carrier", "all", "--out", str(out), "--xlsx", str(xlsx)]) == 0
    assert len(pdfium.PdfDocument(out.read_bytes())) == 2
    assert load_workbook(xlsx).sheetnames == ["YTO", "ZTO"]
    assert "【预警通知】" in capsys.readouterr().out


def test_an_unknown_session_is_an_error_not_a_crash(streams: dict[str, Any], capsys: Any) -> None:
    assert main(["live", "plan", "9999"]) == 2
    assert "no such live session" in capsys.readouterr().out
