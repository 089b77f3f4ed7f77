"""Carriers API: carriers with their service flags, the rate card in force on a day, price quotes.

Money leaves the API twice: integer fen (``*_fen``) and yuan strings with two decimals.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from fahuo.accounts.services import require
from fahuo.carriers import selectors, services
from fahuo.carriers.models import SERVICE_FIELDS, Carrier, RateLine

router = Router()
READ_PERMISSION = "orders.view_order"


def yuan(fen: int) -> str:
    """Integer fen as a yuan string with two decimals: 480 -> "4.80", -30 -> "-0.30"."""
    return f"{Decimal(fen) / 100:.2f}"


# --- schemas -------------------------------------------------------------------------------------


class TierOut(Schema):
    min_daily_avg: int
    first_price_delta_fen: int
    first_price_delta: str


class ContractOut(Schema):
    name: str
    starts_on: dt.date
    ends_on: dt.date | None
    min_daily_parcels: int
    shortfall_price_fen: int | None
    notice_days: int
    peak_capacity_per_stream: int | None
    pickup_capacity_per_hour: int | None
    pickup_window: str
    tiers: list[TierOut]


class CarrierOut(Schema):
    code: str
    name: str
    service_name: str
    active: bool
    cold_chain: bool
    insured: bool
    door_delivery: bool
    privacy_waybill: bool
    volumetric_divisor: int
    max_weight_g: int
    insurance_rate_permille: int
    insurance_min_fen: int
    lanes: int
    origins: list[str]
    contract: ContractOut | None


class RateLineOut(Schema):
    origin_province: str
    dest_province: str
    first_weight_g: int
    first_price_fen: int
    first_price: str
    step_weight_g: int
    step_price_fen: int
    step_price: str
    transit_hours: int
    remote_surcharge_fen: int
    remote_surcharge: str
    effective_from: dt.date
    announced_on: dt.date | None


class RatesOut(Schema):
    carrier: str
    on: dt.date
    count: int
    lines: list[RateLineOut]
    scheduled: list[RateLineOut] = Field(..., description="Dated changes after `on`")


class RatesQuery(Schema):
    on: dt.date | None = Field(None, description="Beijing date, YYYY-MM-DD (default: today)")


class QuoteIn(Schema):
    carrier: str = Field(..., min_length=1, max_length=16)
    origin_province: str = Field(..., min_length=1, max_length=20)
    dest_province: str = Field(..., min_length=1, max_length=20)
    weight_g: int = Field(..., ge=0, le=10_000_000)
    length_mm: int = Field(0, ge=0, le=100_000)
    width_mm: int = Field(0, ge=0, le=100_000)
    height_mm: int = Field(0, ge=0, le=100_000)
    declared_value: Decimal = Field(
        Decimal(0), ge=0, max_digits=12, decimal_places=2, description='Yuan, as a string: "299.00"'
    )
    insured: bool = False
    cold_chain: bool = False
    door_delivery: bool = False
    privacy_waybill: bool = False
    on: dt.date | None = Field(None, description="Beijing date (default: today)")
    daily_avg: float | None = Field(None, ge=0, description="Daily parcels, for the contract's volume tier")


class QuoteLineOut(Schema):
    code: str
    amount_fen: int
    amount: str
    count: int
    weight_g: int
    unit_fen: int


class QuoteOut(Schema):
    served: bool
    reason: str
    message: str
    carrier: str
    origin_province: str
    dest_province: str
    on: dt.date
    weight_g: int
    volumetric_g: int
    billable_g: int
    transit_hours: int | None
    effective_from: dt.date | None
    freight_fen: int
    freight: str
    tier_delta_fen: int
    tier_delta: str
    remote_surcharge_fen: int
    remote_surcharge: str
    insurance_fen: int
    insurance: str
    total_fen: int
    total: str
    breakdown: list[QuoteLineOut]


# --- mapping -------------------------------------------------------------------------------------


def _line_out(line: RateLine) -> dict[str, Any]:
    return {
        "origin_province": line.origin_province,
        "dest_province": line.dest_province,
        "first_weight_g": line.first_weight_g,
        "first_price_fen": line.first_price_fen,
        "first_price": yuan(line.first_price_fen),
        "step_weight_g": line.step_weight_g,
        "step_price_fen": line.step_price_fen,
        "step_price": yuan(line.step_price_fen),
        "transit_hours": line.transit_hours,
        "remote_surcharge_fen": line.remote_surcharge_fen,
        "remote_surcharge": yuan(line.remote_surcharge_fen),
        "effective_from": line.effective_from,
        "announced_on": line.announced_on,
    }


def quote_out(q: services.Quote) -> dict[str, Any]:
    return {
        "served": q.served,
        "reason": q.reason,
        "message": q.message,
        "carrier": q.carrier_code,
        "origin_province": q.origin_province,
        "dest_province": q.dest_province,
        "on": q.on,
        "weight_g": q.weight_g,
        "volumetric_g": q.volumetric_g,
        "billable_g": q.billable_g,
        "transit_hours": q.transit_hours,
        "effective_from": q.effective_from,
        "freight_fen": q.freight_fen,
        "freight": yuan(q.freight_fen),
        "tier_delta_fen": q.tier_delta_fen,
        "tier_delta": yuan(q.tier_delta_fen),
        "remote_surcharge_fen": q.remote_surcharge_fen,
        "remote_surcharge": yuan(q.remote_surcharge_fen),
        "insurance_fen": q.insurance_fen,
        "insurance": yuan(q.insurance_fen),
        "total_fen": q.total_fen,
        "total": yuan(q.total_fen),
        "breakdown": [
            {
                "code": line.code,
                "amount_fen": line.amount_fen,
                "amount": yuan(line.amount_fen),
                "count": line.count,
                "weight_g": line.weight_g,
                "unit_fen": line.unit_fen,
            }
            for line in q.breakdown
        ],
    }


# --- endpoints -----------------------------------------------------------------------------------


@router.get("", response=list[CarrierOut], summary="List carriers with service flags and contract")
def list_carriers(request: HttpRequest) -> list[dict[str, Any]]:
    """Every carrier, the lanes in force today, and the contract in force today (tiers, 保底, notice)."""
    require(request, READ_PERMISSION)
    out = []
    for row in selectors.carrier_overview(on=timezone.localdate()):
        c: Carrier = row.carrier
        contract = row.contract
        out.append(
            {
                **{
                    name: getattr(c, name)
                    for name in (
                        "code",
                        "name",
                        "service_name",
                        "active",
                        *SERVICE_FIELDS,
                        "insurance_min_fen",
                    )
                },
                "lanes": row.lanes,
                "origins": row.origins,
                "contract": None
                if contract is None
                else {
                    "name": contract.name,
                    "starts_on": contract.starts_on,
                    "ends_on": contract.ends_on,
                    "min_daily_parcels": contract.min_daily_parcels,
                    "shortfall_price_fen": contract.shortfall_price_fen,
                    "notice_days": contract.notice_days,
                    "peak_capacity_per_stream": contract.peak_capacity_per_stream,
                    "pickup_capacity_per_hour": contract.pickup_capacity_per_hour,
                    "pickup_window": contract.pickup_window,
                    "tiers": [
                        {
                            "min_daily_avg": t.min_daily_avg,
                            "first_price_delta_fen": t.first_price_delta_fen,
                            "first_price_delta": yuan(t.first_price_delta_fen),
                        }
                        for t in row.tiers
                    ],
                },
            }
        )
    return out


@router.get("/{code}/rates", response=RatesOut, summary="The carrier's rate card in force on a day")
def rates(request: HttpRequest, code: str, query: Query[RatesQuery]) -> dict[str, Any]:
    """Every lane in force on ``on`` (by origin, then destination), and the dated changes after it."""
    require(request, READ_PERMISSION)
    carrier = selectors.carrier_by_code(code=code)
    on = query.on or timezone.localdate()
    lines = selectors.rate_lines_on(carrier=carrier, on=on)
    scheduled = RateLine.objects.filter(carrier=carrier, effective_from__gt=on).order_by(
        "effective_from", "origin_province", "dest_province"
    )
    return {
        "carrier": carrier.code,
        "on": on,
        "count": len(lines),
        "lines": [_line_out(line) for line in lines],
        "scheduled": [_line_out(line) for line in scheduled],
    }


@router.post("/quote", response=QuoteOut, summary="Price one parcel")
def quote(request: HttpRequest, payload: QuoteIn) -> dict[str, Any]:
    """A lane or service the carrier cannot give answers 200 with ``served: false`` and a ``reason``
    (inactive, no_lane, cold_chain, insurance, door_delivery, privacy_waybill, weight); bad input is 4xx."""
    require(request, READ_PERMISSION)
    carrier = selectors.carrier_by_code(code=payload.carrier)
    declared_fen = int((payload.declared_value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    result = services.quote(
        carrier=carrier,
        origin_province=payload.origin_province,
        dest_province=payload.dest_province,
        weight_g=payload.weight_g,
        length_mm=payload.length_mm,
        width_mm=payload.width_mm,
        height_mm=payload.height_mm,
        declared_value_fen=declared_fen,
        insured=payload.insured,
        cold_chain=payload.cold_chain,
        door_delivery=payload.door_delivery,
        privacy_waybill=payload.privacy_waybill,
        on=payload.on or timezone.localdate(),
        daily_avg=payload.daily_avg,
    )
    return quote_out(result)
