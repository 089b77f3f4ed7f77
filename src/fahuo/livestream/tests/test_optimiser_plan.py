"""The shipping plan through the allocation optimiser: a small case checked by hand.

Two carriers from the Hangzhou warehouse (浙江省) to two provinces, a 500 g SKU (first weight only):

    price (fen)   浙江省   江苏省
    ZTO            300     440      contract: 25 parcels per pickup hour, pickups 08:00–09:00 only
    YTO            420     450      no capacity on record: no cap

The shop's past orders go 60 % to 浙江省 and 40 % to 江苏省, so 100 expected parcels are 60 + 40.
The stream ends at 22:00; pickups must end by 22:00 two days later, so ZTO has two pickup hours
(08:00 on each of the next two days): 50 parcels. ZTO saves 120 fen on a 浙江 parcel and 10 fen on a
江苏 one, so the optimum gives ZTO 50 浙江 parcels: ZTO 50 × 300 = 15,000 fen; YTO 10 × 420 +
40 × 450 = 22,200 fen; 37,200 in all. Cheapest first (orders in arrival order, 浙江 and 江苏
interleaved) fills ZTO with the first 50 — 30 浙江 and 20 江苏 — and pays 39,400.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook

from fahuo.carriers.models import Capacity, Carrier, Contract, RateLine
from fahuo.catalog.models import Sku
from fahuo.cli import main
from fahuo.fulfilment.models import Parcel
from fahuo.inventory.models import Stock
from fahuo.livestream import optimise
from fahuo.livestream.exports import review_pdf, review_xlsx
from fahuo.livestream.forecast import Forecast
from fahuo.livestream.models import FeaturedSku, LiveSession, SessionStatus
from fahuo.livestream.notices import create_notices
from fahuo.livestream.planning import plan_session
from fahuo.livestream.population import NATIONAL_DEFAULT, Population, apportion, destinations, interleave
from fahuo.livestream.review import review_24h
from fahuo.livestream.tests import helpers as h

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 25, 20, 0, tzinfo=TZ)
PRICES = {"ZTO": {"浙江省": 300, "江苏省": 440}, "YTO": {"浙江省": 420, "江苏省": 450}}


def forecast(orders: int, high: int | None = None) -> Forecast:
    high = high or orders
    return Forecast(
        orders=orders,
        low=orders // 2,
        high=high,
        method="nearest",
        hourly=[high // 2, high - high // 2],
        history=5,
    )


def rate_card(carrier: Carrier, prices: dict[str, int]) -> None:
    for dest, fen in prices.items():
        RateLine.objects.create(
            carrier=carrier, origin_province="浙江省", dest_province=dest, first_weight_g=1000,
            first_price_fen=fen, step_weight_g=1000, step_price_fen=100,
        )  # fmt: skip


@pytest.fixture
def carriers() -> dict[str, Carrier]:
    zto = Carrier.objects.create(code="ZTO", name="中通快递")
    yto = Carrier.objects.create(code="YTO", name="圆通速递")
    rate_card(zto, PRICES["ZTO"])
    rate_card(yto, PRICES["YTO"])
    Contract.objects.create(
        carrier=zto, name="直播合作", starts_on=dt.date(2020, 1, 1), pickup_capacity_per_hour=25,
        pickup_window="08:00-09:00",
    )  # fmt: skip
    return {"ZTO": zto, "YTO": yto}


@pytest.fixture
def session(shop: Any, warehouse: Any, carriers: dict[str, Carrier]) -> LiveSession:
    for k in range(100):  # the shop's history: 60 % 浙江, 40 % 江苏
        h.order(shop, START - timedelta(days=3, minutes=k), province="浙江省" if k % 5 < 3 else "江苏省")
    s = LiveSession.objects.create(
        shop=shop, title="双11返场", starts_at=START, ends_at=START + timedelta(hours=2), packers=10,
        orders_per_packer_hour=60, pickup_address="杭州市余杭区文一西路1000号", contact="小雨 13800001111",
    )  # fmt: skip
    mask = Sku.objects.create(code="MASK-10", name="玻尿酸面膜", weight_g=500)
    Stock.objects.create(warehouse=warehouse, sku=mask, on_hand=5000)
    FeaturedSku.objects.create(session=s, sku=mask, planned_units=500)
    return s


def test_the_split_is_the_solvers_optimum_checked_by_hand(session: LiveSession) -> None:
    plan = plan_session(session=session, forecast=forecast(100))
    assert plan.split_method == "optimiser"
    by = {c.code: c for c in plan.carriers}
    assert (by["ZTO"].parcels, by["ZTO"].freight_fen) == (50, 15_000)
    assert (by["YTO"].parcels, by["YTO"].freight_fen) == (50, 22_200)
    assert plan.freight_fen == 37_200 and plan.greedy_fen == 39_400 and plan.saving_fen == 2_200
    assert plan.optimiser["population"]["source"] == "shop"
    # ZTO's two pickup hours, 25 each; YTO (no hourly cap) takes its 50 at its first open hour.
    day1, day2 = datetime(2026, 11, 26, 8, tzinfo=TZ), datetime(2026, 11, 27, 8, tzinfo=TZ)
    assert [(s.start, s.parcels) for s in plan.slots_for("ZTO")] == [(day1, 25), (day2, 25)]
    assert [(s.start, s.parcels) for s in plan.slots_for("YTO")] == [(day1, 50)]
    assert by["ZTO"].picked_24h == 25 and by["ZTO"].picked_48h == 50
    assert any("中通快递 24 小时内只能揽收 25/50 件" in w for w in plan.warnings)
    assert plan.as_dict()["freight_fen"] == 37_200


def test_the_plan_never_costs_more_than_cheapest_first(session: LiveSession) -> None:
    for n in (40, 77, 100, 130):
        expected = plan_session(session=session, forecast=forecast(n)).optimiser["expected"]
        assert expected["served"] == expected["greedy_served"] == n
        assert expected["freight_fen"] <= expected["greedy_fen"]


def test_an_over_capacity_forecast_reports_the_shortfall_per_hour(
    session: LiveSession, carriers: dict[str, Carrier], warehouse: Any
) -> None:
    Capacity.objects.create(carrier=carriers["YTO"], warehouse=warehouse, max_parcels=100)
    plan = plan_session(session=session, forecast=forecast(100, high=200))
    peak = plan.optimiser["peak"]
    assert plan.over_capacity == peak["over_capacity"] == 50  # 200 − (ZTO 50 + YTO 100)
    assert sum(r["parcels"] for r in peak["over_capacity_by_hour"]) == 50
    assert {datetime.fromisoformat(r["hour"]).astimezone(TZ).hour for r in peak["over_capacity_by_hour"]} <= {
        20,
        21,
    }
    assert plan.optimiser["expected"]["over_capacity"] == 0
    by = {c.code: c for c in plan.carriers}
    assert (by["ZTO"].peak_parcels, by["YTO"].peak_parcels) == (50, 100)
    assert any(w.startswith("快递峰值产能不足：按预测上限 200 件，有 50 件") for w in plan.warnings)


def test_without_a_rate_card_the_split_falls_back_to_capacities(shop: Any, warehouse: Any) -> None:
    s = LiveSession.objects.create(shop=shop, title="x", starts_at=START, ends_at=START + timedelta(hours=2))
    zto = Carrier.objects.create(code="ZTO", name="中通快递")
    yto = Carrier.objects.create(code="YTO", name="圆通速递")
    RateLine.objects.create(
        carrier=zto, origin_province="广东省", dest_province="浙江省", first_price_fen=300, step_price_fen=100
    )  # fmt: skip  (another origin: not this warehouse's)
    Capacity.objects.create(carrier=zto, warehouse=warehouse, max_parcels=300, max_parcels_per_hour=100)
    Capacity.objects.create(carrier=yto, warehouse=warehouse, max_parcels=100, max_parcels_per_hour=100)
    plan = plan_session(session=s, forecast=forecast(200))
    assert plan.split_method == "capacities" and plan.freight_fen is None and plan.optimiser == {}
    assert {c.code: c.parcels for c in plan.carriers} == {"YTO": 50, "ZTO": 150}
    assert all(c.freight_fen is None for c in plan.carriers)


def test_the_notices_carry_the_optimisers_numbers(session: LiveSession) -> None:
    plan = plan_session(session=session, forecast=forecast(100, high=120))
    made = {n.carrier.code: n for n in create_notices(session=session, plan=plan)}
    zto = made["ZTO"]
    assert zto.expected_parcels == 50 and [s["parcels"] for s in zto.pickup_slots] == [25, 25]
    assert "预计交给贵司约50单" in zto.text and "每小时最多25单" in zto.text
    assert made["YTO"].expected_parcels == 50 and "单量冲高时最多约70单" in made["YTO"].text
    session.refresh_from_db()
    stored = {c["code"]: c for c in session.plan["carriers"]}
    assert session.plan["freight_fen"] == 37_200 and session.plan["split_method"] == "optimiser"
    assert (stored["ZTO"]["parcels"], stored["ZTO"]["freight_fen"]) == (50, 15_000)


def _ship(session: LiveSession, warehouse: Any, code: str, province: str, n: int, weight: int = 500) -> None:
    for k in range(n):
        paid = session.starts_at + timedelta(minutes=k)
        h.parcel(session.shop, code=code, paid=paid, issued=paid + timedelta(hours=1),
                 picked=paid + timedelta(hours=5), province=province)  # fmt: skip
    Parcel.objects.filter(warehouse__isnull=True).update(warehouse=warehouse, weight_g=weight)


def test_the_review_compares_planned_and_actual_freight(
    session: LiveSession, warehouse: Any, capsys: Any, tmp_path: Any
) -> None:
    create_notices(session=session, plan=plan_session(session=session, forecast=forecast(100)))
    LiveSession.objects.filter(pk=session.pk).update(status=SessionStatus.FINISHED)
    session.refresh_from_db()
    _ship(session, warehouse, "ZTO", "浙江省", 40)  # 40 × 300 = 12,000
    _ship(session, warehouse, "YTO", "江苏省", 30)  # 30 × 450 = 13,500
    _ship(session, warehouse, "YTO", "浙江省", 10, weight=1500)  # 10 × (420 + 100) = 5,200
    r = review_24h(session, now=START + timedelta(days=3))
    by = {c["code"]: c for c in r["carriers"]}
    assert (by["ZTO"]["planned_freight_fen"], by["ZTO"]["actual_freight_fen"]) == (15_000, 12_000)
    assert (by["ZTO"]["freight_diff_fen"], by["ZTO"]["freight_diff_pct"]) == (-3_000, -20.0)
    assert (by["YTO"]["planned_freight_fen"], by["YTO"]["actual_freight_fen"]) == (22_200, 18_700)
    assert by["ZTO"]["planned_parcels"] == 50 and by["ZTO"]["actual_fen_per_parcel"] == 300
    assert (r["planned_freight_fen"], r["actual_freight_fen"], r["freight_diff_fen"]) == (
        37_200,
        30_700,
        -6_500,
    )
    assert r["freight_diff_pct"] == -17.5 and r["freight_priced_by"] == {
        "rate_card": 80,
        "allocation": 0,
        "unpriced": 0,
    }

    assert main(["live", "review", str(session.pk), "--json", "--kind", "24h"]) == 0
    cli = {c["code"]: c for c in json.loads(capsys.readouterr().out)["24h"]["carriers"]}
    assert (cli["ZTO"]["planned_freight_fen"], cli["ZTO"]["actual_freight_fen"]) == (15_000, 12_000)

    book = load_workbook(io.BytesIO(review_xlsx(r, None)))
    rows = list(book["快递公司"].iter_rows(values_only=True))
    head = list(rows[0])
    zto = next(row for row in rows if row[0] == "ZTO")
    assert zto[head.index("计划运费(元)")] == "150.00" and zto[head.index("实际运费(元)")] == "120.00"
    assert (zto[head.index("差额(元)")], zto[head.index("差额%")]) == ("-30.00", "-20.0%")
    pdf = pdfium.PdfDocument(review_pdf(r, None))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "计划运费" in text and "372.00" in text and "307.00" in text


def test_a_planned_carrier_without_parcels_still_shows_its_plan(session: LiveSession, warehouse: Any) -> None:
    create_notices(session=session, plan=plan_session(session=session, forecast=forecast(100)))
    session.refresh_from_db()
    _ship(session, warehouse, "ZTO", "浙江省", 5)
    by = {c["code"]: c for c in review_24h(session, now=START + timedelta(days=3))["carriers"]}
    assert by["YTO"]["parcels"] == 0 and by["YTO"]["planned_freight_fen"] == 22_200
    assert by["YTO"]["actual_freight_fen"] is None


# --- the population and the solver wrapper, without the database ------------------------------------


def test_destinations_fall_back_to_the_national_mix(shop: Any) -> None:
    names, shares, source, seen = destinations(shop_id=shop.pk, before=START)
    assert source == "national" and seen == 0 and set(names) == set(NATIONAL_DEFAULT)
    assert len(names) == 31 and abs(float(shares.sum()) - 1) < 1e-9


def test_classes_are_apportioned_exactly_and_interleaved() -> None:
    counts = apportion(7, np.asarray([0.5, 0.3, 0.2]))
    assert counts.tolist() == [4, 2, 1]
    # unit j of a class with n units sits at (j + ½) / n: 0 at ⅛ ⅜ ⅝ ⅞, 1 at ¼ ¾, 2 at ½
    assert interleave(np.asarray([4, 2, 1])).tolist() == [0, 1, 0, 2, 0, 1, 0]


def test_large_streams_are_solved_in_units_with_exact_totals(monkeypatch: Any) -> None:
    monkeypatch.setattr(optimise, "MAX_UNITS", 40)
    population = Population(["浙江省", "江苏省"], np.asarray([0.6, 0.4]), [optimise.ParcelType(500)], "shop")
    tariffs = [
        optimise.Tariff({d: (1000, p, 1000, 100, 0) for d, p in PRICES[c].items()}) for c in ("ZTO", "YTO")
    ]
    lanes = [
        optimise.Lane("ZTO", "中通快递", 1, None, 25, (8, 9), "contract"),
        optimise.Lane("YTO", "圆通速递", 2, 70, None, (8, 21), "capacity"),
    ]
    start = START.astimezone(dt.UTC)
    timeline = [start + timedelta(hours=k) for k in range(50)]
    open_ = optimise.slot_open(lanes, timeline, start + timedelta(hours=50), TZ)
    out = optimise.allocate(
        population=population, prices=optimise.price_matrix(population, tariffs), lanes=lanes,
        packed=[101] + [0] * 49, total=101, open_=open_,
    )  # fmt: skip
    assert out.unit == 3 and out.units == 34  # 33 rows of 3 parcels and one of 2
    assert out.served + out.over_capacity_total == 101
    assert out.lanes[0].parcels <= 48 and max(out.lanes[0].pickups.values()) <= 24  # caps in whole units
    assert out.lanes[1].parcels <= 69


def test_an_empty_forecast_plans_nothing(session: LiveSession) -> None:
    plan = plan_session(session=session, forecast=Forecast(0, 0, 0, "none", [0, 0], 0))
    assert plan.split_method == "optimiser" and plan.freight_fen == 0 and plan.slots == []
    assert all(c.parcels == 0 for c in plan.carriers) and "请填写预计单量" in plan.warnings[-1]
