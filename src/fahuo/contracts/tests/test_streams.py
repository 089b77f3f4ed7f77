"""Per-stream breach alerts during a live stream: parcels heading past the contract's pickup hours at
its pickups per hour, and a stream beyond the contract's peak, each with the penalty at stake."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fahuo.carriers.models import Contract
from fahuo.contracts.models import ContractAlert
from fahuo.contracts.streams import stream_breach_alerts, stream_risks
from fahuo.contracts.tests.factories import contracted_carrier, parcel, session
from fahuo.livestream.models import PeakNotice
from fahuo.tracking.models import Track

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 12, 21, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def live(shop: Any) -> Any:
    """A stream on since 20:00 with 8 parcels labelled at 20:30; the contract: picked up within 2 h,
    2 pickups an hour, at most 5 parcels per stream, 20% of freight (¥5.00 a parcel) when late."""
    carrier, _, _ = contracted_carrier(peak=5, pickup_hours=2, pickups_per_hour=2)
    stream = session(shop, NOW - dt.timedelta(hours=1))
    for i in range(8):
        parcel(shop, carrier, ready_at=NOW - dt.timedelta(minutes=30), paid_at=NOW - dt.timedelta(minutes=50 - i),
               tracking_no=f"YTLIVE{i}")  # fmt: skip
    return stream, carrier


def test_parcels_the_carrier_cannot_pick_up_in_time_raise_an_alert_with_the_penalty(live: Any) -> None:
    stream, _ = live
    # 2 an hour from 21:00: the 1st–3rd by 22:30 (deadline 22:30), the 4th at 23:00 and later are late.
    (risk,) = stream_risks(session=stream, now=NOW)
    assert (risk.parcels, risk.awaiting, risk.late, risk.penalty_fen) == (8, 8, 5, 500)
    assert stream_breach_alerts(now=NOW) == 2
    pickup = ContractAlert.objects.get(kind="stream_pickup", key=f"LIVE{stream.pk}")
    assert "5 件将超过 2 小时未揽收" in pickup.message and "¥5.00" in pickup.message
    assert "每小时揽收 2 件" in pickup.message


def test_a_stream_beyond_the_contracted_peak_says_the_penalty_is_forfeited(live: Any) -> None:
    stream, _ = live
    stream_breach_alerts(now=NOW)
    capacity = ContractAlert.objects.get(kind="stream_capacity", key=f"LIVE{stream.pk}")
    assert "已 8 件，超出合同单场上限 5 件" in capacity.message and "约 ¥5.00 无法主张" in capacity.message


def test_the_alert_is_refreshed_then_resolved_when_the_carrier_catches_up(live: Any) -> None:
    stream_breach_alerts(now=NOW)
    Track.objects.filter(tracking_no__in=["YTLIVE0", "YTLIVE1", "YTLIVE2"]).update(picked_up_at=NOW)
    assert stream_breach_alerts(now=NOW) == 0  # still open: numbers refreshed, nothing new
    alert = ContractAlert.objects.get(kind="stream_pickup")
    # 5 left at 2 an hour: the 4th and 5th (23:00, 23:30) are still past 22:30.
    assert "2 件将超过" in alert.message and "¥2.00" in alert.message and alert.resolved_at is None
    Track.objects.filter(tracking_no__startswith="YTLIVE").update(picked_up_at=NOW + dt.timedelta(minutes=5))
    stream_breach_alerts(now=NOW + dt.timedelta(minutes=10))
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_nothing_is_raised_once_the_stream_and_its_tail_are_over(live: Any) -> None:
    stream, _ = live
    after = stream.ends_at + dt.timedelta(hours=stream.tail_hours, minutes=1)
    assert stream_breach_alerts(now=after) == 0 and not ContractAlert.objects.exists()


def test_within_the_contract_nothing_is_raised(shop: Any) -> None:
    carrier, _, _ = contracted_carrier(peak=50, pickup_hours=24, pickups_per_hour=100)
    stream = session(shop, NOW - dt.timedelta(hours=1))
    for i in range(8):
        parcel(
            shop, carrier, ready_at=NOW, paid_at=NOW - dt.timedelta(minutes=20 + i), tracking_no=f"YTOK{i}"
        )
    assert stream.pk and stream_breach_alerts(now=NOW) == 0 and not ContractAlert.objects.exists()


def test_outside_the_contracts_pickup_window_every_waiting_parcel_is_late(live: Any) -> None:
    stream, carrier = live
    Contract.objects.filter(carrier=carrier).update(pickup_window="08:00-20:00")
    # 21:00: the carrier next collects at 08:00 tomorrow, long after the 22:30 deadline.
    (risk,) = stream_risks(session=stream, now=NOW)
    assert (risk.awaiting, risk.late, risk.penalty_fen) == (8, 8, 800)


def test_a_window_that_opens_later_tonight_delays_the_pickups(live: Any) -> None:
    stream, carrier = live
    Contract.objects.filter(carrier=carrier).update(pickup_window="22:00-02:00", pickup_capacity_per_hour=4)
    # Nothing until 22:00, then 4 an hour: 22:15, 22:30 are in time (deadline 22:30), the other 6 late.
    (risk,) = stream_risks(session=stream, now=NOW)
    assert risk.late == 6


def test_pickups_already_booked_with_the_carrier_come_first(live: Any) -> None:
    stream, carrier = live
    slot = {"from": (NOW + dt.timedelta(minutes=30)).isoformat(), "to": (NOW + dt.timedelta(hours=1)).isoformat(),
            "parcels": 6}  # fmt: skip
    notice = PeakNotice.objects.create(
        session=stream, carrier=carrier, expected_parcels=8, pickup_slots=[slot]
    )
    (unsent,) = stream_risks(session=stream, now=NOW)
    assert unsent.late == 5  # a notice not sent books nothing
    PeakNotice.objects.filter(pk=notice.pk).update(sent_at=NOW - dt.timedelta(hours=3))
    # 6 at 21:30 as booked; then 2 an hour after it: 22:00, 22:30 — every parcel by its 22:30 deadline.
    (risk,) = stream_risks(session=stream, now=NOW)
    assert (risk.late, risk.penalty_fen) == (0, 0)
