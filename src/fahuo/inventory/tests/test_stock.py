"""Stock that is real: reservation on arrival, 缺货 guard, release, deduction at pack, counts, ledger."""

from __future__ import annotations

import io
from typing import Any

import pytest

from fahuo.catalog.models import Sku
from fahuo.inventory.models import MovementReason, Reservation, ReservationState, Stock, StockMovement
from fahuo.inventory.reservations import cancel_order, ship_order
from fahuo.inventory.services import (
    StockShort,
    adjust_stock,
    import_stock,
    record_count,
    stock_levels,
    variance_report,
)
from fahuo.inventory.tests.helpers import arrive, check_books, sku, warehouse
from fahuo.kit.errors import InvalidInput
from fahuo.orders.models import OrderStatus


def _stock(wh: Any, text: str) -> Any:
    return import_stock(fileobj=io.BytesIO(text.encode()), filename="stock.csv", warehouse=wh)


@pytest.mark.django_db
def test_an_arriving_order_reserves_its_units(shop: Any) -> None:
    hz = warehouse("HZ")
    sku("A")
    assert _stock(hz, "sku_code,quantity\nA,10\n").as_dict() == {"rows": 1, "changed": 1, "errors": []}
    order = arrive(shop, [("A", 3)])
    assert order.status == OrderStatus.READY
    assert stock_levels() == [
        {"warehouse": "HZ", "sku_code": "A", "on_hand": 10, "reserved": 3, "available": 7}
    ]
    assert [
        (m.reason, m.reserved_delta, m.order_id) for m in StockMovement.objects.filter(reason="reserve")
    ] == [("reserve", 3, order.pk)]
    check_books()


@pytest.mark.django_db
def test_an_order_stock_cannot_cover_is_flagged_out_of_stock_with_sku_and_shortfall(shop: Any) -> None:
    hz = warehouse("HZ")
    sku("A"), sku("B")
    _stock(hz, "sku_code,quantity\nA,5\nB,1\n")
    first = arrive(shop, [("A", 4)])
    short = arrive(shop, [("A", 2), ("B", 1)])  # only 1 A left
    assert first.status == OrderStatus.READY
    assert short.status == OrderStatus.NEEDS_REVIEW
    [reason] = short.review_reasons
    assert reason["code"] == "out_of_stock"
    assert reason["shortfall"] == [{"sku_code": "A", "needed": 2, "available": 1, "short": 1}]
    assert "A" in reason["message"] and "缺 1 件" in reason["message"]
    assert not Reservation.objects.filter(order=short).exists()  # nothing held for a short order
    # Stock arrives: the flagged order is reserved and ready again.
    adjust_stock(warehouse=hz, sku=Sku.objects.get(code="A"), delta=5, note="采购入库")
    short.refresh_from_db()
    assert short.status == OrderStatus.READY and short.review_reasons == []
    assert Stock.objects.get(sku__code="A").reserved == 6
    check_books()


@pytest.mark.django_db
def test_an_order_goes_to_the_one_warehouse_that_has_all_of_it(shop: Any) -> None:
    hz, gz = warehouse("HZ"), warehouse("GZ", "广东省", "广州市")
    sku("A"), sku("B")
    _stock(hz, "sku_code,quantity\nA,5\n")
    _stock(gz, "sku_code,quantity\nA,1\nB,1\n")
    order = arrive(shop, [("A", 1), ("B", 1)])
    assert {r.warehouse.code for r in Reservation.objects.filter(order=order)} == {"GZ"}
    split = arrive(shop, [("A", 3), ("B", 1)])  # HZ lacks B, GZ lacks A: no single warehouse
    assert split.status == OrderStatus.NEEDS_REVIEW
    check_books()


@pytest.mark.django_db
def test_cancelling_releases_and_packing_deducts(shop: Any) -> None:
    hz = warehouse("HZ")
    sku("A")
    _stock(hz, "sku_code,quantity\nA,10\n")
    kept, dropped = arrive(shop, [("A", 2)]), arrive(shop, [("A", 3)])
    cancel_order(order=dropped)
    assert stock_levels()[0] == {
        "warehouse": "HZ",
        "sku_code": "A",
        "on_hand": 10,
        "reserved": 2,
        "available": 8,
    }
    assert ship_order(order=kept) == 1
    assert stock_levels()[0]["on_hand"] == 8 and stock_levels()[0]["reserved"] == 0
    assert ship_order(order=kept) == 0  # never twice
    assert Reservation.objects.get(order=kept).state == ReservationState.SHIPPED
    reasons = list(StockMovement.objects.order_by("pk").values_list("reason", flat=True))
    assert reasons == ["opening", "reserve", "reserve", "release", "ship"]
    check_books()


@pytest.mark.django_db
def test_adjustments_need_a_reason_and_never_take_reserved_units(shop: Any) -> None:
    hz = warehouse("HZ")
    a = sku("A")
    _stock(hz, "sku_code,quantity\nA,5\n")
    arrive(shop, [("A", 4)])
    with pytest.raises(InvalidInput):
        adjust_stock(warehouse=hz, sku=a, delta=-1, note=" ")
    with pytest.raises(StockShort):
        adjust_stock(warehouse=hz, sku=a, delta=-2, note="破损")  # only 1 available
    adjust_stock(warehouse=hz, sku=a, delta=-1, note="破损")
    assert stock_levels()[0]["available"] == 0
    check_books()


@pytest.mark.django_db
def test_a_stock_count_sets_the_books_and_reports_variances(shop: Any) -> None:
    hz = warehouse("HZ")
    a, b = sku("A"), sku("B")
    _stock(hz, "sku_code,quantity\nA,10\nB,4\n")
    count = record_count(warehouse=hz, counted={a.pk: 8, b.pk: 4}, note="月末盘点")
    assert variance_report(count=count) == [
        {"sku_code": "A", "name": "商品A", "expected": 10, "counted": 8, "variance": -2}
    ]
    assert StockMovement.objects.filter(reason=MovementReason.COUNT).count() == 1
    arrive(shop, [("B", 3)])
    with pytest.raises(StockShort):
        record_count(warehouse=hz, counted={b.pk: 2})  # 3 are promised to an order
    check_books()


@pytest.mark.django_db
def test_a_bad_stock_file_changes_nothing(shop: Any) -> None:
    hz = warehouse("HZ")
    sku("A")
    report = _stock(hz, "sku_code,quantity\nA,5\nZZ,1\nA,2\nA,-1\nA,x\n")
    expected = [(3, "商品不存在：ZZ"), (4, "SKU 重复：A"), (5, "数量不能为负数"), (6, "数量不是整数")]
    assert [e.row for e in report.errors] == [row for row, _ in expected]
    assert all(e.reason.startswith(text) for e, (_, text) in zip(report.errors, expected, strict=True))
    assert not Stock.objects.filter(on_hand__gt=0).exists()
    assert _stock(hz, "sku_code,quantity\nA,5\n").changed == 1
    assert _stock(hz, "sku_code,quantity\nA,5\n").changed == 0  # the same file again: nothing


@pytest.mark.django_db
def test_a_desk_without_stock_records_ships_as_before(shop: Any) -> None:
    sku("A")
    order = arrive(shop, [("A", 100)])
    assert order.status == OrderStatus.READY and not Reservation.objects.exists()
