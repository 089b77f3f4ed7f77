"""Explanations of a database allocation: why each order got its option, and every option it had.

Computed for every order of a run at once (``bindings`` vectorised; option lists shared between
orders whose candidates look the same). They agree with :func:`fahuo.routing.solver.explain`, which
the tests use as the reference; the batch path does not call it per order because it recomputes the
caps on every call (O(options) per order).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fahuo.routing import candidates as cand_mod
from fahuo.routing import pickup, solver
from fahuo.routing.candidates import CHECKS, NO_LANE, OK, PROMISE, Candidates

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Why an order got its option; the solver's four plus "preference", "pickup_hour" (the cheaper
# option's pickup hours were full), "stock" (the cheaper warehouse's stock went to other orders of
# the run) and, after an override, "manual".
BINDING_CHEAPEST, BINDING_CAPACITY, BINDING_PREFERENCE = "cheapest", "capacity", "preference"
BINDING_PICKUP, BINDING_STOCK = "pickup_hour", "stock"
BINDING_PROMISE, BINDING_RULE, BINDING_MANUAL = "promise", "rule", "manual"
BINDINGS = (
    BINDING_CHEAPEST,
    BINDING_CAPACITY,
    BINDING_PICKUP,
    BINDING_STOCK,
    BINDING_PREFERENCE,
    BINDING_PROMISE,
    BINDING_RULE,
    BINDING_MANUAL,
)
# Why an order is left unassigned: a check every candidate failed, "capacity", "pickup_hour" or
# "stock".
UNASSIGNED_REASONS = (cand_mod.REASON_SKU_WEIGHT, *CHECKS[1:], solver.REASON_CAPACITY, BINDING_PICKUP)


@dataclass(frozen=True, eq=False)
class Blocks:
    """What stops an allowed option in the plan: its run cap (``full``), every pickup hour the
    order could take (``hour_full``), or its warehouse's stock for the order's SKUs (``short``)."""

    full: BoolArray  # (C, W)
    hour_full: BoolArray  # (n, C, W)
    short: BoolArray  # (n, W), never the order's own warehouse (moving inside it takes no stock)


def blocks(cand: Candidates, best: solver.Solution) -> Blocks:
    n, nc, nw = cand.check.shape
    used = _usage(cand, best)
    full = (cand.capacity >= 0) & (used >= cand.capacity)
    hour_full = np.zeros((n, nc, nw), dtype=bool)
    p, win = cand.problem, cand.window
    if win is not None and p.slots and n:
        in_slot = (best.option >= 0) & (best.slot >= 0)
        per_slot = np.zeros(win.slots.capacity.shape, dtype=np.int64)
        np.add.at(per_slot, (best.carrier[in_slot], best.warehouse[in_slot], best.slot[in_slot]), 1)
        hour_full = pickup.hours_full(win.slots, per_slot, cand.transit_hours, cand.promise_hours)
    short = np.zeros((n, nw), dtype=bool)
    if p.has_stock and n:
        assert p.stock is not None and p.demand_order is not None
        assert p.demand_sku is not None and p.demand_qty is not None
        left = p.stock - solver.stock_use(p, best.option)
        lack = left[:, p.demand_sku] < p.demand_qty[None, :]  # (W, entries)
        for j in range(nw):
            short[p.demand_order[lack[j]], j] = True
        assigned = np.flatnonzero(best.option >= 0)
        short[assigned, best.warehouse[assigned]] = False
    return Blocks(full=full, hour_full=hour_full, short=short)


def pickup_hours(cand: Candidates, best: solver.Solution) -> list[dt.datetime | None]:
    """Each priced order's pickup hour: its slot, else its carrier's first pickup hour; None
    without a window or when unassigned."""
    win = cand.window
    if win is None:
        return [None] * cand.n
    first = win.first_hour.tolist()
    out: list[dt.datetime | None] = []
    for opt, c, s in zip(best.option.tolist(), best.carrier.tolist(), best.slot.tolist(), strict=True):
        k = s if s >= 0 else first[c] if opt >= 0 else -1
        out.append(win.hours[k] if opt >= 0 and k >= 0 else None)
    return out


def bindings(cand: Candidates, best: solver.Solution) -> npt.NDArray[np.str_]:
    """Why each assigned order got its option ("" for unassigned), vectorised.

    ``capacity`` / ``pickup_hour`` / ``stock``: an allowed option cheaper in the objective is
    blocked — the cheapest such one by its run cap, by full pickup hours, or by its warehouse's
    stock going to other orders (in that order when one option has several); ``preference``: an
    allowed option with a lower real price lost to a preference penalty; ``promise``/``rule``: a
    candidate with a lower price was removed by the promise / by another check or a seller rule;
    ``cheapest``: nothing cheaper existed.
    """
    n = cand.check.shape[0]
    out = np.full(n, "", dtype="<U12")
    assigned = best.option >= 0
    if not n or not assigned.any():
        return out
    rows = np.flatnonzero(assigned)
    c, w = best.carrier[rows], best.warehouse[rows]
    price = cand.price[rows]  # (k, C, W)
    check = cand.check[rows]
    objective = price + cand.penalty_fen[rows][:, :, None]
    p_star = price[np.arange(rows.shape[0]), c, w][:, None, None]
    o_star = p_star + cand.penalty_fen[rows, c][:, None, None]
    b = blocks(cand, best)
    allowed = check == OK
    lane = price >= 0
    cheaper = allowed & (objective < o_star)
    cap = cheaper & b.full[None]
    hour = cheaper & ~b.full[None] & b.hour_full[rows]
    stock = cheaper & ~b.full[None] & ~b.hour_full[rows] & b.short[rows][:, None, :]
    big = np.iinfo(np.int64).max
    cheapest = np.stack([np.where(m, objective, big).min(axis=(1, 2)) for m in (cap, hour, stock)])
    cause = np.argmin(cheapest, axis=0)  # ties: capacity, then pickup hour, then stock
    blocked = cheapest.min(axis=0) < big
    preferred = (allowed & (price < p_star)).any(axis=(1, 2))
    promise = (lane & (check == PROMISE) & (price < p_star)).any(axis=(1, 2))
    rule = (lane & ~allowed & (check != PROMISE) & (check != NO_LANE) & (price < p_star)).any(axis=(1, 2))
    reason = np.full(rows.shape[0], BINDING_CHEAPEST, dtype="<U12")
    reason[rule] = BINDING_RULE
    reason[promise] = BINDING_PROMISE
    reason[preferred] = BINDING_PREFERENCE
    reason[blocked] = np.array([BINDING_CAPACITY, BINDING_PICKUP, BINDING_STOCK])[cause[blocked]]
    out[rows] = reason
    return out


def _usage(cand: Candidates, best: solver.Solution) -> IntArray:
    nc, nw = cand.capacity.shape
    assigned = best.option >= 0
    flat = best.carrier[assigned] * nw + best.warehouse[assigned]
    return np.bincount(flat, minlength=nc * nw).reshape(nc, nw).astype(np.int64)


def unassigned_reasons(cand: Candidates, best: solver.Solution) -> list[str]:
    """Per priced order: "" when assigned, else the furthest check, ``capacity``, ``pickup_hour``
    (the run caps of some allowed options had room, but every pickup hour they offered was full)
    or ``stock``."""
    n = cand.n
    if not n:
        return []
    flat = cand.check.reshape(n, -1)
    has_option = (flat == OK).any(axis=1) if flat.shape[1] else np.zeros(n, dtype=bool)
    furthest = flat.max(axis=1) if flat.shape[1] else np.full(n, NO_LANE)
    why = best.reason.astype("<U12")
    capacity = (best.option < 0) & has_option & (why == solver.REASON_CAPACITY)
    if cand.window is not None and capacity.any():
        # every allowed option is blocked; when those with room in their run cap are all held
        # back by full pickup hours (and there is one), the pickup hours left the order out
        b = blocks(cand, best)
        allowed = cand.check[capacity] == OK  # (k, C, W)
        room = allowed & ~b.full[None]
        hours = room.any(axis=(1, 2)) & ~(room & ~b.hour_full[capacity]).any(axis=(1, 2))
        why[np.flatnonzero(capacity)[hours]] = BINDING_PICKUP
    return [
        "" if opt >= 0 else str(reason or solver.REASON_CAPACITY) if has else CHECKS[far or NO_LANE]
        for opt, has, far, reason in zip(
            best.option.tolist(), has_option.tolist(), furthest.tolist(), why.tolist(), strict=True
        )
    ]


def explain_all(
    cand: Candidates, best: solver.Solution, binding: npt.NDArray[np.str_]
) -> list[dict[str, Any]]:
    """One JSON-able explanation per priced order: every candidate, the choice, the binding reason.

    Orders whose candidates look the same (prices, checks, transit, penalties …) share one sorted
    list of option dicts; each order only gets its own copy of the chosen option. 10k orders are a
    few hundred distinct lists, not 180k dicts.
    """
    nw = cand.check.shape[2]
    codes_w = [w.code for w in cand.warehouses]
    rule_names = [r.name for r in cand.effects.rules]
    group, templates = _option_templates(cand, best, rule_names, blocks(cand, best))
    demand = _demand(cand)
    hours = pickup_hours(cand, best)
    billable = cand.billable_g.tolist()
    reasons = unassigned_reasons(cand, best)
    chosen_c, chosen_w = best.carrier.tolist(), best.warehouse.tolist()
    promise_rule = cand.effects.promise_rule.tolist()
    insure_rule = cand.effects.insure_rule.tolist()
    codes_c = [c.code for c in cand.carriers]
    bound: dict[tuple[int, int, int, str], dict[str, Any] | None] = {}
    out: list[dict[str, Any]] = []
    for i, g in enumerate(group.tolist()):
        shared, position = templates[g]
        options = list(shared)
        ci, wi, why = chosen_c[i], chosen_w[i], str(binding[i])
        exp: dict[str, Any] = {
            "weight_g": int(cand.weight_g[i]),
            "volume_cm3": round(int(cand.volume_mm3[i]) / 1000),
            "billable_g": dict(zip(codes_c, billable[i], strict=True)),
            "traits": sorted(cand.traits[i]),
            "declared_value_fen": int(cand.declared_value_fen[i]),
            "insured": bool(cand.insured[i]),
            "insure_rule": rule_names[insure_rule[i]] if insure_rule[i] >= 0 else "",
            "promise_hours": int(cand.promise_hours[i]) if cand.promise_hours[i] >= 0 else None,
            "promise_rule": rule_names[promise_rule[i]] if promise_rule[i] >= 0 else "",
            "fixed_warehouse": codes_w[cand.fixed[i]] if 0 <= cand.fixed[i] < nw else "",
            "rules": cand.effects.names_for(i),
            "options": options,
            "binding": why,
            "reason": reasons[i],
        }
        if i in demand:
            exp["demand"] = demand[i]
        if ci >= 0:
            k = position[ci * nw + wi]
            options[k] = {**options[k], "chosen": True}
            at = hours[i]
            if at is not None:
                exp["pickup_at"] = at.isoformat()
            key = (g, ci, wi, why)
            if key not in bound:
                bound[key] = _binding_option(options, options[k], why)
            exp["binding_option"] = bound[key]
        out.append(exp)
    return out


def _demand(cand: Candidates) -> dict[int, dict[str, int]]:
    """Units per SKU code of each flexible order that draws on the run's stock."""
    p = cand.problem
    out: dict[int, dict[str, int]] = {}
    if p.demand_order is None or p.demand_sku is None or p.demand_qty is None:
        return out
    for i, k, q in zip(p.demand_order.tolist(), p.demand_sku.tolist(), p.demand_qty.tolist(), strict=True):
        out.setdefault(i, {})[cand.sku_codes[k]] = q
    return out


