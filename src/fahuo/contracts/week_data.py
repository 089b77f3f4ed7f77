"""The database path of the weekly statement's inputs: one carrier's week (parcels, incidents, claims
not yet credited, the carrier's bill, the contract's terms) gathered as the plain data
:func:`fahuo.contracts.settlement.settle` takes — the same function ``fahuo settle --scenario`` uses —
and the week's door-delivery rate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Min, Sum
from django.utils import timezone

from fahuo.carriers.models import Carrier, Contract, RateLine
from fahuo.contracts import services
from fahuo.contracts import settlement as st
from fahuo.contracts.models import Claim, DepositEntry, DepositKind, PrivacyIncident, WeeklyStatement
from fahuo.orders.models import Order

DEFAULT_PEAK_CAPACITY = 500
DEPARTED_STATUSES = ("in_transit", "out_for_delivery", "in_locker", "delivered")


def bounds(week_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The week's Monday 00:00 to the next Monday 00:00, Beijing time."""
    start = dt.datetime.combine(week_start, dt.time.min, tzinfo=st.SHANGHAI)
    return start, start + dt.timedelta(days=7)


def _session_of_orders(order_ids: set[int], start: dt.datetime, end: dt.datetime) -> dict[int, str]:
    """Which live session each order belongs to (paid in the stream's window: start .. end + tail)."""
    # livestream is a sibling domain (import-linter layers): read its rows through the app registry.
    try:
        live_session = apps.get_model("livestream", "LiveSession")
    except LookupError:
        return {}
    out: dict[int, str] = {}
    sessions = live_session.objects.filter(starts_at__lt=end, starts_at__gte=start - dt.timedelta(days=3))
    for s in sessions.order_by("starts_at", "pk"):
        window_end = s.ends_at + dt.timedelta(hours=s.tail_hours)
        orders = Order.objects.filter(
            pk__in=order_ids, shop_id=s.shop_id, paid_at__gte=s.starts_at, paid_at__lt=window_end
        )
        for oid in orders.values_list("pk", flat=True):
            out.setdefault(oid, f"LIVE{s.pk}")
    return out


def lanes(carrier: Carrier, origin: str, on: dt.date) -> dict[str, st.Lane]:
    lines = RateLine.objects.filter(carrier=carrier, effective_from__lte=on)
    if origin:
        lines = lines.filter(origin_province=origin)
    lanes: dict[str, st.Lane] = {}
    for line in lines.order_by("effective_from", "pk"):
        lanes[line.dest_province] = st.Lane(
            line.first_weight_g,
            line.first_price_fen,
            line.step_weight_g,
            line.step_price_fen,
            line.remote_surcharge_fen,
        )
    return lanes


def deposit_balance(*, carrier: Carrier, exclude: WeeklyStatement | None = None) -> int:
    rows = DepositEntry.objects.filter(carrier=carrier)
    if exclude is not None and exclude.pk:
        rows = rows.exclude(statement=exclude)
    sums = dict(rows.values_list("kind").annotate(total=Sum("amount_fen")).values_list("kind", "total"))
    return (
        int(sums.get(DepositKind.PAID_IN, 0))
        - int(sums.get(DepositKind.DRAWN, 0))
        - int(sums.get(DepositKind.REFUNDED, 0))
    )


def _shipments(carrier: Carrier, start: dt.datetime, end: dt.datetime) -> list[st.Shipment]:
    """The carrier's parcels labelled in the week, with their pickup and first departure."""
    from fahuo.tracking.models import Track, TrackEvent

    tracks = list(
        Track.objects.filter(carrier_code=carrier.code, issued_at__gte=start, issued_at__lt=end)
        .values_list(
            "pk", "tracking_no", "order_id", "dest_province", "issued_at", "picked_up_at",
            "waybill__parcel__weight_g", "waybill__parcel__packed_weight_g", "waybill__parcel__volumetric_weight_g",
        )
        .order_by("issued_at", "pk")
    )  # fmt: skip
    departed = dict(
        TrackEvent.objects.filter(track_id__in=[t[0] for t in tracks], status__in=DEPARTED_STATUSES)
        .values("track_id")
        .annotate(first=Min("at"))
        .values_list("track_id", "first")
    )
    sessions = _session_of_orders({t[2] for t in tracks if t[2]}, start, end)
    divisor = carrier.volumetric_divisor
    return [
        st.Shipment(
            tracking_no=no, dest_province=dest, weight_g=packed or weight or 0,
            length_mm=vol or 0, width_mm=divisor, height_mm=1,  # volume / divisor = the carton's volumetric grams
            ready_at=issued or start, picked_up_at=picked, departed_at=departed.get(pk),
            session_id=sessions.get(order_id, "") if order_id else "", order_id=str(order_id or ""),
        )
        for pk, no, order_id, dest, issued, picked, weight, packed, vol in tracks
    ]  # fmt: skip


def _claims_not_credited(carrier: Carrier, week_start: dt.date, end: dt.datetime) -> list[st.Claim]:
    """Claims reported before the week's end that no earlier statement credited."""
    credited_before: set[str] = set()
    for data in WeeklyStatement.objects.filter(carrier=carrier, week_start__lt=week_start).values_list(
        "data", flat=True
    ):
        credited_before.update(data.get("claims_credited", []))
    return [
        st.Claim(
            c.claim_id, c.tracking_no, c.kind, c.reported_at, c.verified_at, c.paid_at, c.amount_fen,
            c.responsibility,
        )
        for c in Claim.objects.filter(carrier=carrier, reported_at__lt=end).order_by("reported_at", "pk")
        if c.claim_id not in credited_before
    ]  # fmt: skip


