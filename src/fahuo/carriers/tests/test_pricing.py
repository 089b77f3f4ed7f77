"""Pricing: billable weight and 首重/续重 tariffs — examples and properties (Django-free)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fahuo.carriers.pricing import (
    billable_weight_g,
    billable_weight_g_np,
    freight_fen,
    freight_fen_np,
    volumetric_weight_g,
)

dims = st.integers(min_value=0, max_value=2000)
grams = st.integers(min_value=0, max_value=80_000)
divisors = st.sampled_from([5000, 6000, 8000, 12000]) | st.integers(min_value=1, max_value=20_000)
tariffs = st.fixed_dictionaries(
    {
        "first_weight_g": st.integers(min_value=0, max_value=5000),
        "first_price_fen": st.integers(min_value=0, max_value=5000),
        "step_weight_g": st.integers(min_value=1, max_value=5000),
        "step_price_fen": st.integers(min_value=0, max_value=3000),
    }
)


def test_first_kilo_costs_the_first_price() -> None:
    assert (
        freight_fen(
            billable_g=1000, first_weight_g=1000, first_price_fen=400, step_weight_g=1000, step_price_fen=200
        )
        == 400
    )


def test_one_gram_over_the_first_kilo_costs_a_whole_step() -> None:
    assert (
        freight_fen(
            billable_g=1001, first_weight_g=1000, first_price_fen=400, step_weight_g=1000, step_price_fen=200
        )
        == 600
    )


def test_a_light_bulky_parcel_is_billed_by_volume() -> None:
    # 400 × 300 × 200 mm = 24,000,000 mm³ / 8000 = 3000 g, heavier than the 800 g it weighs
    assert (
        billable_weight_g(weight_g=800, length_mm=400, width_mm=300, height_mm=200, volumetric_divisor=8000)
        == 3000
    )


def test_volumetric_weight_rounds_up_to_the_gram() -> None:
    assert (
        volumetric_weight_g(length_mm=10, width_mm=10, height_mm=61, volumetric_divisor=6000) == 2
    )  # 6100/6000


def test_a_dense_parcel_is_billed_by_weight() -> None:
    assert (
        billable_weight_g(weight_g=2500, length_mm=100, width_mm=100, height_mm=100, volumetric_divisor=6000)
        == 2500
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {
            "billable_g": -1,
            "first_weight_g": 1000,
            "first_price_fen": 1,
            "step_weight_g": 1000,
            "step_price_fen": 1,
        },
        {
            "billable_g": 1,
            "first_weight_g": 1000,
            "first_price_fen": 1,
            "step_weight_g": 0,
            "step_price_fen": 1,
        },
        {
            "billable_g": 1,
            "first_weight_g": 1000,
            "first_price_fen": -1,
            "step_weight_g": 1000,
            "step_price_fen": 1,
        },
    ],
)
def test_invalid_tariff_inputs_are_rejected(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        freight_fen(**kwargs)


def test_zero_divisor_is_rejected() -> None:
    with pytest.raises(ValueError):
        billable_weight_g(weight_g=1, length_mm=1, width_mm=1, height_mm=1, volumetric_divisor=0)
    with pytest.raises(ValueError):
        billable_weight_g_np([1], [1], [1], [1], [0])


@given(weight=grams, length=dims, width=dims, height=dims, divisor=divisors)
def test_billable_is_the_smallest_whole_gram_covering_weight_and_volume(
    weight: int, length: int, width: int, height: int, divisor: int
) -> None:
    b = billable_weight_g(
        weight_g=weight, length_mm=length, width_mm=width, height_mm=height, volumetric_divisor=divisor
    )
    exact = max(Fraction(weight), Fraction(length * width * height, divisor))
    assert isinstance(b, int)
    assert exact <= b < exact + 1


@given(a=grams, b=grams, t=tariffs)
def test_price_is_monotone_in_weight(a: int, b: int, t: dict[str, int]) -> None:
    lo, hi = sorted((a, b))
    assert freight_fen(billable_g=lo, **t) <= freight_fen(billable_g=hi, **t)


@given(b=st.integers(min_value=0, max_value=5000), t=tariffs)
def test_up_to_the_first_weight_the_price_is_the_first_price(b: int, t: dict[str, int]) -> None:
    if b <= t["first_weight_g"]:
        assert freight_fen(billable_g=b, **t) == t["first_price_fen"]


@given(k=st.integers(min_value=0, max_value=40), t=tariffs)
def test_step_boundaries(k: int, t: dict[str, int]) -> None:
    at = t["first_weight_g"] + k * t["step_weight_g"]
    assert freight_fen(billable_g=at, **t) == t["first_price_fen"] + k * t["step_price_fen"]
    assert freight_fen(billable_g=at + 1, **t) == t["first_price_fen"] + (k + 1) * t["step_price_fen"]


@given(weight=grams, length=dims, width=dims, height=dims, divisor=divisors, t=tariffs)
def test_rounding_to_the_gram_prices_like_the_exact_rational_weight(
    weight: int, length: int, width: int, height: int, divisor: int, t: dict[str, int]
) -> None:
    b = billable_weight_g(
        weight_g=weight, length_mm=length, width_mm=width, height_mm=height, volumetric_divisor=divisor
    )
    exact = max(Fraction(weight), Fraction(length * width * height, divisor))
    if exact <= t["first_weight_g"]:
        expected = t["first_price_fen"]
    else:
        expected = (
            t["first_price_fen"]
            + math.ceil((exact - t["first_weight_g"]) / t["step_weight_g"]) * t["step_price_fen"]
        )
    assert freight_fen(billable_g=b, **t) == expected


@settings(max_examples=50)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_vectorised_versions_match_the_scalar_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 64
    w = rng.integers(0, 60_000, n)
    l_, wd, h = (rng.integers(0, 1500, n) for _ in range(3))
    div = rng.choice([6000, 8000], n)
    fw, fp = rng.integers(0, 3000, n), rng.integers(0, 3000, n)
    sw, sp = rng.integers(1, 3000, n), rng.integers(0, 2000, n)
    b_np = billable_weight_g_np(w, l_, wd, h, div)
    p_np = freight_fen_np(b_np, fw, fp, sw, sp)
    assert b_np.dtype == np.int64 and p_np.dtype == np.int64
    for i in range(n):
        b = billable_weight_g(
            weight_g=int(w[i]),
            length_mm=int(l_[i]),
            width_mm=int(wd[i]),
            height_mm=int(h[i]),
            volumetric_divisor=int(div[i]),
        )
        assert b_np[i] == b
        p = freight_fen(
            billable_g=b,
            first_weight_g=int(fw[i]),
            first_price_fen=int(fp[i]),
            step_weight_g=int(sw[i]),
            step_price_fen=int(sp[i]),
        )
        assert p_np[i] == p


def test_vectorised_billable_broadcasts_orders_against_carriers() -> None:
    w = np.array([[800], [5000]])
    b = billable_weight_g_np(w, [[400], [100]], [[300], [100]], [[200], [100]], np.array([[6000, 8000]]))
    assert b.tolist() == [[4000, 3000], [5000, 5000]]


@given(
    value=st.integers(min_value=0, max_value=10**9),
    rate=st.integers(min_value=0, max_value=100),
    minimum=st.integers(min_value=0, max_value=10_000),
)
def test_insurance_is_the_rounded_up_premium_or_the_minimum_and_vectorised_alike(
    value: int, rate: int, minimum: int
) -> None:
    from fahuo.carriers.pricing import insurance_fen, insurance_fen_np

    fen = insurance_fen(declared_value_fen=value, rate_permille=rate, min_fen=minimum)
    assert fen >= minimum and fen * 1000 >= value * rate
    assert fen == minimum or (fen - 1) * 1000 < value * rate
    assert int(insurance_fen_np([value], [rate], [minimum])[0]) == fen
