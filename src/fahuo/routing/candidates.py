"""Ready orders in the database → every order × carrier × warehouse candidate → a solver ``Problem``.

Set-based: a fixed number of queries whatever the number of orders (orders, lines, SKUs, stock,
warehouses, rate lines, carriers, capacities, rules, recent parcels, contract tiers, earlier
allocations), then numpy over ``(n, C, W)`` arrays; no Python loop per candidate.

Checks per candidate, in this order (the first that fails names it; docs/allocation.md):
``warehouse`` (the order is fixed to another one), ``stock`` (the warehouse lacks stock for a
line), ``no_lane``, ``cold_chain``, ``insurance``, ``weight``, ``rule`` (a seller rule),
``promise``, ``no_pickup`` (with a pickup window: the carrier collects in none of its hours),
``encrypted`` (the receiver is platform ciphertext and the carrier's waybill provider cannot print
it: ``integrations.registry.prints_encrypted``). An order with no feasible candidate is reported with the furthest check any candidate got to.

Stock is also a constraint across the run (:mod:`fahuo.routing.stock`): the flexible orders'
demand per warehouse × SKU goes to the solver with what the warehouse can give; with a pickup
window (:mod:`fahuo.routing.window`) pairs with a per-hour cap get one option per pickup hour.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db.models import Count, F, QuerySet
from django.utils import timezone

from fahuo.carriers.models import Capacity, Carrier
from fahuo.carriers.pricing import FREIGHT_FIELDS
from fahuo.carriers.services import active_contracts, current_first_price_delta, effective_rate_lines
from fahuo.fulfilment.models import Parcel
from fahuo.integrations.registry import prints_encrypted
from fahuo.inventory.models import Warehouse
from fahuo.orders.models import Order, OrderStatus
from fahuo.routing import lane_prices, pickup, solver
from fahuo.routing import rules as seller_rules
from fahuo.routing import stock as stock_mod
from fahuo.routing import window as window_mod
from fahuo.routing.models import AllocationDecision
from fahuo.routing.order_tables import Parcels, ReadyOrders, read_parcels, read_ready_orders

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
U8Array = npt.NDArray[np.uint8]

OK, WAREHOUSE, STOCK, NO_LANE, COLD_CHAIN, INSURANCE, WEIGHT, RULE, PROMISE, NO_PICKUP, ENCRYPTED = range(11)
CHECKS: tuple[str, ...] = (
    "",
    "warehouse",
    "stock",
    "no_lane",
    "cold_chain",
    "insurance",
    "weight",
    "rule",
    "promise",
    "no_pickup",
    "encrypted",  # the receiver is platform ciphertext; this carrier's waybill cannot print it
)
# The solver knows six checks; ours map onto the nearest (explanations use our own names).
_TO_SOLVER = np.array(
    [
        solver.RULE_OK,
        solver.RULE_WAREHOUSE,
        solver.RULE_WAREHOUSE,
        solver.RULE_NO_LANE,
        solver.RULE_COLD_CHAIN,
        solver.RULE_INSURANCE,
        solver.RULE_WEIGHT,
        solver.RULE_WEIGHT,
        solver.RULE_PROMISE,
        solver.RULE_PROMISE,
        solver.RULE_WEIGHT,
    ],
    dtype=np.uint8,
)
REASON_SKU_WEIGHT = "sku_weight"  # an item without a SKU, or a SKU without a weight
TRAIT_COLD, TRAIT_VALUABLE = "cold", "valuable"
DAILY_AVG_DAYS = 7


@dataclass(frozen=True)
class CarrierInfo:
    pk: int
    code: str
    name: str
    cold_chain: bool
    insured: bool
    door_delivery: bool
    volumetric_divisor: int
    max_weight_g: int
    insurance_rate_permille: int
    insurance_min_fen: int
    provider: str = "sandbox"  # waybill provider key (registry)


@dataclass(frozen=True)
class WarehouseInfo:
    pk: int
    code: str
    name: str
    province: str


@dataclass(frozen=True, eq=False)
class Candidates:
    """Every ready order and, for those that can be priced, every carrier × warehouse candidate.

    ``all_*`` arrays cover every order read (input order: paid first); ``idx`` maps the ``n``
    priced orders (those of the problem) into them. Money in fen, ``-1`` = no lane.
    """

    on: dt.date
    all_pk: IntArray
    all_no: list[str]
    all_province: list[str]
    all_reason: list[str]  # "" or REASON_SKU_WEIGHT
    all_missing: list[list[str]]  # items without a weight, for the explanation
    idx: IntArray  # (n,)
    carriers: list[CarrierInfo]
    warehouses: list[WarehouseInfo]
    weight_g: IntArray  # (n,)
    volume_mm3: IntArray  # (n,)
    traits: list[frozenset[str]]
    declared_value_fen: IntArray
    insured: BoolArray  # (n,) the order must be insured (valuable or a rule)
    promise_hours: IntArray  # (n,) effective, -1 = none
    fixed: IntArray  # (n,) warehouse index the order is fixed to, -1 = optimiser chooses
    billable_g: IntArray  # (n, C)
    check: U8Array  # (n, C, W) CHECKS index, OK = allowed
    price: IntArray  # (n, C, W) real price (freight + remote + insurance), -1 = no lane
    remote_fen: IntArray  # (n, C, W)
    insurance_fen: IntArray  # (n, C)
    transit_hours: IntArray  # (n, C, W)
    penalty_fen: IntArray  # (n, C) preference penalties
    tier_delta_fen: dict[str, int]  # carrier code -> first-weight delta from its volume tier
    daily_avg: dict[str, float]
    capacity: IntArray  # (C, W), -1 = no cap
    effects: seller_rules.Effects
    problem: solver.Problem
    window: window_mod.Window | None  # the pickup window, None = none given
    sku_codes: list[str]  # (K,)
    stock_free: IntArray  # (W, K) units the flexible orders may share in this run
    stock_held: IntArray  # (W, K) units held by allocated, unshipped orders outside the run

    @property
    def n(self) -> int:
        return int(self.idx.shape[0])


def _carriers(on: dt.date) -> tuple[list[CarrierInfo], list[tuple[Any, ...]]]:
    """Active carriers with a lane in force on ``on``, and those rate lines."""
    rates = list(
        effective_rate_lines(on=on)
        .filter(carrier__active=True)
        .values_list(
            "carrier_id",
            "origin_province",
            "dest_province",
            *FREIGHT_FIELDS,
            "transit_hours",
            "remote_surcharge_fen",
        )
    )
    ids = {r[0] for r in rates}
    carriers = [
        CarrierInfo(*row)
        for row in Carrier.objects.filter(pk__in=ids)
        .order_by("code")
        .values_list(
            "pk",
            "code",
            "name",
            "cold_chain",
            "insured",
            "door_delivery",
            "volumetric_divisor",
            "max_weight_g",
            "insurance_rate_permille",
            "insurance_min_fen",
            "provider",
        )
    ]
    return carriers, rates


def _daily_avgs(carriers: Sequence[CarrierInfo], now: dt.datetime) -> dict[int, float]:
    """Parcels handed to each carrier over the last 7 days, divided by 7."""
    since = now - dt.timedelta(days=DAILY_AVG_DAYS)
    counts = dict(
        Parcel.objects.filter(created_at__gte=since, carrier_id__in=[c.pk for c in carriers])
        .values("carrier_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("carrier_id", "n")
    )
    return {c.pk: counts.get(c.pk, 0) / DAILY_AVG_DAYS for c in carriers}


def _capacity(
    carriers: Sequence[CarrierInfo], warehouses: Sequence[WarehouseInfo]
) -> tuple[IntArray, IntArray]:
    """Parcels per carrier × warehouse for one run and per pickup hour; no row / blank = no cap."""
    cap = np.full((len(carriers), len(warehouses)), -1, dtype=np.int64)
    per_hour = cap.copy()
    c_pos = {c.pk: k for k, c in enumerate(carriers)}
    w_pos = {w.pk: j for j, w in enumerate(warehouses)}
    rows = Capacity.objects.filter(carrier_id__in=list(c_pos), warehouse_id__in=list(w_pos))
    for cid, wid, most, hourly in rows.values_list(
        "carrier_id", "warehouse_id", "max_parcels", "max_parcels_per_hour"
    ):
        cap[c_pos[cid], w_pos[wid]] = most
        if hourly is not None:
            per_hour[c_pos[cid], w_pos[wid]] = hourly
    return cap, per_hour


def _allocated_warehouses(orders: QuerySet[Order]) -> set[int]:
    """Orders whose warehouse was written by an applied allocation (not fixed by the seller)."""
    ready = orders.filter(status=OrderStatus.READY, warehouse__isnull=False).values("pk")
    return set(
        AllocationDecision.objects.filter(
            run__status="applied", order_id__in=ready, warehouse_id=F("order__warehouse_id")
        ).values_list("order_id", flat=True)
    )


def _warehouses() -> list[WarehouseInfo]:
    rows = Warehouse.objects.filter(active=True).order_by("code")
    return [WarehouseInfo(*row) for row in rows.values_list("pk", "code", "name", "province")]


def build(
    *,
    orders: QuerySet[Order],
    on: dt.date | None = None,
    now: dt.datetime | None = None,
    window: tuple[dt.datetime, dt.datetime] | None = None,
) -> Candidates:
    """Read the ready orders among ``orders`` and everything that prices them; evaluate every candidate.

    ``window``: the pickup window (aware start, end; see :mod:`fahuo.routing.window`).
    """
    now = now or timezone.now()
    on = on or timezone.localdate(now)
    o = read_ready_orders(orders)
    parcels = read_parcels(orders, o)
    warehouses = _warehouses()
    carriers, rates = _carriers(on)
    daily = _daily_avgs(carriers, now) if carriers else {}
    delta = current_first_price_delta(on=on, daily_avgs=daily) if carriers else {}
    reason = [REASON_SKU_WEIGHT if m else "" for m in parcels.missing]
    idx = np.flatnonzero(np.array([not r for r in reason], dtype=bool)).astype(np.int64)
    n = idx.shape[0]

    # per priced order
    province = [o.province[i] for i in idx.tolist()]
    traits = [parcels.traits[i] for i in idx.tolist()]
    weight, volume = parcels.weight_g[idx], parcels.volume_mm3[idx]
    value = parcels.declared_value_fen[idx]
    effects = _rule_effects(o, idx, carriers, province=province, traits=traits, value=value)
    fixed = _fixed_warehouses(orders, o, warehouses, idx)
    cold = np.fromiter((TRAIT_COLD in t for t in traits), dtype=bool, count=n)
    insured = np.fromiter((TRAIT_VALUABLE in t for t in traits), dtype=bool, count=n) | effects.insure
    billable, insurance = lane_prices.billable_and_insurance(carriers, weight, volume, value, insured)
    pr = lane_prices.prices(rates, carriers, warehouses, province, billable, insurance, delta)

    capacity, win, check, st, problem = _constrain(
        orders, o, parcels, idx, carriers, warehouses, pr, effects, window, on, billable, cold, insured, fixed
    )
    by_pk = {c.pk: c.code for c in carriers}
    return Candidates(
        on=on,
        all_pk=o.pk,
        all_no=o.no,
        all_province=o.province,
        all_reason=reason,
        all_missing=parcels.missing,
        idx=idx,
        carriers=carriers,
        warehouses=warehouses,
        weight_g=weight,
        volume_mm3=volume,
        traits=traits,
        declared_value_fen=value,
        insured=insured,
        promise_hours=effects.promise_hours,
        fixed=fixed,
        billable_g=billable,
        check=check,
        price=pr.price,
        remote_fen=pr.remote_fen,
        insurance_fen=insurance,
        transit_hours=np.where(pr.lane, pr.transit_hours, -1),
        penalty_fen=effects.penalty_fen,
        tier_delta_fen={by_pk[k]: v for k, v in delta.items() if k in by_pk and v},
        daily_avg={by_pk[k]: v for k, v in daily.items() if k in by_pk},
        capacity=capacity,
        effects=effects,
        problem=problem,
        window=win,
        sku_codes=parcels.sku_code,
        stock_free=st.free,
        stock_held=st.held,
    )


def _constrain(
    orders: QuerySet[Order],
    o: ReadyOrders,
    parcels: Parcels,
    idx: IntArray,
    carriers: Sequence[CarrierInfo],
    warehouses: Sequence[WarehouseInfo],
    pr: lane_prices.Prices,
    effects: seller_rules.Effects,
    window: tuple[dt.datetime, dt.datetime] | None,
    on: dt.date,
    billable: IntArray,
    cold: BoolArray,
    insured: BoolArray,
    fixed: IntArray,
) -> tuple[IntArray, window_mod.Window | None, U8Array, _Stock, solver.Problem]:
    """Capacity, the pickup window, every candidate's check, the stock and the solver's problem."""
    capacity, per_hour = _capacity(carriers, warehouses)
    win = _window(window, carriers, per_hour, on) if window is not None else None
    check = _checks(
        carriers,
        lane=pr.lane,
        transit=pr.transit_hours,
        promise=effects.promise_hours,
        billable=billable,
        cold=cold,
        insured=insured,
        removed=effects.removed_by >= 0,
        fixed=fixed,
        window=win,
        platform_waybill=o.platform_waybill[idx],
    )
    st = _stock(orders, parcels, warehouses, idx, fixed, check)
    problem = _problem(
        order_ids=[o.no[i] for i in idx.tolist()],
        carriers=carriers,
        warehouses=warehouses,
        check=check,
        objective=np.where(pr.lane, pr.price + effects.penalty_fen[:, :, None], -1),
        transit=pr.transit_hours,
        promise=effects.promise_hours,
        capacity=capacity,
        window=win,
        stock=st,
    )
    return capacity, win, check, st, problem


def _rule_effects(
    o: ReadyOrders,
    idx: IntArray,
    carriers: Sequence[CarrierInfo],
    *,
    province: list[str],
    traits: list[frozenset[str]],
    value: IntArray,
) -> seller_rules.Effects:
    """The seller's active rules evaluated over the priced orders × carriers."""
    facts = seller_rules.OrderFacts(
        province=province,
        shop=[o.shop[i] for i in idx.tolist()],
        channel=[o.channel[i] for i in idx.tolist()],
        traits=traits,
        declared_value_fen=value,
        door_delivery=o.door[idx],
        promise_hours=o.promise[idx],
    )
    return seller_rules.evaluate(
        seller_rules.active_rules(),
        facts,
        [c.code for c in carriers],
        np.array([c.door_delivery for c in carriers], dtype=bool),
    )


