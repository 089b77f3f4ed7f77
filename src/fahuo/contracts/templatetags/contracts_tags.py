from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def pct(rate: Any) -> str:
    """A 0..1 rate as a percentage with two decimals (97.61%), never rounded up to a target."""
    if rate is None or rate == "":
        return "—"
    return f"{float(rate) * 100:.2f}%"
