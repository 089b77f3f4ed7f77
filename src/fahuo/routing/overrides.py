"""The checks and the bookkeeping behind a hand override of an allocation run
(:func:`fahuo.routing.services.override`): which orders may use the pair, its capacity, pickup
hours and stock left, and the decision rewritten as chosen by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fahuo.carriers.models import Carrier
from fahuo.inventory.models import Warehouse
from fahuo.routing import candidates as cand_mod
from fahuo.routing import explanations
from fahuo.routing.models import AllocationDecision, AllocationRun
from fahuo.routing.plan_summary import lane_key

BINDING_MANUAL = explanations.BINDING_MANUAL


def skip(d: AllocationDecision, reason: str) -> dict[str, Any]:
    return {"order_id": d.order_id, "order": d.order.platform_order_id, "reason": reason}


Moving = list[tuple[AllocationDecision, dict[str, Any]]]


def feasible(
    decisions: list[AllocationDecision], wanted: list[int], carrier: Carrier, warehouse: Warehouse
) -> tuple[Moving, list[dict[str, Any]]]:
    """The decisions (in ``wanted`` order) with the pair among their allowed options, and the rest
    with the rule, the check or ``no_lane`` that keeps them off it."""
    ok: Moving = []
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
    return ok, skipped


def within_capacity(
    run: AllocationRun, carrier: Carrier, warehouse: Warehouse, moving: Moving
) -> tuple[Moving, list[dict[str, Any]]]:
    """The orders moved onto the pair that its capacity in the run still takes; the rest ``capacity``."""
    cap = int((run.summary or {}).get("capacity", {}).get(lane_key(carrier.code, warehouse.code), -1))
    if cap < 0 or not moving:
        return moving, []
    room = max(cap - run.decisions.filter(carrier=carrier, warehouse=warehouse).count(), 0)
    return moving[:room], [skip(d, "capacity") for d, _ in moving[room:]]


def pickups(
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
            late.append(skip(d, explanations.BINDING_PICKUP))
            continue
        used[k] += 1
        placed.append((d, {**o, "pickup_at": hours[k]}))
    order = {id(d): n for n, (d, _) in enumerate(moving)}
    placed.sort(key=lambda item: order[id(item[0])])
    return placed, late


def stock_left(
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
            short.append(skip(d, explanations.BINDING_STOCK))
            continue
        for sku, qty in need.items():
            used[sku] = used.get(sku, 0) + int(qty)
        kept.append((d, o))
    return kept, short


def infeasible_message(key: str, skipped: list[dict[str, Any]], total: int) -> str:
    if len(skipped) == 1 and total == 1:
        s = skipped[0]
        return f"order {s['order']} cannot use {key}: {s['reason']}"
    counts: dict[str, int] = {}
    for s in skipped:
        counts[s["reason"]] = counts.get(s["reason"], 0) + 1
    why = ", ".join(f"{r} {n}" for r, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    return f"{len(skipped)} of {total} orders cannot use {key} ({why})"


def choose(
    d: AllocationDecision,
    option: dict[str, Any],
    carrier: Carrier,
    warehouse: Warehouse,
    by: str,
    now: dt.datetime,
) -> None:
    """Rewrite the decision as chosen by hand: the pair, its price and pickup hour, the explanation
    marking the option chosen and recording who moved it from where."""
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
