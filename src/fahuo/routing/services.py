"""Allocate the database's ready orders: plan (a preview run), override by hand, apply to the orders.

``plan_allocation`` builds every candidate set-based (:mod:`fahuo.routing.candidates`), solves with
:func:`fahuo.routing.solver.solve`, compares with the cheapest-first baseline and the LP bound, and
stores one :class:`AllocationRun` with one :class:`AllocationDecision` per order whose
``explanation`` lists every candidate (price, the check or seller rule that removed it, whether
its capacity, its pickup hours or its warehouse's stock ran out, the choice) and the binding
reason. With a pickup window each decision also gets its pickup hour. The edges (views, API, CLI)
wrap each call in ``transaction.atomic``.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone

from fahuo.accounts.services import audit
from fahuo.carriers.models import Carrier
from fahuo.inventory.models import Warehouse
from fahuo.kit.errors import Conflict, InvalidInput, NotFound
from fahuo.orders.models import Order, OrderStatus
from fahuo.routing import candidates as cand_mod
from fahuo.routing import explanations, pickup, solver
from fahuo.routing import window as window_mod
from fahuo.routing.candidates import Candidates
from fahuo.routing.models import AllocationDecision, AllocationRun
from fahuo.routing.selectors import allocatable

IntArray = npt.NDArray[np.int64]

STATUS_PREVIEW, STATUS_APPLIED, STATUS_DISCARDED = "preview", "applied", "discarded"
# Seconds per branch-and-bound run when stock limits make the plan a MIP (docs/allocation.md):
# the desk waits for a plan, so a hard instance keeps the best allocation found and says how close.
MIP_SECONDS = 3.0
BINDING_MANUAL = explanations.BINDING_MANUAL
DECISION_BATCH = 1000


class InfeasibleOverride(InvalidInput):
    """The chosen carrier × warehouse is not a feasible option for (some of) the orders."""

    code = "infeasible_override"


class RunNotEditable(Conflict):
    code = "run_not_editable"


def lane_key(carrier: str, warehouse: str) -> str:
    return f"{carrier}@{warehouse}"


# --- plan ----------------------------------------------------------------------------------------


def plan_allocation(
    *,
    orders: QuerySet[Order],
    on: dt.date | None = None,
    user: Any = None,
    now: dt.datetime | None = None,
    method: solver.Method = "auto",
    pickup_start: dt.datetime | None = None,
    pickup_end: dt.datetime | None = None,
) -> AllocationRun:
    """Allocate the ready orders among ``orders``; store and return the preview run.

    ``pickup_start`` / ``pickup_end``: a pickup window (both or neither): hourly pickups, per-hour
    caps (``Capacity.max_parcels_per_hour``) and the carriers' contracted pickup hours apply.
    """
    t0 = time.perf_counter()
    window = window_mod.clean_window(pickup_start, pickup_end)
    cand = cand_mod.build(orders=orders, on=on, now=now, window=window)
    t_build = time.perf_counter()
    p = cand.problem
    if p.n_orders:
        best = solver.solve(p, method=method, time_limit=MIP_SECONDS)
        if cand.window is not None and p.slots:
            best = _earliest_pickups(p, best, cand.window)
        t_solve = time.perf_counter()
        greedy = solver.greedy_cheapest_first(p)
        t_greedy = time.perf_counter()
        lp_bound: float | None = best.stats.get("lp_bound")  # the stock MIP's phase-2 LP
        if lp_bound is None:  # no stock MIP: the optimum kept every stock limit without the rows
            lp_bound = solver.lp_lower_bound(p, served=best.served, stock=False) if best.served else 0.0
    else:
        best = greedy = _nothing(p)
        t_solve = t_greedy = time.perf_counter()
        lp_bound = 0.0
    t_lp = time.perf_counter()
    real = _real_option_price(cand)
    binding = explanations.bindings(cand, best)
    explained = explanations.explain_all(cand, best, binding)
    t_explain = time.perf_counter()

    objective = int(best.total_fen)
    run = AllocationRun.objects.create(
        created_by=user if getattr(user, "is_authenticated", False) else None,
        status=STATUS_PREVIEW,
        orders=len(cand.all_pk),
        greedy_fen=int(real[greedy.option[greedy.option >= 0]].sum()),
        lp_bound_fen=None if lp_bound is None else math.ceil(lp_bound - 1e-6),
        pickup_start=window[0] if window else None,
        pickup_end=window[1] if window else None,
    )
    AllocationDecision.objects.bulk_create(
        _decisions(run, cand, best, binding, explained, real), batch_size=DECISION_BATCH
    )
    t_store = time.perf_counter()
    penalty = objective - int(real[best.option[best.option >= 0]].sum())
    run.summary = {
        "on": cand.on.isoformat(),
        "method": best.method,
        "classes": best.n_classes,
        "options": p.n_options,
        "objective_fen": objective,
        "penalty_fen": penalty,
        "greedy_served": greedy.served,
        "greedy_objective_fen": int(greedy.total_fen),
        **_common_set(real, best.option, greedy.option),
        "capacity": {
            lane_key(c.code, w.code): int(cand.capacity[i, j])
            for i, c in enumerate(cand.carriers)
            for j, w in enumerate(cand.warehouses)
            if cand.capacity[i, j] >= 0
        },
        "tier_delta_fen": cand.tier_delta_fen,
        "daily_avg": {k: round(v, 2) for k, v in cand.daily_avg.items()},
        "rules": [{"id": r.pk, "name": r.name, "kind": r.kind} for r in cand.effects.rules],
        "carrier_names": {c.code: c.name for c in cand.carriers},
        "warehouse_names": {w.code: w.name for w in cand.warehouses},
        **_pickup_summary(cand),
        **_stock_summary(cand),
        "stock_rows": int(best.stats.get("stock_rows", 0)),
        "mip_gap_pct": round(100 * best.stats.get("mip_gap", 0.0), 4),
        "served_gap": int(best.stats.get("served_gap", 0)),
        "timings": {
            "build": round(t_build - t0, 3),
            "solve": round(t_solve - t_build, 3),
            "greedy": round(t_greedy - t_solve, 3),
            "lp_bound": round(t_lp - t_greedy, 3),
            "explain": round(t_explain - t_lp, 3),
            "store": round(t_store - t_explain, 3),
        },
    }
    run.seconds = round(time.perf_counter() - t0, 3)
    refresh_totals(run=run)
    return run


def _earliest_pickups(p: solver.Problem, best: solver.Solution, window: window_mod.Window) -> solver.Solution:
    """The optimum with each pair's parcels on its earliest pickup hours (same freight)."""
    assert p.slot_capacity is not None
    option = pickup.earliest_first(
        p.opt_order,
        p.opt_carrier,
        p.opt_warehouse,
        p.option_slot,
        p.slot_capacity,
        window.slots.depart,
        best.option,
    )
    return best if np.array_equal(option, best.option) else solver.with_options(p, best, option)


