"""Carrier contracts in the demo data set: the stream contracts get their money clauses (tiers, 保底
minimum, SLA terms with penalties, claim clocks, weekly settlement), three carriers a 保证金 deposit,
a few claims in the states a seller meets (verified and credited, waiting for verification with its
clock running, the seller's own packaging, paid directly by the carrier), a privacy complaint, and the
weekly statement of the week of the last reviewed stream, computed from its parcels."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from fahuo.carriers.models import Carrier, Contract, VolumeTier
from fahuo.contracts import evidence, services, week_data
from fahuo.contracts import settlement as st
from fahuo.contracts.models import (
    Claim,
    ContractAlert,
    ContractTerms,
    DepositEntry,
    DepositKind,
    PrivacyIncident,
    StatementStatus,
    WeeklyStatement,
)
from fahuo.kit.errors import FahuoError

# The article's tiers: < 50 parcels a day the card price, 50–100 ¥0.50 off the first kilo, > 100 ¥0.70.
TIERS = ((50, -50), (100, -70))
# Per carrier: 24 h pickup target, late penalty (% of freight), a stricter or looser clause or two.
TERMS: dict[str, dict[str, Any]] = {
    "ZTO": {"pickup_target_pct": 98, "late_penalty_pct": 20},
    "YTO": {"pickup_target_pct": 98, "late_penalty_pct": 20},
    "YD": {"pickup_target_pct": 97, "late_penalty_pct": 15, "terminate_after_late": 50},
    "SF": {"pickup_hours": 12, "pickup_target_pct": 99, "late_penalty_pct": 30, "privacy_fine_fen": 100000},
    "JD": {"pickup_hours": 12, "pickup_target_pct": 99, "late_penalty_pct": 30},
    "EMS": {"pickup_target_pct": 95, "ship_hours": 72, "late_penalty_pct": 10},
}
DEPOSITS = {"ZTO": 300000, "YTO": 200000, "YD": 500000}  # 保证金 paid in, fen
COMPLAINT_CARRIER = "ZTO"  # the buyer's privacy complaint is about this carrier's courier when it shipped


def seed(*, carriers: Iterable[Carrier], origin_province: str, now: dt.datetime | None = None) -> int:
    """(Re)create the demo carriers' contract clauses, claims, deposit and statements; returns the
    number of statements made."""
    from fahuo.tracking.models import Track

    now = now or timezone.now()
    carriers = [c for c in carriers if c.code in TERMS]
    _wipe(carriers)
    for carrier in carriers:
        contract = Contract.objects.filter(carrier=carrier).order_by("-starts_on", "-pk").first()
        if contract is None:
            continue
        contract.min_daily_parcels = (
            20  # 保底: 20 parcels a day, the shortfall billed at the first-kilo price
        )
        contract.shortfall_price_fen = None
        contract.save(update_fields=["min_daily_parcels", "shortfall_price_fen"])
        VolumeTier.objects.filter(contract=contract).delete()
        VolumeTier.objects.bulk_create(
            [VolumeTier(contract=contract, min_daily_avg=m, first_price_delta_fen=d) for m, d in TIERS]
        )
        ContractTerms.objects.create(
            contract=contract, version=1, effective_from=contract.starts_on, origin_province=origin_province,
            **TERMS[carrier.code],
        )  # fmt: skip
        if carrier.code in DEPOSITS:
            services.record_deposit(
                carrier=carrier, kind=DepositKind.PAID_IN, amount_fen=DEPOSITS[carrier.code],
                on=contract.starts_on, note="签约时缴纳保证金",
            )  # fmt: skip
    by_code = {c.code: c for c in carriers}
    tracks = Track.objects.filter(carrier_code__in=by_code, order__isnull=False, issued_at__isnull=False)
    weeks: set[dt.date] = set()
    for issued in tracks.values_list("issued_at", flat=True).iterator():
        day = timezone.localtime(issued, st.SHANGHAI).date()
        weeks.add(day - dt.timedelta(days=day.weekday()))
    if not weeks:  # a small demo ships no past streams: its labelled parcels get the claims
        _claims(by_code, _labelled(by_code), now)
        return 0
    # The last few finished weeks with parcels (or the running one when none has finished), in order:
    # the running late count carries from one statement to the next.
    today = timezone.localdate(now)
    settle = sorted(w for w in weeks if w + dt.timedelta(days=7) <= today)[-4:] or [max(weeks)]
    _departures(tracks)
    start, end = week_data.bounds(settle[-1])
    _claims(by_code, tracks.filter(issued_at__gte=start, issued_at__lt=end), now, week_end=end)
    codes = sorted(set(tracks.values_list("carrier_code", flat=True).distinct()))
    made = 0
    for week in settle:
        for code in codes:
            try:
                stmt = services.generate_statement(carrier_code=code, week_start=week)
            except FahuoError:
                continue  # e.g. a destination without a rate line: that carrier has no demo statement
            made += 1
            if week != settle[-1]:  # earlier weeks were sent, agreed and paid
                for status in (StatementStatus.SENT, StatementStatus.AGREED, StatementStatus.PAID):
                    services.set_status(statement=stmt, status=status)
            elif code == "ZTO":
                services.set_status(statement=stmt, status=StatementStatus.SENT)
    services.claim_clock_alerts(now=now)
    return made


def _departures(tracks: Any) -> None:
    """The demo's traces jump from pickup to delivery; the 48 h departure clause needs the scan that
    left the origin hub: three hours after pickup (before delivery) where a parcel has none."""
    from fahuo.tracking.models import TrackEvent, TrackStatus

    have = set(
        TrackEvent.objects.filter(track__in=tracks, status__in=week_data.DEPARTED_STATUSES[:1]).values_list(
            "track_id", flat=True
        )
    )
    rows = []
    for pk, number, picked, last in tracks.filter(picked_up_at__isnull=False).values_list(
        "pk", "tracking_no", "picked_up_at", "status_at"
    ):
        at = picked + dt.timedelta(hours=3)
        if pk not in have and (last is None or at < last):
            rows.append(
                TrackEvent(track_id=pk, at=at, status=TrackStatus.IN_TRANSIT, provider="kdniao", provider_code="2",
                           description="快件已离开杭州转运中心，发往下一站", event_key=f"demo-depart-{number}")
            )  # fmt: skip
    TrackEvent.objects.bulk_create(rows, batch_size=2000)


def _wipe(carriers: list[Carrier]) -> None:
    ContractAlert.objects.filter(carrier__in=carriers).delete()
    DepositEntry.objects.filter(carrier__in=carriers).delete()
    WeeklyStatement.objects.filter(carrier__in=carriers).delete()
    Claim.objects.filter(carrier__in=carriers).delete()
    PrivacyIncident.objects.filter(carrier__in=carriers).delete()
    ContractTerms.objects.filter(contract__carrier__in=carriers).delete()


def _labelled(carriers: dict[str, Carrier]) -> list[Any]:
    """Labelled parcels without tracking (a small demo) as stand-ins with a track's attributes."""
    from fahuo.fulfilment.models import Waybill

    waybills = Waybill.objects.filter(carrier__code__in=carriers).select_related("carrier", "parcel__order")
    return [
        SimpleNamespace(carrier_code=w.carrier.code, tracking_no=w.tracking_no, order=w.parcel.order,
                        picked_up_at=None, issued_at=w.issued_at)
        for w in waybills.order_by("pk")[:4]
    ]  # fmt: skip


