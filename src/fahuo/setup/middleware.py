"""On a desk with no users the login page (which nobody could pass) sends to the set-up wizard."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


class FirstRunMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == settings.LOGIN_URL:
            from fahuo.setup.services import needs_first_run

            if needs_first_run():
                return redirect("setup:welcome")
        return self.get_response(request)
