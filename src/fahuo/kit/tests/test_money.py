"""One money formatter: what every page, export and CLI shows for an amount in fen."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from fahuo.kit.money import MISSING, fen_to_yuan, format_price_change, format_yuan, yuan_to_fen


def test_a_page_shows_yuan_with_the_symbol_and_thousands() -> None:
    assert format_yuan(1028000) == "¥10,280.00"
    assert format_yuan(5) == "¥0.05"


def test_a_machine_column_has_neither_symbol_nor_grouping() -> None:
    assert format_yuan(1028000, symbol=False, grouping=False) == "10280.00"


def test_a_difference_always_carries_its_sign() -> None:
    assert format_yuan(1230, symbol=False, signed=True) == "+12.30"
    assert format_yuan(-1230, symbol=False, signed=True) == "-12.30"
    assert format_yuan(0, symbol=False, signed=True) == "+0.00"


def test_a_negative_amount_puts_the_sign_before_the_symbol() -> None:
    assert format_yuan(-30) == "-¥0.30"


def test_a_missing_amount_reads_the_same_everywhere() -> None:
    assert format_yuan(None) == MISSING == "—"
    assert format_price_change(None) == MISSING


def test_a_price_change_uses_a_real_minus_and_no_sign_for_no_change() -> None:
    assert format_price_change(-30) == "−¥0.30"
    assert format_price_change(50) == "+¥0.50"
    assert format_price_change(0) == "¥0.00"


def test_yuan_typed_with_a_third_decimal_round_half_up() -> None:
    assert yuan_to_fen(Decimal("12.345")) == 1235
    assert yuan_to_fen(Decimal("0.004")) == 0


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_fen_survive_the_trip_through_yuan(fen: int) -> None:
    yuan = fen_to_yuan(fen)
    assert yuan.as_tuple().exponent == -2
    assert yuan_to_fen(yuan) == fen
    assert format_yuan(fen, symbol=False, grouping=False) == f"{yuan}"