def _claims(
    carriers: dict[str, Carrier], tracks: Any, now: dt.datetime, week_end: dt.datetime | None = None
) -> None:
    """Four claims in four states, and a buyer's privacy complaint (within ``week_end``'s week, so the
    week's statement carries its fine whatever the hour the demo is built)."""
    from fahuo.tracking.models import TrackStatus

    if isinstance(tracks, list):
        picked = list(tracks)
    else:
        lost = tracks.filter(status=TrackStatus.LOST).select_related("order").order_by("pk").first()
        damaged = list(
            tracks.filter(events__description__contains="破损")
            .select_related("order")
            .order_by("pk")
            .distinct()[:3]
        )
        picked = [t for t in [lost, *damaged] if t is not None]
        if len(picked) < 4:  # few damaged or lost: any parcels stand in
            picked += list(
                tracks.exclude(pk__in=[t.pk for t in picked])
                .select_related("order")
                .order_by("pk")[: 4 - len(picked)]
            )
    states = [("loss", "handling", False, "快递公司确认丢失", 8900),
              ("damage", "", False, "买家反馈：外箱压扁，杯子碎裂", 4590),
              ("damage", "seller_packaging", False, "内件未加气泡膜，判定卖家包装不当", 3290),
              ("damage", "carrier_packaging", True, "快递提供的纸箱破损，网点已直接赔付", 2590)]  # fmt: skip
    for track, (kind, responsibility, paid, note, fallback) in zip(picked, states, strict=False):
        carrier = carriers[track.carrier_code]
        amount = (track.order.total_fen if track.order else 0) or fallback
        reported = min(
            (track.picked_up_at or track.issued_at) + dt.timedelta(hours=30), now - dt.timedelta(hours=2)
        )
        if not responsibility:  # waiting for the carrier's verification: reported 21 h ago, 3 h left
            reported = now - dt.timedelta(hours=21)
        claim = services.open_claim(
            carrier=carrier, tracking_no=track.tracking_no, kind=kind, amount_fen=amount, reported_at=reported,
            source="tracking" if kind == "loss" else "buyer", note=note,
        )  # fmt: skip
        if kind == "damage" and not responsibility:
            evidence.add_files(
                claim=claim, files=[("外箱压扁.jpg", _photo("#d9b48f")), ("内件.jpg", _photo("#e8e8e8"))]
            )
        if responsibility:
            services.verify_claim(
                claim=claim, responsibility=responsibility, at=reported + dt.timedelta(hours=6)
            )
        if paid:
            services.pay_claim(claim=claim, at=reported + dt.timedelta(hours=30))
    if picked:
        main = (
            tracks.filter(carrier_code=COMPLAINT_CARRIER).order_by("-pk").first()
            if not isinstance(tracks, list)
            else None
        )
        complaint = main or picked[-1]
        services.record_privacy_incident(
            carrier=carriers[complaint.carrier_code], tracking_no=complaint.tracking_no,
            occurred_at=_before(
                (complaint.picked_up_at or complaint.issued_at) + dt.timedelta(hours=20), week_end
            ),
            note="买家投诉：派件员在小区群里发了完整收件信息",
        )  # fmt: skip


def _before(at: dt.datetime, end: dt.datetime | None) -> dt.datetime:
    return at if end is None or at < end else end - dt.timedelta(minutes=30)


def _photo(color: str) -> bytes:
    """A plain picture standing in for the buyer's photo (a box outline on a coloured ground)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 360), color)
    draw = ImageDraw.Draw(image)
    draw.polygon([(90, 120), (380, 90), (400, 280), (110, 300)], outline="#5b4636", width=6)
    draw.line([(90, 120), (250, 200), (400, 280)], fill="#5b4636", width=4)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()
