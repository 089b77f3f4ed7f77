"""Pure translation between fahuo's waybill requests/results and Kdniao's payloads (no I/O).

Field names follow Kdniao's e-waybill API (RequestType 1007 issue, 1147 cancel); see
docs/integrations/kdniao.md for the field table and sources.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fahuo.integrations.base import MappingError, Party, WaybillRequest, WaybillResult
from fahuo.integrations.kdniao.codes import SUCCESS_CODES, FailureKind, classify, is_retryable
from fahuo.integrations.kdniao.settings import KdniaoSettings
from fahuo.kit.address import parse_address

REQUEST_ISSUE = "1007"
REQUEST_CANCEL = "1147"
DATA_TYPE_JSON = "2"

# Kdniao verifies DataSign over RequestData after URL-decoding it once more than the form encoding
# requires, so a literal + or % in a value breaks the signature ("验证数据签名失败"); its docs ask
# for none of ' " # & + < > % \ in the payload. fahuo swaps them for their full-width forms.
_FORBIDDEN = str.maketrans(
    {"'": "＇", '"': "＂", "#": "＃", "&": "＆", "+": "＋", "<": "＜", ">": "＞", "%": "％", "\\": "＼"}
)
_SPACES = re.compile(r"\s+")
_MOBILE = re.compile(r"^(?:\+?86)?(1\d{10})(?:[-#转](\d{1,6}))?$")
_MUNICIPALITIES = frozenset({"北京市", "上海市", "天津市", "重庆市"})
GOODS_NAME_MAX = 60
ADDRESS_MAX = 100


@dataclass(frozen=True, slots=True)
class IssueOutcome:
    """One parsed 1007 answer. ``children`` are the child waybills (子单) of a multi-parcel order."""

    result: WaybillResult
    children: tuple[str, ...] = ()
    code: str = ""
    kind: FailureKind = FailureKind.NONE
    retryable: bool = False


def clean_text(value: str, limit: int = 0) -> str:
    """One line, no characters Kdniao's signing chokes on, at most ``limit`` characters."""
    text = _SPACES.sub(" ", value.translate(_FORBIDDEN)).strip()
    return text[:limit] if limit else text


def province_name(province: str) -> str:
    """Kdniao wants 北京/上海/天津/重庆 for a municipality's province, the full name otherwise."""
    return province[:-1] if province in _MUNICIPALITIES else province


def phone_fields(phone: str) -> dict[str, str]:
    """A mainland mobile number goes in Mobile, anything else (landline, 400 number) in Tel."""
    compact = re.sub(r"[\s()（）]", "", phone)
    match = _MOBILE.match(compact)
    if match:
        return {"Mobile": match.group(1) + (f"-{match.group(2)}" if match.group(2) else "")}
    return {"Tel": clean_text(phone, 30)} if compact else {}


def party_fields(party: Party, *, role: str) -> dict[str, str]:
    """A fahuo Party as Kdniao's Sender/Receiver object; ``role`` (发件/收件) is for messages.

    A party without 省/市/区 (a shop's sender address is one free-text line) is split with
    ``fahuo.kit.address.parse_address``.
    """
    province, city, district, detail = party.province, party.city, party.district, party.detail
    if not province:
        parsed = parse_address(detail)
        if parsed.province:
            province, city, district, detail = parsed.province, parsed.city, parsed.district, parsed.detail
    if not province or not city:
        raise MappingError(f"{role}地址缺少省市，无法申请电子面单")
    if not detail.strip():
        raise MappingError(f"{role}地址缺少详细地址，无法申请电子面单")
    phones = phone_fields(party.phone)
    if not phones:
        raise MappingError(f"{role}人缺少电话，无法申请电子面单")
    fields: dict[str, str] = {"Name": clean_text(party.name, 30) or "-"}
    fields.update(phones)
    fields["ProvinceName"] = province_name(province)
    fields["CityName"] = city
    if district:
        fields["ExpAreaName"] = district
    fields["Address"] = clean_text(detail, ADDRESS_MAX)
    return fields


