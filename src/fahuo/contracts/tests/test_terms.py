"""Contract terms are data: versions kept, and peak notices and reviews read them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fahuo.contracts import services
from fahuo.contracts.models import ContractTerms
from fahuo.contracts.tests.factories import contracted_carrier, parcel, session
from fahuo.kit.errors import InvalidInput
from fahuo.livestream.notices import notice_text
from fahuo.livestream.review import review_24h

START = dt.datetime(2026, 11, 9, 20, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.mark.django_db
def test_defaults_are_the_articles_numbers() -> None:
    t = ContractTerms()
    assert (t.pickup_hours, t.pickup_target_pct, t.ship_hours, t.ship_target_pct) == (24, 98, 48, 100)
    assert (t.late_penalty_pct, t.terminate_after_late, t.privacy_fine_fen) == (20, 50, 50000)
    assert (t.verify_hours, t.pay_hours, t.returns_pickup_hours, t.price_notice_days) == (24, 48, 24, 30)
    assert (t.deposit_min_fen, t.deposit_max_fen, t.settlement_weekday, t.pickups_per_hour) == (
        100000,
        500000,
        0,
        100,
    )


@pytest.mark.django_db
def test_editing_terms_keeps_the_old_version(owner: Any) -> None:
    _, contract, first = contracted_carrier()
    second = services.save_terms(
        contract=contract, values={"pickup_hours": 12, "late_penalty_pct": 30}, user=owner
    )
    assert second.version == 2 and second.pickup_hours == 12 and second.ship_hours == first.ship_hours
    assert ContractTerms.objects.filter(contract=contract).count() == 2
    assert services.terms_for(contract=contract).pk == second.pk
    with pytest.raises(InvalidInput):
        services.save_terms(contract=contract, values={"pickup_target_pct": 120})
    assert ContractTerms.objects.filter(contract=contract).count() == 2


@pytest.mark.django_db
def test_peak_notice_prints_the_contracts_own_targets(shop: Any) -> None:
    carrier, contract, _ = contracted_carrier()
    s = session(shop, START)
    assert "24小时内揽收率≥98%，48小时内100%发出" in notice_text(
        session=s, carrier=carrier, parcels=10, slots=[]
    )
    services.save_terms(
        contract=contract, values={"pickup_hours": 12, "pickup_target_pct": "99.5", "pickups_per_hour": 150}
    )
    text = notice_text(session=s, carrier=carrier, parcels=10, slots=[])
    assert "12小时内揽收率≥99.5%，48小时内100%发出" in text and "每小时揽收不少于150单" in text


@pytest.mark.django_db
def test_review_judges_pickup_against_the_contracted_clock(shop: Any) -> None:
    carrier, contract, _ = contracted_carrier()
    s = session(shop, START)
    ready = START + dt.timedelta(hours=3)
    parcel(
        shop,
        carrier,
        ready_at=ready,
        picked_up_at=ready + dt.timedelta(hours=13),
        paid_at=START + dt.timedelta(minutes=5),
    )
    now = START + dt.timedelta(days=3)
    row = next(c for c in review_24h(s, now=now)["carriers"] if c["code"] == carrier.code)
    assert row["pickup_rate_24h"] == 1.0 and row["pickup_met"] is True
    services.save_terms(contract=contract, values={"pickup_hours": 12})
    row = next(c for c in review_24h(s, now=now)["carriers"] if c["code"] == carrier.code)
    assert row["pickup_hours"] == 12 and row["pickup_rate_24h"] == 0.0 and row["pickup_met"] is False


@pytest.mark.django_db
def test_the_plan_flags_a_slow_outlet_against_the_contracted_pickup_target(shop: Any, warehouse: Any) -> None:
    from fahuo.inventory.models import Stock
    from fahuo.livestream.planning import plan_session
    from fahuo.livestream.tests.test_planning import START as PLAN_START
    from fahuo.livestream.tests.test_planning import carrier as plan_carrier
    from fahuo.livestream.tests.test_planning import forecast

    s = session(shop, PLAN_START)
    s.packers = 10
    s.save()
    Stock.objects.filter(warehouse=warehouse).update(on_hand=5000)
    zto = plan_carrier("ZTO", "中通快递", per_stream=2000, per_hour=30, window="09:00-18:00")
    contract = zto.contracts.get()
    plan = plan_session(session=s, forecast=forecast(800))
    assert any("中通快递 24 小时内只能揽收" in w and "低于合同约定的 98%" in w for w in plan.warnings)
    services.save_terms(contract=contract, values={"pickup_target_pct": 30})
    plan = plan_session(session=s, forecast=forecast(800))
    assert not any("中通快递 24 小时内只能揽收" in w for w in plan.warnings)  # 30% is within what it picks up
