"""Seller rules: validation of each kind's parameters, and the effect of each kind on an allocation."""

from __future__ import annotations

import pytest

from fahuo.accounts.models import AuditLog
from fahuo.kit.errors import InvalidInput
from fahuo.orders.models import Order, Shop
from fahuo.routing import rules, services
from fahuo.routing.models import AllocationDecision, Rule, RuleKind


def add(kind: str, priority: int = 100, **params) -> Rule:
    return Rule.objects.create(kind=kind, name=f"{kind} {params}", params=params, priority=priority)


def allocate(order: Order) -> AllocationDecision:
    run = services.plan_allocation(orders=Order.objects.all())
    return run.decisions.select_related("carrier", "warehouse").get(order=order)


def lane(d: AllocationDecision) -> str:
    if d.carrier is None:
        return ""
    assert d.warehouse is not None
    return f"{d.carrier.code}@{d.warehouse.code}"


def carrier_code(d: AllocationDecision) -> str:
    assert d.carrier is not None, d.explanation
    return d.carrier.code


def opt(d: AllocationDecision, key: str) -> dict:
    c, w = key.split("@")
    return next(o for o in d.explanation["options"] if o["carrier"] == c and o["warehouse"] == w)


# --- each kind -----------------------------------------------------------------------------------


def test_trait_carriers_keeps_items_with_the_trait_on_the_listed_carriers(world):
    rule = add(RuleKind.TRAIT_CARRIERS, trait="fragile", carriers=["SF"])
    brick = world.order("广东省", [("BRICK", 1)])
    tea = world.order("广东省")
    d = allocate(brick)
    assert carrier_code(d) == "SF"
    assert opt(d, "ZTO@GZ")["rule"] == "rule" and opt(d, "ZTO@GZ")["seller_rule"] == rule.name
    assert d.explanation["rules"] == [rule.name] and d.reason == "rule"
    assert carrier_code(allocate(tea)) == "ZTO"


def test_province_carriers_limits_a_destination(world):
    add(RuleKind.PROVINCE_CARRIERS, provinces=["北京市"], carriers=["EMS"])
    d = allocate(world.order("北京市"))
    assert lane(d) == "EMS@HZ" and opt(d, "ZTO@HZ")["rule"] == "rule"
    assert carrier_code(allocate(world.order("广东省"))) == "ZTO"


def test_shop_not_carrier_keeps_a_shop_off_a_carrier(world):
    other = Shop.objects.create(code="siyu", name="私域")
    add(RuleKind.SHOP_NOT_CARRIER, shop="siyu", carriers=["ZTO"])
    assert carrier_code(allocate(world.order("北京市", shop=other))) == "EMS"
    assert carrier_code(allocate(world.order("北京市"))) == "ZTO"


def test_insure_over_value_requires_an_insured_carrier_and_prices_the_premium(world):
    rule = add(RuleKind.INSURE_OVER_VALUE, min_value_fen=5000)  # the tea is declared at ¥50.00
    d = allocate(world.order("北京市"))
    assert lane(d) == "EMS@HZ"
    assert d.freight_fen == 1000 + 100  # 5000 × 5‰ = 25 fen, below EMS's minimum premium of 100
    assert opt(d, "ZTO@HZ")["rule"] == "insurance"
    assert d.explanation["insured"] and d.explanation["insure_rule"] == rule.name


def test_promise_hours_tightens_the_promise_of_a_channel_only(world):
    rule = add(RuleKind.PROMISE_HOURS, hours=24, channel="private")
    private = world.order("北京市", channel="private", promise_hours=48)
    live = world.order("北京市")
    run = services.plan_allocation(orders=Order.objects.all())
    d = run.decisions.get(order=private)
    assert carrier_code(d) == "SF" and d.reason == "promise"
    assert d.explanation["promise_hours"] == 24 and d.explanation["promise_rule"] == rule.name
    assert carrier_code(run.decisions.get(order=live)) == "ZTO"


