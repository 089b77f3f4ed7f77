"""Tracking benchmark: the alert sweep over 1,000,000 active parcels, and trace ingestion speed.

    .venv/bin/python bench/bench_tracking.py [--rows 1000000] [--events 50000] [--repeats 3]
        [--backend both|sqlite|postgres] [--pg-url postgres://postgres@127.0.0.1:5432/fahuo_bench]
        [--out bench/results/tracking.json]

Per backend, in a child process with its own settings: a fresh database (PostgreSQL: the bench
database is dropped and created; SQLite: a file in a temporary directory), migrations, then
``--rows`` active Track rows, one printed order each and 2% extra unshipped orders, bulk-loaded
(COPY on PostgreSQL, executemany on SQLite) in a realistic mix of states: most parcels moving with
fresh traces, ~2% awaiting pickup, ~3% stalled (some bound for remote provinces), exceptions,
refusals, returns, late parcels, lockers with door delivery asked. ``VACUUM ANALYZE`` (SQLite:
``ANALYZE``) runs after the load, as autovacuum would have on a live table. Then, ``--repeats``
times (the alert table emptied in between):

* ``sweep_first_s`` — every rule once with no alert yet (opens all of them, ~8% of the parcels:
  the cold start after an install or a long outage);
* ``sweep_steady_s`` — the same sweep again (nothing new: the every-five-minutes case);

(best and median of the repeats are reported; the machine is shared, so the runs are listed.) Then:

* ``sweep_after_changes_s`` — after 1% of the parcels moved on (resolves their alerts);
* ingestion — ``--events`` new trace events through ``ingest_events`` in pushes of 1,000, each
  push in its own transaction, in two shapes: ``trace`` (200 parcels × 5 new lines per push, how
  providers batch; this is ``ingest_events_per_s``) and ``spread`` (1,000 parcels × 1 line: every
  event moves a parcel); each pushed again to time duplicates.

Targets: the periodic sweep (steady, after changes) under 5 s on both backends — the cold first
sweep is reported beside it (``sweep_first_ok``); ingestion (``trace`` shape) at least 5,000
events/s.
Prints the machine and writes bench/results/tracking.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_batch import machine as bench_machine  # noqa: E402

TARGET_SWEEP_S = 5.0
TARGET_EVENTS_PER_S = 5000
CHUNK = 50_000
PG_URL = "postgres://postgres@127.0.0.1:5432/fahuo_bench"
REMOTE = ["新疆维吾尔自治区", "西藏自治区", "青海省", "内蒙古自治区"]
PROVINCES = [
    "浙江省",
    "广东省",
    "江苏省",
    "上海市",
    "北京市",
    "四川省",
    "山东省",
    "河南省",
    "湖北省",
    "福建省",
]
CARRIERS = ["ZTO", "YTO", "YD", "STO", "SF", "JTSD"]


def machine() -> dict[str, Any]:
    import sqlite3

    return {**bench_machine(), "sqlite": sqlite3.sqlite_version}


# --- the child: one backend ------------------------------------------------------------------------


def _setup(backend: str, pg_url: str, data_dir: str) -> None:
    os.environ["FAHUO_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "fahuo.settings"
    if backend == "postgres":
        import psycopg

        base, _, name = pg_url.rpartition("/")
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["FAHUO_DATABASE_URL"] = pg_url
    else:
        os.environ.pop("FAHUO_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _drop(backend: str, pg_url: str) -> None:
    if backend != "postgres":
        return
    from django.db import connections

    connections.close_all()
    import psycopg

    base, _, name = pg_url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Loader:
    """Bulk rows into one model's table: every column from a template instance, some overridden."""

    def __init__(self, model: Any, template: Any) -> None:
        from django.db import connection

        self.connection = connection
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.columns = [f.column for f in self.fields]
        # pre_save fills auto_now/auto_now_add columns the database has no default for.
        self.base = [f.get_db_prep_save(f.pre_save(template, True), connection) for f in self.fields]
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        self.pg = connection.vendor == "postgresql"

    def value(self, v: Any) -> Any:
        if isinstance(v, dt.datetime) and not self.pg:
            return self.connection.ops.adapt_datetimefield_value(v)
        return v

    def rows(self, overrides: Iterator[dict[str, Any]]) -> Iterator[list[Any]]:
        for o in overrides:
            row = list(self.base)
            for k, v in o.items():
                row[self.index[k]] = self.value(v)
            yield row

    def load(self, overrides: Iterator[dict[str, Any]]) -> int:
        from django.db import transaction

        with transaction.atomic():  # one transaction: SQLite would otherwise commit every row
            return self._load(overrides)

    def _load(self, overrides: Iterator[dict[str, Any]]) -> int:
        table = self.model._meta.db_table
        cols = ", ".join(f'"{c}"' for c in self.columns)
        n = 0
        with self.connection.cursor() as cursor:
            if self.pg:
                raw = cursor.cursor
                with raw.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                    for row in self.rows(overrides):
                        copy.write_row(row)
                        n += 1
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                sql = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'
                batch: list[list[Any]] = []
                for row in self.rows(overrides):
                    batch.append(row)
                    if len(batch) >= CHUNK:
                        cursor.executemany(sql, batch)
                        n += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    n += len(batch)
        return n


