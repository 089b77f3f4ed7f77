"""Kuaidi100 (快递100) parcel tracking: subscribe (``poll``), real-time query (``poll/query.do``), and
the callback Kuaidi100 POSTs to the subscription's ``callbackurl``.

* subscribe: form POST ``schema=json`` + ``param`` = {company, number, key, parameters{callbackurl,
  salt, resultv2, phone}}; no request signature (the key is inside param);
* query: form POST ``customer`` + ``param`` = {com, num, phone, resultv2, show, order} + ``sign =
  upper(md5(param + key + customer))``;
* callback: form fields ``param`` (JSON: status, message, autoCheck, comOld, comNew, lastResult{state,
  ischeck, com, nu, data[…]}) and ``sign = upper(md5(param + salt))``; answered with
  ``{"result":true,"returnCode":"200","message":"成功"}``.

Every trace line becomes a ``TraceEvent`` with fahuo's status (``codes.TRACK_CODES``). See
docs/integrations/tracking.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from fahuo.integrations import base as integration_base
from fahuo.integrations.base import MalformedPush, ParsedPush, SignatureInvalid, TraceEvent, signatures_match
from fahuo.integrations.kuaidi100 import codes
from fahuo.integrations.kuaidi100.client import shared_http
from fahuo.integrations.kuaidi100.mapper import dumps
from fahuo.integrations.kuaidi100.settings import BASE_URL, DEFAULT_CARRIER_CODES, Kuaidi100Settings
from fahuo.kit.errors import NotSupported, ProviderError

SHANGHAI = integration_base.SHANGHAI

log = logging.getLogger(__name__)

PROVIDER_KEY = "kuaidi100"
POLL_BASE_URL = "https://poll.kuaidi100.com"
SUBSCRIBE_PATH = "/poll"
QUERY_PATH = "/poll/query.do"
# resultv2=4: each trace line carries the advanced status name and code (statusCode) and the area.
RESULTV2 = "4"
ACK_BODY = json.dumps(
    {"result": True, "returnCode": "200", "message": "成功"}, ensure_ascii=False, separators=(",", ":")
)


# Monitoring states of a callback (param.status).
POLLING, SHUTDOWN, ABORT, UPDATEALL = "polling", "shutdown", "abort", "updateall"


@dataclass(slots=True)
class Kuaidi100Callback(ParsedPush):
    """A verified callback: the events, plus Kuaidi100's monitoring state of the subscription.

    ``needs_resubscribe`` is True when Kuaidi100 stopped monitoring without an end (status "abort":
    "3天查询无记录", "60天无变化") and did not move the subscription to a corrected company itself;
    its guidance is to check the number and company and subscribe again after half an hour.
    ``corrected_company`` is the company code Kuaidi100 switched to (comNew) when it did.
    """

    status: str = ""
    message: str = ""
    needs_resubscribe: bool = False
    corrected_company: str = ""
    tracking_no: str = ""  # lastResult.nu, so an "abort" without traces still names its number


class _RowError(ValueError):
    """One trace line that cannot be read; it goes to ParsedPush.errors and the rest go on."""


class _ServerError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


# -- calls -------------------------------------------------------------------------------------


def poll_url(settings: Kuaidi100Settings, path: str) -> str:
    """Tracking lives on poll.kuaidi100.com; a non-default base_url (the simulator, a proxy) serves
    both the e-waybill and the tracking paths."""
    base = settings.base_url.rstrip("/")
    return (POLL_BASE_URL if base == BASE_URL else base) + path


def query_sign(param: str, key: str, customer: str) -> str:
    """The real-time query's signature: 32 uppercase hex chars of MD5(param + key + customer)."""
    return hashlib.md5((param + key + customer).encode("utf-8")).hexdigest().upper()


def callback_sign(param: str, salt: str) -> str:
    """A callback's signature: 32 uppercase hex chars of MD5(param + salt)."""
    return hashlib.md5((param + salt).encode("utf-8")).hexdigest().upper()


def signed_param(form: Mapping[str, str], *, salt: str, what: str) -> Any:
    """The decoded ``param`` of a POSTed callback once its ``sign`` checks out; SignatureInvalid or
    MalformedPush otherwise (``what`` names the callback in the message: "推送", "寄件回调")."""
    text = form.get("param") or ""
    given = (form.get("sign") or "").strip().upper()
    if not given:
        raise SignatureInvalid(f"快递100 {what}缺少 sign")
    if not text:
        raise MalformedPush(f"快递100 {what}缺少 param")
    if not signatures_match(callback_sign(text, salt), given):
        raise SignatureInvalid(f"快递100 {what}签名校验失败")
    try:
        return json.loads(text)
    except ValueError:
        raise MalformedPush(f"快递100 {what}的 param 不是 JSON") from None


def _kuaidicom(settings: Kuaidi100Settings, carrier_code: str) -> str:
    kuaidicom = settings.kuaidicom(carrier_code)
    if kuaidicom is None:
        raise NotSupported(f"快递100 未配置该快递公司：{carrier_code}")
    return kuaidicom


