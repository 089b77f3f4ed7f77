"""Label printing end to end through the service: waybills once, labels masked, orders printed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pypdfium2 as pdfium
import pytest

from fahuo.fulfilment.models import Waybill
from fahuo.fulfilment.services import print_orders
from fahuo.fulfilment.tests.batch_helpers import offline_test_carrier
from fahuo.orders.models import Order, OrderLine, OrderStatus
from fahuo.orders.services import apply_verification, verify_recipient


def make_order(shop: Any, n: int, *, phone: str = "13812345678", status: str = OrderStatus.READY) -> Order:
    order = Order(
        shop=shop,
        platform_order_id=f"P{n:06d}",
        status=status,
        total_fen=int(Decimal("59.90") * 100),
        carrier=offline_test_carrier(),
    )
    apply_verification(
        order=order,
        verification=verify_recipient(
            name="张三丰",
            phone=phone,
            province="浙江省",
            city="杭州市",
            district="临平区",
            detail=f"南苑街道{n}号",
        ),
    )
    order.save()
    OrderLine.objects.create(
        order=order, platform_line_id=f"{n}-1", title="玻尿酸面膜", spec="10片装", quantity=2
    )
    return order


def pdf_text(path: Any) -> str:
    pdf = pdfium.PdfDocument(str(path))
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


@pytest.mark.django_db
def test_ready_orders_get_one_waybill_each_and_a_masked_label(shop: Any, tmp_path: Any) -> None:
    orders = [make_order(shop, n) for n in range(3)]
    result = print_orders(orders=Order.objects.filter(pk__in=[o.pk for o in orders]), out=tmp_path / "l.pdf")
    assert result.pages == 3 and result.issued == 3 and not result.failed
    text = pdf_text(tmp_path / "l.pdf")
    assert "138****5678" in text and "13812345678" not in text
    assert "张**" in text and "张三丰" not in text
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.PRINTED}


@pytest.mark.django_db
def test_reprinting_reuses_the_waybill_instead_of_issuing_a_second(shop: Any, tmp_path: Any) -> None:
    order = make_order(shop, 1)
    first = print_orders(orders=Order.objects.filter(pk=order.pk), out=tmp_path / "a.pdf")
    number = Waybill.objects.get().tracking_no
    second = print_orders(orders=Order.objects.filter(pk=order.pk), out=tmp_path / "b.pdf")
    assert (first.issued, second.issued) == (1, 0)
    assert Waybill.objects.count() == 1 and Waybill.objects.get().tracking_no == number
    assert Waybill.objects.get().print_count == 2


@pytest.mark.django_db
def test_a_run_interrupted_after_the_provider_call_gets_the_same_number_again(
    shop: Any, tmp_path: Any
) -> None:
    order = make_order(shop, 7)
    print_orders(orders=Order.objects.filter(pk=order.pk), out=tmp_path / "a.pdf")
    number = Waybill.objects.get().tracking_no
    # Simulate a crash that lost our record of the waybill after the provider had issued it.
    Waybill.objects.all().delete()
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.READY)
    print_orders(orders=Order.objects.filter(pk=order.pk), out=tmp_path / "b.pdf")
    assert Waybill.objects.get().tracking_no == number


@pytest.mark.django_db
def test_flagged_orders_are_not_printed_and_say_why(shop: Any, tmp_path: Any) -> None:
    bad = make_order(shop, 2, phone="138123")
    assert bad.status == OrderStatus.NEEDS_REVIEW
    result = print_orders(orders=Order.objects.filter(pk=bad.pk), out=tmp_path / "x.pdf")
    assert result.pages == 0 and not Waybill.objects.exists()
    assert result.failed and "待审核" in result.failed[0][1]


@pytest.mark.django_db
def test_cli_prints_all_ready_orders(shop: Any, tmp_path: Any, capsys: Any) -> None:
    from fahuo.cli import main

    for n in range(4):
        make_order(shop, n)
    make_order(shop, 99, phone="1234")
    out = tmp_path / "labels.pdf"
    assert main(["labels", "print", "--all-ready", "--out", str(out)]) == 0
    assert "Printed 4 labels" in capsys.readouterr().out
    assert out.read_bytes().startswith(b"%PDF")
    assert Order.objects.filter(status=OrderStatus.READY).count() == 0


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_print_task_goes_through_redis_and_runs_in_a_worker(shop: Any, tmp_path: Any) -> None:
    from huey.contrib.djhuey import HUEY

    from fahuo.fulfilment.tasks import print_orders_task

    assert type(HUEY).__name__ == "RedisHuey" and not HUEY.immediate
    HUEY.flush()
    order = make_order(shop, 3)
    print_orders_task([order.pk], "100x180", str(tmp_path / "r.pdf"))
    assert HUEY.pending_count() == 1
    task = HUEY.dequeue()
    HUEY.execute(task)
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PRINTED