def _track_state(i: int, rnd: random.Random, now: dt.datetime) -> dict[str, Any]:
    """A parcel in a realistic state (index-driven so every run loads the same data)."""

    def ago(hours: float) -> dt.datetime:
        return now - dt.timedelta(hours=hours)

    r = rnd.random()
    province = rnd.choice(REMOTE) if rnd.random() < 0.04 else rnd.choice(PROVINCES)
    issued = ago(rnd.uniform(8, 60))
    s: dict[str, Any] = {
        "tracking_no": f"7{i:013d}",
        "carrier_code": CARRIERS[i % len(CARRIERS)],
        "dest_province": province,
        "issued_at": issued,
        "promised_hours": 72,
    }
    if r < 0.02:  # awaiting pickup, half past 24 h
        s.update(status="awaiting_pickup", issued_at=ago(rnd.uniform(2, 48)), status_at=issued)
        return s
    picked = issued + dt.timedelta(hours=rnd.uniform(1, 8))
    s.update(picked_up_at=picked, due_at=picked + dt.timedelta(hours=72))
    if r < 0.05:  # stalled: picked up days ago, no trace since
        picked = ago(rnd.uniform(60, 130))
        last = picked + dt.timedelta(hours=rnd.uniform(1, 8))
        s.update(
            status="in_transit",
            picked_up_at=picked,
            last_event_at=last,
            status_at=last,
            due_at=picked + dt.timedelta(hours=96),
        )
    elif r < 0.055:
        s.update(status="exception", last_event_at=ago(2), status_at=ago(2))
    elif r < 0.057:
        s.update(status="refused", last_event_at=ago(5), status_at=ago(5))
    elif r < 0.06:
        s.update(status="returning", last_event_at=ago(8), status_at=ago(8))
    elif r < 0.07:  # late: due passed, still moving
        s.update(status="in_transit", last_event_at=ago(3), status_at=ago(3), due_at=ago(rnd.uniform(1, 20)))
    elif r < 0.075:  # in a locker; some buyers asked for door delivery
        door = rnd.random() < 0.2
        s.update(
            status="in_locker",
            last_event_at=ago(4),
            status_at=ago(4),
            signed_by_proxy=True,
            door_delivery=door,
        )
    else:
        status = rnd.choice(["in_transit", "in_transit", "in_transit", "picked_up", "out_for_delivery"])
        last = ago(rnd.uniform(0.1, 20))
        s.update(status=status, last_event_at=last, status_at=last)
    return s


def _load(rows: int, now: dt.datetime) -> dict[str, Any]:
    from django.db import connection

    from fahuo.orders.models import Order, OrderStatus, Shop
    from fahuo.tracking.models import Track

    shop = Shop.objects.create(code="bench", name="bench", default_ship_hours=48)
    started = time.perf_counter()
    orders = Loader(
        Order,
        Order(
            shop=shop,
            platform_order_id="",
            status=OrderStatus.PRINTED,
            paid_at=now,
            ship_by=now,
            total_fen=5990,
        ),
    )
    extra = rows // 50

    def order_rows() -> Iterator[dict[str, Any]]:
        rnd = random.Random(1)
        for i in range(rows):
            paid = now - dt.timedelta(hours=100)  # printed long ago: ship-by in the past, as in real data
            yield {
                "platform_order_id": f"B{i:012d}",
                "paid_at": paid,
                "ship_by": paid + dt.timedelta(hours=48),
            }
        for i in range(extra):  # unshipped: ship-by from 10 h ago to 48 h ahead
            ship_by = now + dt.timedelta(hours=rnd.uniform(-10, 48))
            status = OrderStatus.READY if rnd.random() < 0.9 else OrderStatus.NEEDS_REVIEW
            yield {
                "platform_order_id": f"U{i:012d}",
                "status": status,
                "paid_at": ship_by - dt.timedelta(hours=48),
                "ship_by": ship_by,
            }

    orders.load(order_rows())
    first_order = Order.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    tracks = Loader(Track, Track(tracking_no="", carrier_code="", status="in_transit", active=True))

    def track_rows() -> Iterator[dict[str, Any]]:
        rnd = random.Random(2)
        for i in range(rows):
            s = _track_state(i, rnd, now)
            s["order_id"] = first_order + i
            yield s

    tracks.load(track_rows())
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # What autovacuum does to a live table: statistics, and (PostgreSQL) the visibility map and
        # hint bits, which a first scan of freshly COPYed rows would otherwise write.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {
        "load_s": round(load_s, 1),
        "analyze_s": round(time.perf_counter() - started, 1),
        "orders": rows + extra,
    }


