"""Ship-back timing per shop (回传时机): the number goes to 抖店 and the goods leave the stock books at
issue, at print or at pack scan (new shops' default), and the "printed but not packed" alert."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from fahuo.carriers.models import Carrier
from fahuo.catalog.models import Sku
from fahuo.fulfilment.models import Parcel, ParcelStatus, ShipBack, Waybill
from fahuo.fulfilment.packing.services import mark_packed
from fahuo.fulfilment.services import ensure_parcels, issue_waybills, print_orders
from fahuo.inventory.models import Stock, Warehouse
from fahuo.inventory.reservations import reserve_orders
from fahuo.inventory.services import adjust_stock
from fahuo.orders.models import Order, OrderLine, OrderStatus, Shop
from fahuo.orders.services import apply_verification, verify_recipient
from fahuo.orders.shops import create_shop
from fahuo.tracking.models import Alert, AlertKind, AlertStatus
from fahuo.tracking.sweep import sweep

pytestmark = pytest.mark.django_db

_n = iter(range(1, 10_000))


@pytest.fixture
def zto(db: Any) -> Carrier:
    return Carrier.objects.create(code="ZTO", name="中通快递", provider="sandbox")


@pytest.fixture
def stocked(db: Any) -> tuple[Warehouse, Sku]:
    wh = Warehouse.objects.create(code="HZ", name="杭州仓", province="浙江省", city="杭州市")
    sku = Sku.objects.create(code="MASK", name="面膜", weight_g=100)
    adjust_stock(warehouse=wh, sku=sku, delta=10, note="期初")
    return wh, sku


def ready_order(shop: Shop, carrier: Carrier, sku: Sku | None = None, **fields: Any) -> Order:
    n = next(_n)
    order = Order(shop=shop, platform_order_id=f"69190000{n:011d}", carrier=carrier, total_fen=5990, **fields)
    apply_verification(
        order=order,
        verification=verify_recipient(
            name="张三丰",
            phone="13812345678",
            province="浙江省",
            city="杭州市",
            district="临平区",
            detail="南苑街道1号",
        ),
    )
    order.save()
    OrderLine.objects.create(
        order=order, platform_line_id=f"{order.platform_order_id}1", title="面膜", sku=sku, quantity=2
    )
    return order


def on_hand(sku: Sku) -> tuple[int, int]:
    row = Stock.objects.get(sku=sku)
    return row.on_hand, row.reserved


def pack(order: Order, user: Any) -> None:
    for parcel in Parcel.objects.filter(order=order).order_by("seq"):
        mark_packed(parcel_id=parcel.pk, user=user, verified_lines=order.lines.values_list("pk", flat=True))


@pytest.fixture
def packer(db: Any) -> User:
    return User.objects.create_superuser("packer")  # sees every shop


def test_a_new_shop_ships_back_only_after_the_pack_scan(
    zto: Carrier, stocked: tuple[Warehouse, Sku], packer: User, tmp_path: Path
) -> None:
    shop = create_shop(code="xy", name="小雨", platform="douyin")
    assert shop.shipback_at == "pack"
    _, sku = stocked
    order = ready_order(shop, zto, sku)
    reserve_orders(orders=[order])
    print_orders(orders=Order.objects.filter(pk=order.pk), out=tmp_path / "l.pdf")
    # Printed: 抖店 is not told yet and the goods are still on the books (reserved).
    assert not ShipBack.objects.filter(order=order).exists()
    assert on_hand(sku) == (10, 2)
    pack(order, packer)
    assert list(ShipBack.objects.filter(order=order).values_list("waybill_no", flat=True)) == [
        Waybill.objects.get(parcel__order=order).tracking_no
    ]
    assert on_hand(sku) == (8, 0)


def test_a_shop_shipping_back_at_print_sends_and_takes_the_stock_when_the_label_prints(
    shop: Shop, zto: Carrier, stocked: tuple[Warehouse, Sku], packer: User, tmp_path: Path
) -> None:
    Shop.objects.filter(pk=shop.pk).update(shipback_at="print")
    _, sku = stocked
    order = ready_order(shop, zto, sku)
    reserve_orders(orders=[order])
    print_orders(orders=Order.objects.filter(pk=order.pk), out=tmp_path / "l.pdf")
    assert ShipBack.objects.filter(order=order).count() == 1
    assert on_hand(sku) == (8, 0)
    pack(order, packer)  # nothing more to send, nothing taken twice
    assert ShipBack.objects.filter(order=order).count() == 1
    assert on_hand(sku) == (8, 0)


def test_a_shop_shipping_back_at_issue_sends_as_soon_as_the_number_exists(
    shop: Shop, zto: Carrier, stocked: tuple[Warehouse, Sku]
) -> None:
    Shop.objects.filter(pk=shop.pk).update(shipback_at="issue")
    _, sku = stocked
    order = ready_order(shop, zto, sku)
    other = ready_order(create_shop(code="wait", name="等打包", platform="douyin"), zto, sku)
    reserve_orders(orders=[order, other])
    orders = list(Order.objects.filter(pk__in=[order.pk, other.pk]).select_related("shop"))
    issued, failed = issue_waybills(orders=orders, parcels=ensure_parcels(orders=orders))
    assert (issued, failed) == (2, [])
    # Not printed yet (still 待打单), but this shop wants the number on 抖店 now; the other waits.
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY
    assert ShipBack.objects.filter(order=order).count() == 1
    assert not ShipBack.objects.filter(order=other).exists()
    assert on_hand(sku) == (8, 2)


def test_an_order_in_two_parcels_ships_back_when_the_last_one_is_packed(
    zto: Carrier, packer: User, tmp_path: Path
) -> None:
    shop = create_shop(code="two", name="两箱", platform="douyin")
    order = ready_order(shop, zto)
    print_orders(orders=Order.objects.filter(pk=order.pk), out=tmp_path / "l.pdf")
    second = Parcel.objects.create(order=order, seq=2, carrier=zto, status=ParcelStatus.LABELLED)
    Waybill.objects.create(parcel=second, carrier=zto, provider="sandbox", tracking_no="ZT2", request_id="r2")
    lines = order.lines.values_list("pk", flat=True)
    first = Parcel.objects.get(order=order, seq=1)
    mark_packed(parcel_id=first.pk, user=packer, verified_lines=lines)
    assert not ShipBack.objects.filter(order=order).exists()
    mark_packed(parcel_id=second.pk, user=packer, verified_lines=lines)
    assert (
        ShipBack.objects.filter(order=order).count() == 2
    )  # the first ships the order, the second says why not


# --- the printed-but-not-packed alert -------------------------------------------------------------


def printed(shop: Shop, carrier: Carrier, ship_by: dt.datetime, tmp_path: Path) -> Order:
    order = ready_order(shop, carrier, ship_by=ship_by)
    print_orders(orders=Order.objects.filter(pk=order.pk), out=tmp_path / f"{order.pk}.pdf")
    return order


def unpacked(order: Order) -> list[Alert]:
    return list(
        Alert.objects.filter(order=order, kind=AlertKind.UNPACKED).exclude(status=AlertStatus.RESOLVED)
    )


def test_a_printed_parcel_not_packed_hours_before_the_promise_raises_an_alert_until_it_is_packed(
    zto: Carrier, packer: User, tmp_path: Path
) -> None:
    shop = create_shop(code="a", name="A", platform="douyin")
    Shop.objects.filter(pk=shop.pk).update(unpacked_alert_hours=6)
    now = timezone.now()
    due_soon = printed(shop, zto, now + dt.timedelta(hours=5), tmp_path)
    later = printed(shop, zto, now + dt.timedelta(hours=8), tmp_path)
    result = sweep(now=now, kinds={AlertKind.UNPACKED})
    assert result.created[AlertKind.UNPACKED] == 1
    (alert,) = unpacked(due_soon)
    assert alert.severity == "warning"
    assert alert.tracking_no == Waybill.objects.get(parcel__order=due_soon).tracking_no
    assert "已打单未打包" in alert.detail and "打包扫描后才回传" in alert.detail
    assert unpacked(later) == []
    # Two hours on, the later one is within six hours too; the first is packed and resolves.
    pack(due_soon, packer)
    result = sweep(now=now + dt.timedelta(hours=2, minutes=1), kinds={AlertKind.UNPACKED})
    assert result.resolved[AlertKind.UNPACKED] == 1 and unpacked(due_soon) == []
    assert len(unpacked(later)) == 1


def test_the_alert_is_critical_past_the_promise_and_says_the_platform_already_has_the_number(
    zto: Carrier, tmp_path: Path
) -> None:
    shop = create_shop(code="p", name="P", platform="douyin")
    Shop.objects.filter(pk=shop.pk).update(shipback_at="print")
    now = timezone.now()
    order = printed(shop, zto, now - dt.timedelta(hours=1), tmp_path)
    sweep(now=now, kinds={AlertKind.UNPACKED})
    (alert,) = unpacked(order)
    assert alert.severity == "critical"
    assert "已过" in alert.detail and "已回传" in alert.detail
    # A cancelled order is not waiting any more: its alert resolves.
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)
    sweep(now=now, kinds={AlertKind.UNPACKED})
    assert unpacked(order) == []
