"""The Kdniao simulator's reverse pickups (1001 book, 1004 cancel on /api/OOrderService)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

OORDER_PATH = "/api/OOrderService"
COMMANDS = frozenset({"1001", "1004"})


@dataclass
class PickupState:
    # (ebusiness_id, OrderCode) -> the booked order body
    booked: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)


def _time(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(str(value or ""), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def handle(
    state: PickupState, refusal: Any, ebusiness_id: str, request_type: str, data: Mapping[str, Any]
) -> dict[str, Any]:
    """``refusal(code, reason)`` builds the simulator's refusal exception."""
    state.received.append({"RequestType": request_type, **data})
    code = str(data.get("OrderCode") or "").strip()
    if not code:
        raise refusal("101", "缺少必要参数：OrderCode")
    key = (ebusiness_id, code)
    if request_type == "1004":
        if state.booked.pop(key, None) is None:
            raise refusal("105", "订单不存在或已取消")
        return {"EBusinessID": ebusiness_id, "Success": True, "ResultCode": "100", "Reason": "取消成功"}
    if key in state.booked:
        return {"EBusinessID": ebusiness_id, "Success": False, "ResultCode": "106", "Reason": "该订单号已下单成功",
                "Order": state.booked[key]}  # fmt: skip
    for role in ("Sender", "Receiver"):
        party = data.get(role)
        if not isinstance(party, Mapping):
            raise refusal("101", f"缺少必要参数：{role}")
        for name in ("Name", "ProvinceName", "CityName", "Address"):
            if not str(party.get(name) or "").strip():
                raise refusal("101", f"缺少必要参数：{role}.{name}")
    start, end = _time(data.get("StartDate")), _time(data.get("EndDate"))
    if start is None or end is None or end <= start:
        raise refusal("103", "StartDate/EndDate 格式错误或时间段无效")
    shipper = str(data.get("ShipperCode") or "")
    digest = int.from_bytes(hashlib.sha256(f"{ebusiness_id}|{code}".encode()).digest()[:6], "big")
    order = {"OrderCode": code, "KDNOrderCode": f"KDN{digest % 10**12:012d}",
             "LogisticCode": f"{shipper}R{digest % 10**10:010d}"}  # fmt: skip
    state.booked[key] = order
    return {
        "EBusinessID": ebusiness_id,
        "Success": True,
        "ResultCode": "100",
        "Reason": "下单成功",
        "Order": order,
    }
