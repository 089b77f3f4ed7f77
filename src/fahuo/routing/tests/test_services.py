"""Database allocation: candidates, checks, caps, explanations, override, apply, query count, parity."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fahuo.accounts.models import AuditLog
from fahuo.carriers.models import Carrier, Contract, RateLine, VolumeTier
from fahuo.catalog.models import Sku
from fahuo.inventory.models import Stock, Warehouse
from fahuo.kit.errors import NotFound
from fahuo.orders.models import Order, OrderLine, OrderStatus
from fahuo.routing import candidates, explanations, scenario, services, solver
from fahuo.routing.models import AllocationDecision, AllocationRun
from fahuo.routing.services import InfeasibleOverride, RunNotEditable

# A copy of ../shared/samples/allocation-scenario (synthetic), so CI runs it from a bare clone.
SAMPLE = Path(__file__).parent / "data" / "allocation-scenario"


def plan(**kwargs):
    return services.plan_allocation(orders=Order.objects.all(), **kwargs)


def decision(run: AllocationRun, order: Order) -> AllocationDecision:
    return run.decisions.select_related("carrier", "warehouse").get(order=order)


def planned(order: Order, **kwargs) -> AllocationDecision:
    """Plan every ready order (after ``order`` was made) and return ``order``'s decision."""
    return decision(plan(**kwargs), order)


def lane(d: AllocationDecision) -> str:
    if d.carrier is None:
        return ""
    assert d.warehouse is not None
    return f"{d.carrier.code}@{d.warehouse.code}"


def option(d: AllocationDecision, key: str) -> dict:
    carrier, warehouse = key.split("@")
    return next(
        o for o in d.explanation["options"] if o["carrier"] == carrier and o["warehouse"] == warehouse
    )


# --- choosing ------------------------------------------------------------------------------------


def test_cheapest_option_is_chosen_when_nothing_is_capped(world):
    order = world.order("北京市")
    run = plan()
    d = decision(run, order)
    assert lane(d) == "ZTO@HZ" and d.freight_fen == 500 and d.reason == "cheapest"
    exp = d.explanation
    assert len(exp["options"]) == 6  # 3 carriers × 2 warehouses, every one listed
    assert exp["options"][0] == {
        "carrier": "ZTO",
        "warehouse": "HZ",
        "price_fen": 500,
        "allowed": True,
        "rule": "",
        "full": False,
        "chosen": True,
        "transit_hours": 48,
    }
    assert [o["price_fen"] for o in exp["options"]] == [500, 600, 1000, 1100, 1400, 1500]
    assert run.status == "preview" and run.orders == run.assigned == 1 and run.total_fen == 500
    assert run.summary["carriers"] == [{"code": "ZTO", "orders": 1, "freight_fen": 500}]
    assert run.summary["warehouses"] == [{"code": "HZ", "orders": 1, "freight_fen": 500}]
    assert run.lp_bound_fen == 500 and run.greedy_fen == 500


def test_billable_weight_uses_the_summed_box_volume_and_the_carrier_divisor(world):
    # 6 teas: 2,400 g actual; 6 × 1,000 cm³ = 6,000,000 mm³ → 750 g at 8000, 1,000 g at 6000
    heavy = world.order("北京市", [("TEA", 6)])
    d = decision(plan(), heavy)
    assert d.explanation["billable_g"] == {"EMS": 2400, "SF": 2400, "ZTO": 2400}
    assert d.freight_fen == 500 + 2 * 200  # two started kilos after the first
    assert d.explanation["volume_cm3"] == 6000


def test_a_full_capacity_forces_the_second_cheapest_and_the_explanation_says_capacity(world):
    world.cap("ZTO", world.hz, 1)
    first, second = world.order("北京市"), world.order("北京市")
    run = plan()
    lanes = sorted(lane(decision(run, o)) for o in (first, second))
    assert lanes == ["ZTO@GZ", "ZTO@HZ"]
    bumped = next(decision(run, o) for o in (first, second) if lane(decision(run, o)) == "ZTO@GZ")
    assert bumped.reason == "capacity" and bumped.freight_fen == 600
    assert option(bumped, "ZTO@HZ")["full"] is True
    assert bumped.explanation["binding_option"] == {
        "carrier": "ZTO",
        "warehouse": "HZ",
        "price_fen": 500,
        "rule": "",
    }
    assert run.summary["capacity"] == {"ZTO@HZ": 1}
    assert run.summary["lanes"] == {"ZTO@HZ": 1, "ZTO@GZ": 1}


