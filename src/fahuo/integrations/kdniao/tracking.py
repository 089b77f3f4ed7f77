"""Kdniao (快递鸟) parcel tracking: subscribe (RequestType 1008), instant query (1002), and the
trace push Kdniao sends back (RequestType 101, or 102 from its 在途监控 tier — the same shape).

The calls are the e-waybill client's signed form POST (``client.KdniaoClient``) sent to the
tracking endpoints; a push is verified with the same signature. Every trace becomes a
``TraceEvent`` whose status is fahuo's (``codes.TRACK_CODES``). See docs/integrations/tracking.md.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus, urlsplit

from fahuo.integrations import base as integration_base
from fahuo.integrations.base import MalformedPush, ParsedPush, SignatureInvalid, TraceEvent, signatures_match
from fahuo.integrations.kdniao import mapper
from fahuo.integrations.kdniao.client import KdniaoClient, shared_http, sign
from fahuo.integrations.kdniao.codes import IN_TRANSIT, guess_status, track_code
from fahuo.integrations.kdniao.settings import PROVIDER_KEY, KdniaoSettings
from fahuo.integrations.status import TrackCode
from fahuo.kit.errors import FahuoError, NotSupported, ProviderError

SHANGHAI = integration_base.SHANGHAI

if TYPE_CHECKING:
    from fahuo.integrations.credentials.models import ProviderAccount

REQUEST_SUBSCRIBE = "1008"
REQUEST_QUERY = "1002"
PUSH_TRACES = "101"  # 物流跟踪 push (subscribed with 1008)
PUSH_TRACES_MONITOR = "102"  # 在途监控 push (subscribed with 8008): same Data shape
PUSH_REQUEST_TYPES = frozenset({PUSH_TRACES, PUSH_TRACES_MONITOR})
# Both live on Kdniao's API host next to /api/EOrderService.
SUBSCRIBE_PATH = "/api/dist"
QUERY_PATH = "/Ebusiness/EbusinessOrderHandle.aspx"

# Carriers that want the last four digits of the sender's or recipient's phone (CustomerName) to
# release a trace: SF always, ZTO for privacy waybills.
NEEDS_PHONE = frozenset({"SF", "ZTO"})
_NO_TRACE_WORDS = ("暂无轨迹", "无轨迹", "没有物流轨迹", "没有轨迹")


class _ItemError(ValueError):
    """One Data item that cannot be read; it goes to ParsedPush.errors and the rest go on."""


# -- calls -------------------------------------------------------------------------------------


def endpoint(settings: KdniaoSettings, path: str) -> str:
    """The tracking endpoint ``path`` on the host of ``settings.base_url`` (whose own path, if any,
    is the e-waybill one and is dropped)."""
    parts = urlsplit(settings.base_url)
    return f"{parts.scheme}://{parts.netloc}{path}"


def _client(settings: KdniaoSettings, path: str) -> KdniaoClient:
    # KdniaoClient posts to settings.eorder_url, which is base_url itself when it carries a path.
    return KdniaoClient(
        dataclasses.replace(settings, base_url=endpoint(settings, path)), http=shared_http(settings)
    )


def _shipper(settings: KdniaoSettings, carrier_code: str) -> str:
    shipper = settings.shipper_code(carrier_code)
    if shipper is None:
        raise NotSupported(f"快递鸟不支持该快递公司: {carrier_code}")
    return shipper


def _lookup_fields(
    settings: KdniaoSettings, carrier_code: str, tracking_no: str, phone: str
) -> dict[str, str]:
    shipper = _shipper(settings, carrier_code)
    data = {"ShipperCode": shipper, "LogisticCode": tracking_no.strip()}
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits:
        data["CustomerName"] = digits[-4:]
    return data


def subscribe(
    settings: KdniaoSettings,
    *,
    tracking_no: str,
    carrier_code: str,
    order_code: str = "",
    callback_url: str = "",
    phone: str = "",
) -> None:
    """Subscribe one waybill to Kdniao's trace push (1008); raises ProviderError on refusal.

    Kdniao pushes to the address set in its console, not one given per call, so ``callback_url``
    is not sent (kept for a uniform signature). ``phone`` (last four digits are used) is needed for
    SF and for ZTO privacy waybills.
    """
    data: dict[str, Any] = {}
    if order_code:
        data["OrderCode"] = order_code
    data.update(_lookup_fields(settings, carrier_code, tracking_no, phone))
    with _client(settings, SUBSCRIBE_PATH) as client:
        body = client.call(REQUEST_SUBSCRIBE, data)
    if not mapper.is_success(body):
        raise ProviderError(
            mapper.reason_text(body) or "快递鸟订阅物流轨迹失败", detail={"ShipperCode": data["ShipperCode"]}
        )


def query(
    settings: KdniaoSettings, *, tracking_no: str, carrier_code: str, phone: str = ""
) -> list[TraceEvent]:
    """The trace Kdniao holds now (1002 instant query): the polling fallback when pushes stall.
    No trace yet is an empty list; a refusal or an unreadable answer raises ProviderError."""
    data: dict[str, Any] = {"OrderCode": ""}
    data.update(_lookup_fields(settings, carrier_code, tracking_no, phone))
    with _client(settings, QUERY_PATH) as client:
        body = client.call(REQUEST_QUERY, data)
    traces = body.get("Traces")
    if not mapper.is_success(body):
        reason = mapper.reason_text(body)
        if not traces and any(w in reason for w in _NO_TRACE_WORDS):
            return []
        raise ProviderError(reason or "快递鸟查询物流轨迹失败", detail={"ShipperCode": data["ShipperCode"]})
    try:
        return item_events(body, carrier_code=carrier_code.upper())
    except _ItemError as exc:
        raise ProviderError(f"快递鸟返回的物流轨迹无法读取：{exc}") from None


# -- push --------------------------------------------------------------------------------------


def verify_push_sign(request_data: str, data_sign: str, app_key: str) -> bool:
    """DataSign check for a push, as for a request: base64(md5_hex(RequestData + AppKey)). A form
    decoder hands both over decoded once; a sender that URL-encoded them twice (as Kdniao's own
    demos do on requests) is accepted too."""
    signs = {data_sign, unquote_plus(data_sign)}
    texts = [request_data]
    if "%" in request_data:
        texts.append(unquote_plus(request_data))
    return any(signatures_match(sign(text, app_key), s) for text in texts for s in signs)


def parse_push(
    form: Mapping[str, str], settings: KdniaoSettings, *, now: datetime | None = None
) -> ParsedPush:
    """Verify and decode one Kdniao push (the POSTed form fields).

    Raises SignatureInvalid (DataSign missing or wrong) or MalformedPush (RequestData missing or
    not the documented JSON). A Data item that cannot be read (unknown ShipperCode, bad time) is
    reported in ``errors`` and the other items still count. A push of another RequestType
    (107 货款状态 …) is acknowledged with no events.
    """
    request_data = form.get("RequestData") or ""
    data_sign = form.get("DataSign") or ""
    if not data_sign:
        raise SignatureInvalid("快递鸟推送缺少 DataSign")
    if not request_data:
        raise MalformedPush("快递鸟推送缺少 RequestData")
    if not verify_push_sign(request_data, data_sign, settings.app_key):
        raise SignatureInvalid("快递鸟推送签名校验失败")
    payload = _decode(request_data)
    ack = ack_body(settings, now=now)
    request_type = (form.get("RequestType") or PUSH_TRACES).strip()
    if request_type not in PUSH_REQUEST_TYPES:
        return ParsedPush(
            events=[], errors=[f"RequestType {request_type} 不是物流轨迹推送，已忽略"], ack_body=ack
        )
    items = payload.get("Data")
    if not isinstance(items, list):
        raise MalformedPush("快递鸟推送的 Data 不是数组")
    carriers = reverse_shipper_codes(settings)
    events: list[TraceEvent] = []
    errors: list[str] = []
    for index, item in enumerate(items):
        label = _item_label(item, index)
        try:
            shipper = str(item.get("ShipperCode") or "").strip().upper() if isinstance(item, Mapping) else ""
            carrier = carriers.get(shipper)
            if carrier is None:
                raise _ItemError(f"未知的快递公司编码 ShipperCode={shipper or '(空)'}")
            events.extend(item_events(item, carrier_code=carrier))
        except _ItemError as exc:
            errors.append(f"{label}: {exc}")
    return ParsedPush(events=events, errors=errors, ack_body=ack)


def ack_body(settings: KdniaoSettings, *, now: datetime | None = None) -> str:
    """Kdniao's acknowledgement of a push: anything else (or no answer) and it pushes again."""
    moment = (now or datetime.now(tz=SHANGHAI)).astimezone(SHANGHAI)
    body = {
        "EBusinessID": settings.ebusiness_id,
        "UpdateTime": moment.strftime("%Y-%m-%d %H:%M:%S"),
        "Success": True,
        "Reason": "",
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def settings_for_push(form: Mapping[str, str], accounts: Sequence[ProviderAccount]) -> KdniaoSettings:
    """The settings of the account a push names (RequestData.EBusinessID), else of the first account."""
    try:
        named = str(json.loads(form.get("RequestData") or "{}").get("EBusinessID") or "")
    except (ValueError, AttributeError):
        named = ""
    if named:
        for account in accounts:
            try:
                settings = KdniaoSettings.from_account(account)
            except FahuoError:
                continue
            if settings.ebusiness_id == named:
                return settings
    if not accounts:
        raise NotSupported("没有可用的快递鸟账号，请先在设置中添加")
    return KdniaoSettings.from_account(accounts[0])


def replay_settings(accounts: Sequence[ProviderAccount]) -> KdniaoSettings:
    """Settings to decode logged pushes with: only the ShipperCode map matters, so without a usable
    account the default map serves."""
    try:
        return KdniaoSettings.from_account(accounts[0]) if accounts else _REPLAY_SETTINGS
    except FahuoError:
        return _REPLAY_SETTINGS


_REPLAY_SETTINGS = KdniaoSettings(ebusiness_id="replay", app_key="replay")


def replay_events(payload: Mapping[str, Any], settings: KdniaoSettings) -> tuple[list[TraceEvent], list[str]]:
    """A decoded RequestData object (with ``Data[]``) -> events (+ per-item errors), read as
    ``parse_push`` reads it."""
    items = payload.get("Data")
    if not isinstance(items, list):
        raise MalformedPush("Data is not an array")
    carriers = reverse_shipper_codes(settings)
    events: list[TraceEvent] = []
    errors: list[str] = []
    for index, item in enumerate(items):
        shipper = str(item.get("ShipperCode") or "").strip().upper() if isinstance(item, Mapping) else ""
        label = (
            f"{shipper or '?'} {item.get('LogisticCode')}" if isinstance(item, Mapping) else f"Data[{index}]"
        )
        carrier = carriers.get(shipper)
        if carrier is None:
            errors.append(f"{label}: unknown ShipperCode {shipper or '(empty)'}")
            continue
        try:
            events.extend(item_events(item, carrier_code=carrier))
        except ValueError as exc:
            errors.append(f"{label}: {exc}")
    return events, errors


def reverse_shipper_codes(settings: KdniaoSettings) -> dict[str, str]:
    """Kdniao ShipperCode → fahuo carrier code. Where several fahuo codes share a ShipperCode (YD and
    its alias YUNDA) the one spelled like the ShipperCode wins, else the first listed."""
    out: dict[str, str] = {}
    for fahuo_code, shipper in settings.shipper_code_map.items():
        shipper = shipper.upper()
        if shipper not in out or fahuo_code.upper() == shipper:
            out[shipper] = fahuo_code.upper()
    return out


def _decode(request_data: str) -> dict[str, Any]:
    for text in (request_data, unquote_plus(request_data)):
        try:
            payload = json.loads(text)
        except ValueError:
            continue
        if isinstance(payload, dict):
            return payload
        break
    raise MalformedPush("快递鸟推送的 RequestData 不是 JSON 对象")


def _item_label(item: object, index: int) -> str:
    if isinstance(item, Mapping) and item.get("LogisticCode"):
        return f"{item.get('ShipperCode') or '?'} {item.get('LogisticCode')}"
    return f"Data[{index}]"


# -- one parcel's traces -----------------------------------------------------------------------


def parse_time(value: object) -> datetime:
    """A Kdniao time (Beijing time) as an aware datetime."""
    return integration_base.parse_provider_time(value, _ItemError)


def item_events(item: Mapping[str, Any], *, carrier_code: str) -> list[TraceEvent]:
    """One parcel (a push Data item or a 1002 answer) as TraceEvents, in Kdniao's order.

    A trace's status is its Action when Kdniao sends one. A trace without Action takes the parcel's
    StateEx/State if it is the latest trace, else whatever its words say (揽收, 派送, 签收 …),
    else in_transit.
    """
    tracking_no = str(item.get("LogisticCode") or "").strip()
    if not tracking_no:
        raise _ItemError("缺少 LogisticCode")
    traces = item.get("Traces") or []
    if not isinstance(traces, Sequence) or isinstance(traces, str):
        raise _ItemError("Traces 不是数组")
    if not traces:
        reason = str(item.get("Reason") or "").strip()
        flag = item.get("Success")
        if (
            (flag is False or str(flag).lower() == "false")
            and reason
            and not any(w in reason for w in _NO_TRACE_WORDS)
        ):
            raise _ItemError(reason)
        return []
    rows: list[tuple[datetime, Mapping[str, Any]]] = []
    for trace in traces:
        if not isinstance(trace, Mapping):
            raise _ItemError("Traces 中有不是对象的元素")
        rows.append((parse_time(trace.get("AcceptTime")), trace))
    latest = max(range(len(rows)), key=lambda i: (rows[i][0], i))
    parcel_code = _parcel_code(item)
    events = []
    for index, (at, trace) in enumerate(rows):
        description = str(trace.get("AcceptStation") or "").strip()
        location = str(trace.get("Location") or "").strip()
        code = track_code(trace.get("Action"))
        if code is None and index == latest:
            code = parcel_code
        if index == latest and not location:
            location = str(item.get("Location") or "").strip()
        if code is not None:
            status, provider_code, proxy = code.status, code.code, code.signed_by_proxy
        else:
            status, provider_code, proxy = guess_status(description) or IN_TRANSIT, "", False
        events.append(
            TraceEvent(
                tracking_no=tracking_no,
                carrier_code=carrier_code,
                at=at,
                status=status,
                provider=PROVIDER_KEY,
                provider_code=provider_code,
                description=description,
                location=location,
                signed_by_proxy=proxy,
            )
        )
    return events


def _parcel_code(item: Mapping[str, Any]) -> TrackCode | None:
    """The parcel-level code for the latest trace: StateEx when known, else State; 0 (no trace)
    says nothing about a trace that exists."""
    for key in ("StateEx", "State"):
        code = track_code(item.get(key))
        if code is not None and code.code != "0":
            return code
    return None
