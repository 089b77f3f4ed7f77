"""The demo data set: shape, realism, privacy, idempotence, and the ``fahuo demo`` command."""

from __future__ import annotations

import argparse
from datetime import datetime
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from django.contrib.auth.models import User
from django.db import connection

from fahuo.accounts.services import role_of
from fahuo.aftersales import demo_stockout
from fahuo.carriers.models import Capacity, Carrier, RateLine
from fahuo.catalog.models import Sku
from fahuo.demo import data
from fahuo.demo.generate import LIVE_SHOP, PRIVATE_SHOP, build_demo, rate_card
from fahuo.fulfilment.models import Parcel, Waybill
from fahuo.inventory.models import Stock, Warehouse
from fahuo.orders.models import Customer, Order, OrderLine, OrderStatus, Shop
from fahuo.orders.services import customer_for, verify_recipient

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 19, 9, 30, tzinfo=TZ)
MAINLAND = {p.name for p in data.PROVINCES}


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db):
    return build_demo(orders=300, seed=7, now=NOW)


def test_counts_and_shops(demo):
    # the generated orders plus the out-of-stock scene's (every state of the buyer's choice)
    total = 300 + demo_stockout.ORDERS
    assert demo.orders == total == Order.objects.count()
    assert sum(demo.by_status.values()) == total
    assert demo.by_shop[LIVE_SHOP] > demo.by_shop[PRIVATE_SHOP] > 0
    assert demo.lines == OrderLine.objects.count() >= 300
    live = Shop.objects.get(code=LIVE_SHOP)
    assert live.platform == "douyin" and live.sender_name and live.sender_address
    assert Shop.objects.get(code=PRIVATE_SHOP).platform == "wechat"
    assert not Order.objects.filter(lines__isnull=True).exists()
    assert OrderLine.objects.values("order").distinct().count() == total
    assert set(Order.objects.values_list("source", flat=True)) == {"demo"}


def test_warehouses_carriers_and_rate_cards(demo):
    warehouses = list(Warehouse.objects.filter(code__in=["HZ", "GZ", "CD"]))
    assert len(warehouses) >= 2
    origins = {w.province for w in warehouses}
    assert {"浙江省", "广东省"} <= origins

    carriers = {c.code: c for c in Carrier.objects.all()}
    assert {"ZTO", "YTO", "YD", "SF", "JD", "EMS", "SANDBOX"} <= set(carriers)
    assert carriers["SF"].cold_chain and carriers["SF"].insured
    assert carriers["JD"].cold_chain and carriers["JD"].insured
    assert carriers["EMS"].insured and not carriers["EMS"].cold_chain
    assert not carriers["ZTO"].cold_chain
    assert all(c.provider == "sandbox" for c in carriers.values())

    full = 0
    for spec in data.CARRIERS:
        for origin in origins:
            dests = set(
                RateLine.objects.filter(carrier__code=spec.code, origin_province=origin).values_list(
                    "dest_province", flat=True
                )
            )
            # every mainland province except the documented gaps (remote provinces only)
            assert dests == MAINLAND - spec.not_served, (spec.code, origin)
            assert spec.not_served <= data.REMOTE_PROVINCES
        full += not spec.not_served
    assert full >= 4
    assert not RateLine.objects.filter(carrier__code="SANDBOX").exists()
    # one capacity row per carrier x warehouse
    assert Capacity.objects.filter(carrier__code__in=[c.code for c in data.CARRIERS]).count() == len(
        data.CARRIERS
    ) * len(data.WAREHOUSES)


def test_rate_levels_are_realistic():
    for origin in ("浙江省", "广东省", "四川省"):
        lanes = {
            spec.code: {d: (f, s, h) for d, f, s, h in rate_card(spec, origin)} for spec in data.CARRIERS
        }
        for dest in MAINLAND:
            zto_first, _, zto_hours = lanes["ZTO"][dest]
            assert lanes["SF"][dest][0] > zto_first  # 顺丰 costs more than 通达系 everywhere
            assert 1200 <= lanes["SF"][dest][0] <= 2300
            assert 24 <= zto_hours <= 96
            for spec in data.CARRIERS:
                if dest in lanes[spec.code]:
                    first, step, hours = lanes[spec.code][dest]
                    assert 0 < step <= first and 24 <= hours <= 96
        # same province is the cheapest and fastest lane; remote lanes are the dearest
        assert lanes["ZTO"][origin][0] == min(f for f, _, _ in lanes["ZTO"].values())
        assert 300 <= lanes["ZTO"][origin][0] <= 500
        assert lanes["ZTO"]["新疆维吾尔自治区"][0] == max(f for f, _, _ in lanes["ZTO"].values())
        assert lanes["ZTO"]["西藏自治区"][2] > lanes["ZTO"][origin][2]