def _post(settings: Kuaidi100Settings, url: str, form: Mapping[str, str]) -> dict[str, Any]:
    """POST a form; transport errors and HTTP 5xx are retried, anything unreadable is ProviderError."""
    timeout = httpx.Timeout(settings.timeout_s, connect=min(5.0, settings.timeout_s))

    def attempt() -> httpx.Response:
        response = shared_http().post(url, data=dict(form), timeout=timeout)
        if response.status_code >= 500:
            raise _ServerError(response.status_code)
        return response

    retrying = Retrying(
        stop=stop_after_attempt(max(1, settings.retries)),
        wait=wait_exponential(multiplier=0.2, max=2),
        retry=retry_if_exception_type((httpx.TransportError, _ServerError)),
        reraise=True,
    )
    try:
        response = retrying(attempt)
    except _ServerError as exc:
        raise ProviderError(f"快递100 服务暂不可用（HTTP {exc.status}）") from exc
    except httpx.TransportError as exc:
        raise ProviderError(f"快递100 服务无法连接（{type(exc).__name__}）") from exc
    if response.status_code != 200:
        raise ProviderError(f"快递100 拒绝了请求（HTTP {response.status_code}）")
    try:
        body = response.json()
    except ValueError:
        raise ProviderError("快递100 返回了无法解析的响应") from None
    if not isinstance(body, dict):
        raise ProviderError("快递100 返回了无法解析的响应")
    return body


def _return_code(body: Mapping[str, Any]) -> str:
    return str(body.get("returnCode") or "").strip()


def _message(body: Mapping[str, Any], code: str) -> str:
    return str(body.get("message") or "").strip() or codes.POLL_RETURN_CODES.get(
        code, f"快递100 返回错误 {code}"
    )


def subscribe(
    settings: Kuaidi100Settings,
    *,
    tracking_no: str,
    carrier_code: str,
    phone: str = "",
    callback_url: str,
    salt: str,
) -> None:
    """Subscribe one waybill to Kuaidi100's push (``poll``). Already subscribed and still monitored
    (returnCode 501) counts as done; any other refusal raises ProviderError with Kuaidi100's message.
    ``phone`` (the recipient's or sender's) is required for SF and some others."""
    parameters: dict[str, str] = {"callbackurl": callback_url, "salt": salt, "resultv2": RESULTV2}
    if phone.strip():
        parameters["phone"] = phone.strip()
    param = {
        "company": _kuaidicom(settings, carrier_code),
        "number": tracking_no.strip(),
        "key": settings.key,
        "parameters": parameters,
    }
    body = _post(settings, poll_url(settings, SUBSCRIBE_PATH), {"schema": "json", "param": dumps(param)})
    code = _return_code(body)
    ok = body.get("result") is True or str(body.get("result")).lower() == "true"
    if (ok and code in ("", codes.SUBSCRIBE_OK)) or code == codes.SUBSCRIBE_DUPLICATE:
        return
    raise ProviderError(_message(body, code), detail={"returnCode": code})


def query(
    settings: Kuaidi100Settings, *, tracking_no: str, carrier_code: str, phone: str = ""
) -> list[TraceEvent]:
    """The trace Kuaidi100 finds now (real-time query): the polling fallback when pushes stall.
    No result yet (returnCode 500) is an empty list; any other refusal raises ProviderError."""
    if not settings.customer:
        raise NotSupported("快递100 账号缺少实时查询的 customer（授权码），无法查询物流轨迹")
    param: dict[str, str] = {"com": _kuaidicom(settings, carrier_code), "num": tracking_no.strip()}
    if phone.strip():
        param["phone"] = phone.strip()
    param.update({"resultv2": RESULTV2, "show": "0", "order": "desc"})
    text = dumps(param)
    form = {
        "customer": settings.customer,
        "sign": query_sign(text, settings.key, settings.customer),
        "param": text,
    }
    body = _post(settings, poll_url(settings, QUERY_PATH), form)
    if "data" not in body:
        code = _return_code(body)
        if code == codes.QUERY_NO_RESULT:
            return []
        raise ProviderError(_message(body, code), detail={"returnCode": code})
    errors: list[str] = []
    events = result_events(body, carrier_code=carrier_code.upper(), errors=errors)
    if errors:
        raise ProviderError(f"快递100 返回的物流轨迹无法读取：{errors[0]}")
    return events


# -- callback ----------------------------------------------------------------------------------


def callback_status(form: Mapping[str, str]) -> str:
    """The monitoring state (polling/shutdown/abort/updateall) a callback reports, read without
    verifying it — for logs; act on ``parse_callback(...).status`` instead. "" when unreadable."""
    try:
        param = json.loads(form.get("param") or "")
    except ValueError:
        return ""
    return str(param.get("status") or "") if isinstance(param, dict) else ""


