"""Request and response shapes of the orders API. Recipients always leave the API masked."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Field, Schema
from pydantic import field_validator, model_validator

from fahuo.kit import money
from fahuo.kit.privacy import scrub
from fahuo.orders.formats import SHANGHAI
from fahuo.orders.models import Order, OrderLine

MAX_BATCH = 1000
MAX_LINES = 200

Text64 = Annotated[str, Field(min_length=1, max_length=64)]


class RecipientIn(Schema):
    name: str = Field("", max_length=40)
    phone: str = Field("", max_length=30)
    province: str = Field("", max_length=20)
    city: str = Field("", max_length=30)
    district: str = Field("", max_length=30)
    address: str = Field(
        ..., min_length=1, max_length=300, description="Street detail, or the whole pasted address"
    )


class LineIn(Schema):
    line_id: Text64
    sku_code: str = Field("", max_length=64)
    title: str = Field(..., min_length=1, max_length=200)
    spec: str = Field("", max_length=200)
    quantity: int = Field(..., ge=1, le=1_000_000)
    unit_price: Decimal = Field(
        ..., ge=0, max_digits=12, decimal_places=2, description='Yuan, as a string: "59.90"'
    )


class OrderIn(Schema):
    platform_order_id: Text64
    recipient: RecipientIn
    lines: list[LineIn] = Field(..., min_length=1, max_length=MAX_LINES)
    paid_at: dt.datetime | None = Field(None, description="Without a zone it is Beijing time")
    buyer_note: str = Field("", max_length=500)
    channel: Literal["live", "private", "shelf"] | None = None
    promise_hours: int | None = Field(None, ge=1, le=24 * 60)
    door_delivery: bool = False

    @field_validator("paid_at")
    @classmethod
    def _beijing_by_default(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and timezone.is_naive(value):
            return value.replace(tzinfo=SHANGHAI)
        return value

    @model_validator(mode="after")
    def _unique_lines(self) -> OrderIn:
        ids = [line.line_id for line in self.lines]
        if len(set(ids)) != len(ids):
            raise ValueError(f"订单 {self.platform_order_id} 中有重复的 line_id")
        return self


class OrdersIn(Schema):
    shop: str = Field(..., min_length=1, max_length=32, description="Shop code")
    orders: list[OrderIn] = Field(..., description=f"1 to {MAX_BATCH} orders")

    @field_validator("orders", mode="before")
    @classmethod
    def _batch_size(cls, value: Any) -> Any:
        # Checked before the items are validated, so an oversized batch is refused cheaply.
        if isinstance(value, list) and not 1 <= len(value) <= MAX_BATCH:
            raise ValueError(f"一次提交 1 到 {MAX_BATCH} 个订单，本次为 {len(value)} 个；请分批提交")
        return value

    @model_validator(mode="after")
    def _unique_orders(self) -> OrdersIn:
        counts = Counter(o.platform_order_id for o in self.orders)
        repeated = sorted(order_id for order_id, n in counts.items() if n > 1)
        if repeated:
            raise ValueError(f"同一批次中有重复的 platform_order_id：{'、'.join(repeated[:10])}")
        return self


class ReasonOut(Schema):
    code: str
    message: str


class OrderResultOut(Schema):
    id: int
    platform_order_id: str
    status: Literal["created", "duplicate"]
    order_status: str
    needs_review: list[ReasonOut]


class OrdersCreatedOut(Schema):
    created: int
    duplicates: int
    needs_review: int
    orders: list[OrderResultOut]


class RecipientOut(Schema):
    """Masked: 张* 138****5678; the full data is revealed only in the desk, with an audit entry."""

    name: str
    phone: str
    province: str
    city: str
    district: str
    detail: str


class LineOut(Schema):
    line_id: str
    sku_code: str
    title: str
    spec: str
    quantity: int
    unit_price: str
    after_sale: str

    @staticmethod
    def resolve_line_id(obj: OrderLine) -> str:
        return obj.platform_line_id

    @staticmethod
    def resolve_unit_price(obj: OrderLine) -> str:
        return fen_to_yuan(obj.unit_price_fen)


class OrderOut(Schema):
    id: int
    shop: str
    platform_order_id: str
    status: str
    review_reasons: list[ReasonOut]
    source: str
    channel: str
    recipient: RecipientOut
    total: str
    freight: str
    buyer_note: str
    paid_at: dt.datetime | None
    ship_by: dt.datetime | None
    promise_hours: int | None
    door_delivery: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_shop(obj: Order) -> str:
        return obj.shop.code

    @staticmethod
    def resolve_recipient(obj: Order) -> dict[str, str]:
        return {
            "name": obj.masked_name,
            "phone": obj.masked_phone,
            "province": obj.province,
            "city": obj.city,
            "district": obj.district,
            "detail": obj.masked_detail,
        }

    @staticmethod
    def resolve_total(obj: Order) -> str:
        return fen_to_yuan(obj.total_fen)

    @staticmethod
    def resolve_freight(obj: Order) -> str:
        return fen_to_yuan(obj.freight_paid_fen)

    @staticmethod
    def resolve_buyer_note(obj: Order) -> str:
        return scrub(obj.buyer_note)  # buyers do write phone numbers into notes

    @staticmethod
    def resolve_paid_at(obj: Order) -> dt.datetime | None:
        return timezone.localtime(obj.paid_at) if obj.paid_at else None

    @staticmethod
    def resolve_ship_by(obj: Order) -> dt.datetime | None:
        return timezone.localtime(obj.ship_by) if obj.ship_by else None

    @staticmethod
    def resolve_created_at(obj: Order) -> dt.datetime:
        return timezone.localtime(obj.created_at)


class OrderDetailOut(OrderOut):
    seller_note: str
    influencer: str
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: Order) -> list[OrderLine]:
        return list(obj.lines.all())


class OrderListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[OrderOut]


class OrderFilters(Schema):
    status: str | None = Field(None, description="needs_review, ready, printed, shipped, cancelled")
    shop: str | None = Field(None, description="Shop code")
    reason: str | None = Field(None, description="Review reason code: phone, address, name, after_sale")
    paid_from: dt.date | None = Field(None, description="First paid date (Beijing time), inclusive")
    paid_to: dt.date | None = Field(None, description="Last paid date (Beijing time), inclusive")
    q: str | None = Field(None, max_length=64, description="Order id, SKU code, product title or phone")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


def fen_to_yuan(fen: int) -> str:
    return str(money.fen_to_yuan(fen))
