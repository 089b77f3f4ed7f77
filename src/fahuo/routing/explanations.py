"""Explanations of a database allocation: why each order got its option, and every option it had.

Computed for every order of a run at once (``bindings`` vectorised; option lists shared between
orders whose candidates look the same). They agree with :func:`fahuo.routing.solver.explain`, which
the tests use as the reference; the batch path does not call it per order because it recomputes the
caps on every call (O(options) per order).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from fahuo.routing import candidates as cand_mod
from fahuo.routing import solver
from fahuo.routing.candidates import CHECKS, NO_LANE, OK, PROMISE, Candidates

IntArray = npt.NDArray[np.int64]

# Why an order got its option; the solver's four plus "preference" and, after an override, "manual".
BINDING_CHEAPEST, BINDING_CAPACITY, BINDING_PREFERENCE = "cheapest", "capacity", "preference"
BINDING_PROMISE, BINDING_RULE, BINDING_MANUAL = "promise", "rule", "manual"
BINDINGS = (
    BINDING_CHEAPEST,
    BINDING_CAPACITY,
    BINDING_PREFERENCE,
    BINDING_PROMISE,
    BINDING_RULE,
    BINDING_MANUAL,
)
# Why an order is left unassigned: a check every candidate failed, or "capacity".
UNASSIGNED_REASONS = (cand_mod.REASON_SKU_WEIGHT, *CHECKS[1:], solver.REASON_CAPACITY)


def bindings(cand: Candidates, best: solver.Solution) -> npt.NDArray[np.str_]:
    """Why each assigned order got its option ("" for unassigned), vectorised.

    ``capacity``: an allowed option cheaper in the objective has its cap full; ``preference``: an
    allowed option with a lower real price lost to a preference penalty; ``promise``/``rule``: a
    candidate with a lower price was removed by the promise / by another check or a seller rule;
    ``cheapest``: nothing cheaper existed.
    """
    n = cand.check.shape[0]
    out = np.full(n, "", dtype="<U10")
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
    used = _usage(cand, best)
    full = (cand.capacity >= 0) & (used >= cand.capacity)
    allowed = check == OK
    lane = price >= 0
    cap_bound = (allowed & full[None] & (objective < o_star)).any(axis=(1, 2))
    preferred = (allowed & (price < p_star)).any(axis=(1, 2))
    promise = (lane & (check == PROMISE) & (price < p_star)).any(axis=(1, 2))
    rule = (lane & ~allowed & (check != PROMISE) & (check != NO_LANE) & (price < p_star)).any(axis=(1, 2))
    reason = np.full(rows.shape[0], BINDING_CHEAPEST, dtype="<U10")
    reason[rule] = BINDING_RULE
    reason[promise] = BINDING_PROMISE
    reason[preferred] = BINDING_PREFERENCE
    reason[cap_bound] = BINDING_CAPACITY
    out[rows] = reason
    return out


def _usage(cand: Candidates, best: solver.Solution) -> IntArray:
    nc, nw = cand.capacity.shape
    assigned = best.option >= 0
    flat = best.carrier[assigned] * nw + best.warehouse[assigned]
    return np.bincount(flat, minlength=nc * nw).reshape(nc, nw).astype(np.int64)


def unassigned_reasons(cand: Candidates, best: solver.Solution) -> list[str]:
    """Per priced order: "" when assigned, else the furthest check or ``capacity``."""
    n = cand.n
    if not n:
        return []
    flat = cand.check.reshape(n, -1)
    has_option = (flat == OK).any(axis=1) if flat.shape[1] else np.zeros(n, dtype=bool)
    furthest = flat.max(axis=1) if flat.shape[1] else np.full(n, NO_LANE)
    return [
        "" if opt >= 0 else solver.REASON_CAPACITY if has else CHECKS[far or NO_LANE]
        for opt, has, far in zip(best.option.tolist(), has_option.tolist(), furthest.tolist(), strict=True)
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
    group, templates = _option_templates(cand, best, rule_names)
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
        if ci >= 0:
            k = position[ci * nw + wi]
            options[k] = {**options[k], "chosen": True}
            key = (g, ci, wi, why)
            if key not in bound:
                bound[key] = _binding_option(options, options[k], why)
            exp["binding_option"] = bound[key]
        out.append(exp)
    return out


def _option_templates(
    cand: Candidates, best: solver.Solution, rule_names: list[str]
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
        ],
        axis=1,
    )
    if n == 0:
        return np.zeros(0, dtype=np.int64), []
    _, first, group = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    used = _usage(cand, best)
    full = ((cand.capacity >= 0) & (used >= cand.capacity)).tolist()
    codes_c = [c.code for c in cand.carriers]
    codes_w = [w.code for w in cand.warehouses]
    templates: list[tuple[list[dict[str, Any]], list[int]]] = []
    for i in first.tolist():
        price, check = cand.price[i].tolist(), cand.check[i].tolist()
        transit, remote = cand.transit_hours[i].tolist(), cand.remote_fen[i].tolist()
        penalty, insurance = cand.penalty_fen[i].tolist(), cand.insurance_fen[i].tolist()
        removed_by = cand.effects.removed_by[i].tolist()
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
        if binding == BINDING_CAPACITY:
            return bool(o["allowed"] and o["full"] and o["price_fen"] + o.get("penalty_fen", 0) < o_star)
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