def _pickup_summary(cand: Candidates) -> dict[str, Any]:
    """The window's hours, each carrier's pickup hours and the per-hour caps, for the pages and override."""
    w = cand.window
    if w is None:
        return {}
    return {
        "pickup": {
            "start": w.start.isoformat(),
            "end": w.end.isoformat(),
            "hours": [t.isoformat() for t in w.hours],
            "depart": w.depart.tolist(),
            "open": {c.code: np.flatnonzero(w.open[i]).tolist() for i, c in enumerate(cand.carriers)},
            "per_hour": {
                lane_key(c.code, wh.code): int(w.per_hour[i, j])
                for i, c in enumerate(cand.carriers)
                for j, wh in enumerate(cand.warehouses)
                if w.per_hour[i, j] >= 0
            },
        }
    }


def _stock_summary(cand: Candidates) -> dict[str, Any]:
    """Units the flexible orders could share per warehouse × SKU they asked for, and what
    allocated, unshipped orders outside the run held."""
    p = cand.problem
    if p.demand_sku is None:
        return {}
    skus = np.unique(p.demand_sku).tolist()
    free: dict[str, dict[str, int]] = {}
    held: dict[str, dict[str, int]] = {}
    for j, wh in enumerate(cand.warehouses):
        free[wh.code] = {cand.sku_codes[k]: int(cand.stock_free[j, k]) for k in skus}
        taken = {cand.sku_codes[k]: int(cand.stock_held[j, k]) for k in skus if cand.stock_held[j, k]}
        if taken:
            held[wh.code] = taken
    return {"stock": free, "stock_held": held}


