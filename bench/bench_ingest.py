"""Order ingest while the desk keeps answering (issue #12 finding 7, issue #18 ingest).

Against a real ``fahuo serve`` (gunicorn) and ``fahuo worker`` on a fresh data dir:

1. idle: latencies of a signed Kdniao tracking push (``/hooks/kdniao``) and of ``POST /api/orders``
   (one order) — the baseline;
2. a generated 抖店 export of N orders uploaded through ``POST /api/imports`` and worked by the worker
   in chunks, while the same two writers keep writing: import wall time, orders/s, and the two
   latencies (p50/p95/max) plus every non-2xx answer ("database is locked" before the fix);
3. optionally (``--cli``) the same with ``fahuo import orders`` (inline, same chunks);
4. ingest through ``POST /api/orders`` in batches of 1,000 (orders/s);
5. ingest through signed 抖店 pushes (tag 101 paid messages carrying receiver and items, 50 per push).

Prints its figures and the machine; writes bench/results/ingest.json (or ``--out``).

    .venv/bin/python bench/bench_ingest.py [--orders 20000] [--api-orders 10000] [--push-orders 5000]
        [--db sqlite|postgres] [--redis URL] [--cli] [--only push|api|import] [--label L]

``--only push`` times just the 抖店 pushes (and ``--only api`` just the API batches): a quick
before/after of one path. The push and API phases also record the CPU seconds the server's
processes spent (``server_cpu_s``), which the machine's load does not inflate as it does the wall.

``--db postgres`` uses FAHUO_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/fahuo_ingest),
dropped and recreated.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_batch import machine  # noqa: E402
from fahuo.orders.tests.douyin_files import Line, Order, export_rows, to_csv  # noqa: E402
from fahuo.orders.tests.import_world import (  # noqa: E402
    api_order,
    douyin_paid_messages,
    douyin_push,
    kdniao_push_form,
)

PY = sys.executable
SHANGHAI = ZoneInfo("Asia/Shanghai")
REGIONS = [
    ("浙江省", "杭州市", "余杭区", "仓前街道", "文一西路{n}号"),
    ("广东省", "深圳市", "南山区", "粤海街道", "科技园南路{n}号"),
    ("江苏省", "南京市", "鼓楼区", "宁海路街道", "北京西路{n}号"),
    ("四川省", "成都市", "武侯区", "浆洗街街道", "一环路南四段{n}号"),
    ("北京市", "北京市", "朝阳区", "望京街道", "阜通东大街{n}号"),
]
SKUS = [
    ("SKU-NG500", "手工牛轧糖", "39.90"),
    ("MASK-10", "补水面膜", "59.90"),
    ("TEA-250", "龙井茶", "128.00"),
]


def generate(n: int, seed: int = 7) -> list[Order]:
    """A fresh stream's export: paid in the last hour, 48 h to ship (overdue orders would make the
    alert sweep raise one alert per order — a different benchmark)."""
    rng = random.Random(seed)
    now = datetime.now(SHANGHAI)
    paid = (now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    promised = (now + timedelta(hours=47)).strftime("%Y-%m-%d %H:%M:%S")
    orders = []
    for i in range(n):
        oid = f"6926{seed:02d}{i:010d}"
        province, city, district, street, detail = rng.choice(REGIONS)
        lines = []
        for k in range(1 if rng.random() < 0.6 else 2):
            sku, title, price = rng.choice(SKUS)
            lines.append(
                Line(sub_id=f"{oid}{k + 1}", sku=sku, title=title, price=price, qty=rng.randint(1, 2))
            )
        orders.append(
            Order(
                order_id=oid,
                lines=lines,
                name=rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(["小明", "晓雨", "建国", "芳", "静"]),
                phone=f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}",
                province=province,
                city=city,
                district=district,
                street=street,
                detail=detail.format(n=rng.randint(1, 999)),
                paid=paid,
                promised=promised,
            )
        )
    return orders


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float | int]:
    return {
        "n": len(values),
        "p50_ms": round(pct(values, 0.5) * 1000, 1),
        "p95_ms": round(pct(values, 0.95) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1) if values else 0.0,
    }


class Writers:
    """Two writers a desk has while it imports: a carrier's tracking push and an API order, in turn."""

    def __init__(self, base: str, token: str, tag: str) -> None:
        self.base, self.token, self.tag = base, token, tag
        self.push: list[float] = []
        self.api: list[float] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Writers:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        n = 0
        with httpx.Client(base_url=self.base, timeout=120) as http:
            while not self._stop.is_set():
                n += 1
                began = time.perf_counter()
                r = http.post("/hooks/kdniao", data=kdniao_push_form(f"73{self.tag}{n:09d}"))
                self.push.append(time.perf_counter() - began)
                if r.status_code != 200:
                    self.errors.append(f"push {r.status_code} {r.text[:120]}")
                began = time.perf_counter()
                r = http.post(
                    "/api/orders",
                    json={"shop": "live", "orders": [api_order(f"W-{self.tag}-{n:06d}")]},
                    headers={"Authorization": f"Bearer {self.token}"},
                )
                self.api.append(time.perf_counter() - began)
                if r.status_code != 200:
                    self.errors.append(f"api {r.status_code} {r.text[:120]}")
                self._stop.wait(0.2)

    def result(self) -> dict[str, Any]:
        return {
            "push": summary(self.push),
            "api_order": summary(self.api),
            "errors": self.errors[:20],
            "error_count": len(self.errors),
        }


