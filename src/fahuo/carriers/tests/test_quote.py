"""Quotes: 首重/续重 freight, volumetric weight, surcharges, insurance, tiers, coverage — examples and properties."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fahuo.carriers.models import RateLine
from fahuo.carriers.services import (
    effective_rate_lines,
    insurance_fee_fen,
    missing_services,
    normalize_province,
    quote,
    serves,
)
from fahuo.carriers.tests.factories import CarrierFactory, RateLineFactory, contract_with_tiers
from fahuo.kit.errors import InvalidInput

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 15)
HYPOTHESIS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def zto() -> Any:
    carrier = CarrierFactory.create()
    RateLineFactory(carrier=carrier, dest_province="上海市", first_price_fen=400, step_price_fen=200)
    RateLineFactory(
        carrier=carrier,
        dest_province="新疆维吾尔自治区",
        first_price_fen=1500,
        step_price_fen=1200,
        transit_hours=96,
        remote_surcharge_fen=500,
    )
    return carrier


def q(carrier: Any, **kwargs: Any) -> Any:
    args: dict[str, Any] = {
        "carrier": carrier,
        "origin_province": "浙江省",
        "dest_province": "上海市",
        "weight_g": 800,
        "length_mm": 0,
        "width_mm": 0,
        "height_mm": 0,
        "on": DAY,
    }
    return quote(**(args | kwargs))


# --- freight ------------------------------------------------------------------------------------


def test_a_parcel_within_the_first_kilo_costs_the_first_price(zto: Any) -> None:
    result = q(zto, weight_g=1000)
    assert result.served and result.freight_fen == 400 and result.total_fen == 400
    assert result.transit_hours == 24
    assert [line.code for line in result.breakdown] == ["first"]


def test_one_gram_over_the_first_kilo_costs_a_whole_step(zto: Any) -> None:
    result = q(zto, weight_g=1001)
    assert result.freight_fen == 600
    step = result.breakdown[1]
    assert (step.code, step.count, step.unit_fen, step.amount_fen) == ("step", 1, 200, 200)


def test_a_light_bulky_parcel_is_billed_by_its_volume(zto: Any) -> None:
    # 400 × 300 × 200 mm / 8000 = 3000 g > 800 g actual → 1 kg first + 2 steps
    result = q(zto, weight_g=800, length_mm=400, width_mm=300, height_mm=200)
    assert (result.weight_g, result.volumetric_g, result.billable_g) == (800, 3000, 3000)
    assert result.freight_fen == 400 + 2 * 200


def test_province_short_names_are_accepted(zto: Any) -> None:
    result = q(zto, origin_province="浙江", dest_province="上海")
    assert result.served and result.dest_province == "上海市"


def test_a_remote_lane_adds_its_surcharge(zto: Any) -> None:
    result = q(zto, dest_province="新疆", weight_g=2500)
    assert result.freight_fen == 1500 + 2 * 1200
    assert result.remote_surcharge_fen == 500
    assert result.total_fen == 1500 + 2400 + 500
    assert "remote" in [line.code for line in result.breakdown]


# --- insurance ----------------------------------------------------------------------------------


def test_insurance_below_the_minimum_costs_the_minimum(zto: Any) -> None:
    # ¥100 × 5‰ = ¥0.50 < ¥1.00 minimum
    result = q(zto, insured=True, declared_value_fen=10_000)
    assert result.insurance_fen == 100 and result.total_fen == 500


def test_insurance_is_rounded_up_to_the_fen(zto: Any) -> None:
    # ¥599.99 × 5‰ = 299.995 fen → 300 fen
    assert insurance_fee_fen(carrier=zto, declared_value_fen=59_999) == 300
    result = q(zto, insured=True, declared_value_fen=59_999)
    assert result.insurance_fen == 300
    line = result.breakdown[-1]
    assert (line.code, line.basis_fen, line.permille) == ("insurance", 59_999, 5)


def test_a_declared_value_without_insurance_costs_nothing(zto: Any) -> None:
    assert q(zto, declared_value_fen=100_000).insurance_fen == 0


def test_insurance_needs_a_declared_value(zto: Any) -> None:
    with pytest.raises(InvalidInput, match="申报价值"):
        q(zto, insured=True, declared_value_fen=0)


# --- volume tiers -------------------------------------------------------------------------------


def test_a_volume_tier_changes_the_first_price(zto: Any) -> None:
    contract_with_tiers(zto, [(50, -30), (100, -50)])
    assert q(zto, daily_avg=49.9).tier_delta_fen == 0
    assert q(zto, daily_avg=50).tier_delta_fen == -30
    result = q(zto, daily_avg=120, weight_g=1500)
    assert result.tier_delta_fen == -50
    assert result.freight_fen == 600 and result.total_fen == 550


def test_without_a_daily_average_the_list_price_applies(zto: Any) -> None:
    contract_with_tiers(zto, [(0, -30)])
    assert q(zto).tier_delta_fen == 0


def test_a_tier_never_takes_the_first_price_below_zero(zto: Any) -> None:
    contract_with_tiers(zto, [(1, -10_000)])
    result = q(zto, daily_avg=5)
    assert result.tier_delta_fen == -400 and result.total_fen == 0


def test_a_contract_that_has_ended_gives_no_tier(zto: Any) -> None:
    contract_with_tiers(zto, [(1, -30)], ends_on=dt.date(2026, 2, 28))
    assert q(zto, daily_avg=100).tier_delta_fen == 0


# --- not served ---------------------------------------------------------------------------------


def test_a_lane_without_a_rate_is_not_served(zto: Any) -> None:
    result = q(zto, dest_province="西藏自治区")
    assert not result.served and result.reason == "no_lane"
    assert "西藏自治区" in result.message and result.total_fen == 0


def test_an_inactive_carrier_is_not_served(zto: Any) -> None:
    zto.active = False
    zto.save()
    assert q(zto).reason == "inactive"


def test_over_the_weight_limit_is_not_served(zto: Any) -> None:
    assert q(zto, weight_g=30_000).served
    result = q(zto, weight_g=30_001)
    assert result.reason == "weight" and "30001" in result.message


def test_volumetric_weight_counts_for_the_weight_limit(zto: Any) -> None:
    # 800 × 600 × 600 mm / 8000 = 36,000 g
    assert q(zto, weight_g=1000, length_mm=800, width_mm=600, height_mm=600).reason == "weight"


@pytest.mark.parametrize(
    ("flag", "kwargs", "reason"),
    [
        ("insured", {"insured": True, "declared_value_fen": 50_000}, "insurance"),
        ("cold_chain", {"cold_chain": True}, "cold_chain"),
        ("door_delivery", {"door_delivery": True}, "door_delivery"),
        ("privacy_waybill", {"privacy_waybill": True}, "privacy_waybill"),
    ],
)
def test_a_required_service_the_carrier_lacks_is_not_served(
    zto: Any, flag: str, kwargs: dict[str, Any], reason: str
) -> None:
    setattr(zto, flag, False)
    zto.save()
    result = q(zto, **kwargs)
    assert not result.served and result.reason == reason


def test_a_cold_chain_carrier_takes_cold_parcels(zto: Any) -> None:
    zto.cold_chain = True
    zto.save()
    assert q(zto, cold_chain=True).served


def test_missing_services_lists_every_gap(zto: Any) -> None:
    zto.insured = False
    zto.door_delivery = False
    assert missing_services(carrier=zto, cold_chain=True, insured=True, door_delivery=True) == [
        "cold_chain",
        "insurance",
        "door_delivery",
    ]
    assert missing_services(carrier=zto) == []


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["weight_g", "length_mm", "declared_value_fen"])
def test_negative_numbers_are_invalid(zto: Any, field: str) -> None:
    with pytest.raises(InvalidInput, match=field):
        q(zto, **{field: -1})


@pytest.mark.parametrize("name", ["杭州", "火星", ""])
def test_something_that_is_not_a_province_is_invalid(name: str) -> None:
    with pytest.raises(InvalidInput):
        normalize_province(name)


def test_municipalities_are_provinces() -> None:
    assert normalize_province("北京") == "北京市"
    assert normalize_province("广西") == "广西壮族自治区"


# --- dated rate lines and coverage --------------------------------------------------------------


def test_a_dated_change_applies_from_its_first_day(zto: Any) -> None:
    RateLineFactory(
        carrier=zto, dest_province="上海市", first_price_fen=450, effective_from=dt.date(2026, 4, 1)
    )
    assert q(zto, on=dt.date(2026, 3, 31)).freight_fen == 400
    later = q(zto, on=dt.date(2026, 4, 1))
    assert later.freight_fen == 450 and later.effective_from == dt.date(2026, 4, 1)
    lines = effective_rate_lines(on=dt.date(2026, 4, 1)).filter(carrier=zto, dest_province="上海市")
    assert [line.first_price_fen for line in lines] == [450]


def test_a_lane_opening_later_is_not_served_before(zto: Any) -> None:
    RateLineFactory(carrier=zto, dest_province="西藏自治区", effective_from=dt.date(2026, 5, 1))
    assert not serves(zto, "西藏自治区", dt.date(2026, 4, 30))
    assert serves(zto, "西藏自治区", dt.date(2026, 5, 1))
    assert q(zto, dest_province="西藏", on=dt.date(2026, 5, 1)).served


def test_serves_looks_at_origin_and_activity(zto: Any) -> None:
    assert serves(zto, "上海市", DAY)
    assert serves(zto, "上海市", DAY, origin_province="浙江省")
    assert not serves(zto, "上海市", DAY, origin_province="广东省")
    zto.active = False
    assert not serves(zto, "上海市", DAY)


# --- properties ---------------------------------------------------------------------------------

tariffs = st.fixed_dictionaries(
    {
        "first_weight_g": st.integers(min_value=1, max_value=3000),
        "first_price_fen": st.integers(min_value=0, max_value=3000),
        "step_weight_g": st.integers(min_value=1, max_value=3000),
        "step_price_fen": st.integers(min_value=0, max_value=2000),
    }
)
grams = st.integers(min_value=0, max_value=30_000)


def _lane(carrier: Any, tariff: dict[str, int]) -> None:
    RateLine.objects.update_or_create(
        carrier=carrier,
        origin_province="浙江省",
        dest_province="上海市",
        effective_from=dt.date(2000, 1, 1),
        defaults=tariff,
    )


@HYPOTHESIS
@given(tariff=tariffs, a=grams, b=grams)
def test_property_price_is_monotone_in_weight_and_at_least_the_first_price(
    zto: Any, tariff: dict[str, int], a: int, b: int
) -> None:
    _lane(zto, tariff)
    light, heavy = sorted((a, b))
    p_light, p_heavy = q(zto, weight_g=light).total_fen, q(zto, weight_g=heavy).total_fen
    assert tariff["first_price_fen"] <= p_light <= p_heavy


@HYPOTHESIS
@given(tariff=tariffs, k=st.integers(min_value=0, max_value=5))
def test_property_boundaries_at_the_first_weight_and_each_step(
    zto: Any, tariff: dict[str, int], k: int
) -> None:
    _lane(zto, tariff)
    edge = tariff["first_weight_g"] + k * tariff["step_weight_g"]
    at_edge = q(zto, weight_g=edge).freight_fen
    assert at_edge == tariff["first_price_fen"] + k * tariff["step_price_fen"]
    assert q(zto, weight_g=edge + 1).freight_fen == at_edge + tariff["step_price_fen"]


@HYPOTHESIS
@given(
    weight=grams,
    dims=st.tuples(*[st.integers(min_value=0, max_value=600)] * 3),
    divisor=st.sampled_from([5000, 6000, 8000, 12000]),
)
def test_property_volumetric_weight_never_lowers_the_billable_weight_or_price(
    zto: Any, weight: int, dims: tuple[int, int, int], divisor: int
) -> None:
    zto.volumetric_divisor = divisor
    zto.max_weight_g = 10**9
    bulky = q(zto, weight_g=weight, length_mm=dims[0], width_mm=dims[1], height_mm=dims[2])
    flat = q(zto, weight_g=weight)
    assert bulky.billable_g >= weight == flat.billable_g
    assert bulky.total_fen >= flat.total_fen


@HYPOTHESIS
@given(
    tiers=st.dictionaries(
        st.integers(min_value=0, max_value=500), st.integers(min_value=-300, max_value=300), max_size=5
    ),
    a=st.floats(min_value=0, max_value=600, allow_nan=False),
    b=st.floats(min_value=0, max_value=600, allow_nan=False),
)
def test_property_more_volume_never_raises_the_price(
    zto: Any, tiers: dict[int, int], a: float, b: float
) -> None:
    from fahuo.carriers.models import Contract

    Contract.objects.filter(carrier=zto).delete()
    contract_with_tiers(zto, tiers.items())
    low, high = sorted((a, b))
    assert q(zto, daily_avg=high).total_fen <= q(zto, daily_avg=low).total_fen