def test_catalog_and_stock(demo):
    skus = list(Sku.objects.all())
    assert len(skus) >= 30
    assert all(s.weight_g and s.length_mm and s.width_mm and s.height_mm for s in skus)
    assert all(s.declared_value_fen > 0 and s.short_name for s in skus)
    traits = {t for s in skus for t in s.traits}
    assert {"fragile", "liquid", "cold", "valuable", "powder"} <= traits
    by_code = {s.code: s for s in skus}
    # the shared Douyin sample export's SKUs, with its titles
    for code, name in [
        ("SKU-3401", "玻尿酸补水面膜"),
        ("SKU-3402", "玻尿酸补水面膜"),
        ("SKU-3510", "手工牛轧糖"),
        ("SKU-3511", "手工牛轧糖"),
        ("SKU-3620", "玻璃香薰瓶"),
        ("SKU-3730", "冻干草莓"),
    ]:
        assert by_code[code].name == name
    assert "fragile" in by_code["SKU-3620"].traits
    # stock for every SKU in every warehouse, with a shelf location
    assert Stock.objects.count() == len(skus) * len(data.WAREHOUSES)
    # in stock everywhere, but for the out-of-stock scene's sold-out colour
    assert not Stock.objects.filter(on_hand__lte=0).exclude(sku__code=demo_stockout.SHORT_CODE).exists()
    assert not Stock.objects.filter(sku__code=demo_stockout.SHORT_CODE, on_hand__gt=0).exists()
    assert not Stock.objects.filter(location="").exists()


def test_orders_follow_the_stream(demo):
    assert demo.stream_start == datetime(2026, 11, 18, 20, 0, tzinfo=TZ)
    in_window = Order.objects.filter(paid_at__gte=demo.stream_start, paid_at__lt=demo.stream_end).count()
    assert in_window == demo.in_stream
    assert in_window >= 0.8 * 300
    assert not Order.objects.filter(paid_at__gt=NOW).exists()
    # peaking early: the first hour sells more than the second
    first_hour = Order.objects.filter(
        paid_at__gte=demo.stream_start, paid_at__lt=demo.stream_start.replace(hour=21)
    ).count()
    assert first_hour > in_window - first_hour
    stream = Order.objects.filter(paid_at__gte=demo.stream_start, paid_at__lt=demo.stream_end)
    assert set(stream.values_list("channel", flat=True)) == {"live"}
    private = Order.objects.filter(shop__code=PRIVATE_SHOP)
    assert set(private.values_list("channel", flat=True)) == {"private"}
    assert private.filter(door_delivery=True).exists()
    assert not private.filter(promise_hours__isnull=True).exists()
    # the stream's opening product is the best seller
    top = OrderLine.objects.filter(order__in=stream).values_list("sku_code", flat=True)
    assert max(set(top), key=list(top).count) == "SKU-3401"


def test_statuses_and_review_reasons(demo):
    assert demo.by_status.get("ready", 0) > 0.7 * 300
    flagged = list(Order.objects.filter(status=OrderStatus.NEEDS_REVIEW))
    assert 0 < len(flagged) < 0.1 * 300
    assert all(o.review_reasons and o.review_text for o in flagged)
    assert not Order.objects.filter(status=OrderStatus.READY).exclude(review_reasons=[]).exists()
    # like the importer: no customer is keyed on a phone that failed the check
    for order in flagged:
        if any(r["code"] == "phone" for r in order.review_reasons):
            assert order.customer_id is None
    # earlier days: printed/shipped orders have a parcel, a carrier and a sandbox waybill
    done = Order.objects.filter(status__in=[OrderStatus.PRINTED, OrderStatus.SHIPPED])
    assert done.exists()
    assert not done.filter(carrier__isnull=True).exists()
    assert Parcel.objects.count() == done.count() == Waybill.objects.count()
    assert all(o.paid_at < demo.stream_start for o in done.filter(shop__code=LIVE_SHOP))


def test_more_problem_kinds_are_flagged(db):
    summary = build_demo(orders=1500, seed=3, now=NOW)
    assert {"phone", "address"} <= set(summary.review_codes)
    messages = " ".join(o.review_text for o in Order.objects.filter(status=OrderStatus.NEEDS_REVIEW))
    assert "地址不明确" in messages  # ambiguous district without province/city
    assert "缺少区县" in messages
    assert "手机号无效" in messages


