"""Allocation solver: optimum on the shared sample, rules, caps, engines agree, brute force (Django-free)."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fahuo.routing import scenario as sc
from fahuo.routing import solver
from fahuo.routing.solver import Problem, Solution

# A copy of ../shared/samples/allocation-scenario (synthetic), so CI runs it from a bare clone.
SAMPLE = Path(__file__).parent / "data" / "allocation-scenario"
needs_sample = pytest.mark.skipif(not SAMPLE.is_dir(), reason=f"shared sample not found at {SAMPLE}")
needs_ortools = pytest.mark.skipif(
    solver._ortools_min_cost_flow() is None,
    reason="OR-Tools cannot load next to this highspy (both ship libhighs.so.1); see docs/allocation.md",
)


# --- builders -----------------------------------------------------------------------------------


def carrier(
    code: str, *, cold: bool = False, insured: bool = False, divisor: int = 8000, max_g: int = 30000
) -> sc.Carrier:
    return sc.Carrier(
        code=code, cold_chain=cold, insured=insured, volumetric_divisor=divisor, max_weight_g=max_g
    )


def rate(carrier_code: str, origin: str, dest: str, first: int, step: int = 100, hours: int = 48) -> sc.Rate:
    return sc.Rate(carrier_code, origin, dest, 1000, first, 1000, step, hours)


def order(
    oid: str,
    dest: str = "北京市",
    *,
    weight: int = 500,
    warehouse: str = "",
    traits: Sequence[str] = (),
    promise: int | None = None,
    dims: tuple[int, int, int] = (100, 100, 100),
) -> sc.Order:
    return sc.Order(
        order_id=oid,
        dest_province=dest,
        weight_g=weight,
        length_mm=dims[0],
        width_mm=dims[1],
        height_mm=dims[2],
        warehouse=warehouse,
        traits=frozenset(traits),
        promise_hours=promise,
    )


HZ = sc.Warehouse("HZ", "浙江省")
GZ = sc.Warehouse("GZ", "广东省")


def build(
    orders: Sequence[sc.Order],
    *,
    carriers: Sequence[sc.Carrier] = (carrier("ZTO"), carrier("SF", cold=True, insured=True)),
    rates: Sequence[sc.Rate] | None = None,
    capacities: Sequence[sc.Capacity] = (),
    warehouses: Sequence[sc.Warehouse] = (HZ, GZ),
    slots: Sequence[sc.Slot] = (),
) -> Problem:
    if rates is None:
        rates = [
            rate("ZTO", "浙江省", "北京市", 400, hours=48),
            rate("ZTO", "广东省", "北京市", 450, hours=60),
            rate("SF", "浙江省", "北京市", 1400, hours=30),
            rate("SF", "广东省", "北京市", 1500, hours=30),
        ]
    return sc.build_problem(
        sc.Scenario(
            warehouses=list(warehouses),
            carriers=list(carriers),
            rates=list(rates),
            capacities=list(capacities),
            orders=sc.OrderTable.from_orders(orders),
            slots=list(slots),
        )
    )


def chosen(p: Problem, s: Solution, i: int) -> tuple[str, str] | None:
    if s.option[i] < 0:
        return None
    return p.carriers[int(s.carrier[i])], p.warehouses[int(s.warehouse[i])]


def assert_caps_respected(p: Problem, s: Solution) -> None:
    used: dict[tuple[int, int], int] = {}
    for c, w in zip(s.carrier.tolist(), s.warehouse.tolist(), strict=True):
        if c >= 0:
            used[c, w] = used.get((c, w), 0) + 1
    for (c, w), k in used.items():
        if p.capacity[c, w] >= 0:
            assert k <= p.capacity[c, w]


# --- the shared sample --------------------------------------------------------------------------


@needs_sample
def test_sample_total_equals_the_reference_optimum() -> None:
    expected = json.loads((SAMPLE / "optimum.json").read_text(encoding="utf-8"))
    p = sc.load_problem(SAMPLE)
    s = solver.solve(p)
    assert p.n_orders == expected["orders"]
    assert s.total_fen == expected["optimum_fen"]
    assert s.served == expected["servable_orders"]
    assert s.unserved == expected["unservable_orders"]
    assert_caps_respected(p, s)


@needs_sample
def test_sample_engines_and_lp_bound_agree() -> None:
    p = sc.load_problem(SAMPLE)
    lp = solver.solve(p, method="lp")
    mip = solver.solve(p, method="mip")
    assert lp.total_fen == mip.total_fen
    assert lp.served == mip.served
    assert solver.lp_lower_bound(p) == pytest.approx(lp.total_fen, abs=1e-6)


@needs_sample
def test_min_cost_flow_engine_on_the_sample_in_a_process_where_ortools_loads_first() -> None:
    # OR-Tools first: the min-cost flow engine is used even where highspy then cannot load.
    code = (
        "import ortools.graph.python.min_cost_flow\n"
        "from fahuo.routing import scenario, solver\n"
        f"s = solver.solve(scenario.load_problem({str(SAMPLE)!r}))\n"
        "print(s.method, s.total_fen, s.unserved)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    expected = json.loads((SAMPLE / "optimum.json").read_text(encoding="utf-8"))
    assert out.stdout.split() == [
        "min_cost_flow",
        str(expected["optimum_fen"]),
        str(expected["unservable_orders"]),
    ]


@needs_sample
def test_greedy_never_beats_the_optimum_on_the_sample() -> None:
    p = sc.load_problem(SAMPLE)
    best, greedy = solver.solve(p), solver.greedy_cheapest_first(p)
    assert greedy.served <= best.served
    assert greedy.served < best.served or greedy.total_fen >= best.total_fen
    assert_caps_respected(p, greedy)


# --- rules --------------------------------------------------------------------------------------


def test_cheapest_lane_wins_without_caps() -> None:
    p = build([order("a")])
    s = solver.solve(p)
    assert chosen(p, s, 0) == ("ZTO", "HZ")
    assert s.cost_fen[0] == 400
    assert s.binding[0] == solver.BINDING_CHEAPEST


def test_cold_orders_need_a_cold_chain_carrier() -> None:
    p = build([order("a", traits=["cold"])])
    s = solver.solve(p)
    assert chosen(p, s, 0) == ("SF", "HZ")
    assert s.binding[0] == solver.BINDING_RULE


def test_valuable_orders_need_an_insured_carrier() -> None:
    p = build([order("a", traits=["valuable", "fragile"])])
    s = solver.solve(p)
    assert chosen(p, s, 0) == ("SF", "HZ")
    e = solver.explain(p, s, 0)
    zto = [o for o in e.options if o.carrier == "ZTO"]
    assert zto and all(o.rule == "insurance" and not o.allowed for o in zto)


def test_promise_shorter_than_transit_excludes_the_lane() -> None:
    p = build([order("a", promise=36)])
    s = solver.solve(p)
    assert chosen(p, s, 0) == ("SF", "HZ")
    assert s.binding[0] == solver.BINDING_PROMISE


def test_promise_equal_to_transit_is_kept() -> None:
    p = build([order("a", promise=48)])
    assert chosen(p, solver.solve(p), 0) == ("ZTO", "HZ")


def test_billable_weight_over_the_carrier_limit_is_infeasible() -> None:
    # 40 kg by volume at divisor 8000 (over ZTO's 30 kg), SF takes it
    p = build(
        [order("a", weight=1000, dims=(800, 500, 800))], carriers=[carrier("ZTO"), carrier("SF", max_g=50000)]
    )
    s = solver.solve(p)
    assert chosen(p, s, 0) == ("SF", "HZ")
    assert s.cost_fen[0] == 1400 + 39 * 100


def test_fixed_warehouse_is_respected() -> None:
    p = build([order("a", warehouse="GZ"), order("b")])
    s = solver.solve(p)
    assert chosen(p, s, 0) == ("ZTO", "GZ")
    assert chosen(p, s, 1) == ("ZTO", "HZ")


@pytest.mark.parametrize(
    ("the_order", "carriers", "reason"),
    [
        (order("a", dest="西藏自治区"), None, "no_lane"),
        (order("a", traits=["cold"]), [carrier("ZTO"), carrier("EMS", insured=True)], "cold_chain"),
        (order("a", traits=["valuable"]), [carrier("ZTO"), carrier("YD")], "insurance"),
        (order("a", weight=45000), None, "weight"),
        (order("a", promise=24), None, "promise"),
    ],
)
def test_unservable_orders_carry_the_reason(
    the_order: sc.Order, carriers: list[sc.Carrier] | None, reason: str
) -> None:
    rates = None
    kwargs = {}
    if carriers is not None:
        codes = [c.code for c in carriers]
        rates = [rate(c, "浙江省", "北京市", 400) for c in codes]
        kwargs["carriers"] = carriers
    p = build([the_order], rates=rates, **kwargs)  # type: ignore[arg-type]
    s = solver.solve(p)
    assert s.option[0] == -1
    assert s.reason[0] == reason
    assert s.reason_counts() == {reason: 1}


def test_the_reason_is_the_candidate_that_got_furthest() -> None:
    # ZTO lacks cold chain; SF has it but is too slow for the promise → "promise"
    p = build([order("a", traits=["cold"], promise=24)])
    assert solver.solve(p).reason[0] == "promise"


# --- capacity -----------------------------------------------------------------------------------


def test_a_full_cheap_carrier_pushes_orders_to_the_next_cheapest() -> None:
    p = build([order(f"o{i}") for i in range(5)], capacities=[sc.Capacity("ZTO", "HZ", 3)])
    s = solver.solve(p)
    picks = [chosen(p, s, i) for i in range(5)]
    assert picks.count(("ZTO", "HZ")) == 3
    assert picks.count(("ZTO", "GZ")) == 2
    assert s.total_fen == 3 * 400 + 2 * 450
    assert sorted(s.binding.tolist()) == ["capacity", "capacity", "cheapest", "cheapest", "cheapest"]
    spilled = int(np.flatnonzero(s.binding == "capacity")[0])
    full = [o for o in solver.explain(p, s, spilled).options if o.full]
    assert [(o.carrier, o.warehouse) for o in full] == [("ZTO", "HZ")]


def test_orders_beyond_every_cap_are_unassigned_for_capacity() -> None:
    caps = [sc.Capacity(c, w, 1) for c in ("ZTO", "SF") for w in ("HZ", "GZ")]
    p = build([order(f"o{i}") for i in range(6)], capacities=caps)
    s = solver.solve(p)
    assert s.served == 4
    assert s.reason_counts() == {"capacity": 2}
    assert s.total_fen == 400 + 450 + 1400 + 1500


def test_a_missing_capacity_row_means_no_cap_and_zero_closes_the_outlet() -> None:
    p = build([order(f"o{i}") for i in range(4)], capacities=[sc.Capacity("ZTO", "GZ", 0)])
    s = solver.solve(p)
    assert all(chosen(p, s, i) == ("ZTO", "HZ") for i in range(4))
    p = build([order("x")], capacities=[sc.Capacity("ZTO", "HZ", 0), sc.Capacity("ZTO", "GZ", 0)])
    assert chosen(p, solver.solve(p), 0) == ("SF", "HZ")


def test_served_count_comes_before_cost() -> None:
    # a (fixed to HZ) can only use ZTO@HZ; b could use ZTO@HZ cheaper but must leave it to a
    orders = [order("b"), order("a", warehouse="HZ", traits=[])]
    caps = [sc.Capacity("ZTO", "HZ", 1), sc.Capacity("SF", "HZ", 0)]
    p = build(orders, capacities=caps)
    s = solver.solve(p)
    assert s.served == 2
    assert chosen(p, s, 1) == ("ZTO", "HZ")
    assert chosen(p, s, 0) == ("ZTO", "GZ")
    greedy = solver.greedy_cheapest_first(p)
    assert greedy.served == 1  # greedy hands ZTO@HZ to b first and strands a


def test_pickup_slots_cap_each_departure_and_tighten_the_promise() -> None:
    slots = [sc.Slot("ZTO", "HZ", "10:00", 2, 2), sc.Slot("ZTO", "HZ", "16:00", 8, None)]
    p = build([order(f"u{i}", promise=50) for i in range(3)] + [order("late")], slots=slots)
    s = solver.solve(p)
    # depart 2 h + 48 h transit ≤ 50 h only for the 10:00 pickup, which takes 2 parcels;
    # ZTO@GZ (60 h) misses the promise too, so the third urgent parcel goes SF
    urgent = [(chosen(p, s, i), p.slots[int(s.slot[i])] if s.slot[i] >= 0 else None) for i in range(3)]
    assert sorted(urgent, key=str) == sorted(
        [(("ZTO", "HZ"), "10:00"), (("ZTO", "HZ"), "10:00"), (("SF", "HZ"), None)], key=str
    )
    assert chosen(p, s, 3) == ("ZTO", "HZ") and p.slots[int(s.slot[3])] == "16:00"
    assert solver.solve(p, method="mip").total_fen == s.total_fen


def test_carrier_and_warehouse_totals_together_use_the_mip() -> None:
    p = sc.build_problem(
        sc.Scenario(
            warehouses=[sc.Warehouse("HZ", "浙江省", max_parcels=3), sc.Warehouse("GZ", "广东省")],
            carriers=[
                sc.Carrier("ZTO", False, False, 8000, 30000, max_parcels=2),
                carrier("SF", cold=True, insured=True),
            ],
            rates=[
                rate("ZTO", "浙江省", "北京市", 400),
                rate("ZTO", "广东省", "北京市", 450),
                rate("SF", "浙江省", "北京市", 1400),
                rate("SF", "广东省", "北京市", 1500),
            ],
            capacities=[],
            orders=sc.OrderTable.from_orders([order(f"o{i}") for i in range(5)]),
        )
    )
    assert not p.laminar
    s = solver.solve(p)
    assert s.method == "mip"
    # ZTO may take 2 parcels in all and HZ ships 3: ZTO@HZ ×2 + SF@HZ + SF@GZ ×2 = 5200 loses to
    # ZTO@GZ ×2 + SF@HZ ×3 = 5100 — the two caps interact, which a greedy split gets wrong
    assert s.total_fen == 2 * 450 + 3 * 1400
    assert s.served == 5
    with pytest.raises(ValueError):
        solver.solve(p, method="lp")


def test_crossing_caps_with_a_fractional_relaxation_are_branched() -> None:
    # W0 ships 1 and C1 carries 2 in all: the LP serves 2.5 orders with halves, an allocation 2
    opts = [
        (0, 0, 0, 20),
        (0, 1, 0, 12),
        (0, 1, 1, 14),
        (1, 0, 1, 26),
        (2, 0, 0, 4),
        (2, 1, 1, 25),
        (3, 1, 0, 25),
    ]
    o, c, w, cost = (list(x) for x in zip(*opts, strict=True))
    p = Problem(
        order_ids=["o0", "o1", "o2", "o3", "o4"],
        carriers=["C0", "C1"],
        warehouses=["W0", "W1"],
        opt_order=o,  # type: ignore[arg-type]
        opt_carrier=c,  # type: ignore[arg-type]
        opt_warehouse=w,  # type: ignore[arg-type]
        opt_cost=cost,  # type: ignore[arg-type]
        capacity=[[-1, 0], [1, -1]],  # type: ignore[arg-type]
        carrier_capacity=[-1, 2],  # type: ignore[arg-type]
        warehouse_capacity=[1, -1],  # type: ignore[arg-type]
    )
    s = solver.solve(p)
    assert s.method == "mip" and s.stats["branch_and_bound_phases"] >= 1
    assert (s.served, s.total_fen) == brute_force(p) == (2, 18)
    assert s.reason.tolist() == ["", "capacity", "", "capacity", "no_option"]
    assert solver.lp_lower_bound(p, served=2) <= 18


def test_a_hash_collision_falls_back_to_exact_grouping(monkeypatch: pytest.MonkeyPatch) -> None:
    p = generated_problem(3, 200)
    expected = solver.solve(p)
    monkeypatch.setattr(solver, "_mix", lambda x: np.zeros_like(x))  # every order hashes alike
    s = solver.solve(p)
    assert (s.served, s.total_fen, s.n_classes) == (expected.served, expected.total_fen, expected.n_classes)


# --- engines against brute force ----------------------------------------------------------------


def random_problem(seed: int, *, totals: bool = False, slots: bool = False) -> Problem:
    rng = np.random.default_rng(seed)
    n, nc, nw = int(rng.integers(1, 7)), int(rng.integers(1, 4)), int(rng.integers(1, 3))
    ns = 2 if slots else 0
    triples = [(c, w, s) for c in range(nc) for w in range(nw) for s in range(-1, ns)]
    rows: list[tuple[int, int, int, int, int]] = []
    for i in range(n):
        k = int(rng.integers(0, min(3, len(triples)) + 1))
        for j in sorted(rng.choice(len(triples), size=k, replace=False).tolist()):
            rows.append((i, *triples[j], int(rng.integers(1, 30))))
    arr = np.array(rows, dtype=np.int64).reshape(-1, 5)
    return Problem(
        order_ids=[f"o{i}" for i in range(n)],
        carriers=[f"C{c}" for c in range(nc)],
        warehouses=[f"W{w}" for w in range(nw)],
        opt_order=arr[:, 0],
        opt_carrier=arr[:, 1],
        opt_warehouse=arr[:, 2],
        opt_slot=arr[:, 3] if slots else None,
        opt_cost=arr[:, 4],
        capacity=rng.integers(-1, 3, size=(nc, nw)),
        slots=[f"S{s}" for s in range(ns)],
        slot_capacity=rng.integers(-1, 2, size=(nc, nw, ns)) if slots else None,
        carrier_capacity=rng.integers(-1, 4, size=nc) if totals else None,
        warehouse_capacity=rng.integers(-1, 4, size=nw) if totals else None,
    )


def brute_force(p: Problem) -> tuple[int, int]:
    """(served, cost) of the lexicographic optimum by enumeration."""
    per_order: list[list[int]] = [[-1] for _ in range(p.n_orders)]
    for k, i in enumerate(p.opt_order.tolist()):
        per_order[i].append(k)
    best = (0, 0)
    for combo in itertools.product(*per_order):
        picked = [k for k in combo if k >= 0]
        c, w = p.opt_carrier[picked], p.opt_warehouse[picked]
        nc, nw = len(p.carriers), len(p.warehouses)
        used = np.bincount(c * nw + w, minlength=nc * nw).reshape(nc, nw)
        if np.any((p.capacity >= 0) & (used > p.capacity)):
            continue
        if p.carrier_capacity is not None and np.any(
            (p.carrier_capacity >= 0) & (used.sum(1) > p.carrier_capacity)
        ):
            continue
        if p.warehouse_capacity is not None and np.any(
            (p.warehouse_capacity >= 0) & (used.sum(0) > p.warehouse_capacity)
        ):
            continue
        if p.slot_capacity is not None:
            s = p.option_slot[picked]
            slot_used = np.zeros_like(p.slot_capacity)
            np.add.at(slot_used, (c[s >= 0], w[s >= 0], s[s >= 0]), 1)
            if np.any((p.slot_capacity >= 0) & (slot_used > p.slot_capacity)):
                continue
        key = (len(picked), -int(p.opt_cost[picked].sum()))
        best = max(best, key)
    return best[0], -best[1]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_laminar_engines_match_brute_force(seed: int) -> None:
    p = random_problem(seed)
    expected = brute_force(p)
    for method in ("auto", "lp", "mip"):
        s = solver.solve(p, method=method)
        assert (s.served, s.total_fen) == expected, method
        assert_caps_respected(p, s)
    assert solver.lp_lower_bound(p) == pytest.approx(expected[1], abs=1e-6)
    g = solver.greedy_cheapest_first(p)
    assert g.served < expected[0] or (g.served == expected[0] and g.total_fen >= expected[1])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_mip_matches_brute_force_with_crossing_totals(seed: int) -> None:
    p = random_problem(seed, totals=True)
    s = solver.solve(p)
    assert (s.served, s.total_fen) == brute_force(p)
    assert solver.lp_lower_bound(p, served=s.served) <= s.total_fen + 1e-6


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_slot_caps_match_brute_force(seed: int) -> None:
    p = random_problem(seed, slots=True)
    expected = brute_force(p)
    for method in ("auto", "mip"):
        s = solver.solve(p, method=method)
        assert (s.served, s.total_fen) == expected, method
    g = solver.greedy_cheapest_first(p)
    assert g.served < expected[0] or (g.served == expected[0] and g.total_fen >= expected[1])


@needs_ortools
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_min_cost_flow_matches_brute_force(seed: int) -> None:
    p = random_problem(seed)
    s = solver.solve(p, method="flow")
    assert s.method == "min_cost_flow"
    assert (s.served, s.total_fen) == brute_force(p)


# --- generated scenarios ------------------------------------------------------------------------


def generated_problem(seed: int, n: int) -> Problem:
    rng = np.random.default_rng(seed)
    provinces = ["北京市", "上海市", "广东省", "四川省", "浙江省", "新疆维吾尔自治区"]
    carriers = [
        carrier("ZTO"),
        carrier("YD"),
        carrier("SF", cold=True, insured=True, divisor=6000, max_g=50000),
        carrier("EMS", insured=True, max_g=40000),
    ]
    warehouses = [HZ, GZ, sc.Warehouse("CD", "四川省")]
    rates = []
    for c_i, c in enumerate(carriers):
        for w in warehouses:
            for d in provinces:
                if c.code == "YD" and d == "新疆维吾尔自治区":
                    continue
                base = [300, 290, 1000, 700][c_i] + (0 if d == w.province else int(rng.integers(50, 400)))
                rates.append(
                    rate(
                        c.code,
                        w.province,
                        d,
                        base,
                        step=int(rng.integers(1, 5)) * 100,
                        hours=int(rng.choice([24, 36, 48, 72])),
                    )
                )
    orders = [
        order(
            f"g{i}",
            dest=str(rng.choice(provinces)),
            weight=int(rng.integers(100, 6000)),
            warehouse=str(rng.choice(["", "", "HZ", "GZ", "CD"])),
            traits=[
                t for t, pr in (("cold", 0.05), ("valuable", 0.3), ("fragile", 0.1)) if rng.random() < pr
            ],
            promise=[None, None, 48, 72][int(rng.integers(0, 4))],
            dims=(int(rng.integers(50, 600)), int(rng.integers(50, 400)), int(rng.integers(20, 300))),
        )
        for i in range(n)
    ]
    caps = [
        sc.Capacity(c.code, w.code, int(rng.integers(0, n // 6 + 2))) for c in carriers for w in warehouses
    ]
    return build(orders, carriers=carriers, rates=rates, capacities=caps, warehouses=warehouses)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_greedy_is_never_better_than_the_optimum_on_generated_scenarios(seed: int) -> None:
    p = generated_problem(seed, 400)
    best, greedy = solver.solve(p), solver.greedy_cheapest_first(p)
    assert greedy.served <= best.served
    assert greedy.served < best.served or greedy.total_fen >= best.total_fen
    assert solver.solve(p, method="mip").total_fen == best.total_fen
    assert solver.lp_lower_bound(p, served=best.served) == pytest.approx(best.total_fen, abs=1e-6)
    assert_caps_respected(p, best)
    assert_caps_respected(p, greedy)


def test_fixed_warehouses_are_kept_on_a_generated_scenario() -> None:
    p = generated_problem(9, 300)
    s = solver.solve(p)
    assert p.candidate_rule is not None
    for i in range(p.n_orders):
        if s.option[i] >= 0:
            assert p.candidate_rule[i, s.carrier[i], s.warehouse[i]] == solver.RULE_OK


# --- problem validation -------------------------------------------------------------------------


def tiny(**overrides: object) -> Problem:
    base: dict[str, object] = {
        "order_ids": ["a", "b"],
        "carriers": ["C"],
        "warehouses": ["W"],
        "opt_order": [0, 1],
        "opt_carrier": [0, 0],
        "opt_warehouse": [0, 0],
        "opt_cost": [1, 2],
        "capacity": [[-1]],
    }
    base.update(overrides)
    return Problem(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "overrides",
    [
        {"opt_order": [1, 0]},
        {"opt_cost": [1, -2]},
        {"opt_carrier": [0, 1]},
        {"capacity": [[1, 2]]},
        {"opt_cost": [1]},
    ],
)
def test_malformed_problems_are_rejected(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        tiny(**overrides)


def test_duplicate_options_are_rejected() -> None:
    p = tiny(opt_order=[0, 0], opt_cost=[1, 1])
    with pytest.raises(ValueError, match="duplicate"):
        solver.solve(p)


def test_empty_problem() -> None:
    p = tiny(order_ids=[], opt_order=[], opt_carrier=[], opt_warehouse=[], opt_cost=[])
    s = solver.solve(p)
    assert (s.served, s.total_fen) == (0, 0)
    assert solver.lp_lower_bound(p) == 0.0
