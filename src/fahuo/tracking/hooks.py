"""Provider push endpoints: ``POST /hooks/kdniao``, ``/hooks/kuaidi100``, ``/hooks/douyin``.

Each push is parsed and verified by its provider module; a bad signature answers 401 and a body that
cannot be decoded 400, both logged in PushLog (scrubbed). A good push is ingested in one
transaction, logged with its per-item errors (a bad item never sinks the good ones), and answered
with exactly the acknowledgement body the provider expects — anything else and it pushes again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from fahuo.integrations import registry
from fahuo.integrations.base import MalformedPush, ParsedPush, SignatureInvalid
from fahuo.kit.errors import FahuoError
from fahuo.tracking import shop_messages, subscriptions
from fahuo.tracking.ingest import IngestResult, ingest_events
from fahuo.tracking.services import log_push

logger = logging.getLogger(__name__)


def _refuse(provider: str, body: str, status: int, error: str) -> HttpResponse:
    log_push(provider=provider, http_status=status, body=body, error=error)
    reason = "signature" if status == 401 else "malformed"
    return HttpResponse(
        json.dumps({"error": reason, "message": error}, ensure_ascii=False),
        status=status,
        content_type="application/json",
    )


def _summary(errors: list[str], result: IngestResult) -> str:
    parts = list(errors)
    if result.unknown:
        numbers = ", ".join(result.unknown_numbers[:5])
        parts.append(f"{result.unknown} events of unknown tracking numbers ({numbers})")
    return "; ".join(parts)


def _tracking_push(
    provider: str,
    body: str,
    parse: Callable[[], ParsedPush],
    after: Callable[[ParsedPush], None] | None = None,
) -> HttpResponse:
    try:
        parsed = parse()
    except SignatureInvalid as exc:
        return _refuse(provider, body, 401, str(exc) or "signature invalid")
    except (MalformedPush, FahuoError) as exc:
        # FahuoError: no account configured to verify with (credentials missing or unreadable).
        message = exc.message if isinstance(exc, FahuoError) else str(exc)
        status = 401 if isinstance(exc, FahuoError) else 400
        return _refuse(provider, body, status, message or "malformed push")
    try:
        with transaction.atomic():
            result = ingest_events(parsed.events)
            log_push(
                provider=provider,
                http_status=200,
                body=body,
                accepted=result.accepted,
                error=_summary(parsed.errors, result),
            )
            if after is not None:
                after(parsed)
    except Exception:
        logger.exception("%s push could not be stored", provider)
        log_push(provider=provider, http_status=500, body=body, error="internal error while storing")
        raise
    return HttpResponse(parsed.ack_body, content_type=parsed.ack_content_type)


def _not_utf8_form(provider: str, request: HttpRequest, body: str) -> HttpResponse | None:
    """A 400 (logged) for a form body whose bytes or %-escapes are not UTF-8; None when it is fine.

    Django would decode such a body with replacement characters and the push would fail later for a
    reason that hides the cause."""
    try:
        raw = request.body.decode("utf-8")
        if request.content_type == "application/x-www-form-urlencoded":
            parse_qsl(raw, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return _refuse(provider, body, 400, "push body is not UTF-8 (推送内容不是 UTF-8 编码)")
    return None


def _accounts(provider: str) -> list[Any]:
    from fahuo.carriers.models import ProviderAccount

    return list(ProviderAccount.objects.filter(provider=provider, active=True).order_by("pk"))


@csrf_exempt
@require_POST
def tracking_push(request: HttpRequest, provider: str) -> HttpResponse:
    """``POST /hooks/<provider>``: a trace push, verified and decoded by the provider's registered parser."""
    push = registry.track_push(provider)
    body = request.body.decode("utf-8", "replace")
    if (refused := _not_utf8_form(provider, request, body)) is not None:
        return refused
    form = request.POST.dict()

    def after(parsed: ParsedPush) -> None:
        # e.g. Kuaidi100's "abort": the provider stopped monitoring the number (no trace for days, or
        # no change for 60 days) without correcting the company itself: subscribe again so the parcel
        # is not silently dropped (its guidance: after half an hour).
        if getattr(parsed, "needs_resubscribe", False):
            number = next((e.tracking_no for e in parsed.events), "") or getattr(parsed, "tracking_no", "")
            if number:
                subscriptions.resubscribe_later(tracking_no=number, provider=provider)

    return _tracking_push(provider, body, lambda: push.parse(form, _accounts(provider)), after)


@csrf_exempt
@require_POST
def douyin(request: HttpRequest) -> HttpResponse:
    raw = request.body
    body = raw.decode("utf-8", "replace")
    try:
        messages = shop_messages.parse_douyin(raw, request.headers)
    except SignatureInvalid as exc:
        return _refuse("douyin", body, 401, str(exc) or "signature invalid")
    except (MalformedPush, FahuoError) as exc:
        message = exc.message if isinstance(exc, FahuoError) else str(exc)
        return _refuse("douyin", body, 401 if isinstance(exc, FahuoError) else 400, message)
    try:
        with transaction.atomic():
            outcome = shop_messages.handle_douyin_messages(messages)
            log_push(
                provider="douyin",
                http_status=200,
                body=body,
                accepted=outcome.processed,
                error="; ".join(outcome.errors),
            )
    except Exception:
        logger.exception("douyin push could not be stored")
        log_push(provider="douyin", http_status=500, body=body, error="internal error while storing")
        raise
    from fahuo.integrations.douyin.push import ACK_BODY, ACK_CONTENT_TYPE

    return HttpResponse(ACK_BODY, content_type=ACK_CONTENT_TYPE)
