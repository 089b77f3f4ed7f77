"""Contracts: volume tiers, 保底 minimum volume billing, and dated price changes with a notice period."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fahuo.carriers.models import RateLine
from fahuo.carriers.services import (
    DEFAULT_NOTICE_DAYS,
    RateDraft,
    bill_period,
    current_first_price_delta,
    effective_rate_lines,
    schedule_rate_change,
    tier_delta_fen,
)
from fahuo.carriers.tests.factories import CarrierFactory, RateLineFactory, card, contract_with_tiers
from fahuo.kit.errors import InvalidInput
from fahuo.kit.testing import detail

pytestmark = pytest.mark.django_db

MON = dt.date(2026, 3, 2)
SUN = dt.date(2026, 3, 8)
WEEK = [MON + dt.timedelta(days=i) for i in range(7)]
HYPOTHESIS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def zto() -> Any:
    carrier = CarrierFactory.create()
    card(carrier, {"上海市": (400, 200), "广东省": (500, 300), "新疆维吾尔自治区": (1500, 1200)})
    return carrier


def bill(contract: Any, parcels: list[int], freight: list[int] | None = None) -> Any:
    freight = freight if freight is not None else [n * 400 for n in parcels]
    return bill_period(
        contract=contract,
        start=WEEK[0],
        end=WEEK[len(parcels) - 1],
        parcels_per_day=dict(zip(WEEK, parcels, strict=False)),
        freight_fen_per_day=dict(zip(WEEK, freight, strict=False)),
    )


# --- tiers --------------------------------------------------------------------------------------


def test_the_tier_follows_the_daily_average_over_the_period(zto: Any) -> None:
    contract = contract_with_tiers(zto, [(50, -30), (100, -50)])
    # 7 days, 350 parcels: an average of exactly 50 reaches the 50 tier.
    billing = bill(contract, [20, 80, 50, 50, 50, 50, 50])
    assert billing.parcels == 350 and billing.daily_avg == 50
    assert billing.tier_min_daily_avg == 50 and billing.tier_delta_fen == -30
    assert billing.tier_adjustment_fen == -30 * 350
    assert billing.total_fen == 350 * 400 - 30 * 350


def test_one_parcel_short_of_the_average_misses_the_tier(zto: Any) -> None:
    contract = contract_with_tiers(zto, [(50, -30)])
    billing = bill(contract, [50, 50, 50, 50, 50, 50, 49])
    assert billing.tier_min_daily_avg is None and billing.tier_adjustment_fen == 0


def test_a_tier_typed_in_dearer_above_a_cheaper_one_never_raises_the_price(zto: Any) -> None:
    contract = contract_with_tiers(zto, [(50, -50), (100, -20), (200, 10)])
    assert tier_delta_fen(contract=contract, daily_avg=30) == 0
    assert tier_delta_fen(contract=contract, daily_avg=150) == -50
    assert tier_delta_fen(contract=contract, daily_avg=250) == -50


def test_a_tier_from_zero_can_surcharge_small_volumes(zto: Any) -> None:
    contract = contract_with_tiers(zto, [(0, 50), (30, 0), (100, -30)])
    assert tier_delta_fen(contract=contract, daily_avg=10) == 50
    assert tier_delta_fen(contract=contract, daily_avg=30) == 0
    assert current_first_price_delta(on=MON, daily_avgs={zto.pk: 120.0}) == {zto.pk: -30}


def test_current_first_price_delta_without_a_contract_is_absent(zto: Any) -> None:
    assert current_first_price_delta(on=MON, daily_avgs={zto.pk: 500.0}) == {}


# --- minimum volume (保底) ----------------------------------------------------------------------


def test_days_below_the_minimum_are_billed_as_the_minimum_at_the_shortfall_price(zto: Any) -> None:
    contract = contract_with_tiers(zto, [], min_daily_parcels=20, shortfall_price_fen=350)
    billing = bill(contract, [25, 5, 0, 20, 19, 40, 30])
    short = [d.shortfall_parcels for d in billing.days]
    assert short == [0, 15, 20, 0, 1, 0, 0]
    assert billing.shortfall_parcels == 36 and billing.shortfall_fen == 36 * 350
    assert billing.total_fen == billing.freight_fen + 36 * 350
    assert billing.days[1].total_fen == 5 * 400 + 15 * 350


def test_without_a_shortfall_price_the_cheapest_first_price_of_the_day_applies(zto: Any) -> None:
    contract = contract_with_tiers(zto, [], min_daily_parcels=10)
    billing = bill(contract, [0, 10, 10, 10, 10, 10, 10])
    assert billing.days[0].shortfall_price_fen == 400  # 上海市, the cheapest lane
    assert billing.shortfall_fen == 10 * 400


def test_the_fallback_shortfall_price_follows_dated_changes_and_the_tier(zto: Any) -> None:
    RateLineFactory(carrier=zto, dest_province="上海市", first_price_fen=380, effective_from=WEEK[3])
    contract = contract_with_tiers(zto, [(5, -30)], min_daily_parcels=50)
    billing = bill(contract, [40, 40, 40, 40, 40, 40, 40])
    prices = [d.shortfall_price_fen for d in billing.days]
    assert prices == [370] * 3 + [350] * 4


def test_the_minimum_applies_only_while_the_contract_is_in_force(zto: Any) -> None:
    contract = contract_with_tiers(
        zto, [], min_daily_parcels=20, shortfall_price_fen=300, starts_on=WEEK[2], ends_on=WEEK[4]
    )
    billing = bill(contract, [0] * 7)
    assert [d.minimum for d in billing.days] == [0, 0, 20, 20, 20, 0, 0]
    assert billing.shortfall_fen == 60 * 300


def test_days_missing_from_the_counts_had_no_parcels(zto: Any) -> None:
    contract = contract_with_tiers(zto, [], min_daily_parcels=1, shortfall_price_fen=100)
    billing = bill_period(
        contract=contract, start=MON, end=SUN, parcels_per_day={MON: 3}, freight_fen_per_day={MON: 1200}
    )
    assert len(billing.days) == 7 and billing.shortfall_parcels == 6 and billing.total_fen == 1200 + 600


@pytest.mark.parametrize(
    ("start", "end", "parcels", "match"),
    [
        (SUN, MON, {}, "早于"),
        (MON, SUN, {SUN + dt.timedelta(days=1): 1}, "不在结算周期"),
        (MON, SUN, {MON: -1}, "负数"),
        (MON, MON + dt.timedelta(days=400), {}, "最长"),
    ],
)
def test_bad_billing_input_is_refused(zto: Any, start: Any, end: Any, parcels: Any, match: str) -> None:
    contract = contract_with_tiers(zto, [])
    with pytest.raises(InvalidInput, match=match):
        bill_period(contract=contract, start=start, end=end, parcels_per_day=parcels, freight_fen_per_day={})


week_counts = st.lists(st.integers(min_value=0, max_value=300), min_size=7, max_size=7)


@HYPOTHESIS
@given(counts=week_counts, minimum=st.integers(min_value=0, max_value=200))
def test_property_shortfall_is_never_negative_and_zero_when_every_day_meets_the_minimum(
    zto: Any, counts: list[int], minimum: int
) -> None:
    contract = contract_with_tiers(zto, [(50, -20)], min_daily_parcels=minimum)
    billing = bill(contract, counts)
    assert billing.shortfall_fen >= 0 and billing.shortfall_parcels >= 0
    assert all(d.shortfall_fen >= 0 and d.total_fen >= 0 for d in billing.days)
    if all(n >= minimum for n in counts):
        assert billing.shortfall_fen == 0
    assert billing.shortfall_parcels == sum(max(minimum - n, 0) for n in counts)


@HYPOTHESIS
@given(
    tiers=st.dictionaries(
        st.integers(min_value=0, max_value=300), st.integers(min_value=-200, max_value=200), max_size=4
    ),
    counts=week_counts,
    extra=st.lists(st.integers(min_value=0, max_value=100), min_size=7, max_size=7),
)
def test_property_more_parcels_never_raise_the_price_per_parcel(
    zto: Any, tiers: dict[int, int], counts: list[int], extra: list[int]
) -> None:
    contract = contract_with_tiers(zto, tiers.items())
    less = bill(contract, counts)
    more = bill(contract, [a + b for a, b in zip(counts, extra, strict=True)])
    assert more.tier_delta_fen <= less.tier_delta_fen


# --- dated price changes ------------------------------------------------------------------------


def draft(dest: str = "上海市", first: int = 450, step: int = 200, **kwargs: Any) -> RateDraft:
    values: dict[str, Any] = {
        "origin_province": "浙江省",
        "dest_province": dest,
        "first_weight_g": 1000,
        "first_price_fen": first,
        "step_weight_g": 1000,
        "step_price_fen": step,
        "transit_hours": 24,
    }
    return RateDraft(**(values | kwargs))


def test_a_price_change_announced_too_late_is_refused_and_nothing_is_stored(zto: Any) -> None:
    contract_with_tiers(zto, [], notice_days=30)
    before = RateLine.objects.count()
    with pytest.raises(InvalidInput) as info:
        schedule_rate_change(
            carrier=zto,
            lines=[draft("广东省", first=500, step=300), draft("上海市", first=450)],
            effective_from=dt.date(2026, 3, 30),
            announced_on=dt.date(2026, 3, 1),
        )
    message = info.value.message
    assert "提前 30 天" in message and "30 days' notice" in message
    assert "2026-03-31" in message  # the earliest allowed day
    assert detail(info.value)["lanes"] == ["上海市"]  # 广东省 keeps its price
    assert RateLine.objects.count() == before


def test_a_change_with_exactly_the_notice_period_is_stored_and_applies_from_its_day(zto: Any) -> None:
    contract_with_tiers(zto, [], notice_days=30)
    change = schedule_rate_change(
        carrier=zto,
        lines=[draft("上海市", first=450), draft("广东省", first=500, step=300)],
        effective_from=dt.date(2026, 3, 31),
        announced_on=dt.date(2026, 3, 1),
    )
    assert (change.created, change.unchanged, change.price_changes, change.notice_days) == (1, 1, 1, 30)
    stored = RateLine.objects.get(carrier=zto, dest_province="上海市", effective_from=dt.date(2026, 3, 31))
    assert stored.announced_on == dt.date(2026, 3, 1)

    def price(day: dt.date) -> int:
        return effective_rate_lines(on=day).get(carrier=zto, dest_province="上海市").first_price_fen

    assert price(dt.date(2026, 3, 30)) == 400
    assert price(dt.date(2026, 3, 31)) == 450


def test_without_a_contract_the_default_notice_applies(zto: Any) -> None:
    assert DEFAULT_NOTICE_DAYS == 30
    with pytest.raises(InvalidInput, match="提前 30 天"):
        schedule_rate_change(
            carrier=zto,
            lines=[draft()],
            effective_from=dt.date(2026, 3, 20),
            announced_on=dt.date(2026, 3, 1),
        )


def test_a_short_notice_contract_allows_a_quick_change(zto: Any) -> None:
    contract_with_tiers(zto, [], notice_days=7, starts_on=dt.date(2026, 1, 1))
    change = schedule_rate_change(
        carrier=zto, lines=[draft()], effective_from=dt.date(2026, 3, 8), announced_on=dt.date(2026, 3, 1)
    )
    assert change.created == 1 and change.notice_days == 7


def test_new_lanes_and_transit_changes_need_no_notice(zto: Any) -> None:
    change = schedule_rate_change(
        carrier=zto,
        lines=[draft("西藏自治区", first=2000), draft("上海市", first=400, transit_hours=12)],
        effective_from=dt.date(2026, 3, 1),
        announced_on=dt.date(2026, 3, 1),
    )
    assert (change.created, change.new_lanes, change.price_changes) == (2, 1, 0)


def test_re_importing_the_same_card_stores_nothing(zto: Any) -> None:
    change = schedule_rate_change(
        carrier=zto,
        lines=[draft("上海市", first=400), draft("广东省", first=500, step=300)],
        effective_from=dt.date(2026, 3, 1),
        announced_on=dt.date(2026, 3, 1),
    )
    assert (change.created, change.updated, change.unchanged) == (0, 0, 2)


def test_a_scheduled_change_can_be_corrected_in_place(zto: Any) -> None:
    day, announced = dt.date(2026, 4, 1), dt.date(2026, 3, 1)
    schedule_rate_change(carrier=zto, lines=[draft(first=450)], effective_from=day, announced_on=announced)
    change = schedule_rate_change(
        carrier=zto, lines=[draft(first=440)], effective_from=day, announced_on=announced
    )
    assert (change.created, change.updated) == (0, 1)
    assert (
        RateLine.objects.get(carrier=zto, dest_province="上海市", effective_from=day).first_price_fen == 440
    )


@pytest.mark.parametrize(
    ("lines", "match"),
    [
        ([draft(), draft()], "duplicate lane"),
        ([draft(first=-1)], "negative"),
        ([draft(step_weight_g=0)], "positive"),
    ],
)
def test_bad_drafts_are_refused(zto: Any, lines: list[RateDraft], match: str) -> None:
    with pytest.raises(InvalidInput, match=match):
        schedule_rate_change(
            carrier=zto, lines=lines, effective_from=dt.date(2026, 6, 1), announced_on=dt.date(2026, 3, 1)
        )


def test_a_change_cannot_take_effect_before_it_is_announced(zto: Any) -> None:
    with pytest.raises(InvalidInput, match="before the announcement"):
        schedule_rate_change(
            carrier=zto, lines=[draft()], effective_from=dt.date(2026, 2, 1), announced_on=dt.date(2026, 3, 1)
        )
