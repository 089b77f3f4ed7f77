"""Allocation API: plan a run over the ready orders, read it (totals + decisions paged), override, apply."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from fahuo.accounts.selectors import visible
from fahuo.accounts.services import require
from fahuo.carriers.models import Carrier
from fahuo.inventory.models import Warehouse
from fahuo.kit.errors import InvalidInput, NotFound
from fahuo.kit.openapi import DbId
from fahuo.orders.models import Order
from fahuo.routing import selectors, services
from fahuo.routing import window as window_mod
from fahuo.routing.models import AllocationDecision, AllocationRun

router = Router()
VIEW = "orders.view_order"
CHANGE = "orders.change_order"


class PlanIn(Schema):
    order_ids: list[DbId] | None = Field(None, description="order ids to plan; omitted = every ready order")
    on: dt.date | None = Field(None, description="price on this day (Beijing); default today")
    pickup_start: str | None = Field(
        None, description='pickup window start: ISO date-time (no offset = Beijing) or "HH:MM" today'
    )
    pickup_end: str | None = Field(
        None,
        description='pickup window end, like pickup_start; an "HH:MM" not after the start is the next day',
    )


class LaneOut(Schema):
    code: str
    orders: int
    freight_fen: int


class RunOut(Schema):
    id: int
    status: str
    created_at: dt.datetime
    applied_at: dt.datetime | None
    orders: int
    assigned: int
    unassigned: int
    total_fen: int
    greedy_fen: int
    saving_fen: int
    saving_pct: float
    lp_bound_fen: int | None
    objective_fen: int
    penalty_fen: int
    seconds: float
    method: str
    by_carrier: list[LaneOut]
    by_warehouse: list[LaneOut]
    unassigned_by_reason: dict[str, int]
    capacity: dict[str, int]
    lanes: dict[str, int]
    pickup_start: dt.datetime | None
    pickup_end: dt.datetime | None
    pickup_per_hour: dict[str, int] = Field(description="per-hour caps per CARRIER@WH in the window")
    pickup_counts: dict[str, dict[str, int]] = Field(
        description="parcels per CARRIER@WH and pickup hour (ISO)"
    )


class DecisionOut(Schema):
    order_id: int
    platform_order_id: str
    province: str
    carrier: str | None
    warehouse: str | None
    freight_fen: int | None
    reason: str
    overridden: bool
    pickup_at: dt.datetime | None = None
    explanation: dict[str, Any] | None = None


class DecisionPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[DecisionOut]


class RunDetailOut(RunOut):
    decisions: DecisionPage


class DecisionFilters(Schema):
    carrier: str | None = None
    warehouse: str | None = None
    province: str | None = None
    reason: str | None = Field(
        None, description='binding reason, or "un:" / "un:<reason>" for unassigned orders'
    )
    explain: bool = Field(False, description="include each decision's explanation")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class OverrideIn(Schema):
    order_ids: list[DbId] | None = None
    province: str | None = Field(None, description="every order of the run to this province")
    carrier: str
    warehouse: str
    skip_infeasible: bool = Field(False, description="move the feasible orders, report the rest")


class SkippedOut(Schema):
    order_id: int
    order: str
    reason: str


class OverrideOut(Schema):
    updated: int
    skipped: list[SkippedOut]
    run: RunOut


class ApplyOut(Schema):
    applied: int
    not_ready: int
    already_applied: bool
    run: RunOut


def _run_out(run: AllocationRun) -> dict[str, Any]:
    f = services.figures(run)
    s = run.summary or {}
    return {
        "id": run.pk,
        "status": run.status,
        "created_at": run.created_at,
        "applied_at": run.applied_at,
        "orders": run.orders,
        "assigned": run.assigned,
        "unassigned": run.unassigned,
        "total_fen": run.total_fen,
        "greedy_fen": run.greedy_fen,
        "saving_fen": f["saving_fen"],
        "saving_pct": f["saving_pct"],
        "lp_bound_fen": run.lp_bound_fen,
        "objective_fen": f["objective_fen"],
        "penalty_fen": f["penalty_fen"],
        "seconds": run.seconds,
        "method": f["method"],
        "by_carrier": s.get("carriers", []),
        "by_warehouse": s.get("warehouses", []),
        "unassigned_by_reason": s.get("unassigned_by_reason", {}),
        "capacity": s.get("capacity", {}),
        "lanes": s.get("lanes", {}),
        "pickup_start": run.pickup_start,
        "pickup_end": run.pickup_end,
        "pickup_per_hour": s.get("pickup", {}).get("per_hour", {}),
        "pickup_counts": s.get("pickup_counts", {}),
    }


def _decision_out(d: AllocationDecision, explain: bool) -> dict[str, Any]:
    return {
        "order_id": d.order_id,
        "platform_order_id": d.order.platform_order_id,
        "province": d.order.province,
        "carrier": d.carrier.code if d.carrier else None,
        "warehouse": d.warehouse.code if d.warehouse else None,
        "freight_fen": d.freight_fen,
        "reason": d.reason,
        "overridden": d.overridden,
        "pickup_at": d.pickup_at,
        "explanation": d.explanation if explain else None,
    }


@router.post("/runs", response=RunOut, summary="Plan an allocation (a preview run)")
def plan(request: HttpRequest, payload: PlanIn) -> dict[str, Any]:
    """Allocates every ready order, or the ready ones among ``order_ids``; nothing changes on the
    orders until the run is applied. Orders in ``order_ids`` that are not ready are left out."""
    require(request, CHANGE)
    orders = services.ready_orders(user=request.user)
    if payload.order_ids is not None:
        if not payload.order_ids:
            raise InvalidInput("order_ids is empty")
        known = set(
            visible(Order.objects.filter(pk__in=payload.order_ids), request.user).values_list("pk", flat=True)
        )
        missing = sorted(set(payload.order_ids) - known)
        if missing:
            raise NotFound(f"订单不存在：{', '.join(map(str, missing[:20]))}", detail={"order_ids": missing})
        orders = orders.filter(pk__in=payload.order_ids)
    start = window_mod.parse_pickup_time(payload.pickup_start) if payload.pickup_start else None
    end = window_mod.parse_pickup_time(payload.pickup_end, after=start) if payload.pickup_end else None
    with transaction.atomic():
        run = services.plan_allocation(
            orders=orders, on=payload.on, user=request.user, pickup_start=start, pickup_end=end
        )
    return _run_out(run)


@router.get("/runs/{run_id}", response=RunDetailOut, summary="A run's totals and its decisions, paged")
def get_run(request: HttpRequest, run_id: int, filters: Query[DecisionFilters]) -> dict[str, Any]:
    require(request, VIEW)
    run = selectors.run(pk=run_id, user=request.user)
    qs = selectors.decisions(
        run=run,
        carrier=filters.carrier,
        warehouse=filters.warehouse,
        province=filters.province,
        reason=filters.reason,
        explanation=filters.explain,
    )
    items = [_decision_out(d, filters.explain) for d in qs[filters.offset : filters.offset + filters.limit]]
    page = {"count": qs.count(), "limit": filters.limit, "offset": filters.offset, "items": items}
    return {**_run_out(run), "decisions": page}


@router.post(
    "/runs/{run_id}/override", response=OverrideOut, summary="Put orders on a carrier × warehouse by hand"
)
def override(request: HttpRequest, run_id: int, payload: OverrideIn) -> dict[str, Any]:
    """Give ``order_ids`` or a ``province``. Each order must have the carrier × warehouse among its
    feasible options and the lane's capacity must take it; otherwise 422 ``infeasible_override``
    with each order's reason, unless ``skip_infeasible``."""
    require(request, CHANGE)
    run = selectors.run(pk=run_id, user=request.user)
    if bool(payload.order_ids) == bool(payload.province):
        raise InvalidInput("give either order_ids or province")
    ids = payload.order_ids or selectors.group_order_ids(run=run, province=payload.province or "")
    if not ids:
        raise NotFound(f"no order of run {run.pk} goes to {payload.province}")
    for shop_id in selectors.shop_ids(run=run, order_ids=ids):  # the role in each order's own shop
        require(request, CHANGE, shop=shop_id)
    carrier = Carrier.objects.filter(code=payload.carrier).first()
    warehouse = Warehouse.objects.filter(code=payload.warehouse).first()
    if carrier is None or warehouse is None:
        raise NotFound(f"unknown carrier or warehouse: {payload.carrier}@{payload.warehouse}")
    with transaction.atomic():
        result = services.override(
            run=run,
            order_ids=ids,
            carrier=carrier,
            warehouse=warehouse,
            user=request.user,
            skip_infeasible=payload.skip_infeasible,
        )
    run.refresh_from_db()
    return {"updated": result.updated, "skipped": result.skipped, "run": _run_out(run)}


@router.post(
    "/runs/{run_id}/apply", response=ApplyOut, summary="Give the run's still-ready orders their carrier"
)
def apply(request: HttpRequest, run_id: int) -> dict[str, Any]:
    """Idempotent: applying an applied run answers with the first result and changes nothing."""
    require(request, CHANGE)
    run = selectors.run(pk=run_id, user=request.user)
    for shop_id in selectors.shop_ids(run=run):  # applying changes every order of the run
        require(request, CHANGE, shop=shop_id)
    with transaction.atomic():
        result = services.apply_run(run=run, user=request.user, request=request)
    return {
        "applied": result.applied,
        "not_ready": result.not_ready,
        "already_applied": result.already,
        "run": _run_out(result.run),
    }
