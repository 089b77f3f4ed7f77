"""Reprint (same waybill) and cancel (作废: provider cancel, VoidedWaybill, a new number next time)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fahuo.accounts.models import AuditLog
from fahuo.carriers.models import Carrier
from fahuo.fulfilment.batches.services import create_batch, run_batch
from fahuo.fulfilment.labels.voids import VOID_REASONS, cancel_waybill
from fahuo.fulfilment.models import ParcelStatus, PrintBatchItem, VoidedWaybill, Waybill
from fahuo.fulfilment.services import print_orders
from fahuo.fulfilment.tests import batch_helpers as h
from fahuo.fulfilment.tests.batch_helpers import EBID, make_order, sku
from fahuo.integrations.kdniao.simulator import KdniaoSimulator
from fahuo.kit.errors import Conflict, InvalidInput, NotFound, ProviderError
from fahuo.orders.models import Order, OrderStatus

output_dir, kdniao_sim, kdniao_url, zto = h.output_dir, h.kdniao_sim, h.kdniao_url, h.zto  # fixtures


def printed(shop: Any, **kwargs: Any) -> Order:
    order = make_order(shop, **kwargs)
    print_orders(orders=Order.objects.filter(pk=order.pk))
    order.refresh_from_db()
    assert order.status == OrderStatus.PRINTED
    return order


@pytest.mark.django_db
def test_reprint_keeps_the_number_and_counts_the_print(shop: Any, tmp_path: Path) -> None:
    order = printed(shop)
    number = Waybill.objects.get().tracking_no
    again = print_orders(orders=Order.objects.filter(pk=order.pk), out=tmp_path / "again.pdf")
    assert (again.pages, again.issued) == (1, 0)
    waybill = Waybill.objects.get()
    assert waybill.tracking_no == number and waybill.print_count == 2 and waybill.last_printed_at


@pytest.mark.django_db
def test_cancel_voids_the_waybill_and_the_next_print_gets_a_new_number(shop: Any, operator: Any) -> None:
    order = printed(shop)
    old = Waybill.objects.get()
    voided = cancel_waybill(order=order, reason="address", note="买家改了地址", user=operator)
    assert isinstance(voided, VoidedWaybill)
    assert (voided.tracking_no, voided.request_id) == (old.tracking_no, old.request_id)
    assert voided.reason == "地址错误：买家改了地址" and voided.voided_by == operator
    assert not Waybill.objects.exists()
    parcel = order.parcels.get()
    assert (parcel.attempt, parcel.status) == (1, ParcelStatus.PENDING)
    order.refresh_from_db()
    assert order.status == OrderStatus.READY
    log = AuditLog.objects.get(action="waybill.void")
    assert (
        log.user == operator
        and log.object_id == str(order.pk)
        and log.detail["tracking_no"] == old.tracking_no
    )

    print_orders(orders=Order.objects.filter(pk=order.pk))
    new = Waybill.objects.get()
    assert new.tracking_no != old.tracking_no and new.request_id.endswith("-r1")


@pytest.mark.django_db
def test_cancel_through_kdniao_returns_the_number_and_a_reprint_issues_a_new_one(
    shop: Any, zto: Carrier, kdniao_sim: KdniaoSimulator, owner: Any
) -> None:
    order = make_order(shop, [(sku("CUP"), 1)], carrier=zto)
    [batch] = create_batch(orders=[order], enqueue=False)
    run_batch(batch_id=batch.pk)
    old = Waybill.objects.get().tracking_no
    voided = cancel_waybill(order=order, reason="damaged", user=owner)
    assert [c.request_type for c in kdniao_sim.calls] == ["1007", "1147"]
    assert kdniao_sim.issued_number(EBID, "ZTO", voided.request_id) is None  # cancelled there too
    print_orders(orders=Order.objects.filter(pk=order.pk))
    new = Waybill.objects.get().tracking_no
    assert new != old and VoidedWaybill.objects.get().tracking_no == old
    assert len(kdniao_sim._active) == 1  # only the new number is live at the provider


@pytest.mark.django_db
def test_a_provider_refusing_the_cancel_changes_nothing(
    shop: Any, zto: Carrier, kdniao_sim: KdniaoSimulator, owner: Any
) -> None:
    order = make_order(shop, [(sku("CUP"), 1)], carrier=zto)
    print_orders(orders=Order.objects.filter(pk=order.pk))
    kdniao_sim._by_number.clear()  # the provider no longer knows the number
    with pytest.raises(ProviderError) as err:
        cancel_waybill(order=order, reason="damaged", user=owner)
    assert "运单号不存在" in err.value.message
    assert Waybill.objects.count() == 1 and not VoidedWaybill.objects.exists()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PRINTED


@pytest.mark.django_db
def test_void_reasons_are_the_fixed_list_and_other_needs_a_note(shop: Any) -> None:
    assert list(VOID_REASONS.values()) == ["地址错误", "客户取消", "重复打印", "面单损坏", "其他"]
    order = printed(shop)
    with pytest.raises(InvalidInput):
        cancel_waybill(order=order, reason="other")
    with pytest.raises(InvalidInput):
        cancel_waybill(order=order, reason="bored")
    assert cancel_waybill(order=order, reason="other", note="测试").reason == "其他：测试"


@pytest.mark.django_db
def test_cancel_is_refused_without_a_waybill_or_after_pickup_or_while_its_batch_prints(shop: Any) -> None:
    with pytest.raises(NotFound):
        cancel_waybill(order=make_order(shop), reason="duplicate")
    picked = printed(shop)
    picked.parcels.update(status=ParcelStatus.PICKED_UP)
    with pytest.raises(Conflict):
        cancel_waybill(order=picked, reason="duplicate")
    busy = printed(shop)
    Order.objects.filter(pk=busy.pk).update(status=OrderStatus.READY)
    [batch] = create_batch(orders=[busy], enqueue=False)
    assert PrintBatchItem.objects.filter(batch=batch).count() == 1
    with pytest.raises(Conflict):
        cancel_waybill(order=busy, reason="duplicate")
