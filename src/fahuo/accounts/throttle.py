"""Login throttling: after ``FAHUO_LOGIN_MAX_FAILURES`` wrong passwords for one user name (or
``FAHUO_LOGIN_MAX_FAILURES_PER_IP`` from one address) the login is refused for
``FAHUO_LOGIN_LOCK_MINUTES`` — even with the right password, so guessing gains nothing.

Counts live in Django's cache (the data dir's file cache by default, Redis when FAHUO_REDIS_URL is
set), shared by every web process. A successful login clears its user name's count.
"""

from __future__ import annotations

import hashlib
import logging
import os
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)


def _limits() -> tuple[int, int, int]:
    return (
        int(getattr(settings, "FAHUO_LOGIN_MAX_FAILURES", 5)),
        int(getattr(settings, "FAHUO_LOGIN_MAX_FAILURES_PER_IP", 30)),
        int(getattr(settings, "FAHUO_LOGIN_LOCK_MINUTES", 15)) * 60,
    )


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"fahuo:login-fail:{kind}:{digest}"


def trusted_proxies() -> set[str]:
    """Proxies whose X-Forwarded-For is believed (the same list gunicorn trusts)."""
    return {p.strip() for p in os.environ.get("FAHUO_FORWARDED_ALLOW_IPS", "127.0.0.1,::1").split(",")}


def client_ip(request: HttpRequest | None) -> str:
    """The caller's address: behind a trusted reverse proxy, the one the proxy appended last to
    X-Forwarded-For (else every failure would count against the proxy's own address)."""
    if request is None:
        return ""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if forwarded and remote in trusted_proxies():
        return forwarded.split(",")[-1].strip()
    return remote


def locked(*, username: str, ip: str) -> bool:
    per_user, per_ip, _ = _limits()
    return (cache.get(_key("user", username), 0) >= per_user) or bool(
        ip and cache.get(_key("ip", ip), 0) >= per_ip
    )


def record_failure(*, username: str, ip: str) -> None:
    _, _, seconds = _limits()
    for kind, value in (("user", username), ("ip", ip)):
        if not value:
            continue
        key = _key(kind, value)
        # add() then incr(): the lock runs from the first failure of a series
        if not cache.add(key, 1, timeout=seconds):
            try:
                cache.incr(key)
            except ValueError:  # expired between the two calls
                cache.add(key, 1, timeout=seconds)
    log.warning("failed desk login (user name hash %s)", _key("user", username)[-8:])


def clear(*, username: str) -> None:
    cache.delete(_key("user", username))


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form, refusing while the user name or the address is locked."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed logins. Try again in %(minutes)d minutes."),
    }

    def clean(self) -> dict[str, Any]:
        username = str(self.data.get("username") or "")
        ip = client_ip(self.request)
        if username and locked(username=username, ip=ip):
            raise forms.ValidationError(
                self.error_messages["locked"], code="locked", params={"minutes": _limits()[2] // 60}
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                record_failure(username=username, ip=ip)
            raise
        clear(username=username)
        return cleaned