def parse_callback(
    form: Mapping[str, str], *, salt: str, carrier_codes: Mapping[str, str] | None = None
) -> Kuaidi100Callback:
    """Verify and decode one callback (the POSTed form fields ``param`` and ``sign``).

    ``salt`` is the one given at subscribe; ``carrier_codes`` (fahuo code → kuaidicom, default the
    settings' defaults) maps the company back. Raises SignatureInvalid (sign missing or wrong) or
    MalformedPush (param missing or not a JSON object). A trace line that cannot be read is reported
    in ``errors``; the other lines still count.
    """
    param = signed_param(form, salt=salt, what="推送")
    if not isinstance(param, dict):
        raise MalformedPush("快递100 推送的 param 不是 JSON 对象")
    status = str(param.get("status") or "").strip()
    message = str(param.get("message") or "").strip()
    corrected = str(param.get("comNew") or "").strip()
    result = param.get("lastResult")
    events: list[TraceEvent] = []
    errors: list[str] = []
    if isinstance(result, Mapping):
        company = str(result.get("com") or corrected).strip().lower()
        carrier = reverse_carrier_codes(carrier_codes).get(company)
        if carrier is None:
            errors.append(f"未知的快递公司编码 com={company or '(空)'}")
        else:
            events = result_events(result, carrier_code=carrier, errors=errors)
    elif result is not None:
        raise MalformedPush("快递100 推送的 lastResult 不是 JSON 对象")
    return Kuaidi100Callback(
        events=events,
        errors=errors,
        ack_body=ACK_BODY,
        status=status,
        message=message,
        needs_resubscribe=status == ABORT and not corrected,
        corrected_company=corrected,
        tracking_no=str(result.get("nu") or "").strip() if isinstance(result, Mapping) else "",
    )


def replay_events(
    payload: Mapping[str, Any], carrier_codes: Mapping[str, str] | None = None
) -> tuple[list[TraceEvent], list[str]]:
    """A decoded ``param`` object (as logged, signature already gone) -> events (+ errors), read as
    ``parse_callback`` reads it."""
    result = payload.get("lastResult")
    errors: list[str] = []
    if result is None:
        return [], errors
    if not isinstance(result, Mapping):
        raise MalformedPush("lastResult is not an object")
    company = str(result.get("com") or payload.get("comNew") or "").strip().lower()
    carrier = reverse_carrier_codes(carrier_codes).get(company)
    if carrier is None:
        return [], [f"unknown company com={company or '(empty)'}"]
    return result_events(result, carrier_code=carrier, errors=errors), errors


def reverse_carrier_codes(carrier_codes: Mapping[str, str] | None = None) -> dict[str, str]:
    """kuaidicom → fahuo carrier code. Where aliases share a company (JT and JTSD) the first listed wins."""
    out: dict[str, str] = {}
    for fahuo_code, kuaidicom in (carrier_codes or DEFAULT_CARRIER_CODES).items():
        out.setdefault(kuaidicom.strip().lower(), fahuo_code.strip().upper())
    return out


# -- one parcel's trace lines ------------------------------------------------------------------


def parse_time(value: object) -> datetime:
    """A Kuaidi100 time (Beijing time) as an aware datetime."""
    return integration_base.parse_provider_time(value, _RowError)


def result_events(result: Mapping[str, Any], *, carrier_code: str, errors: list[str]) -> list[TraceEvent]:
    """A lastResult / query answer as TraceEvents, oldest first (Kuaidi100 sends newest first).

    A line's status comes from its statusCode (resultv2=4), else its status (a code, or the state's
    name with resultv2=1); a line with neither takes the parcel's ``state`` if it is the newest line,
    else in_transit. Unreadable lines are appended to ``errors`` and skipped.
    """
    tracking_no = str(result.get("nu") or "").strip()
    rows = result.get("data") or []
    if not isinstance(rows, list):
        errors.append(f"{tracking_no}: data 不是数组")
        return []
    parcel_code = codes.track_code(result.get("state"))
    parsed: list[tuple[datetime, int, Mapping[str, Any]]] = []
    for index, row in enumerate(rows):
        try:
            if not isinstance(row, Mapping):
                raise _RowError("不是对象")
            parsed.append((parse_time(row.get("ftime") or row.get("time")), index, row))
        except _RowError as exc:
            errors.append(f"{tracking_no} data[{index}]: {exc}")
    if not parsed:
        return []
    # Newest: the latest time; among equal times the line listed first (Kuaidi100 lists newest first).
    newest = max(parsed, key=lambda p: (p[0], -p[1]))[1]
    events = []
    for at, index, row in sorted(parsed, key=lambda p: (p[0], -p[1])):
        code = codes.track_code(row.get("statusCode")) or codes.track_code(row.get("status"))
        if code is None and index == newest:
            code = parcel_code
        events.append(
            TraceEvent(
                tracking_no=tracking_no,
                carrier_code=carrier_code,
                at=at,
                status=code.status if code is not None else codes.IN_TRANSIT,
                provider=PROVIDER_KEY,
                provider_code=code.code if code is not None else "",
                description=str(row.get("context") or "").strip(),
                location=str(row.get("areaName") or row.get("location") or "").strip(),
                signed_by_proxy=code.signed_by_proxy if code is not None else False,
            )
        )
    return events