def _nothing(p: solver.Problem) -> solver.Solution:
    empty = np.zeros(0, dtype=np.int64)
    return solver.Solution(
        option=empty,
        carrier=empty,
        warehouse=empty,
        slot=empty,
        cost_fen=empty,
        reason=np.zeros(0, dtype="<U12"),
        binding=np.zeros(0, dtype="<U8"),
        total_fen=0,
        served=0,
        method="none",
        n_classes=0,
        seconds=0.0,
    )


def _real_option_price(cand: Candidates) -> IntArray:
    """Real price (without preference penalties) of each of the problem's options."""
    p = cand.problem
    return cand.price[p.opt_order, p.opt_carrier, p.opt_warehouse].astype(np.int64)


def _decisions(
    run: AllocationRun,
    cand: Candidates,
    best: solver.Solution,
    binding: npt.NDArray[np.str_],
    explained: list[dict[str, Any]],
    real: IntArray,
) -> Iterable[AllocationDecision]:
    c_pk = [c.pk for c in cand.carriers]
    w_pk = [w.pk for w in cand.warehouses]
    priced = {int(a): k for k, a in enumerate(cand.idx.tolist())}
    reasons = explanations.unassigned_reasons(cand, best)
    hours = explanations.pickup_hours(cand, best)
    for a, pk in enumerate(cand.all_pk.tolist()):
        k = priced.get(a)
        if k is None:
            yield AllocationDecision(
                run=run,
                order_id=pk,
                reason=cand_mod.REASON_SKU_WEIGHT,
                explanation={
                    "reason": cand_mod.REASON_SKU_WEIGHT,
                    "missing": cand.all_missing[a],
                    "options": [],
                },
            )
            continue
        opt = int(best.option[k])
        yield AllocationDecision(
            run=run,
            order_id=pk,
            carrier_id=c_pk[int(best.carrier[k])] if opt >= 0 else None,
            warehouse_id=w_pk[int(best.warehouse[k])] if opt >= 0 else None,
            freight_fen=int(real[opt]) if opt >= 0 else None,
            reason=str(binding[k]) if opt >= 0 else reasons[k],
            explanation=explained[k],
            pickup_at=hours[k],
        )


def refresh_totals(*, run: AllocationRun) -> AllocationRun:
    """Recount a run's totals and per-carrier / per-warehouse summary from its decisions (2 queries)."""
    summary = dict(run.summary or {})
    rows = list(
        run.decisions.filter(carrier__isnull=False)
        .values("carrier__code", "warehouse__code")
        .annotate(n=Count("id"), fen=Sum("freight_fen"))
        .order_by()
    )
    unassigned = dict(
        run.decisions.filter(carrier__isnull=True)
        .values("reason")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("reason", "n")
    )
    carriers: dict[str, dict[str, Any]] = {}
    warehouses: dict[str, dict[str, Any]] = {}
    lanes: dict[str, int] = {}
    for r in rows:
        c, w, n, fen = r["carrier__code"], r["warehouse__code"], int(r["n"]), int(r["fen"] or 0)
        lanes[lane_key(c, w)] = n
        for table, key in ((carriers, c), (warehouses, w)):
            entry = table.setdefault(key, {"code": key, "orders": 0, "freight_fen": 0})
            entry["orders"] += n
            entry["freight_fen"] += fen
    assigned = sum(lanes.values())
    run.assigned = assigned
    run.unassigned = sum(unassigned.values())
    run.total_fen = sum(e["freight_fen"] for e in carriers.values())
    summary["carriers"] = sorted(carriers.values(), key=lambda e: (-e["orders"], e["code"]))
    summary["warehouses"] = sorted(warehouses.values(), key=lambda e: (-e["orders"], e["code"]))
    summary["lanes"] = lanes
    summary["unassigned_by_reason"] = dict(sorted(unassigned.items(), key=lambda kv: (-kv[1], kv[0])))
    if run.pickup_start is not None:
        summary["pickup_counts"] = _pickup_counts(run)
    run.summary = summary
    run.save()
    return run