def test_an_order_the_caps_cannot_take_is_unassigned_for_capacity(world):
    for carrier in ("ZTO", "EMS", "SF"):
        for wh in (world.hz, world.gz):
            world.cap(carrier, wh, 0)
    order = world.order("北京市")
    run = plan()
    d = decision(run, order)
    assert d.carrier is None and d.reason == "capacity"
    assert run.unassigned == 1 and run.summary["unassigned_by_reason"] == {"capacity": 1}


def test_cold_items_only_go_with_a_cold_chain_carrier(world):
    d = planned(world.order("北京市", [("FISH", 1)]))
    assert lane(d) == "SF@HZ" and d.reason == "rule"
    assert option(d, "ZTO@HZ")["rule"] == "cold_chain" and option(d, "EMS@HZ")["rule"] == "cold_chain"
    assert d.explanation["binding_option"]["rule"] == "cold_chain"


def test_valuable_items_need_an_insured_carrier_and_pay_the_premium(world):
    d = planned(world.order("北京市", [("WATCH", 1)]))
    # EMS: 1000 + max(100, 150000 × 5‰ = 750); SF: 1400 + 1500
    assert lane(d) == "EMS@HZ" and d.freight_fen == 1750
    assert option(d, "EMS@HZ")["insurance_fen"] == 750
    assert option(d, "SF@HZ")["price_fen"] == 2900
    assert option(d, "ZTO@HZ")["rule"] == "insurance"
    assert d.explanation["insured"] is True and d.explanation["declared_value_fen"] == 150000


def test_a_promise_removes_lanes_slower_than_it(world):
    d = planned(world.order("北京市", promise_hours=24))
    assert lane(d) == "SF@HZ" and d.reason == "promise"
    assert option(d, "ZTO@HZ")["rule"] == "promise" and option(d, "SF@GZ")["rule"] == "promise"
    late = world.order("北京市", promise_hours=12)
    d2 = decision(plan(), late)
    assert d2.carrier is None and d2.reason == "promise"


def test_stock_decides_the_warehouse(world):
    world.stock(world.hz, "TEA", on_hand=5, reserved=5)  # nothing free in Hangzhou
    d = planned(world.order("北京市"))
    assert lane(d) == "ZTO@GZ" and d.reason == "rule"
    assert option(d, "ZTO@HZ")["rule"] == "stock"


def test_two_lines_of_one_sku_count_together_against_stock(world):
    world.stock(world.hz, "TEA", on_hand=3)
    d = planned(world.order("北京市", [("TEA", 2), ("TEA", 2)]))
    assert d.warehouse is not None and d.warehouse.code == "GZ"


def test_no_stock_anywhere_leaves_the_order_unassigned_for_stock(world):
    Stock.objects.filter(sku=world.skus["TEA"]).update(on_hand=0)
    d = planned(world.order("北京市"))
    assert d.carrier is None and d.reason == "stock"


def test_a_fixed_warehouse_is_kept_even_when_another_is_cheaper(world):
    d = planned(world.order("北京市", warehouse=world.gz))
    assert lane(d) == "ZTO@GZ" and d.reason == "rule"
    assert option(d, "ZTO@HZ")["rule"] == "warehouse"
    assert d.explanation["fixed_warehouse"] == "GZ"


def test_a_parcel_over_the_weight_limit_needs_a_bigger_carrier(world):
    d = planned(world.order("广东省", [("BRICK", 3)]))  # 33 kg: over ZTO's 30 kg
    assert d.carrier is not None and d.carrier.code in ("EMS", "SF")
    assert option(d, "ZTO@GZ")["rule"] == "weight"


