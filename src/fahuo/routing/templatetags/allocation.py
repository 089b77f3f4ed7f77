"""Template helpers for the allocation pages: reason labels, percentages, capacity use."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import template

from fahuo.routing.forms import BINDING_LABELS, BINDING_TEXT, CHECK_LABELS, RULE_KIND_LABELS, TRAIT_LABELS

register = template.Library()


def _lookup(labels: Mapping[str, Any], *, blank: bool = False) -> Callable[[str], str]:
    """A filter showing a code's label: the code itself (or "" with ``blank``) when it has none."""

    def label(code: str) -> str:
        return str(labels.get(code, "" if blank else code))

    return label


check_label = register.filter("check_label", _lookup(CHECK_LABELS))
binding_label = register.filter("binding_label", _lookup(BINDING_LABELS))
binding_text = register.filter("binding_text", _lookup(BINDING_TEXT, blank=True))
trait_label = register.filter("trait_label", _lookup(TRAIT_LABELS))
kind_label = register.filter("kind_label", _lookup(RULE_KIND_LABELS))


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