def _pickup_counts(run: AllocationRun) -> dict[str, dict[str, int]]:
    """Parcels per lane and pickup hour (ISO, UTC) of a run with a pickup window (1 query)."""
    rows = (
        run.decisions.filter(carrier__isnull=False, pickup_at__isnull=False)
        .values("carrier__code", "warehouse__code", "pickup_at")
        .annotate(n=Count("id"))
        .order_by()
    )
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        at = r["pickup_at"]
        assert at is not None  # filtered above
        out.setdefault(lane_key(r["carrier__code"], r["warehouse__code"]), {})[
            at.astimezone(dt.UTC).isoformat()
        ] = int(r["n"])
    return out


# --- override --------------------------------------------------------------------------------------


@dataclass
class OverrideResult:
    updated: int
    skipped: list[dict[str, Any]] = field(default_factory=list)  # {order_id, order, reason}


def _editable(run: AllocationRun) -> None:
    """Lock the run's row and reload it: a stale instance must not edit an applied run."""
    AllocationRun.objects.select_for_update().filter(pk=run.pk).values_list("pk").first()
    run.refresh_from_db()
    if run.status != STATUS_PREVIEW:
        raise RunNotEditable(f"allocation run {run.pk} is {run.status}; plan again to change it")


def override(
    *,
    run: AllocationRun,
    order_ids: Sequence[int],
    carrier: Carrier,
    warehouse: Warehouse,
    user: Any,
    skip_infeasible: bool = False,
) -> OverrideResult:
    """Put orders of a preview run on ``carrier`` × ``warehouse`` by hand.

    Each order must have that pair among its feasible options, and the pair's capacity, its pickup
    hours (a run with a window: the earliest hour in time for the order's promise with room) and
    the warehouse's stock left in the run must take it. Infeasible orders raise
    :class:`InfeasibleOverride` naming each order and its reason (``capacity``, ``pickup_hour``,
    ``stock`` or the check), unless ``skip_infeasible`` (a group override), which moves the others
    and reports the rest. Orders already on the pair stay where they are.
    """
    _editable(run)
    wanted = list(dict.fromkeys(int(i) for i in order_ids))
    if not wanted:
        raise InvalidInput("no orders to override")
    decisions = list(
        run.decisions.filter(order_id__in=wanted).select_related("order", "carrier", "warehouse")
    )
    unknown = set(wanted) - {d.order_id for d in decisions}
    if unknown:
        raise NotFound(
            f"{len(unknown)} order(s) are not in allocation run {run.pk}", detail={"orders": sorted(unknown)}
        )
    key = lane_key(carrier.code, warehouse.code)
    ok: list[tuple[AllocationDecision, dict[str, Any]]] = []
    skipped: list[dict[str, Any]] = []
    position = {oid: k for k, oid in enumerate(wanted)}
    for d in sorted(decisions, key=lambda d: position[d.order_id]):
        option = next(
            (
                o
                for o in (d.explanation or {}).get("options", [])
                if o["carrier"] == carrier.code and o["warehouse"] == warehouse.code
            ),
            None,
        )
        if option is None or not option["allowed"]:
            reason = (
                option["rule"]
                if option
                else d.reason
                if d.reason == cand_mod.REASON_SKU_WEIGHT
                else "no_lane"
            )
            skipped.append({"order_id": d.order_id, "order": d.order.platform_order_id, "reason": reason})
        else:
            ok.append((d, option))
    staying = [(d, o) for d, o in ok if d.carrier_id == carrier.pk and d.warehouse_id == warehouse.pk]
    moving = [(d, o) for d, o in ok if not (d.carrier_id == carrier.pk and d.warehouse_id == warehouse.pk)]
    cap = int((run.summary or {}).get("capacity", {}).get(key, -1))
    if cap >= 0 and moving:
        room = max(cap - run.decisions.filter(carrier=carrier, warehouse=warehouse).count(), 0)
        skipped += [_skip(d, "capacity") for d, _ in moving[room:]]
        moving = moving[:room]
    moving, late = _pickups(run, carrier, warehouse, moving)
    moving, short = _stock_left(run, warehouse, moving)
    skipped += late + short
    ok = staying + moving
    if (skipped and not skip_infeasible) or not ok:
        raise InfeasibleOverride(
            _infeasible_message(key, skipped, len(decisions)), detail={"orders": skipped[:200]}
        )
    now = timezone.now()
    by = getattr(user, "username", "") or ""
    for d, option in ok:
        before = {
            "carrier": getattr(d.carrier, "code", None),
            "warehouse": getattr(d.warehouse, "code", None),
            "price_fen": d.freight_fen,
        }
        exp = dict(d.explanation)
        exp["options"] = [
            {**o, "chosen": o["carrier"] == carrier.code and o["warehouse"] == warehouse.code}
            for o in exp["options"]
        ]
        exp["binding"] = BINDING_MANUAL
        exp.pop("binding_option", None)
        exp["override"] = {"by": by, "at": now.isoformat(), "from": before}
        if "pickup_at" in option:
            d.pickup_at = option["pickup_at"]
            if d.pickup_at is None:
                exp.pop("pickup_at", None)
            else:
                exp["pickup_at"] = d.pickup_at.isoformat()
        d.carrier, d.warehouse = carrier, warehouse
        d.freight_fen = option["price_fen"]
        d.reason = BINDING_MANUAL
        d.overridden = True
        d.explanation = exp
    AllocationDecision.objects.bulk_update(
        [d for d, _ in ok],
        ["carrier", "warehouse", "freight_fen", "reason", "overridden", "explanation", "pickup_at"],
        batch_size=500,
    )
    refresh_totals(run=run)
    audit(
        user=user,
        action="allocation.override",
        object_type="allocation_run",
        object_id=run.pk,
        detail={
            "orders": len(ok),
            "carrier": carrier.code,
            "warehouse": warehouse.code,
            "skipped": len(skipped),
        },
    )
    return OverrideResult(updated=len(ok), skipped=skipped)