def _option_templates(
    cand: Candidates, best: solver.Solution, rule_names: list[str], b: Blocks
) -> tuple[IntArray, list[tuple[list[dict[str, Any]], list[int]]]]:
    """Group orders by their candidate rows; per group the sorted option dicts (none chosen) and
    the position of each carrier × warehouse in that list."""
    n, nc, nw = cand.check.shape
    flat = nc * nw
    rows = np.concatenate(
        [
            cand.price.reshape(n, flat),
            cand.check.reshape(n, flat).astype(np.int64),
            cand.transit_hours.reshape(n, flat),
            cand.remote_fen.reshape(n, flat),
            cand.penalty_fen,
            cand.insurance_fen,
            cand.effects.removed_by,
            b.hour_full.reshape(n, flat).astype(np.int64),
            b.short.astype(np.int64),
        ],
        axis=1,
    )
    if n == 0:
        return np.zeros(0, dtype=np.int64), []
    _, first, group = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    full = b.full.tolist()
    codes_c = [c.code for c in cand.carriers]
    codes_w = [w.code for w in cand.warehouses]
    templates: list[tuple[list[dict[str, Any]], list[int]]] = []
    for i in first.tolist():
        price, check = cand.price[i].tolist(), cand.check[i].tolist()
        transit, remote = cand.transit_hours[i].tolist(), cand.remote_fen[i].tolist()
        penalty, insurance = cand.penalty_fen[i].tolist(), cand.insurance_fen[i].tolist()
        removed_by = cand.effects.removed_by[i].tolist()
        hour_full, short = b.hour_full[i].tolist(), b.short[i].tolist()
        options: list[tuple[int, dict[str, Any]]] = []
        for c in range(nc):
            for w in range(nw):
                pr, ck = price[c][w], check[c][w]
                o: dict[str, Any] = {
                    "carrier": codes_c[c],
                    "warehouse": codes_w[w],
                    "price_fen": pr if pr >= 0 else None,
                    "allowed": ck == OK,
                    "rule": CHECKS[ck],
                    "full": ck == OK and full[c][w],
                    "chosen": False,
                }
                if pr >= 0:
                    o["transit_hours"] = transit[c][w]
                    if penalty[c]:
                        o["penalty_fen"] = penalty[c]
                    if remote[c][w]:
                        o["remote_fen"] = remote[c][w]
                    if insurance[c]:
                        o["insurance_fen"] = insurance[c]
                if ck == OK and not full[c][w]:
                    if hour_full[c][w]:
                        o["hour_full"] = True
                    elif short[w]:
                        o["stock_short"] = True
                if ck == cand_mod.RULE:
                    o["seller_rule"] = rule_names[removed_by[c]]
                options.append((c * nw + w, o))
        options.sort(key=lambda item: _option_order(item[1]))
        position = [0] * flat
        for k, (col, _o) in enumerate(options):
            position[col] = k
        templates.append(([o for _col, o in options], position))
    return group.reshape(-1).astype(np.int64), templates


