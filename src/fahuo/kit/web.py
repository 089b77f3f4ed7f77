"""Request helpers for the desk's pages (every domain's views): htmx detection, access checks, domain errors as pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _

from fahuo.kit.errors import FahuoError

View = TypeVar("View", bound=Callable[..., HttpResponseBase])
R = TypeVar("R", bound=HttpResponseBase)
PermissionCheck = Callable[[Any, str], bool]


def _django_permission(user: Any, perm: str) -> bool:
    return bool(user.has_perm(perm))


# Who may do what is the accounts domain's rule (a role per shop); it installs its check here in
# AccountsConfig.ready, so this plumbing below every domain never imports it.
_permission_check: list[PermissionCheck] = [_django_permission]


def use_permission_check(check: PermissionCheck) -> None:
    """Install the rule desk_view asks: ``check(user, perm)`` -> allowed."""
    _permission_check[0] = check


def can(user: Any, perm: str) -> bool:
    return _permission_check[0](user, perm)


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request that expects a fragment (a history restore wants the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def htmx_target(request: HttpRequest) -> str:
    return request.headers.get("HX-Target", "") if is_htmx(request) else ""


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    # The same URL answers with a fragment or a page; caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def private(response: R) -> R:
    """Pages that may hold personal data: never stored by the browser or a proxy."""
    add_never_cache_headers(response)
    response["Cache-Control"] += ", private, no-store"
    return response


def buyer_page(response: R, *, referrer: str = "no-referrer") -> R:
    """A page a buyer opens from a shop's link (no login, desk/buyer_base.html): private, not
    indexed, with its referrer policy."""
    private(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = referrer
    return response


def error_page(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    """A domain error as a page, or as a fragment for htmx (swapped where the action was)."""
    template = "desk/_error.html" if is_htmx(request) else "desk/error.html"
    return render(request, template, {"message": message, "status": status}, status=status)


def fahuo_error(request: HttpRequest, exc: FahuoError) -> HttpResponse:
    return error_page(request, exc.message, status=exc.status)


def desk_view(perm: str | None = None) -> Callable[[View], View]:
    """Login required (htmx-aware: the whole page goes to the login form) and, optionally, a permission."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                if request.headers.get("HX-Request") == "true":
                    # Send the whole window to the login form, then back to the page (not the fragment).
                    page = urlsplit(request.headers.get("HX-Current-URL", ""))
                    back = (page.path or "/") + (f"?{page.query}" if page.query else "")
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = f"{settings.LOGIN_URL}?{urlencode({'next': back})}"
                    return response
                return redirect_to_login(request.get_full_path())
            # The role the user holds in at least one of their shops (installed by fahuo.accounts).
            if perm is not None and not can(request.user, perm):
                return error_page(request, _("Your role does not allow this."), status=403)
            try:
                return view(request, *args, **kwargs)
            except FahuoError as exc:  # e.g. NotFound for another shop's record: a 404 page
                return fahuo_error(request, exc)

        return cast(View, wrapper)

    return decorate


NUL_MESSAGE = "请求中含有空字符（\\x00 / \\u0000），文本里不能有这个字符：请删除后再提交。"
_TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded", "text/")


class RejectNulMiddleware:
    """A NUL character in a query string or a text body is refused with a 400 before any view runs:
    PostgreSQL text cannot hold it (a DataError, so a 500), and no seller's text contains it. Binary
    uploads (multipart) are left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if self._has_nul(request):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse({"error": "invalid_input", "message": NUL_MESSAGE}, status=400)
            return HttpResponse(NUL_MESSAGE, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query or "\x00" in request.path:
            return True
        content_type = request.content_type or ""
        if content_type.startswith(_TEXT_BODIES):
            body = request.body
            if content_type == "application/x-www-form-urlencoded" and b"%00" in body:
                return True
            return b"\x00" in body or b"\\u0000" in body.lower()
        return False
