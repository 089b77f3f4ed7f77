"""Template helpers for tracking: alert and parcel labels, badges, and the dashboard's alert counts.

The desk dashboard shows the counts with ``{% load tracking_tags %}{% alert_counts %}``.
"""

from __future__ import annotations

from typing import Any, cast

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from fahuo.kit.labels import badge, label_of, register_labels
from fahuo.tracking.forms import (
    ALERT_STATUS_LABELS,
    BUYER_MESSAGE_LABELS,
    KIND_LABELS,
    SEVERITY_LABELS,
    TRACK_STATUS_LABELS,
)
from fahuo.tracking.selectors import dashboard_counts

register = template.Library()
register_labels(
    register,
    {"kind_label": KIND_LABELS, "severity_label": SEVERITY_LABELS, "track_status_label": TRACK_STATUS_LABELS},
)
register.filter("buyer_message_label", label_of(BUYER_MESSAGE_LABELS, default=""))


@register.filter
def has_buyer_message(kind: str) -> bool:
    """Whether alerts of this kind call for a message to the buyer (delay, problem, refusal …)."""
    from fahuo.tracking.events import buyer_message_kinds

    return kind in buyer_message_kinds.get()


@register.simple_tag
def track_badge(status: str) -> SafeString:
    return badge("tbadge", status, TRACK_STATUS_LABELS)


@register.simple_tag
def alert_badge(status: str) -> SafeString:
    return badge("abadge", status, ALERT_STATUS_LABELS)


@register.inclusion_tag("tracking/_dashboard_alerts.html", takes_context=True)
def alert_counts(context: Any) -> dict[str, Any]:
    """Unresolved alerts of the user's shops per kind, linking to the queue (one query)."""
    request = context.get("request")
    return {"counts": dashboard_counts(user=getattr(request, "user", None))}


PROVIDER_LABELS = {
    "kdniao": "快递鸟",
    "kuaidi100": "快递100",
    "douyin": "抖店",
    "sandbox": "沙箱",
    "demo": "演示",
}


@register.filter
def provider_label(provider: str) -> str:
    """A trace provider's name as sellers know it (快递鸟, 快递100), not its internal key."""
    return PROVIDER_LABELS.get(provider, provider)


@register.simple_tag(takes_context=True)
def alert_actions(context: dict[str, Any], alert: Any) -> SafeString:
    """The links other domains add to an alert's actions (``tracking.events.alert_actions``)."""
    from fahuo.tracking.events import alert_actions as hook

    links: list[dict[str, str]] = []
    for handler in hook.handlers:
        links += cast(list[dict[str, str]], handler(alert=alert, user=context.get("user")) or [])
    return format_html_join(
        "",
        '<a class="button alert-action" href="{}">{}</a>',
        ((link["url"], link["label"]) for link in links),
    )
