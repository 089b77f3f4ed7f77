"""The Kuaidi100 simulator's 商家寄件 callbacks: what Kuaidi100 POSTs to a booking's ``callBackUrl``
when the courier takes the order, collects the parcel (with the waybill number) or gives up — signed
with the booking's ``salt``, over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from fahuo.integrations.kuaidi100.pickup_callback import STATUS_WORDS, callback_form


def send_pickup_callback(
    state: Any,
    order_id: str,
    *,
    status: int = 10,
    kuaidinum: str = "",
    courier: str = "王师傅",
    url: str = "",
    timeout: float = 5.0,
) -> httpx.Response:
    """POST the callback of the booking ``order_id`` (from ``state.pickups``) to its callBackUrl
    (or ``url``); ``kuaidinum`` is sent with a collected status, as Kuaidi100 does."""
    booking = next((b for b in state.pickups if b["orderId"] == order_id), None)
    if booking is None:
        raise KeyError(f"no booking {order_id}")
    param = booking["param"]
    target = url or str(param.get("callBackUrl") or "")
    if not target:
        raise ValueError("the booking has no callBackUrl")
    body = {
        "kuaidicom": param.get("kuaidicom", ""),
        "kuaidinum": kuaidinum,
        "status": str(status),
        "message": STATUS_WORDS.get(status, ""),
        "data": {
            "orderId": order_id,
            "status": status,
            "cancelMsg": "" if status not in (9, 11, 99) else STATUS_WORDS.get(status, ""),
            "courierName": courier if status in (1, 2, 10, 101) else "",
            "courierMobile": "13900001111" if status in (1, 2, 10, 101) else "",
            "weight": "1.2" if status == 10 else "",
            "freight": "12.00" if status == 10 else "",
        },
    }
    form = callback_form(body, task_id=booking["taskId"], salt=str(param.get("salt") or ""))
    return httpx.post(target, data=form, timeout=timeout)