def test_an_order_with_an_item_without_weight_is_unassigned_with_the_sku(world):
    order = world.order("北京市", [("TEA", 1), ("NOWEIGHT", 1)])
    unknown = world.order("北京市", [("NOT-IN-CATALOG", 1)])
    fine = world.order("北京市")
    run = plan()
    d = decision(run, order)
    assert d.carrier is None and d.reason == "sku_weight"
    assert d.explanation == {"reason": "sku_weight", "missing": ["NOWEIGHT"], "options": []}
    assert decision(run, unknown).explanation["missing"] == ["NOT-IN-CATALOG"]
    assert decision(run, fine).carrier is not None
    assert run.summary["unassigned_by_reason"] == {"sku_weight": 2}


def test_an_unknown_destination_has_no_lane(world):
    d = planned(world.order("西藏自治区"))
    assert d.carrier is None and d.reason == "no_lane"
    assert all(o["price_fen"] is None and o["rule"] == "no_lane" for o in d.explanation["options"])


def test_inactive_carriers_and_orders_not_ready_are_left_out(world):
    Carrier.objects.filter(code="ZTO").update(active=False)
    ready = world.order("北京市")
    world.order("北京市", status=OrderStatus.PRINTED)
    run = plan()
    assert run.orders == 1
    d = decision(run, ready)
    assert lane(d) == "EMS@HZ" and {o["carrier"] for o in d.explanation["options"]} == {"EMS", "SF"}


def test_a_volume_tier_lowers_the_first_weight_price(world):
    import datetime as dt

    contract = Contract.objects.create(
        carrier=world.carriers["ZTO"], name="2026", starts_on=dt.date(2026, 1, 1)
    )
    VolumeTier.objects.create(contract=contract, min_daily_avg=0, first_price_delta_fen=-50)
    d = planned(world.order("北京市"), on=dt.date(2026, 6, 1))
    assert d.freight_fen == 450


def test_the_rate_line_in_force_on_the_day_prices_the_lane(world):
    import datetime as dt

    RateLine.objects.create(
        carrier=world.carriers["ZTO"],
        origin_province="浙江省",
        dest_province="北京市",
        first_price_fen=520,
        step_price_fen=200,
        transit_hours=48,
        remote_surcharge_fen=30,
        effective_from=dt.date(2026, 7, 1),
    )
    order = world.order("北京市")
    assert decision(plan(on=dt.date(2026, 6, 30)), order).freight_fen == 500
    later = decision(plan(on=dt.date(2026, 7, 1)), order)
    assert later.freight_fen == 550 and option(later, "ZTO@HZ")["remote_fen"] == 30


# --- explanations agree with the solver's own ------------------------------------------------------


def test_stored_explanations_agree_with_solver_explain(world):
    world.cap("ZTO", world.hz, 2)
    for province, lines in [("北京市", [("TEA", 1)])] * 4 + [
        ("广东省", [("FISH", 1)]),
        ("北京市", [("WATCH", 1)]),
    ]:
        world.order(province, lines)
    cand = candidates.build(orders=Order.objects.all())
    best = solver.solve(cand.problem)
    stored = explanations.explain_all(cand, best, explanations.bindings(cand, best))
    for i in range(cand.n):
        ref = solver.explain(cand.problem, best, i)
        mine = {(o["carrier"], o["warehouse"]): o for o in stored[i]["options"]}
        assert len(mine) == len(ref.options)
        for o in ref.options:
            m = mine[(o.carrier, o.warehouse)]
            assert (m["allowed"], m["full"], m["chosen"]) == (o.allowed, o.full, o.chosen)
            if o.allowed:
                assert m["price_fen"] + m.get("penalty_fen", 0) == o.price_fen
        assert stored[i]["binding"] == ref.binding or stored[i]["binding"] == "preference"


# --- override ----------------------------------------------------------------------------------------


def test_override_to_a_feasible_option_updates_the_decision_and_the_totals(world, owner):
    order = world.order("北京市")
    run = plan()
    result = services.override(
        run=run, order_ids=[order.pk], carrier=world.carriers["SF"], warehouse=world.gz, user=owner
    )
    assert result.updated == 1 and result.skipped == []
    d = decision(run, order)
    assert lane(d) == "SF@GZ" and d.freight_fen == 1500 and d.overridden and d.reason == "manual"
    assert option(d, "SF@GZ")["chosen"] and not option(d, "ZTO@HZ")["chosen"]
    assert d.explanation["override"]["from"] == {"carrier": "ZTO", "warehouse": "HZ", "price_fen": 500}
    run.refresh_from_db()
    assert run.total_fen == 1500 and run.summary["carriers"] == [
        {"code": "SF", "orders": 1, "freight_fen": 1500}
    ]
    assert AuditLog.objects.filter(action="allocation.override", object_id=str(run.pk)).exists()


