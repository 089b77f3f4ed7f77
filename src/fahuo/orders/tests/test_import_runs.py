"""Import runs (finding 7): chunked writes, cancel, resume after a dead worker, and the imports API."""

from __future__ import annotations

import io
import signal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from fahuo.accounts.models import ApiToken
from fahuo.orders import import_runs
from fahuo.orders.import_tasks import import_orders_task
from fahuo.orders.models import ImportBatch, ImportFile, ImportStatus, Order, Shop
from fahuo.orders.tests.douyin_files import Line, export_rows, order, to_csv

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).parent / "data" / "douyin_order_export.csv"
DEAD_WORKER = "elsewhere-host:4242:1"  # another host, no heartbeat for a long time: gone


def export(n: int, start: int = 0) -> bytes:
    return to_csv(
        export_rows(
            [order(f"69263300{i:08d}", Line(sub_id=f"69263300{i:08d}1")) for i in range(start, start + n)]
        )
    )


def run_inline(shop: Shop, data: bytes, chunk: int | None = None) -> import_runs.ImportReport:
    return import_runs.import_orders_file(
        fileobj=io.BytesIO(data), filename="orders.csv", shop=shop, chunk=chunk
    )


# --- the run --------------------------------------------------------------------------------------


def test_a_file_is_written_chunk_by_chunk_and_the_run_records_its_progress(shop: Shop) -> None:
    seen: list[int] = []
    original = import_runs._write_chunk

    def spy(batch: ImportBatch, start: int, part: Any, prepared: Any) -> None:
        original(batch, start, part, prepared)
        seen.append(ImportBatch.objects.get(pk=batch.pk).orders_done)  # committed with the chunk

    import_runs._write_chunk = spy
    try:
        report = run_inline(shop, export(7), chunk=3)
    finally:
        import_runs._write_chunk = original

    assert seen == [3, 6, 7]
    assert report.batch_id is not None
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert (batch.status, batch.orders_done, batch.orders_total, batch.orders_created) == ("done", 7, 7, 7)
    assert batch.percent == 100 and batch.finished_at is not None
    assert Order.objects.filter(import_batch=batch).count() == 7


def test_the_report_of_a_chunked_run_matches_the_file(shop: Shop) -> None:
    report = run_inline(shop, SAMPLE.read_bytes(), chunk=4)

    assert (report.orders_created, report.order_lines, report.needs_review, len(report.errors)) == (
        25,
        41,
        6,
        2,
    )
    assert len(report.held) == 6
    assert report.batch_id is not None
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert len(batch.summary["held"]) == 6 and batch.error_count == 2


def test_a_cancel_stops_before_the_next_chunk_and_a_second_import_continues(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = import_runs._write_chunk

    def then_cancel(batch: ImportBatch, start: int, part: Any, prepared: Any) -> None:
        original(batch, start, part, prepared)
        import_runs.cancel_import(batch=batch)  # the desk's button, pressed during the first chunk

    monkeypatch.setattr(import_runs, "_write_chunk", then_cancel)
    report = run_inline(shop, export(10), chunk=4)

    assert report.batch_id is not None
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert batch.status == ImportStatus.CANCELLED and "已导入的订单保留" in batch.error
    assert report.orders_created == 4 and Order.objects.count() == 4

    monkeypatch.setattr(import_runs, "_write_chunk", original)
    again = run_inline(shop, export(10))
    assert (again.orders_created, again.duplicates) == (6, 4)
    assert Order.objects.count() == 10


def test_a_run_whose_worker_died_continues_where_it_stopped(
    shop: Shop, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):  # staged, but no worker yet
        batch = import_runs.stage_import(fileobj=io.BytesIO(export(9)), filename="big.csv", shop=shop)
    # A worker claimed it, wrote the first 4 orders and died.
    run_inline(shop, export(4))
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.RUNNING, worker=DEAD_WORKER, heartbeat_at=None, orders_total=9, orders_done=4
    )
    batch.refresh_from_db()
    assert import_runs.state_of(batch) == "interrupted" and import_runs.can_resume(batch)

    with django_capture_on_commit_callbacks(execute=True):
        assert import_runs.resume_interrupted() == [batch.pk]  # the worker's start-up hook

    batch.refresh_from_db()
    assert (batch.status, batch.orders_done, batch.orders_created) == ("done", 9, 5)
    assert Order.objects.count() == 9
    assert not ImportFile.objects.exists()


def test_a_command_line_run_cut_off_is_closed_with_a_sentence(shop: Shop) -> None:
    batch = ImportBatch.objects.create(
        shop=shop, filename="a.csv", file_format="douyin", status=ImportStatus.RUNNING, worker=DEAD_WORKER
    )

    assert import_runs.resume_interrupted() == []

    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and "请重新导入同一文件" in batch.error


