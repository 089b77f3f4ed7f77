"""Security headers on every response: a Content-Security-Policy and a Permissions-Policy.

Django 5.2 has no CSP of its own (6.0 will); this is the small middleware it would be. The policy
comes from ``settings.FAHUO_CSP`` (a dict of directive -> sources) so a deployment can tighten it.
Everything the desk loads is served by fahuo itself (htmx, ECharts, fonts, Swagger UI), so every
fetch directive is ``'self'``. Scripts run only from fahuo's own files or an inline ``<script>``
carrying this request's nonce (``request.csp_nonce``, ``{{ request.csp_nonce }}`` in templates):
no ``'unsafe-inline'`` and no ``'unsafe-eval'`` — event handlers live in static files
(``desk.js``: ``data-confirm`` forms, ``data-current-row`` links) and htmx runs with
``allowEval: false``. Styles likewise: only fahuo's stylesheets or a ``<style>`` carrying the nonce
(injected CSS can still exfiltrate through selectors and ``url()``, and restyle a page to mislead);
no ``style=`` attribute works — bar widths are ``pct-N`` classes, htmx's indicator style is in
desk.css. Scripts may still set ``element.style`` (CSSOM), which the policy does not govern.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DEFAULT_CSP: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Pages use no camera — except the packing station, whose views allow camera=(self) for packing
# videos/photos (fulfilment.views_packing._camera); this header is only the default.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def csp_header(policy: Mapping[str, str], *, nonce: str = "") -> str:
    """The header value; ``nonce`` is added to ``script-src`` and ``style-src`` (their own sources kept)."""
    directives = dict(policy)
    if nonce:
        for directive in ("script-src", "style-src"):
            directives[directive] = f"{directives.get(directive, '')} 'nonce-{nonce}'".strip()
    return "; ".join(f"{directive} {sources}".strip() for directive, sources in directives.items())


def new_nonce() -> str:
    """128 random bits, base64url: a fresh one per response, so an injected tag cannot guess it."""
    return secrets.token_urlsafe(16)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy: Mapping[str, str] = getattr(settings, "FAHUO_CSP", None) or DEFAULT_CSP

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = new_nonce()
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", csp_header(self.policy, nonce=nonce))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
