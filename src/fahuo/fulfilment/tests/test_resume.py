"""Crash safety: a batch interrupted half-way resumes without issuing any waybill twice or losing one."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from fahuo.carriers.models import Carrier
from fahuo.fulfilment import services as services_module
from fahuo.fulfilment.batches import worker as batch_worker
from fahuo.fulfilment.batches.services import (
    claim_batch,
    create_batch,
    holder_alive,
    resume_batch,
    resume_interrupted,
    run_batch,
)
from fahuo.fulfilment.models import BatchItemStatus, BatchStatus, PrintBatch, PrintBatchItem, Waybill
from fahuo.fulfilment.tests import batch_helpers as h
from fahuo.fulfilment.tests.batch_helpers import make_order, pdf_pages, sku
from fahuo.integrations.kdniao.simulator import KdniaoSimulator
from fahuo.kit.errors import Conflict
from fahuo.orders.models import Order, OrderStatus

output_dir, kdniao_sim, kdniao_url, zto = h.output_dir, h.kdniao_sim, h.kdniao_url, h.zto  # fixtures


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: nothing in fahuo catches it, so no cleanup runs."""


def assert_issued_exactly_once(batch: PrintBatch, sim: KdniaoSimulator | None = None) -> None:
    items = PrintBatchItem.objects.filter(batch=batch)
    assert set(items.values_list("status", flat=True)) == {BatchItemStatus.ISSUED}
    numbers = list(Waybill.objects.values_list("tracking_no", flat=True))
    assert len(numbers) == len(set(numbers)) == items.count()
    assert Waybill.objects.filter(print_count=1).count() == items.count()
    if sim is not None:
        # every number the provider handed out is one of ours: nothing issued twice, none lost
        issued = {str(x.order["LogisticCode"]) for x in sim._active.values()}
        assert issued == set(numbers)
    batch.refresh_from_db()
    assert (batch.status, batch.issued, batch.failed) == (BatchStatus.DONE, items.count(), 0)
    assert pdf_pages(Path(settings.FAHUO_OUTPUT_DIR) / batch.pdf_path) == items.count()


@pytest.mark.django_db
def test_killed_after_the_provider_answered_but_before_saving_resumes_with_the_same_numbers(
    shop: Any, zto: Carrier, kdniao_sim: KdniaoSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    cup = sku("CUP")
    orders = [make_order(shop, [(cup, 1)], carrier=zto) for _ in range(10)]
    [batch] = create_batch(orders=orders, enqueue=False)
    real_record = services_module._record
    calls = Counter[str]()

    def record_then_die(*args: Any, **kwargs: Any) -> None:
        calls["record"] += 1
        if calls["record"] == 2:  # the provider issued chunk 2; the worker dies before it is saved
            raise WorkerKilled
        real_record(*args, **kwargs)

    monkeypatch.setattr(services_module, "_record", record_then_die)
    with pytest.raises(WorkerKilled):
        run_batch(batch_id=batch.pk, chunk=4)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RUNNING and batch.issued == 4  # left as the crash left it
    # The provider issued chunks 1–3 (chunk 3 was sent while chunk 2 was being recorded); we hold 4.
    assert len(kdniao_sim._active) == 10 and Waybill.objects.count() == 4

    monkeypatch.setattr(services_module, "_record", real_record)
    resumed = run_batch(batch_id=batch.pk, chunk=4)
    assert resumed is not None
    assert_issued_exactly_once(batch, kdniao_sim)
    calls = Counter(c.order_code for c in kdniao_sim.calls if c.request_type == "1007")
    assert sum(calls.values()) == 16  # 4 + 4 + 2, then the 6 unsaved ones again (answered 106)
    assert sorted(calls.values()) == [1] * 4 + [2] * 6
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.PRINTED}