def fahuo(env: dict[str, str], *args: str, module: str = "fahuo.cli") -> str:
    proc = subprocess.run([PY, "-m", module, *args], env=env, capture_output=True, text=True, timeout=1800)
    if proc.returncode:
        raise SystemExit(f"fahuo {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its living children, from /proc."""
    total, todo = 0.0, [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (OSError, IndexError, ValueError):
            continue
        todo.extend(int(c) for c in children)
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(env: dict[str, str], *args: str, log: Path | None = None) -> subprocess.Popen[bytes]:
    out = log.open("wb") if log else subprocess.DEVNULL
    return subprocess.Popen([PY, "-m", "fahuo.cli", *args], env=env, stdout=out, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{base}/login/", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("fahuo serve did not start")
        time.sleep(0.3)


def import_through_api(base: str, token: str, path: Path) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=600, headers=headers) as http:
        began = time.perf_counter()
        with path.open("rb") as f:
            r = http.post("/api/imports", data={"shop": "live"}, files={"file": (path.name, f, "text/csv")})
        if r.status_code != 202:
            raise SystemExit(f"POST /api/imports: {r.status_code} {r.text[:500]}")
        staged = time.perf_counter() - began
        run = r.json()
        while run["state"] in ("queued", "running"):
            time.sleep(0.5)
            run = http.get(f"/api/imports/{run['id']}").json()
        wall = time.perf_counter() - began
    return {
        "upload_and_check_s": round(staged, 2),
        "wall_s": round(wall, 2),
        "state": run["state"],
        "created": run["created"],
        "duplicates": run["duplicates"],
        "needs_review": run["needs_review"],
        "orders_per_s": round(run["orders_done"] / wall, 1) if wall else 0,
    }


def import_through_cli(env: dict[str, str], path: Path) -> dict[str, Any]:
    began = time.perf_counter()
    proc = subprocess.run(
        [PY, "-m", "fahuo.cli", "import", "orders", str(path), "--shop", "live", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    wall = time.perf_counter() - began
    if proc.returncode:
        return {"wall_s": round(wall, 2), "failed": proc.stderr.strip().splitlines()[-1][:300]}
    report = json.loads(proc.stdout)
    return {
        "wall_s": round(wall, 2),
        "created": report["orders_created"],
        "orders_per_s": round(report["orders_created"] / wall, 1),
    }


def api_batches(base: str, token: str, n: int, server: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    created = 0
    failures: list[str] = []
    cpu, began = tree_cpu(server), time.perf_counter()
    with httpx.Client(base_url=base, timeout=600, headers=headers) as http:
        for start_at in range(0, n, 1000):
            batch = [api_order(f"B-{i:07d}") for i in range(start_at, min(n, start_at + 1000))]
            r = http.post("/api/orders", json={"shop": "live", "orders": batch})
            if r.status_code != 200:
                failures.append(f"{r.status_code} {r.text[:200]}")
                continue
            created += r.json()["created"]
    wall = time.perf_counter() - began
    return {
        "orders": n,
        "created": created,
        "batch": 1000,
        "wall_s": round(wall, 2),
        "server_cpu_s": round(tree_cpu(server) - cpu, 2),
        "orders_per_s": round(created / wall, 1),
        "failed_batches": failures,
    }


def douyin_pushes(base: str, n: int, server: int, per_push: int = 50) -> dict[str, Any]:
    bodies = [douyin_push(douyin_paid_messages(f, min(per_push, n - f))) for f in range(0, n, per_push)]
    cpu, began = tree_cpu(server), time.perf_counter()
    with httpx.Client(base_url=base, timeout=600) as http:
        for body, headers in bodies:
            r = http.post("/hooks/douyin", content=body, headers=headers)
            if r.status_code != 200:
                raise SystemExit(f"/hooks/douyin: {r.status_code} {r.text[:500]}")
    wall = time.perf_counter() - began
    return {
        "orders": n,
        "messages_per_push": per_push,
        "wall_s": round(wall, 2),
        "server_cpu_s": round(tree_cpu(server) - cpu, 2),
        "orders_per_s": round(n / wall, 1),
    }


def count_orders(env: dict[str, str], source: str) -> int:
    code = (
        "import django,json;django.setup();from fahuo.orders.models import Order;"
        f"print(Order.objects.filter(source={source!r}).count())"
    )
    proc = subprocess.run(
        [PY, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "fahuo.settings"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return int(proc.stdout.strip() or -1)


def database(args: argparse.Namespace, env: dict[str, str]) -> str:
    if args.db != "postgres":
        env.pop("FAHUO_DATABASE_URL", None)
        return "sqlite"
    import psycopg

    url = os.environ.get("FAHUO_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/fahuo_ingest"
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env["FAHUO_DATABASE_URL"] = url
    return "postgresql"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--orders", type=int, default=20_000, help="orders in the imported export (default 20,000)"
    )
    parser.add_argument("--api-orders", type=int, default=10_000, help="orders sent through POST /api/orders")
    parser.add_argument("--push-orders", type=int, default=5_000, help="orders sent as 抖店 paid messages")
    parser.add_argument("--idle-s", type=float, default=8.0, help="seconds of baseline latencies")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--redis", default="", help="Huey on Redis (FAHUO_REDIS_URL)")
    parser.add_argument(
        "--cli", action="store_true", help="also time `fahuo import orders` under the same load"
    )
    parser.add_argument("--only", choices=["import", "api", "push"], default="", help="time one path only")
    parser.add_argument("--label", default="", help="a name for this run in the result file name")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    phases = {args.only} if args.only else {"import", "api", "push"}

    data = Path(tempfile.mkdtemp(prefix="fahuo-bench-ingest-"))
    env = {
        **os.environ,
        "FAHUO_DATA_DIR": str(data),
        "FAHUO_HUEY_IMMEDIATE": "0",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("FAHUO_REDIS_URL", None)
    if args.redis:
        env["FAHUO_REDIS_URL"] = args.redis
        env["FAHUO_HUEY_NAME"] = f"fahuo-ingest-{os.getpid()}"
    backend = database(args, env)
    load_start = round(os.getloadavg()[0], 2)
    fahuo(env, "manage", "migrate", "-v0")
    token = json.loads(fahuo(env, "setup", module="fahuo.orders.tests.import_world"))["token"]
    export = data / "1765000000_订单导出.csv"
    lines = 0
    if "import" in phases:
        export.write_bytes(to_csv(export_rows(generate(args.orders, seed=7))))
        lines = export.read_bytes().count(b"\n") - 1
        size = export.stat().st_size / 1e6
        print(f"{args.orders} orders ({lines} lines, {size:.1f} MB) on {backend}", flush=True)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start(env, "serve", "--skip-migrate", "--port", str(port), "--workers", "2")
    worker = start(env, "worker", "--workers", "1", log=data / "worker.log")
    results: dict[str, Any] = {}
    try:
        wait_up(base, server)
        if "import" in phases:
            results.update(imports(args, env, base, token, export))
        if "api" in phases:
            results["api_batches"] = api_batches(base, token, args.api_orders, server.pid)
            print("POST /api/orders x1000:", json.dumps(results["api_batches"]), flush=True)
        if "push" in phases:
            results["douyin_push"] = douyin_pushes(base, args.push_orders, server.pid)
            print("抖店 pushes:", json.dumps(results["douyin_push"]), flush=True)
    finally:
        stop(worker)
        stop(server)
    if "push" in phases:
        results["douyin_push"]["created"] = count_orders(env, "push")
    out = {
        "benchmark": "ingest",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": backend,
        "queue": "redis" if args.redis else "sqlite",
        "orders": args.orders if "import" in phases else 0,
        "lines": lines,
        "chunk": int(os.environ.get("FAHUO_IMPORT_CHUNK") or 500),
        "machine": machine(),
        **results,
    }
    out["machine"]["load_avg_1m_start"] = load_start
    name = f"ingest_{backend}_{args.only or args.orders}{'_' + args.label if args.label else ''}.json"
    path = Path(args.out) if args.out else ROOT / "bench" / "results" / name
    path.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    print(f"machine: {json.dumps(out['machine'], ensure_ascii=False)}")
    print(f"wrote {path} (worker log: {data / 'worker.log'})")
    during_errors = results.get("import_api", {}).get("writers", {}).get("error_count", 0)
    return 1 if during_errors else 0


def imports(
    args: argparse.Namespace, env: dict[str, str], base: str, token: str, export: Path
) -> dict[str, Any]:
    """The idle baseline, then the export imported through the desk's path (and the CLI's) while
    the two writers keep writing."""
    results: dict[str, Any] = {}
    with Writers(base, token, "01") as idle:
        time.sleep(args.idle_s)
    results["idle"] = idle.result()
    print("idle:", json.dumps(results["idle"], ensure_ascii=False), flush=True)
    with Writers(base, token, "02") as during:
        results["import_api"] = import_through_api(base, token, export)
    results["import_api"]["writers"] = during.result()
    print("import via POST /api/imports + worker:", json.dumps(results["import_api"], ensure_ascii=False))
    if args.cli:
        second = export.with_name("1765000001_订单导出.csv")
        second.write_bytes(to_csv(export_rows(generate(args.orders, seed=8))))
        with Writers(base, token, "03") as during_cli:
            results["import_cli"] = import_through_cli(env, second)
        results["import_cli"]["writers"] = during_cli.result()
        print("import via fahuo import orders:", json.dumps(results["import_cli"], ensure_ascii=False))
    return results


if __name__ == "__main__":
    sys.exit(main())
