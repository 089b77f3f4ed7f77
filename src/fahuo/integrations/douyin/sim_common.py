"""What every 抖店 gateway look-alike shares (the order/waybill simulator and the customer-service
message one): the refusal shape, the answer envelope, the scripted 60000/20000 refusals, the
"API offline" 404 and the JSON reply."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fahuo.integrations.simfaults import SimFaults
from fahuo.integrations.simserver import respond_json as respond

__all__ = ["API_OFF", "Refusal", "answer", "business", "gate", "invalid", "raise_scripted_refusal", "respond"]

StartResponse = Callable[..., Any]
API_OFF = {
    "code": 70000,
    "msg": "接口服务已下线",
    "sub_code": "isp.api-service-off",
    "sub_msg": "API不存在或API已下线",
}
UNAVAILABLE = {"message": "service unavailable"}


class Refusal(Exception):
    def __init__(self, code: int, msg: str, sub_code: str = "", sub_msg: str = "") -> None:
        super().__init__(sub_msg or msg)
        self.code, self.msg, self.sub_code, self.sub_msg = code, msg, sub_code, sub_msg


def business(number: str, text: str) -> Refusal:
    return Refusal(50002, "业务处理失败", f"isv.business-failed:{number}", text)


def invalid(sub_code: str, text: str) -> Refusal:
    return Refusal(40003, "非法的参数", sub_code, text)


def raise_scripted_refusal(faults: SimFaults) -> None:
    """The gateway's rate limit (60000) or "system busy" (20000) when a test armed one."""
    if faults.take("rate_limit"):
        raise Refusal(60000, "触发限流，请稍后重试", "isv.traffic-limited", "请求太频繁，请稍后重试")
    if faults.take("busy"):
        raise Refusal(20000, "系统错误", "isp.service-error:10005", "系统繁忙，请稍后重试。")


def answer(lock: Any, dispatch: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``dispatch()`` under ``lock`` wrapped in the gateway's envelope (a Refusal becomes its code)."""
    log_id = uuid.uuid4().hex[:24]
    try:
        with lock:
            data = dispatch()
    except Refusal as refusal:
        head = {"code": refusal.code, "msg": refusal.msg, "sub_code": refusal.sub_code}
        return head | {"sub_msg": refusal.sub_msg, "log_id": log_id, "data": {}}
    return {"code": 10000, "msg": "success", "sub_code": "", "sub_msg": "", "log_id": log_id, "data": data}


def gate(
    faults: SimFaults, environ: Mapping[str, Any], start_response: StartResponse
) -> Iterable[bytes] | None:
    """The answer before any API work: 405 for anything but POST, a scripted HTTP failure; else None."""
    if environ.get("REQUEST_METHOD") != "POST":
        return respond(start_response, "405 Method Not Allowed", {"code": 40003, "msg": "只支持 POST"})
    if (status := faults.take_failure()) is not None:
        return respond(start_response, f"{status} Service Unavailable", UNAVAILABLE)
    return None
