"""``fahuo allocate --pending``: the database's ready orders, same summary and CSV as the scenario mode."""

from __future__ import annotations

import csv
import json

from fahuo.cli import main
from fahuo.orders.models import Order
from fahuo.routing.models import AllocationRun


def test_pending_prints_the_summary_and_writes_the_csv_with_platform_ids(world, capsys, tmp_path):
    a, b = world.order("北京市"), world.order("北京市", [("FISH", 1)])
    gone = world.order("北京市", [("NOWEIGHT", 1)])
    out = tmp_path / "alloc.csv"
    assert main(["allocate", "--pending", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    lines = dict(line.split(None, 1) for line in text.strip().splitlines())
    assert lines["orders"] == "3"
    assert lines["served"] == "2"
    assert lines["unservable"] == "1 (sku_weight 1)"
    assert lines["total"] == "¥19.00 (1900 fen)"
    assert lines["LP"].startswith("bound     ¥19.00")
    run = AllocationRun.objects.get()
    assert lines["run"] == f"#{run.pk} preview"
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows == [
        ["order_id", "carrier", "warehouse", "freight_fen", "reason"],
        [a.platform_order_id, "ZTO", "HZ", "500", ""],
        [b.platform_order_id, "SF", "HZ", "1400", ""],
        [gone.platform_order_id, "", "", "", "sku_weight"],
    ]
    assert Order.objects.filter(carrier__isnull=False).count() == 0  # a preview changes nothing


def test_pending_apply_json_gives_the_orders_their_carrier(world, capsys):
    order = world.order("广东省")
    assert main(["allocate", "--pending", "--apply", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["status"] == "applied" and summary["applied"] == 1 and summary["not_ready"] == 0
    assert summary["total_fen"] == 300 and summary["greedy_fen"] == 300 and summary["saving_fen"] == 0
    assert {"orders", "served", "unservable_by_reason", "lp_bound_fen", "method", "seconds"} <= set(summary)
    order.refresh_from_db()
    assert (order.carrier.code, order.warehouse.code) == ("ZTO", "GZ")


def test_pending_and_scenario_together_are_refused(db, capsys, tmp_path):
    assert main(["allocate", "--pending", "--scenario", str(tmp_path)]) == 2
    assert "not both" in capsys.readouterr().err


def test_apply_without_pending_is_refused(capsys, tmp_path):
    assert main(["allocate", "--scenario", str(tmp_path), "--apply"]) == 2
    assert "--apply goes with --pending" in capsys.readouterr().err


def test_pending_with_nothing_ready_is_an_empty_run(db, capsys):
    assert main(["allocate", "--pending", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["orders"], summary["served"], summary["total_fen"]) == (0, 0, 0)
