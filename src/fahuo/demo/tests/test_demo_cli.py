"""``fahuo demo`` as a seller runs it: a real subprocess on its own data dir, again and again."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from fahuo.aftersales import demo_stockout
from fahuo.desk.tests.procs import cli_env, run_cli


@pytest.mark.slow
def test_the_demo_builds_again_over_a_demo_whose_labels_were_printed(tmp_path: Path) -> None:
    """The second `make demo` crashed with "FOREIGN KEY constraint failed": the first run's printed
    labels had tracking rows pointing at the orders the rebuild deletes."""
    env = cli_env(tmp_path)
    run_cli("demo", "--no-serve", "--orders", "60", env=env)
    run_cli("allocate", "--pending", "--apply", env=env)
    printed = run_cli(
        "labels", "print", "--all-ready", "--out", str(tmp_path / "labels.pdf"), env=env, ok=(0, 1)
    )
    assert "Printed" in printed  # (orders the demo left without a carrier are reported, exit 1)
    db = tmp_path / "fahuo.sqlite3"
    with sqlite3.connect(db) as conn:
        tracks_before = conn.execute(
            "select count(*) from tracking_track where order_id is not null"
        ).fetchone()[0]
    assert tracks_before > 0  # the situation of the bug: tracks of demo orders exist

    second = run_cli("demo", "--no-serve", "--orders", "60", env=env)
    assert f"Demo data set: {60 + demo_stockout.ORDERS} orders" in second and "owner" in second
    run_cli("demo", "--no-serve", "--orders", "60", env=env)  # and a third time
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        orphans = conn.execute(
            "select count(*) from tracking_track t left join orders_order o on o.id = t.order_id"
            " where t.order_id is not null and o.id is null"
        ).fetchone()[0]
        assert orphans == 0
        # the first run's tracks went with their orders: none left hanging without order and waybill
        assert (
            conn.execute(
                "select count(*) from tracking_track where order_id is null and waybill_id is null"
            ).fetchone()[0]
            == 0
        )