def test_promise_hours_never_loosens_an_orders_own_promise(world):
    add(RuleKind.PROMISE_HOURS, hours=72)
    d = allocate(world.order("北京市", promise_hours=24))
    assert carrier_code(d) == "SF" and d.explanation["promise_rule"] == ""


def test_a_preference_penalty_changes_the_choice_but_the_freight_is_the_real_price(world):
    rule = add(RuleKind.PREFER_DOOR_DELIVERY, channel="private", penalty_fen=600)
    private = world.order("北京市", channel="private")
    live = world.order("北京市")
    run = services.plan_allocation(orders=Order.objects.all())
    d = run.decisions.select_related("carrier").get(order=private)
    # ZTO (no door delivery): 500 + 600 > EMS 1000
    assert carrier_code(d) == "EMS" and d.freight_fen == 1000 and d.reason == "preference"
    assert opt(d, "ZTO@HZ")["penalty_fen"] == 600 and opt(d, "ZTO@HZ")["price_fen"] == 500
    assert d.explanation["binding_option"]["carrier"] == "ZTO"
    assert d.explanation["rules"] == [rule.name]
    assert carrier_code(run.decisions.get(order=live)) == "ZTO"
    assert run.total_fen == 1500 and run.summary["penalty_fen"] == 0


def test_a_penalty_paid_by_the_chosen_option_is_not_freight(world):
    add(RuleKind.PREFER_CARRIERS, carriers=["SF"], penalty_fen=300)
    order = world.order("北京市")
    run = services.plan_allocation(orders=Order.objects.all())
    d = run.decisions.get(order=order)
    assert carrier_code(d) == "ZTO" and d.freight_fen == 500  # 500 + 300 still beats SF's 1400
    assert run.total_fen == 500
    assert run.summary["objective_fen"] == 800 and run.summary["penalty_fen"] == 300
    assert run.lp_bound_fen == 800  # the bound is on what the optimiser minimises
    assert services.figures(run)["gap_to_lp_pct"] == 0.0


def test_door_delivery_preference_without_channel_follows_the_orders_request(world):
    add(RuleKind.PREFER_DOOR_DELIVERY, penalty_fen=600)
    asked = world.order("北京市", door_delivery=True)
    plain = world.order("北京市")
    run = services.plan_allocation(orders=Order.objects.all())
    assert carrier_code(run.decisions.get(order=asked)) == "EMS"
    assert carrier_code(run.decisions.get(order=plain)) == "ZTO"


def test_conflicting_hard_rules_leave_the_order_unassigned_for_rule(world):
    add(RuleKind.PROVINCE_CARRIERS, provinces=["北京市"], carriers=["ZTO", "EMS"])
    d = allocate(world.order("北京市", [("FISH", 1)]))  # cold: only SF; 北京: only ZTO/EMS
    assert d.carrier is None and d.reason == "rule"


def test_inactive_rules_do_nothing(world):
    rule = add(RuleKind.PROVINCE_CARRIERS, provinces=["北京市"], carriers=["SF"])
    rules.toggle_rule(rule=rule)
    assert carrier_code(allocate(world.order("北京市"))) == "ZTO"


def test_a_rule_with_broken_stored_params_is_skipped(world):
    Rule.objects.create(kind=RuleKind.TRAIT_CARRIERS, name="broken", params={"trait": "cold"})
    assert carrier_code(allocate(world.order("北京市"))) == "ZTO"


def test_rules_apply_in_priority_order_for_the_explanation(world):
    second = add(RuleKind.PREFER_CARRIERS, priority=5, carriers=["SF"], penalty_fen=1)
    first = add(RuleKind.PROVINCE_CARRIERS, priority=1, provinces=["北京市"], carriers=["SF"])
    d = allocate(world.order("北京市"))
    assert d.explanation["rules"] == [first.name, second.name]


