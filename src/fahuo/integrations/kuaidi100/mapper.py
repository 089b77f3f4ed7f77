"""Pure translation between fahuo's waybill requests and Kuaidi100 e-waybill v2 payloads (no I/O).

Field names follow https://api.kuaidi100.com/document/dianzimiandanV2 and the official SDKs
(kuaidi100-api/java-demo ``labelV2/OrderReq``/``OrderResult``, kuaidi100-api/go-demo ``elec``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fahuo.integrations.base import Party, WaybillRequest, WaybillResult
from fahuo.integrations.kuaidi100 import codes
from fahuo.integrations.kuaidi100.settings import Kuaidi100Settings

_MOBILE = re.compile(r"^1\d{10}(?:-\d{1,6})?$")  # a mainland mobile, maybe a platform extension


def dumps(param: Mapping[str, Any]) -> str:
    """The exact ``param`` string that is both signed and sent (the two must be byte-identical)."""
    return json.dumps(param, ensure_ascii=False, separators=(",", ":"))


def print_addr(party: Party) -> str:
    """One-line address as Kuaidi100's ``printAddr`` wants it: province, city, district, street."""
    detail = party.detail.strip()
    if party.province and detail.startswith(party.province):
        return detail
    parts = [party.province]
    if party.city and party.city != party.province:
        parts.append(party.city)
    parts.append(party.district)
    return "".join(p.strip() for p in parts if p) + detail


def man(party: Party) -> dict[str, str]:
    """A ``recMan``/``sendMan`` object: a mobile goes to ``mobile``, a landline to ``tel``."""
    phone = re.sub(r"[\s()]", "", party.phone)
    if re.fullmatch(r"(?:\+?86)?1\d{2}-\d{4}-\d{4}", phone):
        phone = phone.replace("-", "")  # 138-0013-8000 (but keep a platform extension's dash)
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("86") and len(phone) == 13:
        phone = phone[2:]
    out = {"name": party.name.strip()}
    if _MOBILE.match(phone):
        out["mobile"] = phone
    elif phone:
        out["tel"] = party.phone.strip()
    out["printAddr"] = print_addr(party)
    return out


def order_param(req: WaybillRequest, settings: Kuaidi100Settings, *, kuaidicom: str) -> dict[str, Any]:
    """The ``param`` object of ``method=order`` for one parcel; ``orderId`` is fahuo's request id."""
    param: dict[str, Any] = {"printType": settings.print_type}
    param.update(settings.partner_fields())
    param["kuaidicom"] = kuaidicom
    param["recMan"] = man(req.recipient)
    param["sendMan"] = man(req.sender)
    param["cargo"] = req.goods.strip() or "商品"  # required by some carriers (jd, yuantong)
    param["count"] = max(1, req.quantity)
    if req.quantity > 1:
        param["needChild"] = "1"  # one main number + (count - 1) child numbers
    if req.weight_g:
        param["weight"] = round(req.weight_g / 1000, 3)  # kilograms
    param["payType"] = settings.pay_type
    if settings.exp_type:
        param["expType"] = settings.exp_type
    if settings.temp_id:
        param["tempId"] = settings.temp_id
    param["orderId"] = req.request_id
    param["needDesensitization"] = req.privacy
    return param


def cancel_param(
    settings: Kuaidi100Settings, *, kuaidicom: str, kuaidinum: str, order_id: str = "", reason: str = ""
) -> dict[str, Any]:
    """The ``param`` object of ``method=cancel``. ``orderId`` here is the carrier's order number
    (``kdComOrderNum`` from the order response), required when the order returned one."""
    param: dict[str, Any] = dict(settings.partner_fields())
    param["kuaidicom"] = kuaidicom
    param["kuaidinum"] = kuaidinum
    if order_id:
        param["orderId"] = order_id
    if reason:
        param["reason"] = reason
    return param


@dataclass(frozen=True, slots=True)
class OrderOutcome:
    """One parcel's answer: the protocol result plus what only Kuaidi100 returns."""

    result: WaybillResult
    children: tuple[str, ...] = ()  # 子单号 for a multi-parcel order, in order
    return_num: str = ""  # 回单号 (needBack)
    kd_com_order_num: str = ""  # carrier order number; cancel needs it when present
    task_id: str = ""
    label: str = ""  # short link when printType is IMAGE/HTML
    code: codes.Code = codes.CODES[codes.SUCCESS]


def split_children(value: Any) -> tuple[str, ...]:
    """``childNum`` is documented as a comma-separated string; accept a list too."""
    if not value:
        return ()
    items = value if isinstance(value, list | tuple) else str(value).replace("，", ",").split(",")
    return tuple(s for s in (str(i).strip() for i in items) if s)


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value).strip()


def is_success(body: Mapping[str, Any]) -> bool:
    """``code`` 200 and ``success`` not false (the official Java SDK's Result has no ``success``)."""
    return body.get("success") is not False and codes.lookup(body.get("code")).scope is codes.Scope.OK


def error_message(body: Mapping[str, Any]) -> str:
    """Kuaidi100's own message, or the documented meaning of the code when the message is empty."""
    message = str(body.get("message") or "").strip()
    return message or codes.lookup(body.get("code")).zh


def parse_order_response(request_id: str, body: Mapping[str, Any]) -> OrderOutcome:
    """Turn one ``method=order`` response into an outcome; a refusal becomes ``result.error``."""
    code = codes.lookup(body.get("code"))
    data = body.get("data")
    if not is_success(body) or not isinstance(data, Mapping) or not _text(data, "kuaidinum"):
        message = error_message(body) if not is_success(body) else "快递100 未返回快递单号"
        return OrderOutcome(result=WaybillResult(request_id=request_id, error=message), code=code)
    return OrderOutcome(
        result=WaybillResult(
            request_id=request_id,
            tracking_no=_text(data, "kuaidinum"),
            sort_code=_text(data, "destSortingCode") or _text(data, "destCode"),
            mark_destination=_text(data, "bulkpen"),
        ),
        children=split_children(data.get("childNum") or data.get("childNums")),
        return_num=_text(data, "returnNum"),
        kd_com_order_num=_text(data, "kdComOrderNum"),
        task_id=_text(data, "taskId"),
        label=_text(data, "label"),
        code=code,
    )
