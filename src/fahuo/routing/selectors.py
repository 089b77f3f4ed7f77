"""Reads for the allocation pages and API: runs, their decisions (filtered, paged), rules."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from fahuo.accounts.selectors import can, shops_for, visible, visible_whole
from fahuo.kit.errors import NotFound
from fahuo.orders.models import Order, OrderStatus
from fahuo.routing.models import AllocationDecision, AllocationRun, Rule

UNASSIGNED_PREFIX = "un:"  # reason filter "un:" = every unassigned order, "un:stock" = for that reason


CHANGE_PERMISSION = "orders.change_order"  # planning and applying allocations


def allocatable(qs: QuerySet[Order], user: Any = None) -> QuerySet[Order]:
    """``qs`` narrowed to the shops where the user's role may allocate (None: every shop): a run is
    applied whole, so it holds no order its planner could not allocate."""
    if user is None:
        return qs
    allowed = [shop.pk for shop in shops_for(user) if can(user, CHANGE_PERMISSION, shop.pk)]
    return visible(qs, user).filter(shop_id__in=allowed)


def ready_count(*, user: Any = None) -> int:
    """The ready orders a plan by this user would take."""
    return allocatable(Order.objects.filter(status=OrderStatus.READY), user).count()


def visible_runs(user: Any) -> QuerySet[AllocationRun]:
    """Runs a user may see: none deciding an order of a shop outside theirs (None: all)."""
    qs = AllocationRun.objects.all()
    return qs if user is None else visible_whole(qs, user, through="decisions__order__shop")


def recent_runs(*, limit: int = 10, user: Any = None) -> list[AllocationRun]:
    return list(visible_runs(user).select_related("created_by").order_by("-created_at", "-id")[:limit])


def run(*, pk: int, user: Any = None) -> AllocationRun:
    """One run; 404 when missing or (with ``user``) deciding another shop's orders."""
    found = visible_runs(user).select_related("created_by").filter(pk=pk).first()
    if found is None:
        raise NotFound(f"allocation run {pk} not found")
    return found


def shop_ids(*, run: AllocationRun, order_ids: Any = None) -> list[int]:
    """The shops whose orders ``run`` decides (``order_ids``: only those orders'): applying or
    overriding changes those orders, so the user's role must allow it in each of these shops."""
    qs = run.decisions.all()
    if order_ids is not None:
        qs = qs.filter(order_id__in=list(order_ids))
    return sorted(set(qs.values_list("order__shop_id", flat=True)))


def decisions(
    *,
    run: AllocationRun,
    carrier: str | None = None,
    warehouse: str | None = None,
    province: str | None = None,
    reason: str | None = None,
    explanation: bool = False,
) -> QuerySet[AllocationDecision]:
    """A run's decisions in the order the orders were paid, filtered; ``explanation`` loads the JSON."""
    qs = (
        AllocationDecision.objects.filter(run=run)
        .select_related("order", "order__shop", "carrier", "warehouse")
        .order_by("order__paid_at", "order_id")
    )
    # the order list never needs personal data, the table never the explanations
    qs = qs.defer(
        "order__recipient_name", "order__recipient_phone", "order__address_detail", "order__review_reasons"
    )
    if not explanation:
        qs = qs.defer("explanation")
    if carrier:
        qs = qs.filter(carrier__code=carrier)
    if warehouse:
        qs = qs.filter(warehouse__code=warehouse)
    if province:
        qs = qs.filter(order__province=province)
    if reason:
        if reason.startswith(UNASSIGNED_PREFIX):
            qs = qs.filter(carrier__isnull=True)
            if reason[len(UNASSIGNED_PREFIX) :]:
                qs = qs.filter(reason=reason[len(UNASSIGNED_PREFIX) :])
        else:
            qs = qs.filter(carrier__isnull=False, reason=reason)
    return qs


def decision(*, run: AllocationRun, order_id: int) -> AllocationDecision:
    found = decisions(run=run, explanation=True).filter(order_id=order_id).first()
    if found is None:
        raise NotFound(f"order {order_id} is not in allocation run {run.pk}")
    return found


def run_provinces(*, run: AllocationRun) -> list[tuple[str, int]]:
    """Destination provinces of a run's orders with their counts, biggest first."""
    rows = (
        AllocationDecision.objects.filter(run=run)
        .values("order__province")
        .annotate(n=Count("id"))
        .order_by("-n", "order__province")
    )
    return [(r["order__province"] or "", int(r["n"])) for r in rows]


def run_reasons(*, run: AllocationRun) -> dict[str, int]:
    """Binding reasons of the assigned orders with their counts."""
    rows = (
        AllocationDecision.objects.filter(run=run, carrier__isnull=False)
        .values("reason")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    return {r["reason"]: int(r["n"]) for r in rows}


def group_order_ids(*, run: AllocationRun, province: str) -> list[int]:
    return list(
        AllocationDecision.objects.filter(run=run, order__province=province).values_list(
            "order_id", flat=True
        )
    )


def rules() -> list[Rule]:
    return list(Rule.objects.order_by("priority", "id"))


def rule(*, pk: int) -> Rule:
    found = Rule.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(f"rule {pk} not found")
    return found


def lanes_of(run: AllocationRun) -> dict[str, Any]:
    """Carrier and warehouse codes/names known to a run (for filters and the group override)."""
    s = run.summary or {}
    return {"carriers": s.get("carrier_names", {}), "warehouses": s.get("warehouse_names", {})}
