"""Kdniao reverse pickup (预约取件 / 上门取件): RequestType 1001 on ``/api/OOrderService`` books a
courier to collect a parcel from the Sender (here: the buyer returning goods) within StartDate–EndDate;
1004 cancels it. RequestData: OrderCode (ours, unique), ShipperCode, PayType (1 现付, 2 到付, 3 月结),
ExpType, Sender/Receiver (Name, Mobile|Tel, ProvinceName, CityName, ExpAreaName, Address), StartDate,
EndDate ("yyyy-MM-dd HH:mm:ss", Beijing time), Quantity, Commodity [{GoodsName}], Remark. The answer:
Success, ResultCode ("100" ok, "106" the OrderCode was booked already), Reason, Order {OrderCode,
KDNOrderCode, LogisticCode}.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fahuo.integrations.base import Party
from fahuo.integrations.http import ClientAdapter
from fahuo.integrations.kdniao import mapper
from fahuo.integrations.kdniao.client import KdniaoClient
from fahuo.integrations.kdniao.settings import KdniaoSettings
from fahuo.kit.errors import ProviderError

REQUEST_BOOK = "1001"
REQUEST_CANCEL = "1004"
OORDER_PATH = "/api/OOrderService"
SHANGHAI = ZoneInfo("Asia/Shanghai")
PAY_ON_ARRIVAL, PAY_MONTHLY = 2, 3


@dataclass(frozen=True, slots=True)
class PickupRequest:
    order_code: str
    carrier_code: str
    sender: Party  # where the courier collects (the buyer)
    receiver: Party  # where the parcel goes (the shop's return address)
    start: dt.datetime
    end: dt.datetime
    goods: str = "退货商品"
    seller_pays: bool = True
    # Where a provider that reports the booking's progress later calls back (Kuaidi100), and the
    # salt it signs those calls with; empty: no callback.
    callback_url: str = ""
    callback_salt: str = ""


@dataclass(frozen=True, slots=True)
class PickupBooking:
    order_code: str
    provider_order: str
    tracking_no: str


def oorder_url(settings: KdniaoSettings) -> str:
    parts = urlsplit(settings.base_url)
    root = f"{parts.scheme}://{parts.netloc}" if parts.path.strip("/") else settings.base_url.rstrip("/")
    return root + OORDER_PATH


def book_request_data(request: PickupRequest, settings: KdniaoSettings) -> dict[str, Any]:
    """The 1001 RequestData (pure); MappingError for an unusable address."""
    shipper = settings.shipper_code(request.carrier_code)
    if not shipper:
        raise mapper.MappingError(f"快递鸟不支持该快递公司的上门取件: {request.carrier_code}")

    def when(value: dt.datetime) -> str:
        return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")

    return {
        "OrderCode": request.order_code,
        "ShipperCode": shipper,
        "PayType": PAY_MONTHLY if request.seller_pays else PAY_ON_ARRIVAL,
        "ExpType": "1",
        "Sender": mapper.party_fields(request.sender, role="寄件"),
        "Receiver": mapper.party_fields(request.receiver, role="收件"),
        "StartDate": when(request.start),
        "EndDate": when(request.end),
        "Quantity": 1,
        "Commodity": [{"GoodsName": mapper.clean_text(request.goods, 50)}],
        "Remark": "退货上门取件",
    }


class KdniaoPickup(ClientAdapter[KdniaoClient]):
    """Books (and cancels) reverse pickups at Kdniao; a refusal raises ProviderError with its Reason."""

    key = "kdniao"

    def __init__(self, settings: KdniaoSettings, *, client: KdniaoClient | None = None) -> None:
        self.settings = settings
        self.client = client or KdniaoClient(settings)

    def book(self, request: PickupRequest) -> PickupBooking:
        try:
            data = book_request_data(request, self.settings)
        except mapper.MappingError as exc:
            raise ProviderError(exc.message, detail={"retryable": False}) from None
        body = self.client.call(REQUEST_BOOK, data, url=oorder_url(self.settings))
        if not mapper.is_success(body) and mapper.result_code(body) != "106":
            raise ProviderError(
                f"快递鸟预约取件失败：{mapper.reason_text(body) or mapper.result_code(body)}",
                detail={"ResultCode": mapper.result_code(body)},
            )
        order = body.get("Order") or {}
        return PickupBooking(
            order_code=str(order.get("OrderCode") or request.order_code),
            provider_order=str(order.get("KDNOrderCode") or ""),
            tracking_no=str(order.get("LogisticCode") or ""),
        )