def _fixed_warehouses(
    orders: QuerySet[Order], o: ReadyOrders, warehouses: Sequence[WarehouseInfo], idx: IntArray
) -> IntArray:
    """Per priced order: the warehouse position it is fixed to, -1 when the optimiser chooses (no
    warehouse, or one an earlier applied run chose), ``len(warehouses)`` for an inactive one."""
    nw = len(warehouses)
    w_pos = {w.pk: j for j, w in enumerate(warehouses)}
    mine = _allocated_warehouses(orders)
    fixed_all = [
        -1 if wpk is None or int(pk) in mine else w_pos.get(wpk, nw)
        for pk, wpk in zip(o.pk.tolist(), o.warehouse_pk, strict=True)
    ]
    return np.array([fixed_all[i] for i in idx.tolist()], dtype=np.int64)


def _window(
    window: tuple[dt.datetime, dt.datetime],
    carriers: Sequence[CarrierInfo],
    per_hour: IntArray,
    on: dt.date,
) -> window_mod.Window:
    """Hourly pickups over the window, in each carrier's contracted pickup hours (1 query)."""
    contracts = active_contracts(on=on, carrier_ids=[c.pk for c in carriers])
    hours = [contracts[c.pk].pickup_window if c.pk in contracts else "" for c in carriers]
    return window_mod.build(window[0], window[1], hours, per_hour)


