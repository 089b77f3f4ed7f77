"""Stock as a constraint across the run, and reserved by applied runs until the orders ship.

Prices to 北京市 (conftest): ZTO@HZ 500, ZTO@GZ 600, EMS@HZ 1000, EMS@GZ 1100, SF@HZ 1400, SF@GZ 1500;
to 广东省: ZTO@GZ 300, ZTO@HZ 450. A third warehouse NJ (江苏省) gets its own lanes here.
"""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from fahuo.carriers.models import RateLine
from fahuo.inventory.models import Stock, Warehouse
from fahuo.orders.models import Order, OrderStatus
from fahuo.routing import services, solver
from fahuo.routing.models import AllocationDecision, AllocationRun
from fahuo.routing.services import InfeasibleOverride


def plan(orders=None) -> AllocationRun:
    return services.plan_allocation(orders=orders if orders is not None else Order.objects.all())


def lane(d: AllocationDecision) -> str:
    if d.carrier is None:
        return ""
    assert d.warehouse is not None
    return f"{d.carrier.code}@{d.warehouse.code}"


def by_order(run: AllocationRun) -> dict[int, AllocationDecision]:
    return {d.order_id: d for d in run.decisions.select_related("carrier", "warehouse")}


def option(d: AllocationDecision, key: str) -> dict:
    c, w = key.split("@")
    return next(o for o in d.explanation["options"] if o["carrier"] == c and o["warehouse"] == w)


def tea_stock(world, **units: int) -> None:
    for code, n in units.items():
        wh = world.hz if code == "HZ" else world.gz if code == "GZ" else Warehouse.objects.get(code=code)
        world.stock(wh, "TEA", on_hand=n)


def add_nanjing(world) -> Warehouse:
    nj = Warehouse.objects.create(code="NJ", name="南京仓", province="江苏省", city="南京市")
    lanes = {("ZTO", "北京市"): (450, 48), ("EMS", "北京市"): (950, 48), ("ZTO", "广东省"): (520, 36)}
    RateLine.objects.bulk_create(
        RateLine(
            carrier=world.carriers[c],
            origin_province="江苏省",
            dest_province=dest,
            first_price_fen=first,
            step_price_fen=200,
            transit_hours=hours,
        )
        for (c, dest), (first, hours) in lanes.items()
    )
    for sku in world.skus.values():
        Stock.objects.create(warehouse=nj, sku=sku, on_hand=1000)
    return nj


# --- within one run ----------------------------------------------------------------------------------


def test_a_warehouse_gives_no_more_stock_than_it_has(world):
    tea_stock(world, HZ=1, GZ=1)
    a, b, c = (world.order("北京市") for _ in range(3))
    run = plan()
    ds = by_order(run)
    assert sorted(lane(d) for d in ds.values()) == ["", "ZTO@GZ", "ZTO@HZ"]
    assert run.total_fen == 500 + 600 and run.summary["method"] == "mip"
    assert run.summary["unassigned_by_reason"] == {"stock": 1}
    assert run.summary["stock"] == {"GZ": {"TEA": 1}, "HZ": {"TEA": 1}}
    second = next(d for d in ds.values() if lane(d) == "ZTO@GZ")
    assert second.reason == "stock"
    assert second.explanation["binding_option"] == {
        "carrier": "ZTO",
        "warehouse": "HZ",
        "price_fen": 500,
        "rule": "",
    }
    assert option(second, "ZTO@HZ")["stock_short"] is True
    left = next(d for d in ds.values() if not d.carrier)
    assert left.explanation["reason"] == "stock" and left.explanation["demand"] == {"TEA": 1}
    assert option(left, "ZTO@HZ")["allowed"] and option(left, "ZTO@HZ")["stock_short"]
    assert {a.pk, b.pk, c.pk} == set(ds)


def test_ample_stock_keeps_the_min_cost_flow(world):
    for _ in range(3):
        world.order("北京市")
    run = plan()
    assert run.summary["method"] == "min_cost_flow" and run.summary["stock_rows"] == 0  # cannot bind
    first = run.decisions.first()
    assert first is not None
    assert run.total_fen == 1500 and "stock_short" not in str(first.explanation)


def test_stock_that_could_bind_but_holds_under_the_flow_optimum_keeps_the_flow(world):
    tea_stock(world, HZ=1)  # both orders could ship from HZ, only one wants to
    to_bj, to_gd = world.order("北京市"), world.order("广东省")
    run = plan()
    ds = by_order(run)
    assert (lane(ds[to_bj.pk]), lane(ds[to_gd.pk])) == ("ZTO@HZ", "ZTO@GZ")
    assert run.summary["method"] == "min_cost_flow" and run.summary["stock_rows"] == 2  # HZ and GZ tea


