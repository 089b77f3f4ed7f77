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


def _kdniao_settings(form: dict[str, str]) -> Any:
    """The settings of the Kdniao account the push names (RequestData.EBusinessID), else the first."""
    from fahuo.carriers.models import ProviderAccount
    from fahuo.integrations.kdniao.settings import KdniaoSettings

    try:
        named = str(json.loads(form.get("RequestData") or "{}").get("EBusinessID") or "")
    except (ValueError, AttributeError):
        named = ""
    if named:
        for account in ProviderAccount.objects.filter(provider="kdniao", active=True).order_by("pk"):
            try:
                settings = KdniaoSettings.from_account(account)
            except FahuoError:
                continue
            if settings.ebusiness_id == named:
                return settings
    return KdniaoSettings.for_account(None)


def _callback_number(form: dict[str, str]) -> str:
    try:
        param = json.loads(form.get("param") or "{}")
    except ValueError:
        return ""
    last = param.get("lastResult") if isinstance(param, dict) else None
    return str(last.get("nu") or "").strip() if isinstance(last, dict) else ""


@csrf_exempt
@require_POST
def kdniao(request: HttpRequest) -> HttpResponse:
    from fahuo.integrations.kdniao import tracking

    body = request.body.decode("utf-8", "replace")
    if (refused := _not_utf8_form("kdniao", request, body)) is not None:
        return refused
    form = request.POST.dict()
    return _tracking_push("kdniao", body, lambda: tracking.parse_push(form, _kdniao_settings(form)))


@csrf_exempt
@require_POST
def kuaidi100(request: HttpRequest) -> HttpResponse:
    from fahuo.integrations.kuaidi100 import tracking

    body = request.body.decode("utf-8", "replace")
    if (refused := _not_utf8_form("kuaidi100", request, body)) is not None:
        return refused
    form = request.POST.dict()

    def parse() -> ParsedPush:
        k100_settings, salt = subscriptions.kuaidi100_config()
        return tracking.parse_callback(form, salt=salt, carrier_codes=k100_settings.carrier_code_map)

    def after(parsed: ParsedPush) -> None:
        # "abort": Kuaidi100 stopped monitoring the number (no trace for days, or no change for
        # 60 days) without correcting the company itself: subscribe again so the parcel is not
        # silently dropped (its guidance: after half an hour).
        if getattr(parsed, "needs_resubscribe", False):
            number = next((e.tracking_no for e in parsed.events), "") or _callback_number(form)
            if number:
                subscriptions.resubscribe_later(tracking_no=number, provider="kuaidi100")

    return _tracking_push("kuaidi100", body, parse, after)


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