def _checks(
    carriers: Sequence[CarrierInfo],
    *,
    lane: BoolArray,
    transit: IntArray,
    promise: IntArray,
    billable: IntArray,
    cold: BoolArray,
    insured: BoolArray,
    removed: BoolArray,
    fixed: IntArray,
    window: window_mod.Window | None,
    platform_waybill: BoolArray | None = None,
) -> U8Array:
    """(n, C, W) the first check each candidate fails (OK = allowed); stock is checked later."""
    n, nc, nw = lane.shape
    c_max = np.array([c.max_weight_g for c in carriers], dtype=np.int64).reshape(nc)
    c_cold = np.array([c.cold_chain for c in carriers], dtype=bool).reshape(nc)
    c_ins = np.array([c.insured for c in carriers], dtype=bool).reshape(nc)

    def per_carrier(mask: BoolArray) -> BoolArray:
        return np.broadcast_to(mask[:, :, None], (n, nc, nw))

    check = np.zeros((n, nc, nw), dtype=np.uint8)
    # from the last check to the first, so the first failing check wins
    if platform_waybill is not None and platform_waybill.any():
        c_enc = np.array([prints_encrypted(c.provider) for c in carriers], dtype=bool).reshape(nc)
        check[per_carrier(platform_waybill[:, None] & ~c_enc[None, :])] = ENCRYPTED
    if window is not None:
        check[np.broadcast_to(~window.collects[None, :, None], (n, nc, nw))] = NO_PICKUP
    earliest = window.slots.earliest if window is not None else None
    check[pickup.too_late(transit, promise, earliest)] = PROMISE
    check[per_carrier(removed)] = RULE
    check[per_carrier(billable > c_max[None, :])] = WEIGHT
    check[per_carrier(insured[:, None] & ~c_ins[None, :])] = INSURANCE
    check[per_carrier(cold[:, None] & ~c_cold[None, :])] = COLD_CHAIN
    check[~lane] = NO_LANE
    wrong = (fixed[:, None] >= 0) & (fixed[:, None] != np.arange(nw)[None, :])
    check[np.broadcast_to(wrong[:, None, :], (n, nc, nw))] = WAREHOUSE
    return check


