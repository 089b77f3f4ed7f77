"""Pure translation between fahuo's ship-back and the 抖店 open platform's payloads (no I/O).

Three methods are used (see docs/integrations/douyin.md for the field tables and sources):

* ``order.logisticsAdd`` — the whole order ships with one number (整单发货: order_id,
  company_code, logistics_code);
* ``order.logisticsAddMultiPack`` — some sub-orders (子订单) ship with this number (拆包发货:
  one pack in ``pack_list`` with its ``shipped_order_info``), idempotent on ``request_id``;
* ``order.orderDetail`` — read back which numbers the order shipped with, to tell our own
  earlier upload ("订单已发货" after a lost answer) from a different number.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fahuo.integrations.douyin.codes import SUCCESS_CODE, FailureKind, classify, is_retryable

METHOD_LOGISTICS_ADD = "order.logisticsAdd"
METHOD_MULTI_PACK = "order.logisticsAddMultiPack"
METHOD_ORDER_DETAIL = "order.orderDetail"
API_VERSION = "2"
SIGN_METHOD = "hmac-sha256"
MAX_REQUEST_ID = 64


class MappingError(ValueError):
    """fahuo's data cannot be sent as it is; ``message`` is shown to the seller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def dump_param_json(params: Mapping[str, Any]) -> str:
    """param_json exactly as signed and sent: keys sorted at every level, no spaces, Chinese as
    UTF-8 (the official SDKs: Python ``json.dumps(sort_keys=True, separators=(',', ':'),
    ensure_ascii=False)``, Go re-marshals through a map, which sorts keys and keeps non-ASCII)."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _required(value: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise MappingError(f"缺少{what}，无法回传抖店")
    return text


def logistics_add_params(*, order_id: str, company_code: str, logistics_code: str) -> dict[str, Any]:
    """/order/logisticsAdd: the whole (parent) order ships with this number."""
    return {
        "order_id": _required(order_id, "抖店订单编号"),
        "company_code": _required(company_code, "物流公司编码"),
        "logistics_code": _required(logistics_code, "快递单号"),
    }


def request_id_for(order_id: str, logistics_code: str) -> str:
    """Stable per (order, number): the platform answers a repeated request_id with the first result
    instead of shipping again."""
    rid = f"fahuo-{order_id}-{logistics_code}"
    if len(rid) <= MAX_REQUEST_ID:
        return rid
    return "fahuo-" + hashlib.sha256(rid.encode()).hexdigest()[:40]


def multi_pack_params(
    *, order_id: str, company_code: str, logistics_code: str, line_ids: Sequence[str]
) -> dict[str, Any]:
    """/order/logisticsAddMultiPack with one pack: these sub-orders ship with this number."""
    order_id = _required(order_id, "抖店订单编号")
    number = _required(logistics_code, "快递单号")
    ids = [str(i).strip() for i in line_ids if str(i).strip()]
    if not ids:
        raise MappingError("拆包发货缺少子订单编号")
    return {
        "order_id": order_id,
        "pack_list": [
            {
                "shipped_order_info": [{"shipped_order_id": i} for i in ids],
                "logistics_code": number,
                "company_code": _required(company_code, "物流公司编码"),
            }
        ],
        "request_id": request_id_for(order_id, number),
    }


def order_detail_params(*, order_id: str) -> dict[str, Any]:
    return {"shop_order_id": _required(order_id, "抖店订单编号")}


@dataclass(frozen=True, slots=True)
class Outcome:
    """One answer, read."""

    code: int
    sub_code: str
    message: str  # the platform's own text (sub_msg, else msg)
    kind: FailureKind
    log_id: str = ""

    @property
    def ok(self) -> bool:
        return self.kind is FailureKind.NONE

    @property
    def retryable(self) -> bool:
        return is_retryable(self.kind)

    def detail(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "sub_code": self.sub_code,
            "kind": str(self.kind),
            "retryable": self.retryable,
            "log_id": self.log_id,
        }


def parse_response(body: Mapping[str, Any]) -> Outcome:
    """Read the common envelope ``{code, msg, sub_code, sub_msg, log_id, data}``."""
    try:
        code = int(body.get("code", -1))
    except (TypeError, ValueError):
        code = -1
    sub_code = str(body.get("sub_code") or "")
    sub_msg = str(body.get("sub_msg") or "").strip()
    msg = str(body.get("msg") or body.get("message") or "").strip()
    if code == SUCCESS_CODE:
        return Outcome(code=code, sub_code=sub_code, message="", kind=FailureKind.NONE, log_id=_log_id(body))
    message = sub_msg or msg or f"抖店返回错误（code {code}）"
    return Outcome(
        code=code,
        sub_code=sub_code,
        message=message,
        kind=classify(code, sub_code, message),
        log_id=_log_id(body),
    )


def _log_id(body: Mapping[str, Any]) -> str:
    return str(body.get("log_id") or "")


def shipped_numbers(body: Mapping[str, Any]) -> set[str]:
    """The tracking numbers an /order/orderDetail answer lists (shop_order_detail.logistics_info)."""
    data = body.get("data")
    detail = data.get("shop_order_detail") if isinstance(data, Mapping) else None
    infos = detail.get("logistics_info") if isinstance(detail, Mapping) else None
    if not isinstance(infos, list):
        return set()
    return {
        str(info.get("tracking_no", "")).strip()
        for info in infos
        if isinstance(info, Mapping) and str(info.get("tracking_no", "")).strip()
    }