def issue_request_data(request: WaybillRequest, settings: KdniaoSettings) -> dict[str, Any]:
    """RequestData (as a dict) of a 1007 call for one parcel."""
    shipper = settings.shipper_code(request.carrier_code)
    if shipper is None:
        raise MappingError(f"快递鸟不支持该快递公司: {request.carrier_code}")
    if not request.request_id or request.request_id != request.request_id.translate(_FORBIDDEN):
        raise MappingError("订单编号为空或含有快递鸟不允许的字符")
    if request.quantity < 1:
        raise MappingError("包裹数必须至少为 1")
    data: dict[str, Any] = {"OrderCode": request.request_id, "ShipperCode": shipper}
    data.update(settings.carrier_account(request.carrier_code).fields())
    data["PayType"] = settings.pay_type
    data["ExpType"] = settings.exp_type
    data["IsNotice"] = 0 if settings.notify_courier else 1
    data["Sender"] = party_fields(request.sender, role="发件")
    data["Receiver"] = party_fields(request.recipient, role="收件")
    data["Commodity"] = [
        {"GoodsName": clean_text(request.goods, GOODS_NAME_MAX) or "商品", "Goodsquantity": 1}
    ]
    if request.weight_g:
        data["Weight"] = round(request.weight_g / 1000, 3)
    data["Quantity"] = request.quantity
    if settings.remark:
        data["Remark"] = clean_text(settings.remark, 60)
    data["IsReturnPrintTemplate"] = 0  # fahuo draws its own labels (fahuo.fulfilment.labels.render)
    return data


def cancel_request_data(
    *, carrier_code: str, tracking_no: str, order_code: str, settings: KdniaoSettings
) -> dict[str, Any]:
    """RequestData of a 1147 call (cancel one e-waybill)."""
    shipper = settings.shipper_code(carrier_code)
    if shipper is None:
        raise MappingError(f"快递鸟不支持该快递公司: {carrier_code}")
    account = settings.carrier_account(carrier_code)
    data: dict[str, Any] = {"ShipperCode": shipper, "OrderCode": order_code, "ExpNo": tracking_no}
    if account.customer_name:
        data["CustomerName"] = account.customer_name
    if account.customer_pwd:
        data["CustomerPwd"] = account.customer_pwd
    return data


def dump_request_data(data: Mapping[str, Any]) -> str:
    """The exact RequestData string that is signed and sent (compact JSON, UTF-8 text as is)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def result_code(body: Mapping[str, Any]) -> str:
    return str(body.get("ResultCode") or "").strip()


def reason_text(body: Mapping[str, Any]) -> str:
    return str(body.get("Reason") or "").strip()


def is_success(body: Mapping[str, Any]) -> bool:
    """Kdniao's Success flag (a bool, or "true" in older answers); an answer without it failed."""
    flag = body.get("Success")
    ok = flag is True or str(flag).lower() == "true"
    return ok and result_code(body) in SUCCESS_CODES | {""}


def child_numbers(body: Mapping[str, Any]) -> tuple[str, ...]:
    """SubOrders as a tuple: Kdniao documents it as 子单号 "in array form" — a JSON array, or a
    comma-separated string in the SDKs that type it as a string; both are read."""
    raw = body.get("SubOrders")
    if isinstance(raw, list):
        items = [str(x) for x in raw]
    elif isinstance(raw, str):
        stripped = raw.strip().strip("[]")
        items = [p.strip().strip("\"'") for p in re.split(r"[,;，\s]+", stripped)]
    else:
        items = []
    return tuple(x for x in items if x)


def parse_issue_response(request_id: str, body: Mapping[str, Any]) -> IssueOutcome:
    """A 1007 answer as fahuo's result; a refusal carries Kdniao's own (Chinese) Reason."""
    code, reason = result_code(body), reason_text(body)
    order = body.get("Order")
    order = order if isinstance(order, Mapping) else {}
    tracking_no = str(order.get("LogisticCode") or "").strip()
    if is_success(body) and tracking_no:
        result = WaybillResult(
            request_id=request_id,
            tracking_no=tracking_no,
            sort_code=str(order.get("SortingCode") or "").strip(),
            mark_destination=str(order.get("MarkDestination") or "").strip(),
        )
        return IssueOutcome(result=result, children=child_numbers(body), code=code or "100")
    if is_success(body):
        reason = reason or "快递鸟未返回运单号"
        kind = FailureKind.PROVIDER
    else:
        reason = reason or f"快递鸟下单失败（ResultCode {code or '?'}）"
        kind = classify(code, reason)
    return IssueOutcome(
        result=WaybillResult(request_id=request_id, error=reason),
        code=code,
        kind=kind,
        retryable=is_retryable(code, reason),
    )
