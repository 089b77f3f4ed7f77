"""The weekly settlement rules, one edge each, through the offline scenario format."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from fahuo.contracts.scenario import read_scenario
from fahuo.contracts.settlement import settle
from fahuo.contracts.tests.builders import AS_OF, Sc, at
from fahuo.kit.errors import InvalidInput

# A copy of ../shared/samples/settlement-scenario, so CI runs it from a bare clone.
SAMPLE = Path(__file__).parent / "data" / "settlement-scenario"


def run(sc: Sc, tmp_path: Path) -> dict[str, Any]:
    return settle(read_scenario(sc.write(tmp_path / "s"))).as_json()


def test_the_shared_sample_gives_exactly_its_expected_statement() -> None:
    got = settle(read_scenario(SAMPLE)).as_json()
    expected = json.loads((SAMPLE / "expected.json").read_text(encoding="utf-8"))
    assert {k: got[k] for k in expected} == expected


def test_tier_starts_exactly_at_a_daily_average_of_50(tmp_path: Path) -> None:
    sc = Sc()
    for i in range(350):  # 350 / 7 = 50.00 exactly
        sc.on_time(f"T{i:04}", at(i % 7))
    got = run(sc, tmp_path / "a")
    assert got["daily_avg"] == 50.0 and got["tier_min_daily_avg"] == 50 and got["tier_delta_fen"] == -50
    assert got["freight_fen"] == 350 * 450  # 800 g in the first kilo: ¥5.00 − ¥0.50
    sc.shipments.pop()
    got = run(sc, tmp_path / "b")
    assert got["daily_avg"] == 49.86 and got["tier_min_daily_avg"] is None and got["freight_fen"] == 349 * 500


def test_volumetric_weight_and_steps_price_the_parcel(tmp_path: Path) -> None:
    # 300×200×200 mm / 8000 = 1500 g > 800 g actual → one 1 kg step; remote lane adds its surcharge.
    sc = (
        Sc()
        .on_time("A", at(0), dims=(300, 200, 200))
        .on_time("B", at(0), dest="新疆维吾尔自治区", weight_g=1001)
    )
    got = run(sc, tmp_path)
    assert got["freight_fen"] == (500 + 200) + (1200 + 1000 + 1000)


def test_a_day_without_parcels_is_topped_up_to_the_minimum(tmp_path: Path) -> None:
    sc = Sc()
    sc.contract["min_daily_parcels"] = 2
    for day in range(6):  # Sunday (day 6) has none
        sc.on_time(f"D{day}a", at(day)).on_time(f"D{day}b", at(day))
    sc.on_time("D5c", at(5))
    got = run(sc, tmp_path)
    assert got["minimum_topup_fen"] == 2 * 400  # only Sunday: 2 missing × ¥4.00


def test_a_session_over_the_contracted_peak_is_exempt_but_its_late_parcels_are_listed(tmp_path: Path) -> None:
    sc = Sc()
    for i in range(4):  # 4 > peak capacity 3
        sc.parcel(f"BIG{i}", at(0, 20), at(2, 20), at(3), session="LIVE-A")
    for i in range(3):  # exactly at the peak: the SLA holds
        sc.parcel(f"OK{i}", at(1, 20), at(3, 20), at(4), session="LIVE-B")
    got = run(sc, tmp_path)
    assert got["exempt_sessions"] == ["LIVE-A"]
    assert got["late_parcels"] == 7 and "BIG0" in got["late_tracking_nos"]
    assert got["cumulative_late"] == 3
    assert got["late_penalty_fen"] == 3 * 100  # 20% of ¥5.00 each, LIVE-B only
    assert got["pickup_rate_24h"] == 0.0  # the exempt parcels are not in the rate


def test_parcels_not_yet_due_are_neither_late_nor_counted(tmp_path: Path) -> None:
    sc = Sc()
    sc.parcel("DUE", at(0), at(0, 12), at(0, 14))
    sc.parcel("NOTYET", AS_OF - timedelta(hours=3))  # nothing happened, deadline ahead
    sc.parcel("PICKED", AS_OF - timedelta(hours=30), AS_OF - timedelta(hours=28))  # pickup due, ship not yet
    got = run(sc, tmp_path)
    assert got["late_parcels"] == 0
    assert got["pickup_rate_24h"] == 1.0 and got["shipped_rate_48h"] == 1.0 and not got["sla_breached"]


def test_picked_up_exactly_at_the_deadline_is_on_time_and_one_second_later_is_late(tmp_path: Path) -> None:
    sc = Sc()
    sc.parcel("EXACT", at(0), at(1), at(2))  # exactly 24 h and 48 h
    sc.parcel("LATE", at(0), at(1) + timedelta(seconds=1), at(1, 12))
    got = run(sc, tmp_path)
    assert got["late_tracking_nos"] == ["LATE"]
    assert got["pickup_rate_24h"] == 0.5 and got["shipped_rate_48h"] == 1.0 and got["sla_breached"]


def test_a_time_after_as_of_has_not_happened(tmp_path: Path) -> None:
    sc = Sc()
    sc.parcel("P", at(6, 1), AS_OF + timedelta(hours=1), AS_OF + timedelta(hours=2))  # not picked up by as_of
    got = run(sc, tmp_path)
    assert got["late_tracking_nos"] == ["P"]  # pickup deadline (Mon 01:00) passed before as_of


def test_rates_round_half_up_and_breach_compares_exactly(tmp_path: Path) -> None:
    sc = Sc()
    sc.contract["pickup_target_pct"] = 98
    for i in range(49):
        sc.on_time(f"OK{i:02}", at(i % 5))
    sc.parcel("SLOW", at(0), at(1, 12), at(1, 14))
    got = run(sc, tmp_path)
    assert got["pickup_rate_24h"] == 0.98 and not got["sla_breached"]  # 49/50 = 98% meets ≥ 98%
    assert got["shipped_rate_48h"] == 1.0


def test_running_late_total_greater_than_the_threshold_allows_termination(tmp_path: Path) -> None:
    sc = Sc()
    sc.contract["late_before_week"] = 49
    sc.parcel("L1", at(0), at(2), at(3))
    got = run(sc, tmp_path / "a")
    assert got["cumulative_late"] == 50 and not got["may_terminate"]  # "more than 50"
    sc.parcel("L2", at(0), at(2), at(3))
    got = run(sc, tmp_path / "b")
    assert got["cumulative_late"] == 51 and got["may_terminate"]


def test_penalty_rounds_half_up_per_parcel(tmp_path: Path) -> None:
    sc = Sc()
    sc.contract["late_penalty_pct"] = "12.5"
    sc.contract["tiers"] = []
    sc.parcel("L", at(0), at(2), at(3), weight_g=1500)  # freight ¥7.00 → 12.5% = 87.5 fen → 88
    got = run(sc, tmp_path)
    assert got["late_penalty_fen"] == 88


def test_privacy_fine_once_per_leaked_parcel_of_the_week_at_carrier_fault(tmp_path: Path) -> None:
    sc = Sc().on_time("A", at(0))
    sc.incidents += [
        ["A", "privacy_leak", at(1).isoformat(), 1],
        ["A", "privacy_leak", at(2).isoformat(), 1],  # same parcel: one fine
        ["B", "privacy_leak", at(2).isoformat(), 0],  # not the carrier's fault
        ["C", "privacy_leak", at(-1).isoformat(), 1],  # the week before
        ["D", "privacy_leak", at(7, 1).isoformat(), 1],  # after the week
    ]
    assert run(sc, tmp_path)["privacy_fine_fen"] == 50000


def test_each_claim_responsibility(tmp_path: Path) -> None:
    r = at(1)
    sc = Sc().on_time("A", at(0))
    sc.claim("H", r, r + timedelta(hours=5), None, 1000, "handling")  # credited, pay overdue
    sc.claim("CP", r, r + timedelta(hours=5), None, 2000, "carrier_packaging")  # credited
    sc.claim("SP", r, r + timedelta(hours=5), None, 4000, "seller_packaging")  # seller's own
    sc.claim("U", r, r + timedelta(hours=5), None, 8000, "undetermined")  # open
    sc.claim("PAID", r, r + timedelta(hours=5), r + timedelta(hours=6), 16000, "handling")  # paid directly
    sc.claim("NV", AS_OF - timedelta(hours=25), None, None, 32000, "handling")  # not verified, overdue
    sc.claim("NV2", AS_OF - timedelta(hours=2), None, None, 64000, "handling")  # not verified, in time
    got = run(sc, tmp_path)
    assert got["claims_credited_fen"] == 3000
    assert got["open_claims"] == ["NV", "NV2", "U"]
    assert got["claims_verify_overdue"] == ["NV"]
    assert got["claims_pay_overdue"] == ["CP", "H"]
    assert got["net_fen"] == 500 - 3000


def test_deposit_covers_what_it_can_and_the_rest_is_carried_forward(tmp_path: Path) -> None:
    sc = Sc().on_time("A", at(0))
    sc.contract["deposit_fen"] = 20000
    sc.incidents.append(["A", "privacy_leak", at(1).isoformat(), 1])  # −¥500 against ¥5 freight
    got = run(sc, tmp_path)
    assert got["net_fen"] == 500 - 50000
    assert got["payable_fen"] == 0 and got["deposit_drawn_fen"] == 20000
    assert got["carried_forward_fen"] == 49500 - 20000 and got["deposit_after_fen"] == 0


def test_deposit_is_refunded_30_days_after_the_end_unless_a_claim_is_open(tmp_path: Path) -> None:
    sc = Sc().on_time("A", at(0))
    sc.contract.update(deposit_fen=100000, ends_on="2026-11-15")
    got = run(sc, tmp_path / "a")
    assert got["deposit_refund_due_on"] == "2026-12-15" and got["deposit_refund_fen"] == 100000
    sc.claim("U", at(1), None, None, 100, "undetermined")
    got = run(sc, tmp_path / "b")
    assert got["deposit_refund_due_on"] is None and got["deposit_refund_fen"] is None


def test_bill_audit_counts_each_line_once(tmp_path: Path) -> None:
    sc = Sc().on_time("A", at(0)).on_time("B", at(0)).on_time("C", at(0))
    sc.bill = [
        ["A", 800, 520],  # 20 fen over
        ["A", 800, 500],  # repeated line: all of it disputed
        ["B", 900, 500],  # 100 g over our 800 g: beyond the 50 g tolerance
        ["X", 500, 300],  # unknown
        ["X", 500, 300],  # unknown and repeated: counted once
    ]
    bill = run(sc, tmp_path)["bill"]
    assert bill == {
        "overcharged": ["A"],
        "weight_disputed": ["B"],
        "unknown": ["X"],
        "duplicates": ["A", "X"],
        "missing": ["C"],
        "dispute_fen": 20 + 500 + 300 + 300,
    }


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda sc: sc.contract.update(week_start="2026-11-10"), "contract.json, column week_start"),
        (
            lambda sc: sc.shipments.__setitem__(0, [*sc.shipments[0][:4], "-5", *sc.shipments[0][5:]]),
            "shipments.csv line 2, column weight_g",
        ),
        (
            lambda sc: setattr(sc, "bill", [["A", "800", "五元"]]),
            "carrier_bill.csv line 2, column billed_fen",
        ),
        (
            lambda sc: sc.shipments.__setitem__(0, [*sc.shipments[0][:3], "火星", *sc.shipments[0][4:]]),
            "shipments.csv line 2, column dest_province",
        ),
    ],
)
def test_bad_input_names_file_line_and_column(tmp_path: Path, edit: Any, where: str) -> None:
    sc = Sc().on_time("A", at(0))
    edit(sc)
    with pytest.raises(InvalidInput) as err:
        read_scenario(sc.write(tmp_path))
    assert str(err.value).startswith(where)


def test_rates_per_day_and_per_session(tmp_path: Path) -> None:
    sc = Sc()
    sc.parcel("M1", at(0), at(0, 11), at(0, 15), session="LIVE-B")
    sc.parcel("M2", at(0), at(1, 10), at(1, 12), session="LIVE-B")  # picked up after 25 h
    sc.on_time("T1", at(1))
    for i in range(4):
        sc.parcel(f"BIG{i}", at(2, 20), at(4), at(4, 2), session="LIVE-A")  # exempt: over the peak of 3
    got = run(sc, tmp_path)
    days = {d["day"]: d for d in got["sla_by_day"]}
    assert days["2026-11-09"] == {
        "day": "2026-11-09",
        "parcels": 2,
        "late": 1,
        "pickup_rate_24h": 0.5,
        "shipped_rate_48h": 1.0,
    }
    assert (
        days["2026-11-10"]["pickup_rate_24h"] == 1.0 and "2026-11-11" not in days
    )  # exempt parcels left out
    sessions = {x["session"]: x for x in got["sla_by_session"]}
    assert sessions["LIVE-A"]["exempt"] and sessions["LIVE-A"]["late"] == 4
    assert not sessions["LIVE-B"]["exempt"] and sessions["LIVE-B"]["pickup_rate_24h"] == 0.5