# --- validation ------------------------------------------------------------------------------------


KNOWN = {"carrier_codes": ["ZTO", "SF", "EMS"], "shop_codes": ["demo"], "traits": ["cold", "fragile"]}


def clean(kind: str, **params):
    return rules.clean_params(kind, params, **KNOWN)


def test_carrier_lists_are_normalised():
    assert clean(RuleKind.PREFER_CARRIERS, carriers="sf, ZTO，sf", penalty_fen="300") == {
        "carriers": ["SF", "ZTO"],
        "penalty_fen": 300,
    }


def test_short_province_names_resolve_to_full_ones():
    assert clean(RuleKind.PROVINCE_CARRIERS, provinces=["新疆", "西藏自治区"], carriers=["EMS"]) == {
        "provinces": ["新疆维吾尔自治区", "西藏自治区"],
        "carriers": ["EMS"],
    }
    assert rules.resolve_province("内蒙") == "内蒙古自治区"
    assert rules.resolve_province("") is None


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        (RuleKind.TRAIT_CARRIERS, {"trait": "cold", "carriers": ["DHL"]}, "unknown carrier DHL"),
        (RuleKind.TRAIT_CARRIERS, {"trait": "spicy", "carriers": ["SF"]}, "unknown trait"),
        (RuleKind.TRAIT_CARRIERS, {"trait": "cold"}, "missing parameter(s) for trait_carriers: carriers"),
        (RuleKind.PROVINCE_CARRIERS, {"provinces": ["火星"], "carriers": ["SF"]}, "unknown province 火星"),
        (RuleKind.SHOP_NOT_CARRIER, {"shop": "nope", "carriers": ["SF"]}, "unknown shop"),
        (RuleKind.INSURE_OVER_VALUE, {"min_value_fen": "lots"}, "expected a whole number"),
        (RuleKind.INSURE_OVER_VALUE, {"min_value_fen": 0}, "must be between"),
        (RuleKind.PREFER_CARRIERS, {"carriers": ["SF"], "penalty_fen": 10**9}, "must be between"),
        (RuleKind.PROMISE_HOURS, {"hours": 24, "channel": "tv"}, "channel: must be one of"),
        (RuleKind.PROMISE_HOURS, {"hours": 24, "colour": "red"}, "unknown parameter(s)"),
        ("teleport", {}, "unknown rule kind"),
    ],
)
def test_invalid_params_are_refused_with_a_message(kind, params, message):
    with pytest.raises(InvalidInput) as exc:
        rules.clean_params(kind, params, **KNOWN)
    assert message in exc.value.message


def test_save_rule_validates_against_the_database_and_audits(world, owner):
    rule = rules.save_rule(
        kind=RuleKind.PROVINCE_CARRIERS,
        name=" 京 ",
        params={"provinces": "北京", "carriers": ["sf"]},
        user=owner,
    )
    assert (rule.name, rule.params) == ("京", {"provinces": ["北京市"], "carriers": ["SF"]})
    with pytest.raises(InvalidInput):
        rules.save_rule(
            kind=RuleKind.PROVINCE_CARRIERS, name="x", params={"provinces": "北京", "carriers": ["DHL"]}
        )
    rules.delete_rule(rule=rule, user=owner)
    assert list(AuditLog.objects.order_by("id").values_list("action", flat=True)) == [
        "rule.create",
        "rule.delete",
    ]


def test_describe_reads_like_the_seller_wrote_it():
    rule = Rule(kind=RuleKind.INSURE_OVER_VALUE, name="x", params={"min_value_fen": 100000})
    assert rules.describe(rule) == "≥ ¥1,000.00"
    rule = Rule(
        kind=RuleKind.PREFER_DOOR_DELIVERY, name="x", params={"channel": "private", "penalty_fen": 300}
    )
    assert rules.describe(rule) == "private · +¥3.00"
