"""Allocate the database's ready orders: plan (a preview run), override by hand, apply to the orders.

``plan_allocation`` builds every candidate set-based (:mod:`fahuo.routing.candidates`), solves with
:func:`fahuo.routing.solver.solve`, compares with the cheapest-first baseline and the LP bound, and
stores one :class:`AllocationRun` with one :class:`AllocationDecision` per order whose
``explanation`` lists every candidate (price, the check or seller rule that removed it, whether
its capacity is full, the choice) and the binding reason. The edges (views, API, CLI) wrap each
call in ``transaction.atomic``.
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
from fahuo.routing import explanations, solver
from fahuo.routing.candidates import Candidates
from fahuo.routing.models import AllocationDecision, AllocationRun

IntArray = npt.NDArray[np.int64]

STATUS_PREVIEW, STATUS_APPLIED, STATUS_DISCARDED = "preview", "applied", "discarded"
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
) -> AllocationRun:
    """Allocate the ready orders among ``orders``; store and return the preview run."""
    t0 = time.perf_counter()
    cand = cand_mod.build(orders=orders, on=on, now=now)
    t_build = time.perf_counter()
    p = cand.problem
    if p.n_orders:
        best = solver.solve(p, method=method)
        t_solve = time.perf_counter()
        greedy = solver.greedy_cheapest_first(p)
        t_greedy = time.perf_counter()
        lp_bound: float | None = solver.lp_lower_bound(p, served=best.served) if best.served else 0.0
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
    run.summary = summary
    run.save()
    return run


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

    Each order must have that pair among its feasible options and the pair's capacity must take
    them. Infeasible orders raise :class:`InfeasibleOverride` naming each order and its reason,
    unless ``skip_infeasible`` (a group override), which moves the others and reports the rest.
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
    cap = int((run.summary or {}).get("capacity", {}).get(key, -1))
    if cap >= 0:
        others = (
            run.decisions.filter(carrier=carrier, warehouse=warehouse).exclude(order_id__in=wanted).count()
        )
        room = max(cap - others, 0)
        for d, _ in ok[room:]:
            skipped.append({"order_id": d.order_id, "order": d.order.platform_order_id, "reason": "capacity"})
        ok = ok[:room]
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
        d.carrier, d.warehouse = carrier, warehouse
        d.freight_fen = option["price_fen"]
        d.reason = BINDING_MANUAL
        d.overridden = True
        d.explanation = exp
    AllocationDecision.objects.bulk_update(
        [d for d, _ in ok],
        ["carrier", "warehouse", "freight_fen", "reason", "overridden", "explanation"],
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
    """Give the run's still-ready orders their carrier and warehouse (one UPDATE); idempotent, audited."""
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
        updated_at=now,
    )
    not_ready = run.assigned - applied
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


def figures(run: AllocationRun) -> dict[str, Any]:
    """The numbers ``fahuo allocate`` prints for a scenario, for a database run (same keys)."""
    s = run.summary or {}
    bound = run.lp_bound_fen
    objective = int(s.get("objective_fen", run.total_fen))
    saving = run.greedy_fen - run.total_fen
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
        "saving_fen": saving,
        "saving_pct": round(100.0 * saving / run.greedy_fen, 3) if run.greedy_fen else 0.0,
        "objective_fen": objective,
        "penalty_fen": int(s.get("penalty_fen", 0)),
        "lp_bound_fen": bound,
        "gap_to_lp_pct": round(100.0 * (objective - bound) / bound, 4) if bound else 0.0,
        "method": s.get("method", ""),
        "classes": s.get("classes", 0),
        "seconds": run.seconds,
    }


def ready_orders() -> QuerySet[Order]:
    return Order.objects.filter(status=OrderStatus.READY)
