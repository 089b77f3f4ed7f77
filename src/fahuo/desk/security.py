"""Security headers on every response: a Content-Security-Policy and a Permissions-Policy.

Django 5.2 has no CSP of its own (6.0 will); this is the small middleware it would be. The policy
comes from ``settings.FAHUO_CSP`` (a dict of directive -> sources) so a deployment can tighten it.
Everything the desk loads is served by fahuo itself (htmx, ECharts, fonts, Swagger UI), so every
fetch directive is ``'self'``; scripts also allow inline code and ``eval`` because some pages
still carry small inline scripts and ``onsubmit``/``hx-on`` handlers (see docs/security.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DEFAULT_CSP: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# The packing station scans with a hand scanner (a keyboard), never the camera.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def csp_header(policy: Mapping[str, str]) -> str:
    return "; ".join(f"{directive} {sources}".strip() for directive, sources in policy.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        policy = getattr(settings, "FAHUO_CSP", None) or DEFAULT_CSP
        self.csp = csp_header(policy)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