def _skip(d: AllocationDecision, reason: str) -> dict[str, Any]:
    return {"order_id": d.order_id, "order": d.order.platform_order_id, "reason": reason}


Moving = list[tuple[AllocationDecision, dict[str, Any]]]


def _pickups(
    run: AllocationRun, carrier: Carrier, warehouse: Warehouse, moving: Moving
) -> tuple[Moving, list[dict[str, Any]]]:
    """A pickup hour for each order moved onto the pair (``option["pickup_at"]``), or ``pickup_hour``.

    Pairs without a per-hour cap: the carrier's first pickup hour. Capped pairs: tightest promise
    first, the earliest hour in time for the promise (depart + transit ≤ promise) that has room.
    """
    window = (run.summary or {}).get("pickup")
    if not window or not moving:
        return moving, []
    hours = [dt.datetime.fromisoformat(h) for h in window["hours"]]
    open_hours = window["open"].get(carrier.code, [])
    per_hour = window["per_hour"].get(lane_key(carrier.code, warehouse.code))
    if per_hour is None:
        first = hours[open_hours[0]] if open_hours else None
        return [(d, {**o, "pickup_at": first}) for d, o in moving], []
    at_hour = {h: k for k, h in enumerate(hours)}
    used = [0] * len(hours)
    for at in run.decisions.filter(carrier=carrier, warehouse=warehouse, pickup_at__isnull=False).values_list(
        "pickup_at", flat=True
    ):
        if at in at_hour:
            used[at_hour[at]] += 1

    def latest(item: tuple[AllocationDecision, dict[str, Any]]) -> int:
        promise = (item[0].explanation or {}).get("promise_hours")
        return 10**9 if promise is None else int(promise) - int(item[1].get("transit_hours") or 0)

    placed: Moving = []
    late: list[dict[str, Any]] = []
    for d, o in sorted(moving, key=latest):
        k = next(
            (k for k in open_hours if window["depart"][k] <= latest((d, o)) and used[k] < per_hour),
            None,
        )
        if k is None:
            late.append(_skip(d, explanations.BINDING_PICKUP))
            continue
        used[k] += 1
        placed.append((d, {**o, "pickup_at": hours[k]}))
    order = {id(d): n for n, (d, _) in enumerate(moving)}
    placed.sort(key=lambda item: order[id(item[0])])
    return placed, late