def test_override_to_a_removed_option_is_refused_with_its_reason(world, owner):
    fish = world.order("北京市", [("FISH", 1)])
    run = plan()
    with pytest.raises(InfeasibleOverride) as exc:
        services.override(
            run=run, order_ids=[fish.pk], carrier=world.carriers["ZTO"], warehouse=world.hz, user=owner
        )
    assert exc.value.status == 422
    assert "cold_chain" in exc.value.message
    assert exc.value.detail == {
        "orders": [{"order_id": fish.pk, "order": fish.platform_order_id, "reason": "cold_chain"}]
    }
    assert lane(decision(run, fish)) == "SF@HZ"


def test_override_respects_the_lane_capacity(world, owner):
    world.cap("SF", world.hz, 1)
    a, b = world.order("北京市"), world.order("北京市")
    run = plan()
    services.override(run=run, order_ids=[a.pk], carrier=world.carriers["SF"], warehouse=world.hz, user=owner)
    with pytest.raises(InfeasibleOverride, match="capacity"):
        services.override(
            run=run, order_ids=[b.pk], carrier=world.carriers["SF"], warehouse=world.hz, user=owner
        )


def test_a_group_override_moves_the_feasible_orders_and_reports_the_rest(world, owner):
    tea, fish = world.order("北京市"), world.order("北京市", [("FISH", 1)])
    other = world.order("广东省")
    run = plan()
    ids = [tea.pk, fish.pk]
    with pytest.raises(InfeasibleOverride, match="1 of 2 orders"):
        services.override(
            run=run, order_ids=ids, carrier=world.carriers["EMS"], warehouse=world.hz, user=owner
        )
    result = services.override(
        run=run,
        order_ids=ids,
        carrier=world.carriers["EMS"],
        warehouse=world.hz,
        user=owner,
        skip_infeasible=True,
    )
    assert result.updated == 1 and [s["reason"] for s in result.skipped] == ["cold_chain"]
    assert lane(decision(run, tea)) == "EMS@HZ" and lane(decision(run, fish)) == "SF@HZ"
    assert lane(decision(run, other)) == "ZTO@GZ"


def test_an_order_outside_the_run_cannot_be_overridden(world, owner):
    run = plan()
    outsider = world.order("北京市")
    with pytest.raises(NotFound):
        services.override(
            run=run, order_ids=[outsider.pk], carrier=world.carriers["ZTO"], warehouse=world.hz, user=owner
        )


# --- apply ---------------------------------------------------------------------------------------------


def test_apply_gives_carrier_and_warehouse_only_to_orders_still_ready(world, owner):
    a, b = world.order("北京市"), world.order("广东省", [("FISH", 1)])
    gone = world.order("北京市")
    no_weight = world.order("北京市", [("NOWEIGHT", 1)])
    run = plan()
    Order.objects.filter(pk=gone.pk).update(status=OrderStatus.PRINTED)
    result = services.apply_run(run=run, user=owner)
    assert (result.applied, result.not_ready, result.already) == (2, 1, False)
    rows = dict(Order.objects.values_list("pk", "carrier__code"))
    assert rows == {a.pk: "ZTO", b.pk: "SF", gone.pk: None, no_weight.pk: None}
    assert Order.objects.filter(pk=b.pk).values_list("warehouse__code", flat=True).get() == "GZ"
    run.refresh_from_db()
    assert run.status == "applied" and run.applied_at is not None
    assert run.summary["applied"] == {"orders": 2, "not_ready": 1, "by": "owner"}
    assert AuditLog.objects.filter(action="allocation.apply", object_id=str(run.pk)).count() == 1


