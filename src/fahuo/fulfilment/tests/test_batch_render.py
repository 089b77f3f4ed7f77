"""A batch's labels are drawn in parts by worker processes while its waybills are issued, and come
out as one PDF with one page per order in packing (seq) order — also after a resumed run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from fahuo.fulfilment.batches import render as batch_render
from fahuo.fulfilment.batches import worker as batch_worker
from fahuo.fulfilment.batches.services import create_batch, run_batch
from fahuo.fulfilment.models import BatchStatus, PrintBatch, PrintBatchItem, Waybill
from fahuo.fulfilment.tests import batch_helpers as h
from fahuo.fulfilment.tests.batch_helpers import make_order, pdf_pages, pdf_text, sku

output_dir = h.output_dir  # fixture


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: nothing in fahuo catches it."""


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of 4 labels, drawn by 2 pool processes, so a dozen orders make several parts."""
    monkeypatch.setattr(batch_render, "RENDER_PART", 4)
    monkeypatch.setenv("FAHUO_RENDER_PROCESSES", "2")


def numbers_in_seq_order(batch: PrintBatch) -> list[str]:
    order_ids = PrintBatchItem.objects.filter(batch=batch).order_by("seq").values_list("order_id", flat=True)
    by_order = dict(Waybill.objects.values_list("parcel__order_id", "tracking_no"))
    return [by_order[i] for i in order_ids]


def assert_one_page_per_order_in_seq_order(batch: PrintBatch) -> None:
    batch.refresh_from_db()
    assert (batch.status, batch.issued, batch.failed) == (BatchStatus.DONE, batch.total, 0)
    pdf = Path(settings.FAHUO_OUTPUT_DIR) / batch.pdf_path
    assert pdf_pages(pdf) == batch.total
    text = pdf_text(pdf)
    numbers = numbers_in_seq_order(batch)
    assert len(set(numbers)) == batch.total
    positions = [text.index(n) for n in numbers]
    assert positions == sorted(positions)
    # nothing but the batch's one PDF is left behind (no part files)
    assert sorted(p.name for p in pdf.parent.iterdir()) == [pdf.name]


@pytest.mark.django_db
def test_a_batch_drawn_in_parts_by_pool_processes_is_one_pdf_in_seq_order(
    shop: Any, small_parts: None
) -> None:
    mask, soap = sku("MASK"), sku("SOAP")
    orders = [make_order(shop, [(soap if i % 3 else mask, 1)]) for i in range(11)]
    [batch] = create_batch(orders=orders, enqueue=False)
    drawn_in: list[int] = []
    real = batch_render._shared_pool

    def spy(processes: int) -> Any:
        drawn_in.append(processes)
        return real(processes)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(batch_render, "_shared_pool", spy)
        run_batch(batch_id=batch.pk, chunk=3)
    assert drawn_in and set(drawn_in) == {2}  # parts went to the pool while issuing
    assert_one_page_per_order_in_seq_order(batch)


@pytest.mark.django_db
def test_a_run_killed_after_some_parts_were_drawn_resumes_with_every_page_once_in_order(
    shop: Any, small_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    orders = [make_order(shop) for _ in range(13)]
    [batch] = create_batch(orders=orders, enqueue=False)
    real_record = batch_worker._record_chunk
    calls = {"n": 0}

    def record_then_die(*args: Any, **kwargs: Any) -> bool:
        calls["n"] += 1
        if calls["n"] == 4:  # chunks 1-3 recorded (and partly drawn), chunk 4 issued but not saved
            raise WorkerKilled
        return real_record(*args, **kwargs)

    monkeypatch.setattr(batch_worker, "_record_chunk", record_then_die)
    with pytest.raises(WorkerKilled):
        run_batch(batch_id=batch.pk, chunk=3)
    batch.refresh_from_db()
    assert batch.issued == 9 and not batch.pdf_path
    monkeypatch.setattr(batch_worker, "_record_chunk", real_record)
    run_batch(batch_id=batch.pk, chunk=3)
    assert Waybill.objects.count() == 13
    assert_one_page_per_order_in_seq_order(batch)


@pytest.mark.django_db
def test_without_pool_processes_the_parts_are_drawn_in_the_job(
    shop: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_render, "RENDER_PART", 4)
    monkeypatch.setenv("FAHUO_RENDER_PROCESSES", "0")  # as in a Huey process worker (a daemon)

    def no_pool(processes: int) -> Any:
        raise AssertionError("no pool without processes")

    monkeypatch.setattr(batch_render, "_shared_pool", no_pool)
    orders = [make_order(shop) for _ in range(9)]
    [batch] = create_batch(orders=orders, enqueue=False)
    run_batch(batch_id=batch.pk, chunk=2)
    assert_one_page_per_order_in_seq_order(batch)
