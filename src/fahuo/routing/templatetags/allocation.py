"""Template helpers for the allocation pages: reason labels, percentages, capacity use."""

from __future__ import annotations

from typing import Any

from django import template

from fahuo.routing.forms import BINDING_LABELS, BINDING_TEXT, CHECK_LABELS, RULE_KIND_LABELS, TRAIT_LABELS

register = template.Library()


@register.filter
def check_label(code: str) -> str:
    return str(CHECK_LABELS.get(code, code))


@register.filter
def binding_label(code: str) -> str:
    return str(BINDING_LABELS.get(code, code))


@register.filter
def binding_text(code: str) -> str:
    return str(BINDING_TEXT.get(code, ""))


@register.filter
def trait_label(code: str) -> str:
    return str(TRAIT_LABELS.get(code, code))


@register.filter
def kind_label(kind: str) -> str:
    return str(RULE_KIND_LABELS.get(kind, kind))


@register.filter
def decision_label(decision: Any) -> str:
    """An assigned order's binding reason, or an unassigned order's cause."""
    if getattr(decision, "carrier_id", None):
        return binding_label(decision.reason)
    return check_label(decision.reason)


@register.filter
def kg(grams: int | None) -> str:
    return "" if grams is None else f"{grams / 1000:.2f} kg"


@register.filter
def get(mapping: dict[str, Any] | None, key: str) -> Any:
    return (mapping or {}).get(key, "")
