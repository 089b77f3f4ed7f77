"""Template helpers for the rates pages: kilograms and signed yuan."""

from __future__ import annotations

from decimal import Decimal

from django import template

from fahuo.kit.money import format_price_change

register = template.Library()


@register.filter
def kg(grams: int | None) -> str:
    """Grams as kilograms without trailing zeros: 1000 -> 1, 500 -> 0.5, 1250 -> 1.25."""
    if grams is None:
        return ""
    text = f"{Decimal(grams) / 1000:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def signed_yuan(fen: int | None) -> str:
    """A price change in fen as signed yuan: -30 -> −¥0.30, 50 -> +¥0.50, 0 -> ¥0.00."""
    return format_price_change(fen)