def test_apply_is_idempotent(world, owner):
    world.order("北京市")
    run = plan()
    first = services.apply_run(run=run, user=owner)
    again = services.apply_run(run=run, user=owner)
    assert (again.applied, again.not_ready, again.already) == (first.applied, first.not_ready, True)
    assert AuditLog.objects.filter(action="allocation.apply").count() == 1
    with pytest.raises(RunNotEditable):
        services.override(
            run=run,
            order_ids=[run.decisions.first().order_id],
            carrier=world.carriers["SF"],
            warehouse=world.hz,
            user=owner,
        )


def test_applying_a_run_discards_older_previews_of_the_same_orders(world, owner):
    order = world.order("北京市")
    older, newer = plan(), plan()
    unrelated = services.plan_allocation(orders=Order.objects.none())
    services.apply_run(run=newer, user=owner)
    older.refresh_from_db()
    unrelated.refresh_from_db()
    assert older.status == "discarded" and unrelated.status == "preview"
    assert Order.objects.filter(pk=order.pk).values_list("carrier__code", flat=True).get() == "ZTO"


def test_a_warehouse_written_by_an_applied_run_is_not_taken_as_fixed(world, owner):
    order = world.order("北京市")
    world.cap("ZTO", world.hz, 0)
    run = plan()
    services.apply_run(run=run, user=owner)
    assert Order.objects.get(pk=order.pk).warehouse == world.gz
    world.cap("ZTO", world.hz, 5)
    d = decision(plan(), order)
    assert lane(d) == "ZTO@HZ" and d.explanation["fixed_warehouse"] == ""


# --- set-based ------------------------------------------------------------------------------------------


def _queries_to_plan() -> int:
    with CaptureQueriesContext(connection) as ctx:
        plan()
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_orders(world):
    world.cap("ZTO", world.hz, 3)
    for _ in range(3):
        world.order("北京市", [("TEA", 1), ("FISH", 1)])
    few = _queries_to_plan()
    for k in range(60):
        world.order(["北京市", "广东省"][k % 2], [("TEA", 1 + k % 3)], promise_hours=[None, 24, 48][k % 3])
    world.order("北京市", [("NOWEIGHT", 1)])
    assert _queries_to_plan() == few


# --- parity with the scenario reader --------------------------------------------------------------------


