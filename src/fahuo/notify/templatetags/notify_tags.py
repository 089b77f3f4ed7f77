"""Template helpers for the message pages: labels, state badges, variables highlighted in a text."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from fahuo.kit.labels import badge, label_of, register_labels
from fahuo.notify.forms import BUYER_STATUS_LABELS, CHANNEL_LABELS, KEY_LABELS, KEY_WHEN, STATUS_LABELS
from fahuo.notify.texts import VARIABLES, variables_in

register = template.Library()
register_labels(register, {"key_label": KEY_LABELS, "buyer_status": BUYER_STATUS_LABELS})
register.filter("key_when", label_of(KEY_WHEN, default=""))


@register.filter
def channel_label(channel: str) -> str:
    return str(CHANNEL_LABELS.get(channel or "", channel))


@register.simple_tag
def channel_tag(channel: str) -> SafeString:
    return format_html('<span class="chan chan-{}">{}</span>', channel or "any", channel_label(channel))


def state_of(message: Any) -> str:
    """``retrying`` for a queued message that failed at least once."""
    if message.status == "queued" and message.attempts:
        return "retrying"
    return str(message.status)


@register.simple_tag
def message_badge(message: Any) -> SafeString:
    state = state_of(message)
    return badge("mbadge", state, STATUS_LABELS)


@register.filter
def with_vars(body: str) -> SafeString:
    """The text, escaped, with each known ``{变量}`` marked up."""
    out = str(escape(body or ""))
    for name in dict.fromkeys(variables_in(body or "")):
        if name in VARIABLES:
            token = str(escape("{" + name + "}"))
            out = out.replace(token, f'<span class="var">{token}</span>')
    return mark_safe(out)
