"""``fahuo track replay`` and ``fahuo track sweep`` through ``fahuo.cli.main``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from fahuo.cli import main
from fahuo.orders.models import OrderStatus
from fahuo.tracking.models import Alert, AlertKind, PlatformMessage, TrackEvent, TrackStatus
from fahuo.tracking.tests import factories as f
from fahuo.tracking.tests.conftest import golden

pytestmark = pytest.mark.django_db


def jsonl(tmp_path: Path, *objs: Any, extra: str = "") -> Path:
    path = tmp_path / "pushes.jsonl"
    path.write_text(
        "\n".join(json.dumps(o, ensure_ascii=False) for o in objs) + "\n" + extra, encoding="utf-8"
    )
    return path


def pushes() -> list[dict[str, Any]]:
    return [
        {"provider": "kdniao", "payload": golden("kdniao", "track_push_101.json")["RequestData"]},
        {"provider": "kuaidi100", "payload": golden("kuaidi100", "track_callback_polling.json")["param"]},
        {"provider": "douyin", "payload": golden("douyin", "push_trade_paid.json")["body"]},
    ]


def test_replay_ingests_every_provider_and_prints_a_summary(tmp_path: Path, shop: Any, capsys: Any) -> None:
    zto = f.track(shop, tracking_no="73190553102532", carrier_code="ZTO")
    yto = f.track(shop, tracking_no="V030344422", carrier_code="YTO")
    path = jsonl(tmp_path, *pushes())
    assert main(["track", "replay", str(path)]) == 0
    out = capsys.readouterr().out
    assert "accepted 8" in out and "duplicates 0" in out and "unknown 4" in out and "errors 0" in out
    zto.refresh_from_db()
    yto.refresh_from_db()
    assert (zto.status, yto.status) == (TrackStatus.DELIVERED, TrackStatus.IN_TRANSIT)
    assert PlatformMessage.objects.get().msg_id == "7016580823530029312"


def test_replaying_twice_counts_duplicates(tmp_path: Path, shop: Any, capsys: Any) -> None:
    f.track(shop, tracking_no="73190553102532", carrier_code="ZTO")
    path = jsonl(tmp_path, *pushes())
    main(["track", "replay", str(path)])
    capsys.readouterr()
    assert main(["track", "replay", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["accepted"], summary["duplicates"], summary["unknown"]) == (0, 5 + 1, 7)
    assert TrackEvent.objects.count() == 5


def test_replay_reports_bad_lines_and_keeps_going(tmp_path: Path, shop: Any, capsys: Any) -> None:
    f.track(shop, tracking_no="YT7461234567890", carrier_code="YTO")
    bad_items = {"provider": "kdniao", "payload": golden("kdniao", "track_push_bad_item.json")["RequestData"]}
    path = jsonl(tmp_path, {"provider": "fedex", "payload": {}}, bad_items, extra="{not json\n")
    assert main(["track", "replay", str(path), "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["accepted"] == 2
    assert summary["errors"] == 4  # unknown provider, bad JSON line, two bad items
    assert any("line 1" in e and "fedex" in e for e in summary["error_list"])


def test_sweep_json_lines(shop: Any, capsys: Any) -> None:
    now = timezone.now()
    t = f.track(shop, issued_at=now - dt.timedelta(hours=30))
    o = f.order(shop, status=OrderStatus.READY, ship_by=now - dt.timedelta(hours=1))
    assert main(["track", "sweep", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {tuple(sorted(row)) for row in lines} == {("kind", "order_id", "since", "tracking_no")}
    by_kind = {row["kind"]: row for row in lines}
    assert t.issued_at is not None
    assert by_kind["no_pickup"] == {
        "tracking_no": t.tracking_no,
        "kind": "no_pickup",
        "since": t.issued_at.isoformat(),
        "order_id": t.order_id,
    }
    assert by_kind["ship_by_overdue"]["order_id"] == o.pk
    assert by_kind["ship_by_overdue"]["tracking_no"] == ""
    assert dt.datetime.fromisoformat(by_kind["ship_by_overdue"]["since"]) == o.ship_by


def test_sweep_table_and_new_only(shop: Any, capsys: Any) -> None:
    now = timezone.now()
    t = f.track(shop, status=TrackStatus.EXCEPTION, last_event_at=now - dt.timedelta(hours=1))
    assert main(["track", "sweep"]) == 0
    out = capsys.readouterr().out
    assert "1 opened" in out
    assert t.order is not None
    assert "problem" in out and t.tracking_no in out and t.order.platform_order_id in out
    assert main(["track", "sweep", "--json", "--new"]) == 0
    assert capsys.readouterr().out == ""  # nothing new the second time
    assert Alert.objects.filter(kind=AlertKind.PROBLEM).count() == 1


def test_sweep_backfills_tracks_for_waybills(shop: Any, capsys: Any) -> None:
    w = f.waybill(f.order(shop))
    assert main(["track", "sweep", "--backfill", "--kind", "no_pickup"]) == 0
    assert "1 tracks created" in capsys.readouterr().out
    assert w.track.status == TrackStatus.AWAITING_PICKUP
