"""Kuaidi100 reverse pickup (商家寄件, 上门取件): ``POST poll.kuaidi100.com/order/borderapi.do`` with the
form ``method=bOrder``, ``key``, ``t`` (ms), ``param`` (JSON) and ``sign = upper(md5(param + t + key +
secret))`` — the signing of every Kuaidi100 enterprise call (see Kuaidi100's own SDKs,
kuaidi100-api/java-demo ``BOrderReq``/``BOrderResp`` and php-demo ``bsent_order.php``).

param: kuaidicom, sendManName/sendManMobile/sendManPrintAddr (where the courier collects: here the
buyer returning goods), recManName/recManMobile/recManPrintAddr (the shop's return address), cargo,
weight (kg), payment (``SHIPPER``: paid by the account; Kuaidi100 offers no 到付 here), serviceType,
dayType (今天/明天/后天) with pickupStartTime/pickupEndTime ("HH:mm"), remark, callBackUrl, salt
(the order callback: ``pickup_callback.py``).
The answer: ``{"result": true, "returnCode": "200", "message": "提交成功", "data": {"taskId",
"orderId"}}``. The waybill number (kuaidinum) is only known once the courier has collected the parcel
(Kuaidi100 reports it in its order callback), so the booking carries no tracking number.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from zoneinfo import ZoneInfo

from fahuo.integrations.base import Party
from fahuo.integrations.http import Closable
from fahuo.integrations.kdniao.pickup import PickupBooking, PickupRequest
from fahuo.integrations.kuaidi100.client import sign
from fahuo.integrations.kuaidi100.mapper import dumps
from fahuo.integrations.kuaidi100.settings import Kuaidi100Settings
from fahuo.integrations.kuaidi100.tracking import _post, poll_url
from fahuo.kit.errors import NotSupported, ProviderError

BORDER_PATH = "/order/borderapi.do"
METHOD_BOOK = "bOrder"
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY_TYPES = ("今天", "明天", "后天")
LAST_PICKUP = dt.time(20, 0)


def print_addr(party: Party) -> str:
    return "".join(p for p in (party.province, party.city, party.district, party.detail) if p)[:200]


def window(start: dt.datetime, end: dt.datetime) -> tuple[str, str, str]:
    """(dayType, pickupStartTime, pickupEndTime): Kuaidi100 books a window within one of the next
    three days; a window running past that day ends at 20:00 of its first day."""
    first, last = start.astimezone(SHANGHAI), end.astimezone(SHANGHAI)
    days = (first.date() - dt.datetime.now(SHANGHAI).date()).days
    day_type = DAY_TYPES[min(max(days, 0), 2)]
    close = last.time() if last.date() == first.date() and last > first else LAST_PICKUP
    if close <= first.time():
        close = LAST_PICKUP if first.time() < LAST_PICKUP else dt.time(23, 59)
    return day_type, first.strftime("%H:%M"), close.strftime("%H:%M")


def book_param(request: PickupRequest, settings: Kuaidi100Settings) -> dict[str, Any]:
    """The bOrder ``param`` (pure); NotSupported for a carrier Kuaidi100 is not configured for."""
    kuaidicom = settings.kuaidicom(request.carrier_code)
    if not kuaidicom:
        raise NotSupported(f"快递100 不支持该快递公司的上门取件：{request.carrier_code}")
    day_type, start, end = window(request.start, request.end)
    return {
        "kuaidicom": kuaidicom,
        "sendManName": request.sender.name[:20],
        "sendManMobile": request.sender.phone,
        "sendManPrintAddr": print_addr(request.sender),
        "recManName": request.receiver.name[:20],
        "recManMobile": request.receiver.phone,
        "recManPrintAddr": print_addr(request.receiver),
        "cargo": request.goods[:20] or "退货商品",
        "weight": "1",
        "payment": "SHIPPER",
        "serviceType": "标准快递",
        "dayType": day_type,
        "pickupStartTime": start,
        "pickupEndTime": end,
        "remark": f"退货上门取件 {request.order_code}"[:100],
        **(
            {"callBackUrl": request.callback_url, "salt": request.callback_salt}
            if request.callback_url
            else {}
        ),
    }


class Kuaidi100Pickup(Closable):
    """Books reverse pickups at Kuaidi100; a refusal raises ProviderError with Kuaidi100's message."""

    key = "kuaidi100"
    rebook_safe = False  # no client order code: a second call books a second courier

    def __init__(self, settings: Kuaidi100Settings) -> None:
        self.settings = settings

    def book(self, request: PickupRequest) -> PickupBooking:
        param = dumps(book_param(request, self.settings))
        t = str(int(time.time() * 1000))
        s = self.settings
        form = {
            "method": METHOD_BOOK,
            "key": s.key,
            "t": t,
            "param": param,
            "sign": sign(param, t, s.key, s.secret),
        }
        body = _post(s, poll_url(s, BORDER_PATH), form)
        if body.get("result") is not True or str(body.get("returnCode")) != "200":
            raise ProviderError(
                f"快递100 预约取件失败：{body.get('message') or body.get('returnCode')}",
                detail={"returnCode": body.get("returnCode")},
            )
        data = body.get("data") or {}
        return PickupBooking(
            order_code=request.order_code,
            provider_order=str(data.get("orderId") or data.get("taskId") or ""),
            tracking_no=str(data.get("kuaidinum") or ""),
        )