def test_a_ctrl_c_that_python_swallowed_still_stops_the_run_before_its_next_chunk(shop: Shop) -> None:
    """A KeyboardInterrupt raised inside a finaliser the GC runs is printed and dropped by Python;
    the remembered Ctrl-C still stops the command-line run, with the chunks already written kept."""
    chunks_written: list[int] = []
    real_write = import_runs._write_chunk
    handler_before = signal.getsignal(signal.SIGINT)  # default_int_handler; SIG_IGN in an xdist worker

    def write_then_ctrl_c_lost(batch: Any, start: int, *args: Any) -> None:
        real_write(batch, start, *args)
        chunks_written.append(start)
        try:
            signal.raise_signal(signal.SIGINT)  # the handler runs here, as it would in a finaliser
        except KeyboardInterrupt:
            pass  # ... where Python swallows it

    with import_runs.ctrl_c_remembered(), pytest.MonkeyPatch.context() as mp:
        mp.setattr(import_runs, "_write_chunk", write_then_ctrl_c_lost)
        with pytest.raises(import_runs.Interrupted) as stopped:
            run_inline(shop, export(30), chunk=10)

    assert chunks_written == [0]
    assert stopped.value.report.orders_created == 10
    assert ImportBatch.objects.get().status == ImportStatus.CANCELLED
    assert signal.getsignal(signal.SIGINT) is handler_before  # put back


def test_the_staged_file_is_stored_encrypted(shop: Shop, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        batch = import_runs.stage_import(fileobj=io.BytesIO(export(2)), filename="a.csv", shop=shop)

    stored = bytes(ImportFile.objects.get(batch=batch).data)
    assert "主订单编号".encode() not in stored and b"6926330000000000" not in stored


# --- the API --------------------------------------------------------------------------------------


@pytest.fixture
def api(operator: Any) -> Client:
    _, raw = ApiToken.issue(user=operator, name="test")
    return Client(headers={"authorization": f"Bearer {raw}"})


def _upload(api: Client, data: bytes, name: str = "orders.csv", shop: str = "demo") -> Any:
    upload = io.BytesIO(data)
    upload.name = name
    return api.post("/api/imports", {"shop": shop, "file": upload})


def test_the_api_starts_an_import_and_reports_it_when_done(
    api: Client, shop: Shop, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        started = _upload(api, SAMPLE.read_bytes())
    assert started.status_code == 202, started.content
    assert started.json()["state"] == "queued" and started.json()["rows_total"] > 0

    run = api.get(f"/api/imports/{started.json()['id']}").json()

    assert (run["state"], run["percent"], run["created"], run["needs_review"], run["rejected_rows"]) == (
        "done",
        100,
        25,
        6,
        2,
    )
    assert len(run["held"]) == 6 and len(run["errors"]) == 2 and run["errors"][0]["row"] > 1


def test_the_api_refuses_a_file_that_is_not_an_order_export_at_once(api: Client, shop: Shop) -> None:
    response = _upload(api, "名字,电话\n张三,13800000000\n".encode())

    assert response.status_code == 422 and "无法识别的表格格式" in response.json()["message"]
    assert not ImportBatch.objects.exists()


def test_a_queued_import_cancelled_through_the_api_never_runs(
    api: Client, shop: Shop, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        run_id = _upload(api, export(3)).json()["id"]

    cancelled = api.post(f"/api/imports/{run_id}/cancel")
    import_orders_task(run_id)  # the job the worker would have picked up

    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert not Order.objects.exists() and not ImportFile.objects.exists()
    assert api.post(f"/api/imports/{run_id}/cancel").status_code == 409


def test_another_shops_import_answers_404(shop: Shop, django_capture_on_commit_callbacks: Any) -> None:
    from django.contrib.auth.models import User

    from fahuo.accounts.services import add_member

    other = Shop.objects.create(code="other", name="别家店铺", platform="douyin")
    with django_capture_on_commit_callbacks(execute=False):
        theirs = import_runs.stage_import(fileobj=io.BytesIO(export(2)), filename="secret.csv", shop=other)
    member = User.objects.create_user(username="member-a", password="fahuo-test-pw")
    add_member(user=member, shop=shop, role="operator")
    _, raw = ApiToken.issue(user=User.objects.get(pk=member.pk), name="a")
    client = Client(headers={"authorization": f"Bearer {raw}"})

    assert client.get(f"/api/imports/{theirs.pk}").status_code == 404
    assert client.post(f"/api/imports/{theirs.pk}/cancel").status_code == 404
    assert _upload(client, export(1), shop="other").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ImportStatus.QUEUED and not theirs.cancel_requested


def test_a_chunk_kept_waiting_by_another_writer_is_tried_again(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    original = import_runs._write_chunk_once
    calls: list[int] = []

    def locked_once(batch: ImportBatch, start: int, part: Any, prepared: Any) -> None:
        calls.append(start)
        if len(calls) == 2:  # the second chunk meets a writer that held the database too long
            raise OperationalError("database is locked")
        original(batch, start, part, prepared)

    monkeypatch.setattr(import_runs, "_write_chunk_once", locked_once)
    monkeypatch.setattr(import_runs.time, "sleep", lambda s: None)
    report = run_inline(shop, export(6), chunk=3)

    assert calls == [0, 3, 3]
    assert report.orders_created == 6 and Order.objects.count() == 6