def _write(path: Path, rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _db_from_scenario(sc: scenario.Scenario, shop) -> None:
    """The same instance in the database: one SKU per order carrying its weight, box and traits."""
    warehouses = {
        w.code: Warehouse.objects.create(code=w.code, name=w.name or w.code, province=w.province, city="")
        for w in sc.warehouses
    }
    carriers = {
        c.code: Carrier.objects.create(
            code=c.code,
            name=c.name or c.code,
            cold_chain=c.cold_chain,
            insured=c.insured,
            volumetric_divisor=c.volumetric_divisor,
            max_weight_g=c.max_weight_g,
            insurance_rate_permille=0,
            insurance_min_fen=0,
        )
        for c in sc.carriers
    }
    RateLine.objects.bulk_create(
        RateLine(
            carrier=carriers[r.carrier],
            origin_province=r.origin_province,
            dest_province=r.dest_province,
            first_weight_g=r.first_weight_g,
            first_price_fen=r.first_price_fen,
            step_weight_g=r.step_weight_g,
            step_price_fen=r.step_price_fen,
            transit_hours=r.transit_hours,
        )
        for r in sc.rates
    )
    from fahuo.carriers.models import Capacity

    Capacity.objects.bulk_create(
        Capacity(carrier=carriers[k.carrier], warehouse=warehouses[k.warehouse], max_parcels=k.max_parcels)
        for k in sc.capacities
    )
    o = sc.orders
    skus = Sku.objects.bulk_create(
        Sku(
            code=f"S-{oid}",
            name=oid,
            weight_g=int(o.weight_g[i]),
            length_mm=int(o.length_mm[i]),
            width_mm=int(o.width_mm[i]),
            height_mm=int(o.height_mm[i]),
            traits=[t for t, on in (("cold", o.cold[i]), ("valuable", o.valuable[i])) if on],
        )
        for i, oid in enumerate(o.order_id)
    )
    orders = Order.objects.bulk_create(
        Order(
            shop=shop,
            platform_order_id=oid,
            status=OrderStatus.READY,
            province=o.dest_province[i],
            warehouse=warehouses[o.warehouse[i]] if o.warehouse[i] else None,
            promise_hours=int(o.promise_hours[i]) if o.promise_hours[i] >= 0 else None,
        )
        for i, oid in enumerate(o.order_id)
    )
    OrderLine.objects.bulk_create(
        OrderLine(order=order, platform_line_id="1", sku=sku, sku_code=sku.code, title=sku.name, quantity=1)
        for order, sku in zip(orders, skus, strict=True)
    )
    Stock.objects.bulk_create(
        Stock(warehouse=wh, sku=sku, on_hand=1) for wh in warehouses.values() for sku in skus
    )


def _parity(directory: Path, shop) -> tuple[AllocationRun, solver.Solution]:
    sc = scenario.read_scenario(directory)
    reference = solver.solve(scenario.build_problem(sc))
    _db_from_scenario(sc, shop)
    run = services.plan_allocation(orders=Order.objects.all())
    return run, reference


def test_the_database_path_finds_the_scenario_readers_optimum(shop, tmp_path):
    _write(tmp_path / "warehouses.csv", [["code", "province"], ["HZ", "浙江省"], ["GZ", "广东省"]])
    _write(
        tmp_path / "carriers.csv",
        [
            ["carrier", "cold_chain", "insured", "volumetric_divisor", "max_weight_g"],
            ["ZTO", 0, 0, 8000, 30000],
            ["SF", 1, 1, 6000, 50000],
        ],
    )
    _write(
        tmp_path / "rates.csv",
        [
            [
                "carrier",
                "origin_province",
                "dest_province",
                "first_weight_g",
                "first_price_fen",
                "step_weight_g",
                "step_price_fen",
                "transit_hours",
            ],
            ["ZTO", "浙江省", "北京市", 1000, 440, 1000, 200, 48],
            ["ZTO", "广东省", "北京市", 1000, 480, 1000, 200, 60],
            ["ZTO", "广东省", "广东省", 1000, 300, 1000, 100, 24],
            ["SF", "浙江省", "北京市", 1000, 1400, 1000, 800, 30],
            ["SF", "广东省", "北京市", 1000, 1500, 1000, 800, 30],
            ["SF", "广东省", "广东省", 1000, 1000, 1000, 300, 24],
        ],
    )
    _write(
        tmp_path / "capacity.csv",
        [["carrier", "warehouse", "max_parcels"], ["ZTO", "HZ", 2], ["SF", "GZ", 1]],
    )
    _write(
        tmp_path / "orders.csv",
        [
            [
                "order_id",
                "warehouse",
                "dest_province",
                "weight_g",
                "length_mm",
                "width_mm",
                "height_mm",
                "traits",
                "promise_hours",
            ],
            ["A1", "", "北京市", 800, 100, 100, 100, "", ""],
            ["A2", "", "北京市", 1200, 300, 200, 200, "", ""],
            ["A3", "", "北京市", 500, 100, 100, 50, "", "36"],
            ["A4", "GZ", "北京市", 500, 100, 100, 50, "", ""],
            ["A5", "", "广东省", 900, 200, 200, 100, "cold", ""],
            ["A6", "", "广东省", 31000, 100, 100, 100, "", ""],
            ["A7", "", "北京市", 300, 100, 100, 100, "valuable", ""],
            ["A8", "", "上海市", 300, 100, 100, 100, "", ""],
        ],
    )
    run, ref = _parity(tmp_path, shop)
    assert (run.assigned, run.total_fen) == (ref.served, ref.total_fen)
    assert run.lp_bound_fen == ref.total_fen
    # the same reasons for the unservable ones (the scenario has no stock or seller-rule checks)
    assert run.summary["unassigned_by_reason"] == ref.reason_counts()


@pytest.mark.skipif(not SAMPLE.is_dir(), reason=f"shared sample not found at {SAMPLE}")
def test_the_database_path_finds_the_shared_samples_optimum(shop):
    run, ref = _parity(SAMPLE, shop)
    assert (ref.served, ref.total_fen) == (1992, 2925140)
    assert (run.assigned, run.total_fen, run.lp_bound_fen) == (1992, 2925140, 2925140)
    assert run.summary["unassigned_by_reason"] == {"promise": 8}