def test_fixed_warehouse_orders_take_their_stock_first(world):
    tea_stock(world, HZ=2)
    fixed = world.order("北京市", warehouse=world.hz)
    x, y = world.order("北京市"), world.order("北京市")
    ds = by_order(plan())
    assert lane(ds[fixed.pk]) == "ZTO@HZ"
    assert sorted(lane(ds[o.pk]) for o in (x, y)) == ["ZTO@GZ", "ZTO@HZ"]


def test_an_order_needing_more_than_a_warehouse_has_left_loses_it_up_front(world):
    tea_stock(world, HZ=3)
    world.order("北京市", warehouse=world.hz, lines=[("TEA", 2)])
    big = world.order("北京市", [("TEA", 2)])
    d = by_order(plan())[big.pk]
    assert lane(d) == "ZTO@GZ" and option(d, "ZTO@HZ")["rule"] == "stock"


def _brute_force(run: AllocationRun) -> tuple[int, int]:
    """(served, freight) of the best allocation of the run's orders over their allowed options,
    the caps and the stock the run could share — by enumeration."""
    stock = run.summary["stock"]
    caps = run.summary["capacity"]
    ds = list(run.decisions.all())
    choices = [[None, *(o for o in d.explanation.get("options", []) if o["allowed"])] for d in ds]
    best = (0, 0)
    for combo in itertools.product(*choices):
        used: dict[str, int] = {}
        units: dict[tuple[str, str], int] = {}
        served = fen = 0
        for d, o in zip(ds, combo, strict=True):
            if o is None:
                continue
            key = f"{o['carrier']}@{o['warehouse']}"
            used[key] = used.get(key, 0) + 1
            for sku, q in (d.explanation.get("demand") or {}).items():
                units[(o["warehouse"], sku)] = units.get((o["warehouse"], sku), 0) + q
            served, fen = served + 1, fen + o["price_fen"]
        if any(n > caps.get(k, n) for k, n in used.items()):
            continue
        if any(n > stock[w][s] for (w, s), n in units.items()):
            continue
        if (served, -fen) > (best[0], -best[1]):
            best = (served, fen)
    return best


def test_three_warehouses_with_short_stock_match_the_brute_force_optimum(world):
    nj = add_nanjing(world)
    tea_stock(world, HZ=2, GZ=1, NJ=2)
    world.cap("ZTO", nj, 1)
    for province, qty in (("北京市", 1), ("北京市", 2), ("广东省", 1), ("北京市", 1), ("广东省", 2)):
        world.order(province, [("TEA", qty)])
    run = plan()
    # 7 units asked, 5 in stock: at most 4 orders, leaving out a 2-unit one. By hand: the 广东 pair
    # of 2 waits; 北京 ×2 from NJ (ZTO 450, NJ's one ZTO parcel), the other two 北京 from HZ (2 × 500),
    # 广东 ×1 from GZ (300) = 1750. Leaving the 北京 pair out instead costs 2150.
    assert (run.assigned, run.total_fen) == _brute_force(run) == (4, 1750)
    assert sorted(lane(d) for d in run.decisions.select_related("carrier", "warehouse")) == [
        "",
        "ZTO@GZ",
        "ZTO@HZ",
        "ZTO@HZ",
        "ZTO@NJ",
    ]
    assert run.summary["unassigned_by_reason"] == {"stock": 1}
    units: dict[str, int] = {}
    for d in run.decisions.filter(warehouse__isnull=False).select_related("warehouse"):
        assert d.warehouse is not None
        units[d.warehouse.code] = units.get(d.warehouse.code, 0) + d.explanation["demand"]["TEA"]
    assert all(units[w] <= n for w, n in (("HZ", 2), ("GZ", 1), ("NJ", 2)) if w in units)
    assert run.lp_bound_fen is not None and run.lp_bound_fen <= run.total_fen and run.greedy_fen >= 0


def test_override_into_a_warehouse_without_stock_left_is_refused(world, owner):
    tea_stock(world, HZ=1, GZ=1)
    world.order("北京市"), world.order("北京市")
    run = plan()
    second = next(d for d in by_order(run).values() if lane(d) == "ZTO@GZ")
    with pytest.raises(InfeasibleOverride, match="stock"):
        services.override(
            run=run,
            order_ids=[second.order_id],
            carrier=world.carriers["EMS"],
            warehouse=world.hz,
            user=owner,
        )
    services.override(  # inside its own warehouse the units it holds move with it
        run=run, order_ids=[second.order_id], carrier=world.carriers["EMS"], warehouse=world.gz, user=owner
    )
    assert lane(by_order(run)[second.order_id]) == "EMS@GZ"


# --- across runs ---------------------------------------------------------------------------------------


