"""Packaging rules with conditions (shop, SKU, units, goods weight) that pick a carton and add
instructions, and inserts kept for repeat buyers (私域 复购)."""

from __future__ import annotations

from typing import Any

import pytest

from fahuo.catalog.models import Sku
from fahuo.fulfilment.models import BrandInsert, Carton, PackagingRule
from fahuo.fulfilment.packing.services import active_rules, carton_for_order, inserts_for, instructions_for
from fahuo.orders.models import Customer, Order, OrderLine, Shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def cartons(db: Any) -> dict[str, Carton]:
    small = Carton.objects.create(code="S", name="小箱", length_mm=300, width_mm=200, height_mm=200)
    big = Carton.objects.create(code="B5", name="5号纸箱（加厚）", length_mm=400, width_mm=300, height_mm=300)
    return {"S": small, "B5": big}


def order(shop: Shop, sku: Sku, qty: int, n: int, customer: Customer | None = None) -> Order:
    o = Order.objects.create(shop=shop, platform_order_id=f"77{n:017d}", customer=customer)
    OrderLine.objects.create(order=o, platform_line_id=f"77{n:017d}1", title=sku.name, sku=sku, quantity=qty)
    return Order.objects.select_related("shop").prefetch_related("lines__sku").get(pk=o.pk)


def test_a_rule_for_three_or_more_units_of_a_sku_picks_its_carton(
    shop: Shop, cartons: dict[str, Carton]
) -> None:
    sku = Sku.objects.create(
        code="CANDLE", name="香薰", weight_g=300, length_mm=80, width_mm=80, height_mm=100
    )
    PackagingRule.objects.create(
        sku=sku, min_quantity=3, carton=cartons["B5"], instructions="三件以上装5号箱"
    )
    rules = active_rules()
    three, two = order(shop, sku, 3, 1), order(shop, sku, 2, 2)
    assert carton_for_order(three, cartons=list(cartons.values()), rules=rules).carton == cartons["B5"]
    assert "三件以上装5号箱" in instructions_for(three, rules=rules)
    assert carton_for_order(two, cartons=list(cartons.values()), rules=rules).carton != cartons["B5"]
    assert not any("三件以上装5号箱" in text for text in instructions_for(two, rules=rules))


def test_a_shops_rule_and_a_weight_limit_apply_only_where_they_hold(shop: Shop) -> None:
    other = Shop.objects.create(code="other", name="别家店", platform="wechat")
    sku = Sku.objects.create(code="TEA", name="茶叶", weight_g=250)
    PackagingRule.objects.create(shop=shop, instructions="放品牌贴纸")
    PackagingRule.objects.create(max_weight_g=500, instructions="轻件用快递袋")
    rules = active_rules()
    light, heavy = order(shop, sku, 2, 3), order(shop, sku, 3, 4)
    theirs = order(other, sku, 1, 5)
    assert any("放品牌贴纸" in t for t in instructions_for(light, rules=rules))
    assert not any("放品牌贴纸" in t for t in instructions_for(theirs, rules=rules))
    assert any("轻件用快递袋" in t for t in instructions_for(light, rules=rules))  # 500 g
    assert not any("轻件用快递袋" in t for t in instructions_for(heavy, rules=rules))  # 750 g


def test_a_repeat_buyer_card_goes_only_to_buyers_who_ordered_before(shop: Shop) -> None:
    sku = Sku.objects.create(code="TEA", name="茶叶")
    BrandInsert.objects.create(shop=shop, kind="thank_you", text="感谢首次购买")
    BrandInsert.objects.create(shop=shop, kind="flyer", text="老客专享：私域群优惠券", repeat_only=True)
    new = Customer.objects.create(shop=shop, phone_hash="a", orders_count=1)
    back = Customer.objects.create(shop=shop, phone_hash="b", orders_count=3)
    assert ("宣传单", "老客专享：私域群优惠券") not in inserts_for(order(shop, sku, 1, 6, new))
    assert ("宣传单", "老客专享：私域群优惠券") in inserts_for(order(shop, sku, 1, 7, back))
    assert ("感谢卡", "感谢首次购买") in inserts_for(order(shop, sku, 1, 8, new))