def _stock_left(
    run: AllocationRun, warehouse: Warehouse, moving: Moving
) -> tuple[Moving, list[dict[str, Any]]]:
    """Orders moved into ``warehouse`` whose SKUs its stock left in the run still covers; else ``stock``."""
    limits = (run.summary or {}).get("stock", {}).get(warehouse.code)
    needs = [(d, o, (d.explanation or {}).get("demand") or {}) for d, o in moving]
    if not limits or not any(need for *_, need in needs):
        return moving, []
    used: dict[str, int] = {}
    others = run.decisions.filter(warehouse=warehouse).exclude(order_id__in=[d.order_id for d, _ in moving])
    for demand in others.values_list("explanation__demand", flat=True):
        for sku, qty in (demand or {}).items():
            used[sku] = used.get(sku, 0) + int(qty)
    kept: Moving = []
    short: list[dict[str, Any]] = []
    for d, o, need in needs:
        if any(sku in limits and used.get(sku, 0) + qty > limits[sku] for sku, qty in need.items()):
            short.append(_skip(d, explanations.BINDING_STOCK))
            continue
        for sku, qty in need.items():
            used[sku] = used.get(sku, 0) + int(qty)
        kept.append((d, o))
    return kept, short


def _infeasible_message(key: str, skipped: list[dict[str, Any]], total: int) -> str:
    if len(skipped) == 1 and total == 1:
        s = skipped[0]
        return f"order {s['order']} cannot use {key}: {s['reason']}"
    counts: dict[str, int] = {}
    for s in skipped:
        counts[s["reason"]] = counts.get(s["reason"], 0) + 1
    why = ", ".join(f"{r} {n}" for r, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    return f"{len(skipped)} of {total} orders cannot use {key} ({why})"


# --- apply -----------------------------------------------------------------------------------------


@dataclass
class ApplyResult:
    run: AllocationRun
    applied: int
    not_ready: int
    already: bool = False


def apply_run(*, run: AllocationRun, user: Any, request: Any = None) -> ApplyResult:
    """Give the run's still-ready orders their carrier, warehouse and pickup hour (one UPDATE; a run
    without a pickup window clears the hour); idempotent, audited."""
    run = AllocationRun.objects.select_for_update().get(pk=run.pk)
    if run.status == STATUS_APPLIED:
        applied = (run.summary or {}).get("applied", {})
        return ApplyResult(run, int(applied.get("orders", 0)), int(applied.get("not_ready", 0)), already=True)
    if run.status != STATUS_PREVIEW:
        raise RunNotEditable(f"allocation run {run.pk} is {run.status}; plan again")
    chosen = run.decisions.filter(carrier__isnull=False)
    of_order = chosen.filter(order_id=OuterRef("pk"))
    now = timezone.now()
    applied = Order.objects.filter(pk__in=chosen.values("order_id"), status=OrderStatus.READY).update(
        carrier_id=Subquery(of_order.values("carrier_id")[:1]),
        warehouse_id=Subquery(of_order.values("warehouse_id")[:1]),
        pickup_at=Subquery(of_order.values("pickup_at")[:1]),  # null for a run without a window
        updated_at=now,
    )
    not_ready = run.assigned - applied
    # Reservations follow the orders to the warehouses they were given.
    from fahuo.inventory.reservations import follow_allocation

    follow_allocation(order_ids=list(chosen.values_list("order_id", flat=True)))
    summary = dict(run.summary or {})
    summary["applied"] = {
        "orders": applied,
        "not_ready": not_ready,
        "by": getattr(user, "username", "") or "",
    }
    run.summary = summary
    run.status = STATUS_APPLIED
    run.applied_at = now
    run.save(update_fields=["summary", "status", "applied_at"])
    # previews over the same orders are out of date now
    AllocationRun.objects.filter(
        status=STATUS_PREVIEW, decisions__order_id__in=run.decisions.values("order_id")
    ).exclude(pk=run.pk).update(status=STATUS_DISCARDED)
    audit(
        user=user,
        action="allocation.apply",
        object_type="allocation_run",
        object_id=run.pk,
        request=request,
        detail={"orders": applied, "not_ready": not_ready, "total_fen": run.total_fen},
    )
    return ApplyResult(run, applied, not_ready)


# --- figures for the edges -------------------------------------------------------------------------


def _common_set(real: Any, best: Any, greedy: Any) -> dict[str, int]:
    """Both plans' cost over the orders BOTH serve: with binding stock or capacity the optimiser and
    cheapest-first serve different order sets, and their totals are not comparable (issue #18)."""
    both = (best >= 0) & (greedy >= 0)
    return {
        "common_orders": int(both.sum()),
        "common_total_fen": int(real[best[both]].sum()),
        "common_greedy_fen": int(real[greedy[both]].sum()),
    }


def saving_figures(
    *, total_fen: int, greedy_fen: int, served: int, greedy_served: int, common: dict[str, Any]
) -> dict[str, Any]:
    """Saving against cheapest-first over one order set: all orders when both plans serve the same
    ones, else the orders both serve (``saving_basis`` says which)."""
    if served != greedy_served and "common_orders" in common:
        ours, theirs = int(common["common_total_fen"]), int(common["common_greedy_fen"])
        basis = f"orders served by both plans ({common['common_orders']}); served {served} vs {greedy_served}"
    else:
        ours, theirs, basis = total_fen, greedy_fen, "all orders (same order set)"
    saving = theirs - ours
    return {
        "saving_fen": saving,
        "saving_pct": round(100.0 * saving / theirs, 3) if theirs else 0.0,
        "saving_basis": basis,
    }


def figures(run: AllocationRun) -> dict[str, Any]:
    """The numbers ``fahuo allocate`` prints for a scenario, for a database run (same keys)."""
    s = run.summary or {}
    bound = run.lp_bound_fen
    objective = int(s.get("objective_fen", run.total_fen))
    return {
        "run": run.pk,
        "status": run.status,
        "orders": run.orders,
        "served": run.assigned,
        "unservable": run.unassigned,
        "unservable_by_reason": s.get("unassigned_by_reason", {}),
        "total_fen": run.total_fen,
        "greedy_fen": run.greedy_fen,
        "greedy_served": s.get("greedy_served", 0),
        **saving_figures(
            total_fen=run.total_fen,
            greedy_fen=run.greedy_fen,
            served=run.assigned,
            greedy_served=int(s.get("greedy_served", run.assigned)),
            common=s,
        ),
        "objective_fen": objective,
        "penalty_fen": int(s.get("penalty_fen", 0)),
        "lp_bound_fen": bound,
        "gap_to_lp_pct": round(100.0 * (objective - bound) / bound, 4) if bound else 0.0,
        "method": s.get("method", ""),
        "classes": s.get("classes", 0),
        "mip_gap_pct": float(s.get("mip_gap_pct", 0.0)),
        "served_gap": int(s.get("served_gap", 0)),
        "seconds": run.seconds,
    }


def ready_orders(*, user: Any = None) -> QuerySet[Order]:
    """The ready orders — when a user plans (None: every shop), of the shops where their role may
    allocate (``selectors.allocatable``)."""
    return allocatable(Order.objects.filter(status=OrderStatus.READY), user)