def _bill(carrier: Carrier, week_start: dt.date) -> list[st.BillLine] | None:
    from fahuo.contracts.models import CarrierBill

    row = CarrierBill.objects.filter(carrier=carrier, week_start=week_start).order_by("-created_at").first()
    return [st.BillLine(str(a), int(b), int(c)) for a, b, c in row.lines] if row else None


def _tiers_and_shortfall(
    contract: Contract | None, lanes: dict[str, st.Lane], parcels: int
) -> tuple[tuple[st.Tier, ...], int]:
    tiers = tuple(
        st.Tier(Decimal(t.min_daily_avg), t.first_price_delta_fen)
        for t in (contract.tiers.all() if contract else [])
    )
    shortfall = contract.shortfall_price_fen if contract else None
    if shortfall is None:  # blank: the cheapest first-weight price in force (after the tier)
        tier = st.tier_for(tiers, parcels)
        cheapest = min((lane.first_price_fen for lane in lanes.values()), default=0)
        shortfall = max(cheapest + (tier.first_price_delta_fen if tier else 0), 0)
    return tiers, shortfall


def week_from_db(*, carrier: Carrier, week_start: dt.date, as_of: dt.datetime | None = None) -> st.Week:
    """Gather one carrier's week (parcels, incidents, claims, bill) as the settlement's plain data."""
    start, end = bounds(week_start)
    # Monday 08:00, when the periodic task runs; a week still running is judged as of now.
    as_of = as_of or min(end + dt.timedelta(hours=8), timezone.now())
    contract, terms = services.terms_for_carrier(carrier=carrier, on=week_start)
    shipments = _shipments(carrier, start, end)
    lane_map = lanes(carrier, terms.origin_province, week_start)
    tiers, shortfall = _tiers_and_shortfall(contract, lane_map, len(shipments))
    previous = (
        WeeklyStatement.objects.filter(carrier=carrier, week_start__lt=week_start, contract=contract)
        .order_by("-week_start")
        .values_list("data", flat=True)
        .first()
    )
    this = WeeklyStatement.objects.filter(carrier=carrier, week_start=week_start).first()
    incidents = [
        st.Incident(i.tracking_no, "privacy_leak", i.occurred_at, i.carrier_fault)
        for i in PrivacyIncident.objects.filter(carrier=carrier, occurred_at__gte=start, occurred_at__lt=end)
    ]
    t = st.Terms(
        carrier=carrier.code, week_start=week_start, as_of=as_of, volumetric_divisor=carrier.volumetric_divisor,
        tiers=tiers, min_daily_parcels=contract.min_daily_parcels if contract else 0, shortfall_price_fen=shortfall,
        peak_capacity_per_stream=(contract.peak_capacity_per_stream if contract else None) or DEFAULT_PEAK_CAPACITY,
        pickup_hours=terms.pickup_hours, pickup_target_pct=Decimal(terms.pickup_target_pct),
        ship_hours=terms.ship_hours, ship_target_pct=Decimal(terms.ship_target_pct),
        late_penalty_pct=Decimal(terms.late_penalty_pct),
        late_before_week=int(previous.get("cumulative_late", 0)) if previous else 0,
        terminate_after_late=terms.terminate_after_late, privacy_fine_fen=terms.privacy_fine_fen,
        verify_hours=terms.verify_hours, pay_hours=terms.pay_hours,
        deposit_fen=max(deposit_balance(carrier=carrier, exclude=this), 0),
        ends_on=contract.ends_on if contract else None, weight_tolerance_g=terms.weight_tolerance_g,
        origin_province=terms.origin_province,
    )  # fmt: skip
    return st.Week(
        terms=t, lanes=lane_map, shipments=shipments, incidents=incidents,
        claims=_claims_not_credited(carrier, week_start, end), bill=_bill(carrier, week_start),
    )  # fmt: skip


def carriers_to_settle(*, week_start: dt.date) -> list[str]:
    """Carrier codes with a contract in force during the week or parcels handed over in it."""
    from fahuo.tracking.models import Track

    start, end = bounds(week_start)
    week_end = week_start + dt.timedelta(days=6)
    contracted = Contract.objects.filter(starts_on__lte=week_end).exclude(ends_on__lt=week_start)
    codes = set(contracted.values_list("carrier__code", flat=True))
    codes |= set(
        Track.objects.filter(
            issued_at__gte=start, issued_at__lt=end, carrier_code__in=Carrier.objects.values("code")
        )
        .values_list("carrier_code", flat=True)
        .distinct()
    )
    return sorted(codes)


def door_delivery(*, carrier: Carrier, week_start: dt.date) -> dict[str, Any]:
    """送货上门率 of the week's delivered parcels: not signed by a proxy and never put in a locker/驿站."""
    from fahuo.tracking.models import Track

    start, end = bounds(week_start)
    delivered = Track.objects.filter(
        carrier_code=carrier.code, issued_at__gte=start, issued_at__lt=end, status="delivered"
    )
    total = delivered.count()
    at_door = delivered.filter(signed_by_proxy=False).exclude(events__status="in_locker").distinct().count()
    _, terms = services.terms_for_carrier(carrier=carrier, on=week_start)
    rate = round(at_door / total, 4) if total else None
    return {
        "delivered": total,
        "at_door": at_door,
        "rate": rate,
        "target_pct": float(terms.door_delivery_pct),
    }