@pytest.mark.django_db
def test_killed_while_rendering_the_pdf_resumes_and_counts_one_print(
    shop: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    orders = [make_order(shop) for _ in range(5)]
    [batch] = create_batch(orders=orders, enqueue=False)
    real_load = batch_worker.load_labels

    def die(**kwargs: Any) -> Any:
        raise WorkerKilled

    monkeypatch.setattr(batch_worker, "load_labels", die)
    with pytest.raises(WorkerKilled):
        run_batch(batch_id=batch.pk)
    assert Order.objects.filter(status=OrderStatus.READY).count() == 5  # not printed yet
    monkeypatch.setattr(batch_worker, "load_labels", real_load)
    run_batch(batch_id=batch.pk)
    assert_issued_exactly_once(batch)


@pytest.mark.django_db
def test_an_unexpected_error_marks_the_batch_failed_and_resume_completes_it(
    shop: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    orders = [make_order(shop) for _ in range(6)]
    [batch] = create_batch(orders=orders, enqueue=False)
    real_plan = batch_worker.plan_issue
    calls = Counter[str]()

    def flaky(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:  # planning chunk 3, after chunk 1 was recorded (chunk 2 is in flight)
            raise RuntimeError("disk full")
        return real_plan(**kwargs)

    monkeypatch.setattr(batch_worker, "plan_issue", flaky)
    with pytest.raises(RuntimeError):
        run_batch(batch_id=batch.pk, chunk=2)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and "RuntimeError" in batch.error and batch.issued == 2
    resume_batch(batch_id=batch.pk)  # queued; the worker (inline under pytest) needs the commit
    assert PrintBatch.objects.get(pk=batch.pk).status == BatchStatus.QUEUED
    run_batch(batch_id=batch.pk, chunk=2)
    assert_issued_exactly_once(batch)


@pytest.mark.django_db
def test_network_down_leaves_the_chunk_pending_fails_the_batch_and_resume_completes(
    shop: Any, zto: Carrier, kdniao_sim: KdniaoSimulator
) -> None:
    from fahuo.carriers.models import ProviderAccount
    from fahuo.integrations.simserver import serve

    cup = sku("CUP")
    orders = [make_order(shop, [(cup, 1)], carrier=zto) for _ in range(6)]
    [batch] = create_batch(orders=orders, enqueue=False)
    network = {"down": False}

    def flaky_network(environ: Any, start_response: Any) -> Any:
        # After the first two waybills the line goes down: every request answers 503.
        if network["down"] or len(kdniao_sim.calls) >= 2:
            network["down"] = True
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"down"]
        return kdniao_sim(environ, start_response)

    with serve(flaky_network) as url:
        ProviderAccount.objects.filter(provider="kdniao").update(base_url=url)
        failed = run_batch(batch_id=batch.pk, chunk=2)
    assert failed is not None and failed.status == BatchStatus.FAILED
    assert "快递鸟接口暂时不可用" in failed.error
    assert failed.issued == 2 and failed.failed == 0
    assert PrintBatchItem.objects.filter(batch=batch, status=BatchItemStatus.PENDING).count() == 4
    # The network is back (the simulator itself again) and the batch resumes.
    resume_batch(batch_id=batch.pk)
    with serve(kdniao_sim) as url:
        ProviderAccount.objects.filter(provider="kdniao").update(base_url=url)
        run_batch(batch_id=batch.pk, chunk=2)
    assert_issued_exactly_once(batch, kdniao_sim)


@pytest.mark.django_db
def test_a_batch_a_live_worker_holds_is_not_taken_or_resumed(shop: Any) -> None:
    [batch] = create_batch(orders=[make_order(shop)], enqueue=False)
    holding = threading.Event()
    release = threading.Event()
    holder: dict[str, str] = {}

    def hold() -> None:  # a worker thread busy with the batch
        holder["id"] = batch_worker.worker_id()
        holding.set()
        release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        holding.wait(10)
        PrintBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.RUNNING, worker=holder["id"], heartbeat_at=timezone.now()
        )
        batch.refresh_from_db()
        assert holder_alive(batch)
        assert claim_batch(batch_id=batch.pk) is None
        with pytest.raises(Conflict):
            resume_batch(batch_id=batch.pk)
        assert resume_interrupted() == []
    finally:
        release.set()
        thread.join()
    batch.refresh_from_db()
    assert not holder_alive(batch)  # that thread is gone


@pytest.mark.django_db
def test_a_batch_left_running_by_a_dead_process_is_queued_again_at_worker_start(shop: Any) -> None:
    [batch] = create_batch(orders=[make_order(shop) for _ in range(2)], enqueue=False)
    dead_pid = _dead_pid()
    PrintBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING,
        worker=f"{socket.gethostname()[:50]}:{dead_pid}:1",
        heartbeat_at=timezone.now(),
    )
    batch.refresh_from_db()
    assert not holder_alive(batch)
    assert resume_interrupted() == [batch.pk]
    assert PrintBatch.objects.get(pk=batch.pk).status == BatchStatus.QUEUED
    run_batch(batch_id=batch.pk)
    assert_issued_exactly_once(batch)


