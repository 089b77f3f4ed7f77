"""Packaging rules, carton choice (never an impossible fit) and set-based packing of parcels."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fahuo.fulfilment.models import Carton, PackagingRule, Parcel
from fahuo.fulfilment.packing.cartons import (
    MAX_UNITS,
    CartonChoice,
    Placement,
    choose_carton,
    fits_some_orientation,
    pack_box,
    verify,
    volumetric_weight_g,
)
from fahuo.fulfilment.packing.services import (
    DEFAULT_RULES,
    carton_for_order,
    chargeable_weight_g,
    ensure_default_cartons,
    ensure_default_packaging_rules,
    instructions_for,
    pack_parcels,
)
from fahuo.fulfilment.tests.packing_helpers import make_order, make_parcel, make_sku


def carton_code(choice: CartonChoice) -> str:
    assert choice.carton is not None, choice.reason
    return choice.carton.code


def box(
    code: str,
    length: int,
    w: int,
    h: int,
    *,
    rigid: bool = True,
    insulated: bool = False,
    active: bool = True,
):
    return SimpleNamespace(
        code=code, length_mm=length, width_mm=w, height_mm=h, rigid=rigid, insulated=insulated, active=active
    )


# --- packaging rules -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_default_rules_are_created_once_and_keep_the_sellers_edits() -> None:
    assert ensure_default_packaging_rules() == len(DEFAULT_RULES)
    PackagingRule.objects.filter(trait="fragile").update(instructions="我们自己的易碎包装")
    assert ensure_default_packaging_rules() == 0
    assert PackagingRule.objects.get(trait="fragile").instructions == "我们自己的易碎包装"
    traits = set(PackagingRule.objects.values_list("trait", flat=True))
    assert {
        "fragile",
        "liquid",
        "powder",
        "irregular",
        "cold",
        "light_sensitive",
        "multi_sku",
        "valuable",
    } <= traits


@pytest.mark.django_db
def test_instructions_combine_the_rules_of_the_order_traits_by_priority(shop: Any) -> None:
    ensure_default_packaging_rules()
    bottle = make_sku("GLASS", traits=("liquid", "fragile"))
    order = make_order(shop, [(bottle, 2)])
    lines = instructions_for(order)
    assert len(lines) == 2
    assert lines[0].startswith("易碎：") and "气泡膜/珍珠棉" in lines[0] and "硬纸箱" in lines[0]
    assert lines[1].startswith("液体：") and "防漏胶带" in lines[1] and "瓶口朝上" in lines[1]


@pytest.mark.django_db
def test_the_multi_sku_rule_applies_only_to_orders_of_more_than_one_sku(shop: Any) -> None:
    ensure_default_packaging_rules()
    mask, candy = make_sku("MASK"), make_sku("CANDY")
    assert instructions_for(make_order(shop, [(mask, 3)])) == []
    lines = instructions_for(make_order(shop, [(mask, 1), (candy, 1)]))
    assert len(lines) == 1 and lines[0].startswith("多商品：") and "串味" in lines[0]


@pytest.mark.django_db
def test_cold_powder_light_sensitive_irregular_and_valuable_each_get_their_rule(shop: Any) -> None:
    ensure_default_packaging_rules()
    skus = [
        make_sku("ICE", traits=("cold",)),
        make_sku("MILK", traits=("powder", "light_sensitive")),
        make_sku("CRYSTAL", traits=("irregular", "valuable")),
    ]
    text = "\n".join(instructions_for(make_order(shop, [(s, 1) for s in skus])))
    for words in ("保温箱", "冰袋", "双层密封袋", "避光袋", "定制内衬", "封口贴", "分装内袋"):
        assert words in text


@pytest.mark.django_db
def test_identical_instructions_are_printed_once_and_inactive_rules_not_at_all(shop: Any) -> None:
    PackagingRule.objects.create(trait="liquid", instructions="密封袋", priority=5)
    PackagingRule.objects.create(trait="powder", instructions="密封袋", priority=5)
    PackagingRule.objects.create(trait="cold", instructions="冰袋", active=False)
    sku = make_sku("X", traits=("liquid", "powder", "cold"))
    assert instructions_for(make_order(shop, [(sku, 1)])) == ["液体：密封袋", "粉末：密封袋"]
    PackagingRule.objects.filter(trait="powder").update(trait="liquid")
    assert instructions_for(make_order(shop, [(sku, 1)])) == ["液体：密封袋"]


@pytest.mark.django_db
def test_an_eco_rule_prints_its_biodegradable_alternative_instead_of_bubble_wrap(shop: Any) -> None:
    ensure_default_packaging_rules()
    order = make_order(shop, [(make_sku("CUP", traits=("fragile",)), 1)])
    assert "气泡膜" in instructions_for(order)[0]
    PackagingRule.objects.filter(trait="fragile").update(eco=True)
    eco = instructions_for(order)[0]
    assert "环保：可降解填充" in eco and "气泡膜" not in eco
    assert "气泡膜" in instructions_for(order, eco=False)[0]


@pytest.mark.django_db
def test_a_default_rule_applies_to_every_order(shop: Any) -> None:
    PackagingRule.objects.create(trait="default", instructions="封箱前核对件数", priority=999)
    assert instructions_for(make_order(shop, [(make_sku("A"), 1)])) == ["通用：封箱前核对件数"]


# --- carton choice (pure) ------------------------------------------------------------------------

CARTONS = [
    box("B12", 130, 80, 90),
    box("B7", 230, 130, 160),
    box("B5", 290, 170, 190),
    box("B3", 430, 210, 270),
    box("BAG", 350, 250, 40, rigid=False),
    box("COLD", 300, 200, 180, insulated=True),
]


def test_the_smallest_carton_that_holds_everything_is_chosen() -> None:
    assert carton_code(choose_carton(items=[(100, 60, 50, 1)], cartons=CARTONS)) == "B12"
    # four masks 200x150x30 stack to 120 high: the soft bag (40 high) is too flat, B7 holds them
    choice = choose_carton(items=[(200, 150, 30, 4)], cartons=CARTONS)
    assert carton_code(choice) == "B7"
    assert len(choice.placements) == 4 and verify((230, 130, 160), choice.placements)


def test_a_flat_item_goes_in_the_soft_mailer_unless_it_needs_a_rigid_box() -> None:
    assert carton_code(choose_carton(items=[(300, 200, 30, 1)], cartons=CARTONS)) == "BAG"
    assert carton_code(choose_carton(items=[(300, 200, 30, 1)], cartons=CARTONS, needs_rigid=True)) == "B3"


def test_cold_goods_only_go_in_an_insulated_box() -> None:
    assert (
        carton_code(choose_carton(items=[(100, 60, 50, 1)], cartons=CARTONS, needs_insulated=True)) == "COLD"
    )
    none = choose_carton(items=[(100, 60, 50, 1)], cartons=CARTONS[:4], needs_insulated=True)
    assert none.carton is None and none.reason == "no_carton" and "保温箱" in none.message


def test_an_item_is_rotated_to_fit() -> None:
    # 300 long does not fit lengthwise in 290x170x190 ... but it does diagonally? No: only axis-aligned
    choice = choose_carton(items=[(50, 300, 40, 1)], cartons=[box("TALL", 100, 60, 320)])
    assert choice.ok
    (p,) = choice.placements
    assert p.dz == 300 and verify((100, 60, 320), choice.placements)


def test_enough_volume_is_not_enough_when_the_shapes_do_not_fit() -> None:
    # two 60 mm cubes take 43 % of a 100 mm cube, yet side by side they need 120 mm
    choice = choose_carton(items=[(60, 60, 60, 2)], cartons=[box("CUBE", 100, 100, 100)])
    assert choice.carton is None and choice.reason == "no_carton"
    assert pack_box((100, 100, 100), [(60, 60, 60)] * 2) is None


def test_an_item_longer_than_every_carton_gets_no_carton_with_a_reason() -> None:
    choice = choose_carton(items=[(620, 160, 160, 1)], cartons=CARTONS)
    assert choice.carton is None and choice.reason == "too_big" and choice.message


def test_items_without_a_size_and_too_many_units_are_refused_with_a_reason() -> None:
    assert choose_carton(items=[(None, 10, 10, 1)], cartons=CARTONS).reason == "missing_size"
    assert choose_carton(items=[(10, 10, 10, MAX_UNITS + 1)], cartons=CARTONS).reason == "too_many_units"
    assert choose_carton(items=[], cartons=CARTONS).reason == "no_items"


def test_inactive_cartons_are_never_chosen() -> None:
    cartons = [box("OFF", 130, 80, 90, active=False), box("ON", 230, 130, 160)]
    assert carton_code(choose_carton(items=[(100, 60, 50, 1)], cartons=cartons)) == "ON"


def test_padding_keeps_room_around_the_goods() -> None:
    assert carton_code(choose_carton(items=[(120, 70, 80, 1)], cartons=CARTONS)) == "B12"
    assert carton_code(choose_carton(items=[(120, 70, 80, 1)], cartons=CARTONS, padding_mm=10)) == "B7"


def test_a_perfect_fit_is_found() -> None:
    placements = pack_box((300, 200, 100), [(100, 100, 50)] * 12)
    assert placements is not None and verify((300, 200, 100), placements)


def test_the_certificate_check_rejects_overlaps_and_overhangs() -> None:
    a = Placement(0, 0, 0, 0, 10, 10, 10)
    assert verify((20, 20, 20), [a, Placement(1, 10, 0, 0, 10, 10, 10)])
    assert not verify((20, 20, 20), [a, Placement(1, 5, 5, 5, 10, 10, 10)])
    assert not verify((20, 20, 20), [Placement(0, 15, 0, 0, 10, 10, 10)])


def test_volumetric_weight_is_cubic_mm_over_the_divisor_in_grams() -> None:
    assert volumetric_weight_g((300, 200, 100), 8000) == 750
    assert volumetric_weight_g((301, 200, 100), 6000) == 1004  # rounded up


sides = st.integers(min_value=5, max_value=400)
item_st = st.tuples(sides, sides, sides, st.integers(min_value=1, max_value=4))
carton_st = st.builds(lambda a, b, c: box(f"{a}x{b}x{c}", a, b, c), sides, sides, sides)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=st.lists(item_st, min_size=1, max_size=4), cartons=st.lists(carton_st, min_size=1, max_size=6))
def test_a_chosen_carton_is_always_physically_possible(items, cartons) -> None:
    choice = choose_carton(items=items, cartons=cartons)
    units = [(a, b, c) for a, b, c, q in items for _ in range(q)]
    if choice.carton is None:
        # a single unit that fits some carton in some orientation is never refused
        if len(units) == 1:
            assert not any(
                fits_some_orientation(units[0], (c.length_mm, c.width_mm, c.height_mm)) for c in cartons
            )
        return
    c = choice.carton
    dims = (c.length_mm, c.width_mm, c.height_mm)
    assert c.length_mm * c.width_mm * c.height_mm >= sum(a * b * c for a, b, c in units)
    assert all(fits_some_orientation(u, dims) for u in units)
    assert len(choice.placements) == len(units) and verify(dims, choice.placements)
    for p in choice.placements:  # each unit is placed in one of its own orientations
        assert sorted((p.dx, p.dy, p.dz)) == sorted(units[p.item])
    # and it is the smallest carton for which a fit was found
    smaller = [
        b for b in cartons if b.length_mm * b.width_mm * b.height_mm < c.length_mm * c.width_mm * c.height_mm
    ]
    for b in smaller:
        assert pack_box((b.length_mm, b.width_mm, b.height_mm), units) is None


# --- carton choice and weights on parcels --------------------------------------------------------


@pytest.mark.django_db
def test_carton_for_an_order_needs_rigid_padded_box_for_fragile_and_reports_missing_sizes(shop: Any) -> None:
    ensure_default_cartons()
    cartons = list(Carton.objects.all())
    mugs = make_sku("MUG", size=(220, 120, 120), traits=("fragile",))
    plain = make_sku("TIN", size=(220, 120, 120))
    assert carton_code(carton_for_order(make_order(shop, [(plain, 1)]), cartons=cartons)) == "B7"
    # B7 (230x130x160) leaves no room for 10 mm of filling around a fragile mug
    choice = carton_for_order(make_order(shop, [(mugs, 1)]), cartons=cartons)
    assert choice.carton is not None and choice.carton.rigid and choice.carton.code == "B6"
    unknown = make_sku("NOSIZE", size=None)
    missing = carton_for_order(make_order(shop, [(mugs, 1), (unknown, 1)]), cartons=cartons)
    assert missing.carton is None and missing.reason == "missing_size" and "NOSIZE" in missing.message


@pytest.mark.django_db
def test_pack_parcels_stores_the_carton_and_the_packed_and_volumetric_weights(
    shop: Any, warehouse: Any, sandbox_carrier: Any
) -> None:
    ensure_default_cartons(warehouse=warehouse)
    sandbox_carrier.volumetric_divisor = 6000
    sandbox_carrier.save()
    mask = make_sku("MASK", size=(200, 150, 30), weight=320)
    parcel = make_parcel(make_order(shop, [(mask, 2)], warehouse=warehouse), sandbox_carrier)
    choices = pack_parcels(parcels=[parcel])
    parcel.refresh_from_db()
    carton = parcel.carton
    assert carton is not None and carton.warehouse_id == warehouse.pk and choices[parcel.pk].carton == carton
    assert carton.code == "BAG-M"  # two flat masks, nothing fragile: the mailer bag
    assert parcel.packed_weight_g == 2 * 320 + carton.weight_g
    assert parcel.volumetric_weight_g == -(-carton.length_mm * carton.width_mm * carton.height_mm // 6000)
    assert chargeable_weight_g(parcel) == max(parcel.packed_weight_g, parcel.volumetric_weight_g)


@pytest.mark.django_db
def test_a_warehouse_without_its_own_cartons_uses_the_global_list(
    shop: Any, warehouse: Any, sandbox_carrier: Any
) -> None:
    ensure_default_cartons()  # global only
    parcel = make_parcel(make_order(shop, [(make_sku("A"), 1)], warehouse=warehouse), sandbox_carrier)
    pack_parcels(parcels=Parcel.objects.filter(pk=parcel.pk))
    parcel.refresh_from_db()
    assert parcel.carton is not None and parcel.carton.warehouse_id is None


@pytest.mark.django_db
def test_a_parcel_without_a_carton_keeps_the_goods_weight_and_no_volumetric_weight(
    shop: Any, sandbox_carrier: Any
) -> None:
    ensure_default_cartons()
    mat = make_sku("YOGA", size=(820, 160, 160), weight=1100, traits=("irregular",))
    parcel = make_parcel(make_order(shop, [(mat, 1)]), sandbox_carrier)
    assert pack_parcels(parcels=[parcel])[parcel.pk].reason == "too_big"
    parcel.refresh_from_db()
    assert parcel.carton is None and parcel.packed_weight_g == 1100 and parcel.volumetric_weight_g is None


@pytest.mark.django_db
def test_packing_many_parcels_takes_as_many_queries_as_packing_a_few(
    shop: Any, warehouse: Any, sandbox_carrier: Any
) -> None:
    ensure_default_cartons(warehouse=warehouse)
    ensure_default_cartons()
    skus = [
        make_sku(f"S{i}", size=(50 + 20 * i, 40, 30), traits=("fragile",) if i % 2 else ()) for i in range(4)
    ]

    def parcels(n: int, start: int) -> list[Parcel]:
        out = []
        for i in range(n):
            wh = warehouse if i % 2 else None
            order = make_order(shop, [(skus[i % 4], 1 + i % 3), (skus[(i + 1) % 4], 1)], warehouse=wh)
            out.append(make_parcel(order, sandbox_carrier))
        return out

    few, many = parcels(3, 0), parcels(12, 3)
    with CaptureQueriesContext(connection) as small:
        pack_parcels(parcels=few)
    with CaptureQueriesContext(connection) as big:
        pack_parcels(parcels=many)
    assert len(big) == len(small) <= 5
    assert Parcel.objects.filter(carton__isnull=True).count() == 0
