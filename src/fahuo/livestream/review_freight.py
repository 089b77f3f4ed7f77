"""What a stream's parcels cost (each on its carrier's rate card of the stream's day) and what its
stored plan (or, without one, its peak notices) said, per carrier: the cost side of the review."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from fahuo.fulfilment.models import ParcelStatus, Waybill
from fahuo.livestream.models import LiveSession, PeakNotice
from fahuo.orders.models import Order, OrderLine, OrderStatus


def live_waybills(orders: QuerySet[Order]) -> QuerySet[Waybill]:
    """The waybills of the orders' parcels, leaving out cancelled parcels and cancelled orders."""
    return (
        Waybill.objects.filter(parcel__order__in=orders)
        .exclude(parcel__status=ParcelStatus.CANCELLED)
        .exclude(parcel__order__status=OrderStatus.CANCELLED)
    )


def _decisions(orders: QuerySet[Order]) -> dict[int, tuple[int | None, int]]:
    """Each order's latest allocation decision: (carrier id, freight fen)."""
    from fahuo.routing.models import AllocationDecision

    latest: dict[int, tuple[int | None, int]] = {}
    for row in (
        AllocationDecision.objects.filter(order__in=orders.exclude(status=OrderStatus.CANCELLED))
        .values("order_id", "carrier_id", "freight_fen")
        .order_by("order_id", "-pk")
    ):
        latest.setdefault(row["order_id"], (row["carrier_id"], row["freight_fen"] or 0))
    return latest


def _declared(order_ids: set[int]) -> dict[int, int]:
    """Declared value (fen) of the orders that carry a valuable SKU (insured shipments)."""
    value: dict[int, int] = defaultdict(int)
    valuable: set[int] = set()
    for oid, traits, fen, qty in OrderLine.objects.filter(
        order_id__in=order_ids, sku__isnull=False
    ).values_list("order_id", "sku__traits", "sku__declared_value_fen", "quantity"):
        value[oid] += (fen or 0) * qty
        if "valuable" in (traits or []):
            valuable.add(oid)
    return {oid: value[oid] for oid in valuable}


def actual_freight(session: LiveSession, orders: QuerySet[Order]) -> tuple[dict[int, int], dict[str, int]]:
    """Freight (fen) per carrier id of the session's labelled parcels, and how many were priced how.

    Each parcel on its carrier's rate card in force on the stream's day (as the plan is priced): the
    chargeable weight (packed or volumetric, else the parcel's weight) from its warehouse's province
    to the order's, with the volume-tier delta, the remote surcharge and, for an order with a
    valuable SKU, the insurance premium. A parcel that cannot be priced that way (no weight, no
    lane) takes its order's allocation decision when that chose the same carrier; else unpriced.
    """
    from fahuo.livestream.optimise import lane_fen, tariffs_for

    rows = list(
        live_waybills(orders).values_list(
            "carrier_id",
            "parcel__order_id",
            "parcel__weight_g",
            "parcel__packed_weight_g",
            "parcel__volumetric_weight_g",
            "parcel__warehouse__province",
            "parcel__order__warehouse__province",
            "parcel__order__province",
        )
    )
    counts = {"rate_card": 0, "allocation": 0, "unpriced": 0}
    if not rows:
        return {}, counts
    on = timezone.localdate(session.starts_at)
    carrier_ids = sorted({r[0] for r in rows})
    origins = {r[5] or r[6] for r in rows if r[5] or r[6]}
    tariffs = {
        origin: tariffs_for(carrier_ids=carrier_ids, origin_province=origin, on=on, before=session.starts_at)
        for origin in origins
    }
    declared = _declared({r[1] for r in rows})
    decisions: dict[int, tuple[int | None, int]] | None = None
    out: dict[int, int] = defaultdict(int)
    for cid, oid, weight, packed, volumetric, wh_prov, order_wh_prov, dest in rows:
        chargeable = max(packed or 0, volumetric or 0) if packed or volumetric else weight
        tariff = tariffs.get(wh_prov or order_wh_prov or "", {}).get(cid)
        fen = -1
        if chargeable and tariff is not None and dest:
            insured = tariff.insured and oid in declared
            fen = lane_fen(chargeable, dest, tariff, declared_value_fen=declared[oid] if insured else None)
        if fen >= 0:
            counts["rate_card"] += 1
        else:
            if decisions is None:
                decisions = _decisions(orders)
            chosen = decisions.get(oid)
            if chosen is None or chosen[0] != cid:
                counts["unpriced"] += 1
                continue
            fen = chosen[1]
            counts["allocation"] += 1
        out[cid] += fen
    return dict(out), counts


def planned(session: LiveSession) -> dict[int, dict[str, Any]]:
    """Per carrier id, what the stored plan said (parcels, freight, …); the notices' expected parcels
    when no plan was stored."""
    stored = {int(c["carrier_id"]): dict(c) for c in (session.plan or {}).get("carriers", [])}
    if stored:
        return stored
    return {
        n["carrier_id"]: {"carrier_id": n["carrier_id"], "code": n["carrier__code"], "name": n["carrier__name"],
                          "parcels": n["expected_parcels"], "freight_fen": None}
        for n in PeakNotice.objects.filter(session=session).values(
            "carrier_id", "carrier__code", "carrier__name", "expected_parcels"
        )
    }  # fmt: skip
