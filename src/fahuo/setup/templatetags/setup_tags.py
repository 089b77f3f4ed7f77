"""Set-up warnings other pages show: ``{% load setup_tags %}{% douyin_auth_alerts %}`` on the dashboard."""

from __future__ import annotations

from typing import Any

from django import template

from fahuo.accounts.selectors import managed_shops
from fahuo.orders.platform_auth import renewal_failures

register = template.Library()


@register.inclusion_tag("setup/_douyin_alerts.html", takes_context=True)
def douyin_auth_alerts(context: Any) -> dict[str, Any]:
    """Shops (that the user manages) whose 抖店 token renewal was refused."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return {"douyin_auth_failures": []}
    return {"douyin_auth_failures": renewal_failures(shops=managed_shops(user))}