@dataclass(frozen=True, eq=False)
class _Stock:
    free: IntArray  # (W, K) what the flexible orders may share
    held: IntArray  # (W, K)
    demand: stock_mod.Demand  # flexible priced orders (order = position among them)


def _stock(
    orders: QuerySet[Order],
    parcels: Parcels,
    warehouses: Sequence[WarehouseInfo],
    idx: IntArray,
    fixed: IntArray,
    check: U8Array,
) -> _Stock:
    """What each warehouse can give; sets the ``stock`` check of flexible orders (2 queries).

    Free = on_hand − reserved − held by allocated, unshipped orders outside the run (see
    :mod:`fahuo.routing.stock`) − what this run's fixed-warehouse orders take (those with a
    feasible candidate: the seller's choice comes first). A flexible order loses a warehouse that
    cannot give its whole demand even alone; the solver shares the rest across the run.
    """
    n, nw = idx.shape[0], len(warehouses)
    stock, held = stock_mod.available(
        orders=orders,
        warehouse_pks=[w.pk for w in warehouses],
        sku_pk=parcels.sku_pk,
        sku_query=parcels.sku_query,
    )
    d = stock_mod.demand(parcels.line_order, parcels.line_sku, parcels.line_qty, parcels.sku_pk.shape[0])
    position = np.full(parcels.weight_g.shape[0], -1, dtype=np.int64)
    position[idx] = np.arange(n)
    at = position[d.order]  # priced orders only: the others are not allocated
    priced = at >= 0
    at, sku, qty = at[priced], d.sku[priced], d.qty[priced]
    free = stock - held
    home = fixed[at]
    takes = (home >= 0) & (home < nw)
    if takes.any():
        feasible = (check.reshape(n, -1) == OK).any(axis=1)
        takes &= feasible[at]
        np.subtract.at(free, (home[takes], sku[takes]), qty[takes])
    flexible = home < 0
    at, sku, qty = at[flexible], sku[flexible], qty[flexible]
    short = free[:, sku] < qty[None, :]  # (W, entries)
    lacking = np.zeros((n, nw), dtype=bool)
    for j in range(nw):
        lacking[at[short[j]], j] = True
    nc = check.shape[1]
    check[np.broadcast_to(lacking[:, None, :], (n, nc, nw))] = STOCK
    return _Stock(free=np.maximum(free, 0), held=held, demand=stock_mod.Demand(order=at, sku=sku, qty=qty))


