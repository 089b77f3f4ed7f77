"""The client address of the request being served, for the audit log.

Services audit what they do (``accounts.services.audit``) without being handed the request; this
middleware keeps the request's ``REMOTE_ADDR`` in a context variable for the length of the request,
so a reveal, a recipient edit or a print from the desk is logged with the IP it came from. Outside a
request (CLI, worker) there is none and the column stays empty.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

current_ip: ContextVar[str | None] = ContextVar("fahuo_current_ip", default=None)


class RequestIpMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(request.META.get("REMOTE_ADDR") or None)
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