def test_an_applied_run_holds_its_stock_until_the_orders_ship(world, owner):
    tea_stock(world, HZ=2)
    a, b = world.order("北京市"), world.order("北京市")
    first = plan()
    assert sorted(lane(d) for d in by_order(first).values()) == ["ZTO@HZ", "ZTO@HZ"]
    services.apply_run(run=first, user=owner)

    c = world.order("北京市")
    later = plan(Order.objects.filter(pk=c.pk))  # right after applying: HZ's two units are taken
    d = by_order(later)[c.pk]
    assert lane(d) == "ZTO@GZ" and option(d, "ZTO@HZ")["rule"] == "stock"
    assert later.summary["stock_held"] == {"HZ": {"TEA": 2}}

    Order.objects.filter(pk=a.pk).update(status=OrderStatus.PRINTED)  # printed, not shipped: still held
    again = by_order(plan())  # b and c are planned again: their own holds are released
    assert sorted(lane(again[o.pk]) for o in (b, c)) == ["ZTO@GZ", "ZTO@HZ"]

    Order.objects.filter(pk=a.pk).update(status=OrderStatus.SHIPPED)  # gone from the warehouse's books
    shipped = by_order(plan())
    assert sorted(lane(shipped[o.pk]) for o in (b, c)) == ["ZTO@HZ", "ZTO@HZ"]


def test_a_cancelled_or_re_planned_order_holds_nothing(world, owner):
    tea_stock(world, HZ=1)
    a = world.order("北京市")
    services.apply_run(run=plan(), user=owner)
    b = world.order("北京市")
    assert lane(by_order(plan(Order.objects.filter(pk=b.pk)))[b.pk]) == "ZTO@GZ"
    Order.objects.filter(pk=a.pk).update(status=OrderStatus.CANCELLED)
    assert lane(by_order(plan(Order.objects.filter(pk=b.pk)))[b.pk]) == "ZTO@HZ"


# --- the solver against brute force -------------------------------------------------------------------


def test_solver_stock_rows_match_brute_force_on_random_small_instances():
    rng = random.Random(20261123)
    for _ in range(40):
        n, nc, nw, nk = rng.randint(1, 5), rng.randint(1, 2), 3, 2
        cost = [
            [[rng.choice([-1, rng.randint(1, 9)]) for _ in range(nw)] for _ in range(nc)] for _ in range(n)
        ]
        cap = np.array([[rng.choice([-1, rng.randint(0, 3)]) for _ in range(nw)] for _ in range(nc)])
        stock = np.array([[rng.choice([-1, rng.randint(0, 3)]) for _ in range(nk)] for _ in range(nw)])
        demand = [{k: rng.randint(1, 2) for k in range(nk) if rng.random() < 0.7} for _ in range(n)]
        opts = [(i, c, w) for i in range(n) for c in range(nc) for w in range(nw) if cost[i][c][w] >= 0]
        entries = [(i, k, q) for i in range(n) for k, q in sorted(demand[i].items())]
        p = solver.Problem(
            order_ids=[str(i) for i in range(n)],
            carriers=[f"C{c}" for c in range(nc)],
            warehouses=["A", "B", "C"],
            opt_order=np.array([o[0] for o in opts], dtype=np.int64),
            opt_carrier=np.array([o[1] for o in opts], dtype=np.int64),
            opt_warehouse=np.array([o[2] for o in opts], dtype=np.int64),
            opt_cost=np.array([cost[i][c][w] for i, c, w in opts], dtype=np.int64),
            capacity=cap,
            stock=stock,
            demand_order=np.array([e[0] for e in entries], dtype=np.int64),
            demand_sku=np.array([e[1] for e in entries], dtype=np.int64),
            demand_qty=np.array([e[2] for e in entries], dtype=np.int64),
        )
        best = solver.solve(p)
        ref = None
        choices = [
            [None, *((c, w) for c in range(nc) for w in range(nw) if cost[i][c][w] >= 0)] for i in range(n)
        ]
        for combo in itertools.product(*choices):
            use, units, fen = np.zeros((nc, nw)), np.zeros((nw, nk)), 0
            for i, ch in enumerate(combo):
                if ch is not None:
                    use[ch] += 1
                    fen += cost[i][ch[0]][ch[1]]
                    for k, q in demand[i].items():
                        units[ch[1], k] += q
            if np.any((cap >= 0) & (use > cap)) or np.any((stock >= 0) & (units > stock)):
                continue
            key = (-sum(ch is not None for ch in combo), fen)
            ref = key if ref is None or key < ref else ref
        assert (-best.served, best.total_fen) == ref
        greedy = solver.greedy_cheapest_first(p)  # feasible too (the guard would raise otherwise)
        assert (-greedy.served, greedy.total_fen) >= ref
        assert solver.lp_lower_bound(p, served=best.served) <= best.total_fen + 1e-6