def _problem(
    *,
    order_ids: list[str],
    carriers: Sequence[CarrierInfo],
    warehouses: Sequence[WarehouseInfo],
    check: U8Array,
    objective: IntArray,
    transit: IntArray,
    promise: IntArray,
    capacity: IntArray,
    window: window_mod.Window | None,
    stock: _Stock,
) -> solver.Problem:
    """The solver's instance: allowed candidates as options (one per pickup hour on pairs with a
    per-hour cap), the caps, and the flexible orders' stock demand."""
    n, nc, nw = check.shape
    slots = window.slots if window is not None and window.slots.slotted.any() else None
    if slots is not None:
        opt_order, opt_c, opt_w, opt_slot = pickup.slot_options(check == OK, transit, promise, slots.depart)
    else:
        opt_order, cw = np.nonzero((check == OK).reshape(n, nc * nw))
        opt_c, opt_w, opt_slot = cw // max(nw, 1), cw % max(nw, 1), None
    d = stock.demand
    return solver.Problem(
        order_ids=order_ids,
        carriers=[c.code for c in carriers],
        warehouses=[w.code for w in warehouses],
        opt_order=opt_order,
        opt_carrier=opt_c,
        opt_warehouse=opt_w,
        opt_cost=objective[opt_order, opt_c, opt_w],
        capacity=capacity,
        opt_slot=opt_slot,
        slots=slots.labels if slots is not None else (),
        slot_capacity=slots.capacity if slots is not None else None,
        candidate_price=objective,
        candidate_rule=_TO_SOLVER[check],
        stock=stock.free if d.order.size else None,
        demand_order=d.order if d.order.size else None,
        demand_sku=d.sku if d.order.size else None,
        demand_qty=d.qty if d.order.size else None,
    )