def _option_order(o: dict[str, Any]) -> tuple[bool, bool, int, str, str]:
    """Allowed first by what the optimiser weighs (price + penalty), then removed ones by price."""
    price = o["price_fen"]
    return (
        not o["allowed"],
        price is None,
        (price or 0) + o.get("penalty_fen", 0),
        o["carrier"],
        o["warehouse"],
    )


def _binding_option(
    options: list[dict[str, Any]], chosen: dict[str, Any], binding: str
) -> dict[str, Any] | None:
    """The cheaper candidate that explains the binding reason (the cheapest such one)."""
    p_star = chosen["price_fen"]
    o_star = p_star + chosen.get("penalty_fen", 0)

    def pick(o: dict[str, Any]) -> bool:
        if o["price_fen"] is None or o["chosen"]:
            return False
        cheaper = o["allowed"] and o["price_fen"] + o.get("penalty_fen", 0) < o_star
        if binding == BINDING_CAPACITY:
            return bool(cheaper and o["full"])
        if binding == BINDING_PICKUP:
            return bool(cheaper and o.get("hour_full"))
        if binding == BINDING_STOCK:
            return bool(cheaper and o.get("stock_short"))
        if binding == BINDING_PREFERENCE:
            return bool(o["allowed"] and o["price_fen"] < p_star)
        if binding == BINDING_PROMISE:
            return o["rule"] == "promise" and o["price_fen"] < p_star
        if binding == BINDING_RULE:
            return o["rule"] not in ("", "promise", "no_lane") and o["price_fen"] < p_star
        return False

    hits = sorted((o for o in options if pick(o)), key=lambda o: o["price_fen"])
    if not hits:
        return None
    keep = ("carrier", "warehouse", "price_fen", "rule", "seller_rule", "penalty_fen")
    return {k: hits[0][k] for k in keep if k in hits[0]}
