"""The desk's weekly statement (database path) equals the offline pure calculation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from fahuo.contracts import services
from fahuo.contracts import settlement as st
from fahuo.contracts.models import Claim, DepositEntry, PrivacyIncident
from fahuo.contracts.tests.factories import RATES, contracted_carrier, parcel, session

WEEK = dt.date(2026, 11, 9)
START = dt.datetime(2026, 11, 9, tzinfo=st.SHANGHAI)
AS_OF = START + dt.timedelta(days=7, hours=8)
RESP = ("handling", "carrier_packaging", "seller_packaging", "undetermined")

minutes = hs.integers(min_value=0, max_value=4000)
parcels_st = hs.lists(
    hs.fixed_dictionaries(
        {
            "day": hs.integers(0, 6),
            "minute": hs.integers(0, 24 * 60 - 1),
            "pick": hs.none() | minutes,
            "depart": hs.none() | minutes,
            "dest": hs.sampled_from(sorted(RATES)),
            "weight": hs.integers(50, 4000),
            "vol": hs.none() | hs.integers(0, 5000),
            "session": hs.sampled_from(["", "", "A", "B"]),
        }
    ),
    max_size=40,
)
claims_st = hs.lists(
    hs.tuples(
        hs.integers(0, 9000),
        hs.none() | minutes,
        hs.none() | minutes,
        hs.integers(1, 20000),
        hs.sampled_from(RESP),
    ),
    max_size=5,
)
incidents_st = hs.lists(hs.tuples(hs.integers(-2000, 11000), hs.booleans()), max_size=4)


def _build(
    shop: Any, parcels: list[dict[str, Any]], claims: list[Any], incidents: list[Any], deposit: int
) -> st.Week:
    carrier, _, terms = contracted_carrier()
    sessions = {
        "A": session(shop, START + dt.timedelta(hours=20)),
        "B": session(shop, START + dt.timedelta(days=3, hours=20)),
    }
    shipments: list[st.Shipment] = []
    for i, p in enumerate(parcels):
        ready = START + dt.timedelta(days=p["day"], minutes=p["minute"])
        picked = ready + dt.timedelta(minutes=p["pick"]) if p["pick"] is not None else None
        departed = (picked or ready) + dt.timedelta(minutes=p["depart"]) if p["depart"] is not None else None
        # Orders outside a session were paid long before any stream of the week (not in its window).
        paid = (
            sessions[p["session"]].starts_at + dt.timedelta(minutes=30)
            if p["session"]
            else START - dt.timedelta(days=10)
        )
        no = f"YT{i:06d}"
        parcel(shop, carrier, ready_at=ready, picked_up_at=picked, departed_at=departed, paid_at=paid,
               dest=p["dest"], weight_g=p["weight"], volumetric_g=p["vol"], tracking_no=no)  # fmt: skip
        shipments.append(
            st.Shipment(
                no,
                p["dest"],
                p["weight"],
                p["vol"] or 0,
                8000,
                1,
                ready,
                picked,
                departed,
                f"LIVE{sessions[p['session']].pk}" if p["session"] else "",
            )
        )
    offline_claims = []
    for reported_min, verify, pay, amount, resp in claims:
        reported = START + dt.timedelta(minutes=reported_min)
        verified = reported + dt.timedelta(minutes=verify) if verify is not None else None
        claim_paid = (
            verified + dt.timedelta(minutes=pay) if verified is not None and pay is not None else None
        )
        c = Claim.objects.create(
            carrier=carrier, tracking_no="YT000000", kind="damage", reported_at=reported, verified_at=verified,
            paid_at=claim_paid, amount_fen=amount, responsibility=resp,
        )  # fmt: skip
        offline_claims.append(
            st.Claim(c.claim_id, "YT000000", "damage", reported, verified, claim_paid, amount, resp)
        )
    offline_incidents = []
    for k, (minute, fault) in enumerate(incidents):
        at = START + dt.timedelta(minutes=minute)
        PrivacyIncident.objects.create(
            carrier=carrier, tracking_no=f"YT{k % 2:06d}", occurred_at=at, carrier_fault=fault
        )
        offline_incidents.append(st.Incident(f"YT{k % 2:06d}", "privacy_leak", at, fault))
    if deposit:
        services.record_deposit(
            carrier=carrier, kind="paid_in", amount_fen=deposit, on=WEEK - dt.timedelta(days=30)
        )
    lanes = {dest: st.Lane(*v) for dest, v in RATES.items()}
    offline_terms = st.Terms(
        carrier="YTO", week_start=WEEK, as_of=AS_OF, volumetric_divisor=8000,
        tiers=(st.Tier(Decimal(3), -50), st.Tier(Decimal(5), -70)), min_daily_parcels=2, shortfall_price_fen=300,
        peak_capacity_per_stream=5, deposit_fen=deposit, origin_province=terms.origin_province,
    )  # fmt: skip
    return st.Week(offline_terms, lanes, shipments, offline_incidents, offline_claims, None)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    parcels=parcels_st, claims=claims_st, incidents=incidents_st, deposit=hs.sampled_from([0, 1000, 200000])
)
def test_database_path_equals_offline_path(
    shop: Any, parcels: list[dict[str, Any]], claims: list[Any], incidents: list[Any], deposit: int
) -> None:
    with transaction.atomic():
        offline = st.settle(_build(shop, parcels, claims, incidents, deposit)).as_json()
        db = services.compute_statement(carrier_code="YTO", week_start=WEEK).as_json()
        transaction.set_rollback(True)
    assert db == offline


@pytest.mark.django_db
def test_generated_statement_draws_the_deposit_and_alerts_on_breach(shop: Any) -> None:
    carrier, _, _ = contracted_carrier(peak=None, privacy_fine_fen=50000)
    services.record_deposit(carrier=carrier, kind="paid_in", amount_fen=10000, on=WEEK)
    t = parcel(shop, carrier, ready_at=START + dt.timedelta(hours=9))  # never picked up: late
    PrivacyIncident.objects.create(
        carrier=carrier, tracking_no=t.tracking_no, occurred_at=START + dt.timedelta(days=1)
    )
    stmt = services.generate_statement(carrier_code="YTO", week_start=WEEK)
    assert stmt.data["late_tracking_nos"] == [t.tracking_no] and stmt.data["sla_breached"]
    assert stmt.data["deposit_drawn_fen"] == 10000 and stmt.payable_fen == 0
    assert DepositEntry.objects.get(statement=stmt, kind="drawn").amount_fen == 10000
    assert carrier.contract_alerts.filter(kind="sla_breach").exists()
    again = services.generate_statement(carrier_code="YTO", week_start=WEEK)  # a draft is recomputed
    assert again.pk == stmt.pk and DepositEntry.objects.filter(kind="drawn").count() == 1
    assert again.data["deposit_drawn_fen"] == 10000


@pytest.mark.django_db
def test_running_late_count_carries_over_from_last_week_and_alerts_the_owner(shop: Any) -> None:
    carrier, _, _ = contracted_carrier(peak=None, terminate_after_late=1, min_daily=0)
    for week in (0, 1):
        for k in range(2):
            parcel(shop, carrier, ready_at=START + dt.timedelta(days=7 * week + k, hours=9))
    services.generate_statement(carrier_code="YTO", week_start=WEEK)
    second = services.generate_statement(carrier_code="YTO", week_start=WEEK + dt.timedelta(days=7))
    assert second.data["cumulative_late"] == 4 and second.data["may_terminate"]
    assert carrier.contract_alerts.filter(kind="may_terminate").exists()


@pytest.mark.django_db
def test_a_sent_statement_is_not_regenerated_and_status_moves_in_order(shop: Any) -> None:
    from fahuo.kit.errors import Conflict, InvalidInput

    contracted_carrier()
    stmt = services.generate_statement(carrier_code="YTO", week_start=WEEK)
    with pytest.raises(Conflict):
        services.set_status(statement=stmt, status="paid")
    services.set_status(statement=stmt, status="sent")
    with pytest.raises(Conflict):
        services.generate_statement(carrier_code="YTO", week_start=WEEK)
    with pytest.raises(InvalidInput):
        services.set_status(statement=stmt, status="disputed")
    services.set_status(statement=stmt, status="disputed", note="YT1 重复计费")
    assert stmt.status == "disputed"


def test_a_week_that_is_not_a_monday_is_refused() -> None:
    from fahuo.kit.errors import InvalidInput

    with pytest.raises(InvalidInput, match="not a Monday"):
        services.parse_week("2026-11-10")


@pytest.mark.django_db
def test_door_delivery_rate_counts_proxy_signed_and_locker_parcels_as_not_at_the_door(shop: Any) -> None:
    from fahuo.tracking.models import TrackEvent

    carrier, _, _ = contracted_carrier()
    tracks = [parcel(shop, carrier, ready_at=START + dt.timedelta(hours=9 + i)) for i in range(4)]
    for t in tracks:
        t.status = "delivered"
    tracks[1].signed_by_proxy = True
    for t in tracks:
        t.save()
    TrackEvent.objects.create(track=tracks[2], at=START + dt.timedelta(days=2), status="in_locker", provider="kdniao",
                              description="已放入快递柜", event_key="locker-1")  # fmt: skip
    stmt = services.generate_statement(carrier_code="YTO", week_start=WEEK)
    assert stmt.data["door_delivery"] == {"delivered": 4, "at_door": 2, "rate": 0.5, "target_pct": 100.0}


@pytest.mark.django_db
def test_a_full_phone_number_in_trace_text_is_a_privacy_incident_with_the_fine(shop: Any) -> None:
    from fahuo.tracking.models import TrackEvent

    carrier, _, _ = contracted_carrier(peak=None)
    t = parcel(
        shop, carrier, ready_at=START + dt.timedelta(hours=9), picked_up_at=START + dt.timedelta(hours=10)
    )
    for k, text in enumerate(
        ["派件员 13812345678 正在派送", "快递员电话13812345678", "网点电话 0571-88880000"]
    ):
        TrackEvent.objects.create(track=t, at=START + dt.timedelta(days=1, hours=k), status="out_for_delivery",
                                  provider="kdniao", description=text, event_key=f"leak-{k}")  # fmt: skip
    stmt = services.generate_statement(carrier_code="YTO", week_start=WEEK)
    incident = PrivacyIncident.objects.get()
    assert (
        incident.source == "trace_text"
        and "13812345678" not in incident.note
        and "138****5678" in incident.note
    )
    assert stmt.data["privacy_fine_fen"] == 50000 and stmt.data["privacy_leaked_tracking_nos"] == [
        t.tracking_no
    ]
    services.generate_statement(carrier_code="YTO", week_start=WEEK)
    assert PrivacyIncident.objects.count() == 1


@pytest.mark.django_db
def test_a_week_still_running_is_judged_as_of_now(shop: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.utils import timezone

    carrier, _, _ = contracted_carrier()
    parcel(shop, carrier, ready_at=START + dt.timedelta(days=2, hours=9))  # not picked up yet
    now = START + dt.timedelta(days=2, hours=20)  # Wednesday evening: its 24 h have not run out
    monkeypatch.setattr(timezone, "now", lambda: now)
    data = services.compute_statement(carrier_code="YTO", week_start=WEEK).as_json()
    assert data["late_parcels"] == 0 and data["pickup_rate_24h"] == 1.0