def test_recipients_are_verified_like_imports(demo):
    """The batch path gives what verify_recipient + customer_for give one order at a time."""
    for order in Order.objects.filter(status=OrderStatus.READY).select_related("shop", "customer")[:60]:
        v = verify_recipient(
            name=order.recipient_name,
            phone=order.recipient_phone,
            province=order.province,
            city=order.city,
            district=order.district,
            street=order.street,
            detail=order.address_detail,
        )
        assert v.ok, (order.region, v.reasons)
        assert (v.province, v.city, v.district, v.adcode) == (
            order.province,
            order.city,
            order.district,
            order.adcode,
        )
        assert len(order.adcode) == 6
        assert phonenumbers.is_valid_number(phonenumbers.parse(order.recipient_phone, "CN"))
        assert 2 <= len(order.recipient_name) <= 4
        before = Customer.objects.count()
        assert customer_for(shop=order.shop, name=v.name, phone=v.phone) == order.customer
        assert Customer.objects.count() == before
    assert Customer.objects.count() == demo.customers
    assert not Order.objects.filter(status=OrderStatus.READY, customer__isnull=True).exists()
    linked = sum(Customer.objects.values_list("orders_count", flat=True))
    assert linked == Order.objects.filter(customer__isnull=False).count()


def test_personal_data_is_encrypted_at_rest(demo):
    order = Order.objects.filter(status=OrderStatus.READY).first()
    assert order is not None
    with connection.cursor() as cur:
        cur.execute(
            "SELECT recipient_name, recipient_phone, address_detail FROM orders_order WHERE id = %s",
            [order.pk],
        )
        raw = cur.fetchone()
        cur.execute("SELECT name, phone FROM orders_customer WHERE id = %s", [order.customer_id])
        raw_customer = cur.fetchone()
    assert all(value.startswith("v1:") for value in (*raw, *raw_customer))
    assert order.recipient_name not in raw[0] and order.recipient_phone not in raw[1]
    assert order.recipient_phone.isdigit()


def test_rerun_replaces_instead_of_duplicating(demo):
    counts = {
        model.__name__: model.objects.count()
        for model in (Order, OrderLine, Customer, Shop, Warehouse, Carrier, RateLine, Capacity, Sku, Stock)
    }
    counts["User"] = User.objects.count()
    ids = set(Order.objects.values_list("platform_order_id", flat=True))
    old_password = demo.password("owner")

    again = build_demo(orders=300, seed=7, now=NOW)
    after = {
        model.__name__: model.objects.count()
        for model in (Order, OrderLine, Customer, Shop, Warehouse, Carrier, RateLine, Capacity, Sku, Stock)
    }
    after["User"] = User.objects.count()
    assert after == counts
    assert set(Order.objects.values_list("platform_order_id", flat=True)) == ids  # same seed, same set
    assert again.by_status == demo.by_status
    assert again.password("owner") != old_password

    smaller = build_demo(orders=120, seed=8, now=NOW)
    assert Order.objects.count() == smaller.orders == 120 + demo_stockout.ORDERS


def test_demo_users_log_in_with_their_roles(demo, client):
    assert [name for name, _, _ in demo.logins] == ["owner", "operator", "packer"]
    for username, role, password in demo.logins:
        assert client.login(username=username, password=password)
        assert role_of(User.objects.get(username=username)) == role
        client.logout()
    owner = User.objects.get(username="owner")
    assert owner.has_perm("orders.reveal_customer")
    assert not User.objects.get(username="packer").has_perm("orders.reveal_customer")


def test_cli_builds_and_prints_the_login(db, capsys):
    from fahuo.demo import cli

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(["--orders", "80", "--no-serve", "--seed", "5"])
    assert cli.run(args) == 0
    out = capsys.readouterr().out
    assert f"{80 + demo_stockout.ORDERS} orders" in out and "owner" in out and "packer" in out
    password = next(line.split()[1] for line in out.splitlines() if line.strip().startswith("owner "))
    assert User.objects.get(username="owner").check_password(password)
    assert Order.objects.count() == 80 + demo_stockout.ORDERS


def test_cli_serves_unless_told_not_to(db, monkeypatch, capsys):
    import sys
    import types

    from fahuo.demo import cli

    calls: list[argparse.Namespace] = []

    def fake_run(args: argparse.Namespace) -> int:
        calls.append(args)
        return 0

    fake = types.ModuleType("fahuo.desk.cli_serve")
    monkeypatch.setattr(fake, "run", fake_run, raising=False)
    monkeypatch.setitem(sys.modules, "fahuo.desk.cli_serve", fake)
    import fahuo.desk

    monkeypatch.setattr(fahuo.desk, "cli_serve", fake, raising=False)
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    assert cli.run(parser.parse_args(["--orders", "20", "--port", "8123"])) == 0
    assert calls and calls[0].port == 8123 and calls[0].host == "127.0.0.1"
    assert "http://127.0.0.1:8123/login/" in capsys.readouterr().out
