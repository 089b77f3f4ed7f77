"""The Kuaidi100 simulator's 商家寄件 (``POST /order/borderapi.do``, ``method=bOrder``): checks the
signature like every enterprise call, the fields a pickup needs, the day and the window, and answers
``{"result", "returnCode", "message", "data": {"taskId", "orderId"}}`` — a new order per call (the
real service has no client order code to deduplicate on)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from fahuo.integrations.kuaidi100.client import sign
from fahuo.integrations.kuaidi100.pickup import BORDER_PATH, DAY_TYPES, METHOD_BOOK

__all__ = ["BORDER_PATH", "handle_border"]
REQUIRED = (
    "kuaidicom",
    "sendManName",
    "sendManMobile",
    "sendManPrintAddr",
    "recManName",
    "recManMobile",
    "recManPrintAddr",
    "cargo",
)
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _refuse(code: str, message: str) -> dict[str, Any]:
    return {"result": False, "returnCode": code, "message": message, "data": None}


def handle_border(state: Any, form: Mapping[str, str]) -> dict[str, Any]:
    """One bOrder call against the simulator's accounts (``state.accounts``: key -> secret)."""
    for name in ("method", "key", "t", "param", "sign"):
        if not form.get(name):
            return _refuse("400", f"参数错误：缺少 {name}")
    if form["method"] != METHOD_BOOK:
        return _refuse("400", f"不支持的 method：{form['method']}")
    secret = state.accounts.get(form["key"])
    if secret is None:
        return _refuse("601", "key 不存在或已过期")
    if sign(form["param"], form["t"], form["key"], secret) != form["sign"]:
        return _refuse("601", "签名验证失败")
    try:
        param = json.loads(form["param"])
    except ValueError:
        return _refuse("400", "param 不是合法的 JSON")
    if not isinstance(param, dict):
        return _refuse("400", "param 必须是 JSON 对象")
    missing = [name for name in REQUIRED if not str(param.get(name) or "").strip()]
    if missing:
        return _refuse("400", f"缺少必填参数：{'、'.join(missing)}")
    if param.get("payment", "SHIPPER") != "SHIPPER":
        return _refuse("400", "商家寄件仅支持寄付（SHIPPER）")
    day, start, end = (str(param.get(k) or "") for k in ("dayType", "pickupStartTime", "pickupEndTime"))
    if day and day not in DAY_TYPES:
        return _refuse("400", "dayType 只能是 今天/明天/后天")
    if (start or end) and not (HHMM.match(start) and HHMM.match(end) and start < end):
        return _refuse("400", "预约时间段格式错误或无效")
    with state.lock:
        state.seq += 1
        n = state.seq
        order = {"taskId": f"T{n:08d}{form['key'][-4:]}", "orderId": f"{900000000 + n}"}
        state.pickups.append({"param": param, **order})
    return {"result": True, "returnCode": "200", "message": "提交成功", "data": order}