@pytest.mark.django_db
def test_a_running_batch_on_another_host_counts_as_alive_until_its_heartbeat_is_stale(shop: Any) -> None:
    [batch] = create_batch(orders=[make_order(shop)], enqueue=False)
    batch.status, batch.worker = BatchStatus.RUNNING, "other-host:123:1"
    batch.heartbeat_at = timezone.now()
    assert holder_alive(batch)
    batch.heartbeat_at = timezone.now() - batch_worker.LEASE * 2
    assert not holder_alive(batch)


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


# --- the real thing: SIGKILL the worker process mid-batch -------------------------------------------

SETUP_SCRIPT = """
import json, sys
import django
django.setup()
from fahuo.carriers.models import Carrier, ProviderAccount
from fahuo.fulfilment.batches.services import create_batch
from fahuo.inventory.models import Warehouse
from fahuo.orders.models import Order
url, ebid, key = sys.argv[1:4]
Carrier.objects.exclude(code="SANDBOX").update(provider="kdniao")
ProviderAccount.objects.create(provider="kdniao", name="kdniao sim", base_url=url, credentials=json.dumps(
    {"ebusiness_id": ebid, "app_key": key, "customer_name": "ZT-HZ-0001", "customer_pwd": "pw",
     "concurrency": 2}))
ready = Order.objects.filter(status="ready")
ready.update(warehouse=Warehouse.objects.get(code="HZ"), carrier=Carrier.objects.get(code="ZTO"))
[batch] = create_batch(orders=ready, name="kill test")
print(json.dumps({"batch": batch.pk, "total": batch.total}))
"""


def _delayed(app: Any, seconds: float) -> Any:
    def slow(environ: Any, start_response: Any) -> Any:
        time.sleep(seconds)  # a provider ~20 ms away, so the batch takes long enough to be killed
        return app(environ, start_response)

    return slow


def _batch_row(db: Path, batch_id: int) -> tuple[str, int, int, int]:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as con:
        row = con.execute(
            "select status, issued, failed, total from fulfilment_printbatch where id = ?", (batch_id,)
        ).fetchone()
    return tuple(row)


