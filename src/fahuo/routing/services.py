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
from collections.abc import Sequence
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
from fahuo.routing import explanations, overrides, plan_summary, solver
from fahuo.routing import window as window_mod
from fahuo.routing.candidates import Candidates
from fahuo.routing.models import AllocationDecision, AllocationRun
from fahuo.routing.plan_summary import lane_key
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
    laps = plan_summary.Laps()
    window = window_mod.clean_window(pickup_start, pickup_end)
    cand = cand_mod.build(orders=orders, on=on, now=now, window=window)
    laps.mark("build")
    best, greedy, lp_bound = _solve(cand, method, laps)
    real = plan_summary.real_option_price(cand)
    binding = explanations.bindings(cand, best)
    explained = explanations.explain_all(cand, best, binding)
    laps.mark("explain")

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
        plan_summary.decisions(run, cand, best, binding, explained, real), batch_size=DECISION_BATCH
    )
    laps.mark("store")
    run.summary = plan_summary.run_summary(cand, best, greedy, real, laps)
    run.seconds = laps.total()
    refresh_totals(run=run)
    return run


def _solve(
    cand: Candidates, method: solver.Method, laps: plan_summary.Laps
) -> tuple[solver.Solution, solver.Solution, float]:
    """The optimum (on its earliest pickup hours), the cheapest-first baseline and the LP bound."""
    p = cand.problem
    if not p.n_orders:
        best = plan_summary.nothing(p)
        for name in ("solve", "greedy", "lp_bound"):
            laps.mark(name)
        return best, best, 0.0
    best = solver.solve(p, method=method, time_limit=MIP_SECONDS)
    if cand.window is not None and p.slots:
        best = plan_summary.earliest_pickups(p, best, cand.window)
    laps.mark("solve")
    greedy = solver.greedy_cheapest_first(p)
    laps.mark("greedy")
    lp_bound: float | None = best.stats.get("lp_bound")  # the stock MIP's phase-2 LP
    if lp_bound is None:  # no stock MIP: the optimum kept every stock limit without the rows
        lp_bound = solver.lp_lower_bound(p, served=best.served, stock=False) if best.served else 0.0
    laps.mark("lp_bound")
    return best, greedy, lp_bound


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
    ok, skipped = overrides.feasible(decisions, wanted, carrier, warehouse)
    on_pair = [(d, o) for d, o in ok if d.carrier_id == carrier.pk and d.warehouse_id == warehouse.pk]
    moving = [(d, o) for d, o in ok if not (d.carrier_id == carrier.pk and d.warehouse_id == warehouse.pk)]
    for check in (
        lambda m: overrides.within_capacity(run, carrier, warehouse, m),
        lambda m: overrides.pickups(run, carrier, warehouse, m),
        lambda m: overrides.stock_left(run, warehouse, m),
    ):
        moving, refused = check(moving)
        skipped += refused
    ok = on_pair + moving
    if (skipped and not skip_infeasible) or not ok:
        key = lane_key(carrier.code, warehouse.code)
        raise InfeasibleOverride(
            overrides.infeasible_message(key, skipped, len(decisions)), detail={"orders": skipped[:200]}
        )
    now, by = timezone.now(), getattr(user, "username", "") or ""
    for d, option in ok:
        overrides.choose(d, option, carrier, warehouse, by, now)
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
