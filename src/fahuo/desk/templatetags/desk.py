"""Template helpers for the desk: money, status badges, reason and role labels."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from fahuo.kit.labels import badge, register_labels
from fahuo.kit.money import format_yuan
from fahuo.orders.forms import REASON_LABELS, STATUS_LABELS

register = template.Library()

ROLE_LABELS: dict[str, Any] = {"owner": _("Owner"), "operator": _("Operator"), "packer": _("Packer")}
ACTION_LABELS: dict[str, Any] = {
    "order.reveal": _("Viewed full personal data"),
    "order.reveal_denied": _("Tried to view full personal data (refused)"),
    "order.edit_recipient": _("Changed the recipient"),
    "order.platform_waybill": _("Set to ship with the Douyin e-waybill (no decryption)"),
}

register_labels(
    register,
    {
        "status_label": STATUS_LABELS,
        "reason_label": REASON_LABELS,
        "role_label": ROLE_LABELS,
        "action_label": ACTION_LABELS,
    },
)


@register.filter
def yuan(fen: int | None) -> str:
    """Integer fen as yuan with two decimals: 10280 -> ¥102.80."""
    return format_yuan(fen)


@register.simple_tag
def status_badge(status: str) -> SafeString:
    return badge("badge", status, STATUS_LABELS)


@register.filter
def pct(value: Any) -> str:
    """A bar's width as a class, ``pct-0`` … ``pct-100`` (desk.css): the CSP allows no ``style=``."""
    try:
        whole = round(float(value))
    except (TypeError, ValueError):
        whole = 0
    return f"pct-{min(100, max(0, whole))}"