def _wait_for(what: str, check: Any, timeout: float, procs: list[Any]) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        for proc in procs:
            assert proc.poll() is None, f"worker exited early with {proc.returncode}"
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_killing_the_worker_mid_batch_and_restarting_it_issues_every_waybill_exactly_once(
    tmp_path: Path,
) -> None:
    from fahuo.fulfilment.tests.batch_helpers import APP_KEY, EBID
    from fahuo.integrations.simserver import serve

    data = tmp_path / "data"
    data.mkdir()
    env = {
        **os.environ,
        "FAHUO_DATA_DIR": str(data),
        "FAHUO_HUEY_IMMEDIATE": "0",
        "DJANGO_SETTINGS_MODULE": "fahuo.settings",
        "FAHUO_LOG_LEVEL": "WARNING",
    }
    for name in ("FAHUO_DATABASE_URL", "FAHUO_REDIS_URL", "FAHUO_TEST_SQLITE"):
        env.pop(name, None)  # a file-based SQLite database and SQLite Huey storage in the data dir
    bin_dir = Path(sys.executable).parent
    fahuo = str(bin_dir / "fahuo")
    db = data / "fahuo.sqlite3"

    def run(*args: str) -> str:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def worker(name: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{name}.log").open("wb")
        return subprocess.Popen([fahuo, "worker", "--workers", "2"], env=env, stdout=log, stderr=log)

    sim = KdniaoSimulator.with_accounts({EBID: APP_KEY})
    with serve(_delayed(sim, 0.02)) as url:
        run(fahuo, "manage", "migrate", "-v", "0")
        run(fahuo, "demo", "--orders", "600", "--no-serve")
        made = json.loads(
            run(sys.executable, "-c", SETUP_SCRIPT, url, EBID, APP_KEY).strip().splitlines()[-1]
        )
        batch_id, total = made["batch"], made["total"]
        assert total > 400  # a few hundred orders, three chunks

        first = worker("worker-1")
        try:
            # Kill it in the middle of the second chunk: the provider has issued numbers we have not saved.
            _wait_for("the first chunk", lambda: _batch_row(db, batch_id)[1] >= 200, 120, [first])
            _wait_for("numbers in flight", lambda: len(sim._active) >= 260, 60, [first])
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
        status, issued_at_kill, _, _ = _batch_row(db, batch_id)
        assert status == "running" and issued_at_kill < total
        assert len(sim._active) > issued_at_kill  # issued by the provider, not yet recorded by us

        second = worker("worker-2")  # its startup hook resumes the batch the dead worker left
        try:
            _wait_for("the batch to finish", lambda: _batch_row(db, batch_id)[0] == "done", 180, [second])
        finally:
            second.send_signal(signal.SIGINT)
            try:
                second.wait(20)
            except subprocess.TimeoutExpired:
                second.kill()
                second.wait()

    status, issued, failed, total = _batch_row(db, batch_id)
    assert (status, issued, failed) == ("done", total, 0)
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
        items = con.execute(
            "select status, count(*) from fulfilment_printbatchitem where batch_id = ? group by status",
            (batch_id,),
        ).fetchall()
        numbers = [
            r[0]
            for r in con.execute(
                "select w.tracking_no from fulfilment_waybill w join fulfilment_parcel p on p.id = w.parcel_id"
                " join fulfilment_printbatchitem i on i.order_id = p.order_id where i.batch_id = ?",
                (batch_id,),
            )
        ]
        all_waybills = con.execute(
            "select count(*) from fulfilment_waybill where provider = 'kdniao'"
        ).fetchone()[0]
        printed = con.execute(
            "select count(*) from orders_order o join fulfilment_printbatchitem i on i.order_id = o.id"
            " where i.batch_id = ? and o.status = 'printed'",
            (batch_id,),
        ).fetchone()[0]
        print_counts = con.execute(
            "select distinct w.print_count from fulfilment_waybill w where w.provider = 'kdniao'"
        ).fetchall()
    assert items == [("issued", total)]  # every item issued, none lost
    assert len(numbers) == len(set(numbers)) == total == all_waybills  # exactly one waybill each
    provider_numbers = {str(x.order["LogisticCode"]) for x in sim._active.values()}
    assert provider_numbers == set(numbers)  # the provider issued no number we do not hold
    asked = Counter(c.order_code for c in sim.calls if c.request_type == "1007")
    assert len(asked) == total and max(asked.values()) == 2  # the lost ones were asked again (106)
    assert printed == total and print_counts == [(1,)]
    pdfs = list((data / "output" / "batches").glob("*.pdf"))
    assert [p.name for p in pdfs] == [f"batch-{batch_id}.pdf"]
    assert pdf_pages(pdfs[0]) == total
