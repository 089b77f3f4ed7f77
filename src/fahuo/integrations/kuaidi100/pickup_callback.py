"""Kuaidi100 商家寄件 (reverse pickup) order callback: Kuaidi100 POSTs the form ``taskId``, ``param``
(JSON) and ``sign = upper(md5(param + salt))`` to the ``callBackUrl`` given at booking (bOrder), with
the ``salt`` given there — the same signing as its trace callbacks.

param: ``kuaidicom``, ``kuaidinum`` (the waybill number, once the courier has collected), ``status``,
``message`` and ``data``: ``orderId``, ``status`` (0 下单成功, 1 已接单, 2 收件中, 9 用户主动取消, 10 已取件,
11 揽货失败, 12 已退回, 13 已签收, 14 异常签收, 99 订单已取消, 101 运输中), ``courierName``,
``courierMobile``, ``weight``, ``freight``. The answer Kuaidi100 expects: ``{"result": true,
"returnCode": "200", "message": "提交成功"}`` (anything else, and it calls again after 30 minutes, three
times). Sources: Kuaidi100's 商家寄件 documentation (回调接口) and its SDKs (kuaidi100-api java/php demos).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fahuo.integrations.base import MalformedPush
from fahuo.integrations.kuaidi100.tracking import callback_sign, signed_param

ACK: dict[str, Any] = {"result": True, "returnCode": "200", "message": "提交成功"}
STATUS_WORDS: dict[int, str] = {
    0: "下单成功",
    1: "快递员已接单",
    2: "快递员正在上门",
    9: "用户取消",
    10: "已取件",
    11: "揽货失败",
    12: "已退回",
    13: "已签收",
    14: "异常签收",
    99: "订单已取消",
    101: "运输中",
}
PICKED_UP = frozenset({10, 13, 14, 101})  # the parcel is with the carrier: kuaidinum is the number
CANCELLED = frozenset({9, 11, 99})


@dataclass(frozen=True, slots=True)
class PickupNews:
    task_id: str
    order_id: str
    status: int
    kuaidicom: str
    kuaidinum: str
    courier: str  # the courier's name (the phone is not kept)
    message: str

    @property
    def words(self) -> str:
        return STATUS_WORDS.get(self.status, f"状态 {self.status}")


def callback_form(param: Mapping[str, Any], *, task_id: str, salt: str) -> dict[str, str]:
    """The form fields of one callback, signed (what Kuaidi100 — and the simulator — POSTs)."""
    text = json.dumps(dict(param), ensure_ascii=False, separators=(",", ":"))
    return {"taskId": task_id, "param": text, "sign": callback_sign(text, salt)}


def parse(form: Mapping[str, str], *, salt: str) -> PickupNews:
    """Verify and decode one callback; SignatureInvalid or MalformedPush when it cannot be trusted."""
    param = signed_param(form, salt=salt, what="寄件回调")
    data = param.get("data") if isinstance(param, dict) else None
    if not isinstance(data, dict) or not str(data.get("orderId") or ""):
        raise MalformedPush("快递100 寄件回调缺少 data.orderId")
    try:
        raw = data.get("status") if data.get("status") is not None else param.get("status")
        status = int(str(raw))
    except (TypeError, ValueError):
        raise MalformedPush("快递100 寄件回调的状态不是数字") from None
    return PickupNews(
        task_id=str(form.get("taskId") or ""),
        order_id=str(data["orderId"]),
        status=status,
        kuaidicom=str(param.get("kuaidicom") or ""),
        kuaidinum=str(param.get("kuaidinum") or "").strip(),
        courier=str(data.get("courierName") or "")[:20],
        message=str(param.get("message") or data.get("cancelMsg") or "")[:100],
    )