def _timed_sweep(now: dt.datetime) -> tuple[float, Any]:
    from django.db import transaction

    from fahuo.tracking.sweep import sweep

    started = time.perf_counter()
    with transaction.atomic():
        result = sweep(now=now)
    return time.perf_counter() - started, result


def _move_on(fraction: float, now: dt.datetime) -> int:
    """Stalled and late parcels get a fresh trace (as ingestion would leave them)."""
    from fahuo.tracking.models import Track

    ids = list(
        Track.objects.filter(active=True, status="in_transit", last_event_at__lt=now - dt.timedelta(hours=48))
        .order_by("pk")
        .values_list("pk", flat=True)[: int(fraction * Track.objects.count())]
    )
    for start in range(0, len(ids), 900):
        Track.objects.filter(pk__in=ids[start : start + 900]).update(
            last_event_at=now - dt.timedelta(minutes=5)
        )
    return len(ids)


def _ingest(n_events: int, now: dt.datetime) -> dict[str, Any]:
    """Two push shapes over different parcels, each pushed twice (the second time all duplicates).

    ``trace``: a push carries 200 parcels with 5 new trace lines each (how providers batch);
    ``spread``: a push carries 1,000 parcels with one line each (every event moves a parcel: the
    most parcel updates per event).
    """
    from django.db import transaction

    from fahuo.integrations.base import TraceEvent
    from fahuo.tracking.ingest import ingest_events
    from fahuo.tracking.models import Track

    steps = ["in_transit", "in_transit", "in_transit", "out_for_delivery", "delivered"]
    picked = (
        Track.objects.filter(status="picked_up").order_by("pk").values_list("tracking_no", "carrier_code")
    )
    trace_parcels = list(picked[: n_events // 5])
    spread_parcels = list(picked[n_events // 5 : n_events // 5 + n_events])

    def event(no: str, code: str, k: int) -> TraceEvent:
        return TraceEvent(
            tracking_no=no,
            carrier_code=code,
            at=now + dt.timedelta(minutes=10 * (k + 1)),
            status=steps[k],
            provider="kdniao",
            provider_code=str(k),
            description=f"【杭州市】快件已到达【第{k}站】",
            location="杭州市",
        )

    shapes = {
        "trace": [event(no, code, k) for no, code in trace_parcels for k in range(5)],
        "spread": [event(no, code, 0) for no, code in spread_parcels],
    }
    out: dict[str, Any] = {"push_size": 1000}
    for name, events in shapes.items():
        pushes = [events[i : i + 1000] for i in range(0, len(events), 1000)]
        for run in ("new", "duplicate"):
            counted = 0
            started = time.perf_counter()
            for push in pushes:
                with transaction.atomic():
                    r = ingest_events(push)
                counted += r.accepted if run == "new" else r.duplicates
            seconds = time.perf_counter() - started
            out[f"ingest_{name}_{run}_events"] = counted
            out[f"ingest_{name}_{run}_per_s"] = round(counted / seconds)
    out["ingest_events_per_s"] = out["ingest_trace_new_per_s"]
    return out


def _reset_alerts() -> None:
    """Back to no alerts at all, for another first sweep."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE tracking_alert")
            cursor.execute("VACUUM ANALYZE tracking_alert")
        else:
            cursor.execute("DELETE FROM tracking_alert")
            cursor.execute("ANALYZE tracking_alert")


def child(backend: str, rows: int, n_events: int, pg_url: str, repeats: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="fahuo-bench-tracking-") as data_dir:
        _setup(backend, pg_url, data_dir)
        try:
            from django.db import connection

            from fahuo.tracking.models import Alert, Track

            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            out: dict[str, Any] = {"backend": backend, "rows": rows}
            out.update(_load(rows, now))
            out["active_tracks"] = Track.objects.filter(active=True).count()
            out["db_version"] = (
                connection.cursor().connection.info.server_version if backend == "postgres" else None
            )
            firsts: list[float] = []
            steadies: list[float] = []
            for attempt in range(repeats):
                if attempt:
                    _reset_alerts()
                first_s, first = _timed_sweep(now)
                steady_s, steady = _timed_sweep(now)
                firsts.append(round(first_s, 2))
                steadies.append(round(steady_s, 2))
            out["sweep_first_runs_s"] = firsts
            out["sweep_first_s"] = min(firsts)
            out["sweep_first_median_s"] = statistics.median(firsts)
            out["alerts_opened"] = first.total_created
            out["alerts_by_kind"] = dict(sorted(first.created.items()))
            out["sweep_first_seconds_by_rule"] = first.seconds
            out["sweep_steady_runs_s"] = steadies
            out["sweep_steady_s"] = min(steadies)
            out["sweep_steady_median_s"] = statistics.median(steadies)
            out["steady_opened"] = steady.total_created
            out["sweep_steady_seconds_by_rule"] = steady.seconds
            out["moved_on"] = _move_on(0.01, now)
            changed_s, changed = _timed_sweep(now)
            out["sweep_after_changes_s"] = round(changed_s, 2)
            out["resolved_after_changes"] = changed.total_resolved
            out["open_alerts"] = Alert.objects.exclude(status="resolved").count()
            out.update(_ingest(n_events, now))
            # The target is the periodic sweep (nothing or little new); the cold start is reported
            # beside it.
            out["sweep_ok"] = max(out["sweep_steady_median_s"], changed_s) < TARGET_SWEEP_S
            out["sweep_first_ok"] = out["sweep_first_median_s"] < TARGET_SWEEP_S
            out["ingest_ok"] = out["ingest_events_per_s"] >= TARGET_EVENTS_PER_S
            return out
        finally:
            _drop(backend, pg_url)


# --- the parent ------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3, help="first+steady sweep pairs (best and median)")
    parser.add_argument("--backend", choices=["both", "sqlite", "postgres"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("FAHUO_BENCH_PG_URL", PG_URL))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "tracking.json")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(
            json.dumps(
                child(args.backend, args.rows, args.events, args.pg_url, args.repeats), ensure_ascii=False
            )
        )
        return 0
    backends = ["postgres", "sqlite"] if args.backend == "both" else [args.backend]
    results: dict[str, Any] = {}
    load_before = round(os.getloadavg()[0], 2)
    for backend in backends:
        cmd = [sys.executable, __file__, "--child", "--backend", backend, "--rows", str(args.rows)]
        cmd += ["--events", str(args.events), "--pg-url", args.pg_url, "--repeats", str(args.repeats)]
        print(f"[{backend}] loading {args.rows:,} parcels and sweeping …", flush=True)
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            return done.returncode
        r = json.loads(done.stdout.strip().splitlines()[-1])
        results[backend] = r
        print(
            f"[{backend}] load {r['load_s']} s; sweep first {r['sweep_first_runs_s']} s ({r['alerts_opened']:,} alerts), "
            f"steady {r['sweep_steady_runs_s']} s, after changes {r['sweep_after_changes_s']} s "
            f"({r['resolved_after_changes']:,} resolved); ingest events/s: trace {r['ingest_trace_new_per_s']:,} "
            f"(duplicates {r['ingest_trace_duplicate_per_s']:,}), spread {r['ingest_spread_new_per_s']:,} "
            f"(duplicates {r['ingest_spread_duplicate_per_s']:,})",
            flush=True,
        )
    report = {
        "results": results,
        "targets": {"sweep_s": TARGET_SWEEP_S, "ingest_events_per_s": TARGET_EVENTS_PER_S},
        "machine": {**machine(), "load_avg_1m_before": load_before},
        "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "command": "python bench/bench_tracking.py " + " ".join(a for a in (argv or sys.argv[1:])),
    }
    print(json.dumps(report["machine"], ensure_ascii=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0 if all(r["sweep_ok"] and r["ingest_ok"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
