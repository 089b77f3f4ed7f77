"""Searching orders by a buyer's phone number (finding 2 of issue #12).

The order list shows phones masked (138****5678), and a search matches the phone's keyed hash, so
a search that answers "found" confirms the hidden digits: with 10,000 guesses anyone who may search
recovers any number. Hence a phone search is allowed only to roles that may reveal the recipient
anyway (owners), at most ``FAHUO_PHONE_SEARCHES_PER_HOUR`` per user (default 30), and each one
leaves an audit row keyed by the phone's hash, so "who looked this number up" is one query.
The count is read from those audit rows: one limit shared by every web process, no cache needed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from fahuo.accounts.models import AuditLog
from fahuo.accounts.selectors import can
from fahuo.accounts.services import REVEAL_PERMISSION, audit
from fahuo.kit.address import normalize_phone
from fahuo.kit.errors import FahuoError, PermissionDenied
from fahuo.kit.privacy import lookup_hash, mask_phone

ACTION = "orders.phone_search"
REFUSED = "orders.phone_search_refused"
DEFAULT_PER_HOUR = 30


class TooManyPhoneSearches(FahuoError):
    status = 429
    code = "rate_limited"


def phone_in(q: str | None) -> str:
    """The normalised phone number when the search text is one, else ""."""
    text = (q or "").strip()
    if sum(ch.isdigit() for ch in text) < 7:
        return ""
    phone, error = normalize_phone(text)
    return "" if error else phone


def per_hour() -> int:
    return int(getattr(settings, "FAHUO_PHONE_SEARCHES_PER_HOUR", DEFAULT_PER_HOUR))


def guard(*, user: Any, q: str | None, request: HttpRequest | None = None, via: str = "desk") -> None:
    """Before a search runs: nothing for a search that is not a phone number; otherwise refuse a
    role that may not reveal (403) or a user over the hourly limit (429), and audit the search."""
    phone = phone_in(q)
    if not phone:
        return
    key = lookup_hash(phone)
    detail = {"phone": mask_phone(phone), "via": via}
    if not can(user, REVEAL_PERMISSION):
        audit(user=user, action=REFUSED, object_type="phone", object_id=key, request=request, detail=detail)
        raise PermissionDenied("按手机号搜索仅限可查看完整收件信息的角色（店主）；请按订单号搜索")
    since = timezone.now() - timedelta(hours=1)
    done = AuditLog.objects.filter(user=user, action=ACTION, at__gte=since).count()
    if done >= per_hour():
        audit(
            user=user,
            action=REFUSED,
            object_type="phone",
            object_id=key,
            request=request,
            detail={**detail, "reason": "rate"},
        )
        raise TooManyPhoneSearches(f"一小时内按手机号搜索已达 {per_hour()} 次上限，请稍后再试")
    audit(user=user, action=ACTION, object_type="phone", object_id=key, request=request, detail=detail)
