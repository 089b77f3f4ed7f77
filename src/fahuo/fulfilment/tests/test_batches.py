"""Print batches (波次): grouping and packing order, the worker's run, provider errors, weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fahuo.carriers.models import Carrier
from fahuo.fulfilment.batches.services import create_batch, packing_order, run_batch
from fahuo.fulfilment.models import (
    BatchItemStatus,
    BatchStatus,
    Parcel,
    PrintBatch,
    PrintBatchItem,
    Waybill,
)
from fahuo.fulfilment.tests import batch_helpers as h
from fahuo.fulfilment.tests.batch_helpers import EBID, make_order, pdf_pages, pdf_text, sku
from fahuo.integrations.kdniao.simulator import KdniaoSimulator
from fahuo.inventory.models import Warehouse
from fahuo.orders.models import Order, OrderStatus

output_dir, kdniao_sim, kdniao_url, zto = h.output_dir, h.kdniao_sim, h.kdniao_url, h.zto  # fixtures


# --- grouping and order ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_batch_per_warehouse_and_carrier(shop: Any, warehouse: Any, sandbox_carrier: Any) -> None:
    other_wh = Warehouse.objects.create(code="GZ", name="广州仓", province="广东省", city="广州市")
    yto = Carrier.objects.create(code="YTO", name="圆通速递", provider="sandbox")
    a = [make_order(shop, carrier=sandbox_carrier, warehouse=warehouse) for _ in range(3)]
    b = [make_order(shop, carrier=yto, warehouse=warehouse) for _ in range(2)]
    c = [make_order(shop, carrier=yto, warehouse=other_wh)]
    batches = create_batch(orders=Order.objects.all(), enqueue=False)
    groups = {(x.warehouse_id, x.carrier_id): x for x in batches}
    assert set(groups) == {(warehouse.pk, sandbox_carrier.pk), (warehouse.pk, yto.pk), (other_wh.pk, yto.pk)}
    assert [x.total for x in batches] == [3, 2, 1]  # biggest first
    members = {
        key: set(PrintBatchItem.objects.filter(batch=x).values_list("order_id", flat=True))
        for key, x in groups.items()
    }
    assert members[(warehouse.pk, sandbox_carrier.pk)] == {o.pk for o in a}
    assert members[(warehouse.pk, yto.pk)] == {o.pk for o in b}
    assert members[(other_wh.pk, yto.pk)] == {o.pk for o in c}
    assert (
        "杭州仓" in groups[(warehouse.pk, yto.pk)].name and "圆通速递" in groups[(warehouse.pk, yto.pk)].name
    )


@pytest.mark.django_db
def test_single_sku_orders_come_first_grouped_by_sku_then_multi_sku_by_mix(shop: Any) -> None:
    mask, soap, cup = sku("MASK"), sku("SOAP"), sku("CUP")
    m1 = make_order(shop, [(mask, 1)])
    mix1 = make_order(shop, [(mask, 1), (soap, 1)])
    s1 = make_order(shop, [(soap, 2)])
    m2 = make_order(shop, [(mask, 3)])
    mix2 = make_order(shop, [(cup, 1), (mask, 1)])
    s2 = make_order(shop, [(soap, 1)])
    m3 = make_order(shop, [(mask, 1)])
    mix3 = make_order(shop, [(soap, 1), (mask, 2)])
    c1 = make_order(shop, [(cup, 1)])
    [batch] = create_batch(orders=Order.objects.all(), enqueue=False)
    seq = list(PrintBatchItem.objects.filter(batch=batch).order_by("seq").values_list("order_id", flat=True))
    # MASK×3 orders (smallest quantity first), SOAP×2 orders, CUP×1; then the MASK+SOAP mix (twice),
    # then MASK+CUP.
    assert seq == [m1.pk, m3.pk, m2.pk, s2.pk, s1.pk, c1.pk, mix1.pk, mix3.pk, mix2.pk]
    assert list(
        PrintBatchItem.objects.filter(batch=batch).order_by("seq").values_list("seq", flat=True)
    ) == list(range(1, 10))


def test_packing_order_keeps_orders_without_a_catalog_sku_together() -> None:
    from collections import Counter

    from fahuo.fulfilment.batches.services import _Row

    rows = [_Row(i, None, 1, None, Counter({"面膜": 1} if i % 2 else {"皂": 1})) for i in range(4)]
    assert [r.order_id for r in packing_order(rows)] == [0, 2, 1, 3]  # 皂 sorts before 面膜


@pytest.mark.django_db
def test_orders_in_an_unfinished_batch_or_not_ready_are_skipped_with_the_reason(shop: Any) -> None:
    first = [make_order(shop) for _ in range(3)]
    flagged = make_order(shop, phone="138123")
    assert flagged.status == OrderStatus.NEEDS_REVIEW
    [one] = create_batch(orders=[first[0], first[1]], enqueue=False)
    again = create_batch(orders=Order.objects.all(), enqueue=False)
    assert [b.total for b in again] == [1]
    skipped = dict(again.skipped)
    assert set(skipped) == {first[0].pk, first[1].pk, flagged.pk}
    assert one.name in skipped[first[0].pk] and "待审核" in skipped[flagged.pk]


@pytest.mark.django_db
def test_an_order_whose_item_failed_may_go_into_a_new_batch(shop: Any) -> None:
    order = make_order(shop)
    [batch] = create_batch(orders=[order], enqueue=False)
    PrintBatchItem.objects.filter(batch=batch).update(status=BatchItemStatus.FAILED, error="x")
    PrintBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED)
    assert [b.total for b in create_batch(orders=[order], enqueue=False)] == [1]


# --- running -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_run_issues_every_order_once_and_writes_one_pdf_in_seq_order(shop: Any) -> None:
    mask, soap = sku("MASK"), sku("SOAP")
    orders = [make_order(shop, [(soap if i % 2 else mask, 1)]) for i in range(7)]
    [batch] = create_batch(orders=orders, enqueue=False)
    progress: list[int] = []
    done = run_batch(batch_id=batch.pk, chunk=3, on_progress=lambda b: progress.append(b.issued))
    assert done is not None and done.status == BatchStatus.DONE
    assert (done.total, done.issued, done.failed) == (7, 7, 0)
    assert progress == [3, 6, 7]  # counters move after every chunk
    assert Waybill.objects.count() == 7 and Waybill.objects.filter(print_count=1).count() == 7
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.PRINTED}
    pdf = Path(done.pdf_path) if Path(done.pdf_path).is_absolute() else None
    from django.conf import settings

    pdf = Path(settings.FAHUO_OUTPUT_DIR) / done.pdf_path
    assert pdf_pages(pdf) == 7
    text = pdf_text(pdf)
    numbers = [
        Waybill.objects.get(parcel__order_id=oid).tracking_no
        for oid in PrintBatchItem.objects.filter(batch=batch)
        .order_by("seq")
        .values_list("order_id", flat=True)
    ]
    positions = [text.index(n) for n in numbers]
    assert positions == sorted(positions)  # labels in packing order
    assert "13812345678" not in text


@pytest.mark.django_db
def test_running_a_finished_batch_again_does_nothing(shop: Any) -> None:
    [batch] = create_batch(orders=[make_order(shop) for _ in range(2)], enqueue=False)
    assert run_batch(batch_id=batch.pk) is not None
    assert run_batch(batch_id=batch.pk) is None
    assert Waybill.objects.filter(print_count=1).count() == 2


@pytest.mark.django_db(transaction=True)
def test_creating_a_batch_enqueues_it_for_the_worker_after_commit(shop: Any) -> None:
    from django.db import transaction

    orders = [make_order(shop) for _ in range(2)]
    with transaction.atomic():  # Huey runs inline under pytest, once the transaction commits
        [batch] = create_batch(orders=orders)
        assert PrintBatch.objects.get(pk=batch.pk).status == BatchStatus.QUEUED
    assert PrintBatch.objects.get(pk=batch.pk).status == BatchStatus.DONE


@pytest.mark.django_db
def test_an_order_cancelled_after_batching_fails_alone(shop: Any) -> None:
    orders = [make_order(shop) for _ in range(3)]
    [batch] = create_batch(orders=orders, enqueue=False)
    Order.objects.filter(pk=orders[1].pk).update(status=OrderStatus.CANCELLED)
    done = run_batch(batch_id=batch.pk)
    assert done is not None and (done.issued, done.failed) == (2, 1)
    item = PrintBatchItem.objects.get(order=orders[1])
    assert item.status == BatchItemStatus.FAILED and "已取消" in item.error


# --- real providers: Kdniao simulator over HTTP ---------------------------------------------------


@pytest.mark.django_db
def test_kdniao_batch_issues_through_the_account_for_the_carrier(
    shop: Any, zto: Carrier, kdniao_sim: KdniaoSimulator
) -> None:
    cup = sku("CUP", 450)
    orders = [make_order(shop, [(cup, 2)], carrier=zto) for _ in range(5)]
    [batch] = create_batch(orders=orders, enqueue=False)
    done = run_batch(batch_id=batch.pk)
    assert done is not None and (done.status, done.issued) == (BatchStatus.DONE, 5)
    numbers = set(Waybill.objects.values_list("tracking_no", flat=True))
    assert len(numbers) == 5 and all(n.startswith("7") for n in numbers)  # ZTO-shaped
    assert len(kdniao_sim._active) == 5
    assert set(Parcel.objects.values_list("weight_g", flat=True)) == {900}


@pytest.mark.django_db
def test_out_of_range_stops_only_that_order_and_shows_the_chinese_message(shop: Any, zto: Carrier) -> None:
    cup = sku("CUP")
    good = [make_order(shop, [(cup, 1)], carrier=zto) for _ in range(3)]
    bad = make_order(shop, [(cup, 1)], carrier=zto, detail="超区村1号")
    [batch] = create_batch(orders=[*good, bad], enqueue=False)
    done = run_batch(batch_id=batch.pk)
    assert done is not None and done.status == BatchStatus.DONE and (done.issued, done.failed) == (3, 1)
    item = PrintBatchItem.objects.get(order=bad)
    assert item.status == BatchItemStatus.FAILED and "超区" in item.error
    assert "超区" in Parcel.objects.get(order=bad).error  # the order shows it too
    assert Order.objects.get(pk=bad.pk).status == OrderStatus.READY


@pytest.mark.django_db
def test_balance_exhausted_midway_fails_the_rest_per_order_with_the_message(
    shop: Any, zto: Carrier, kdniao_sim: KdniaoSimulator
) -> None:
    cup = sku("CUP")
    orders = [make_order(shop, [(cup, 1)], carrier=zto) for _ in range(4)]
    kdniao_sim.set_balance(EBID, 2)
    [batch] = create_batch(orders=orders, enqueue=False)
    done = run_batch(batch_id=batch.pk, chunk=1)
    assert done is not None and (done.issued, done.failed) == (2, 2)
    assert set(PrintBatchItem.objects.filter(status="failed").values_list("error", flat=True)) == {
        "电子面单余额不足，请联系快递网点充值"
    }


@pytest.mark.django_db
def test_sku_without_weight_blocks_the_order_for_a_real_provider(shop: Any, zto: Carrier) -> None:
    heavy, unknown = sku("CUP", 450), sku("SKU-NOWEIGHT", None)
    fine = make_order(shop, [(heavy, 1)], carrier=zto)
    blocked = make_order(shop, [(heavy, 1), (unknown, 1)], carrier=zto)
    [batch] = create_batch(orders=[fine, blocked], enqueue=False)
    done = run_batch(batch_id=batch.pk)
    assert done is not None and (done.issued, done.failed) == (1, 1)
    reason = "商品 SKU-NOWEIGHT 缺少重量，无法计算运费"
    assert PrintBatchItem.objects.get(order=blocked).error == reason
    assert Parcel.objects.get(order=blocked).error == reason


@pytest.mark.django_db
def test_the_sandbox_prints_without_weights(shop: Any, sandbox_carrier: Any) -> None:
    unknown = sku("SKU-NOWEIGHT", None)
    [batch] = create_batch(orders=[make_order(shop, [(unknown, 1)], carrier=sandbox_carrier)], enqueue=False)
    done = run_batch(batch_id=batch.pk)
    assert done is not None and (done.issued, done.failed) == (1, 0)


@pytest.mark.django_db
def test_a_real_provider_without_an_account_fails_the_batch_with_a_clear_message(shop: Any) -> None:
    yto = Carrier.objects.create(code="YTO", name="圆通速递", provider="kuaidi100")
    [batch] = create_batch(orders=[make_order(shop, [(sku("CUP"), 1)], carrier=yto)], enqueue=False)
    done = run_batch(batch_id=batch.pk)
    assert done is not None and done.status == BatchStatus.FAILED
    assert "快递100" in done.error and "账号" in done.error
    assert PrintBatchItem.objects.get(batch=batch).status == BatchItemStatus.PENDING


# --- CLI -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cli_creates_runs_lists_and_reprints_a_batch(shop: Any, tmp_path: Path, capsys: Any) -> None:
    import json

    from fahuo.cli import main

    orders = [make_order(shop) for _ in range(3)]
    make_order(shop, phone="123")  # needs review: skipped
    assert main(["batches", "create", "--all-ready", "--run", "--name", "夜班", "--json"]) == 0
    made = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    [row] = made["batches"]
    assert (row["name"], row["status"], row["total"], row["issued"]) == ("夜班", "done", 3, 3)
    assert made["skipped"] == []  # --all-ready only looks at ready orders
    assert main(["batches", "list"]) == 0
    table = capsys.readouterr().out
    assert "夜班" in table and "3/3/0" in table
    out = tmp_path / "again.pdf"
    assert main(["labels", "print", "--batch", str(row["id"]), "--out", str(out)]) == 0
    assert "Printed 3 labels" in capsys.readouterr().out and pdf_pages(out) == 3
    assert set(Waybill.objects.values_list("print_count", flat=True)) == {2}
    assert main(["batches", "resume", str(row["id"])]) == 1  # done: nothing to resume
    assert "波次已完成" in capsys.readouterr().err
    assert {o.pk for o in orders} == set(PrintBatchItem.objects.values_list("order_id", flat=True))


@pytest.mark.django_db
def test_cli_runs_a_failed_batch_to_the_end(shop: Any, capsys: Any) -> None:
    from fahuo.cli import main

    [batch] = create_batch(orders=[make_order(shop) for _ in range(2)], enqueue=False)
    PrintBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED, error="网络中断")
    assert main(["batches", "run", str(batch.pk)]) == 0
    assert "done: 2 issued, 0 failed" in capsys.readouterr().out


def test_the_labels_cli_draws_a_progress_bar_only_for_long_runs_at_a_terminal(monkeypatch: Any) -> None:
    import sys

    from fahuo.fulfilment.labels.cli import progress_bar

    with progress_bar(5000, label="x") as update:
        assert update is None  # pytest's stderr is not a terminal
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with progress_bar(50, label="x") as update:
        assert update is None  # too small to bother
    with progress_bar(5000, label="x") as update:
        assert update is not None
        update("issue", 2500, 5000)
        update("render", 0, 5000)
