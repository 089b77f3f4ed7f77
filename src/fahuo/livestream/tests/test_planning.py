"""Capacity check and shipping plan: carrier capacity, stock, packers, pickup slots."""

from __future__ import annotations

import datetime as dt
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fahuo.carriers.models import Carrier, Contract
from fahuo.catalog.models import Sku
from fahuo.inventory.models import Stock
from fahuo.livestream.forecast import Forecast
from fahuo.livestream.models import FeaturedSku, LiveSession
from fahuo.livestream.planning import pack_timeline, packers_needed, plan_session, split
from fahuo.routing.pickup import hours

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 25, 20, 0, tzinfo=TZ)


def forecast(high: int, hourly: list[int] | None = None) -> Forecast:
    hourly = hourly or [high // 2, high - high // 2, 0, 0]
    return Forecast(orders=high, low=high // 2, high=high, method="nearest", hourly=hourly, history=5)


def carrier(
    code: str, name: str, *, per_stream: int | None, per_hour: int | None, window: str = "08:00-22:00"
) -> Carrier:
    c = Carrier.objects.create(code=code, name=name)
    Contract.objects.create(
        carrier=c, name="直播合作", starts_on=dt.date(2020, 1, 1), peak_capacity_per_stream=per_stream,
        pickup_capacity_per_hour=per_hour, pickup_window=window,
    )  # fmt: skip
    return c


@pytest.fixture
def session(shop: Any, warehouse: Any) -> LiveSession:
    s = LiveSession.objects.create(
        shop=shop, title="双11返场", starts_at=START, ends_at=START + timedelta(hours=2), packers=4,
        orders_per_packer_hour=60, pickup_address="杭州市余杭区文一西路1000号", contact="小雨 13800001111",
    )  # fmt: skip
    mask = Sku.objects.create(code="MASK-10", name="玻尿酸面膜")
    Stock.objects.create(warehouse=warehouse, sku=mask, on_hand=300)
    FeaturedSku.objects.create(session=s, sku=mask, planned_units=500)
    return s


def test_split_caps_a_carrier_and_spills_the_rest() -> None:
    parts, left = split(1000, {"ZTO": 3, "YTO": 1}, {"ZTO": 500, "YTO": None})
    assert parts == {"ZTO": 500, "YTO": 500} and left == 0
    parts, left = split(1000, {"ZTO": 1, "YTO": 1}, {"ZTO": 300, "YTO": 300})
    assert sum(parts.values()) == 600 and left == 400


def test_packers_needed_follows_the_working_hours() -> None:
    timeline = hours(START, START + timedelta(hours=50))
    arrivals = {timeline[0]: 1000}
    # 20:00–22:00 on the night (2 h) + 08:00–22:00 next day (14 h) = 16 h before the 24 h deadline.
    assert packers_needed(arrivals, timeline, rate=50, by=START + timedelta(hours=26), share=0.98) == 2
    assert sum(pack_timeline(arrivals, timeline, 100)[:2]) == 200  # two night hours at 100/h


def test_the_plan_warns_about_carrier_capacity_stock_and_packers(session: LiveSession) -> None:
    carrier("ZTO", "中通快递", per_stream=1500, per_hour=300)
    carrier("YTO", "圆通速递", per_stream=1000, per_hour=300)
    plan = plan_session(session=session, forecast=forecast(4000))
    by_code = {c.code: c for c in plan.carriers}
    assert by_code["ZTO"].parcels == 1500 and by_code["YTO"].parcels == 1000
    text = "\n".join(plan.warnings)
    assert "快递峰值产能不足" in text and "差 1500 件" in text
    assert "库存不足：MASK-10" in text and "缺 200 件" in text
    assert "打包人手不足" in text
    assert plan.packers_needed_24h is not None and plan.packers_needed_24h > 4
    assert plan.pack_hours == pytest.approx(4000 / 240)


def test_a_comfortable_plan_has_pickup_slots_within_the_promise(session: LiveSession, warehouse: Any) -> None:
    Stock.objects.filter(warehouse=warehouse).update(on_hand=5000)
    carrier("ZTO", "中通快递", per_stream=2000, per_hour=200, window="08:00-20:00")
    session.packers = 10
    plan = plan_session(session=session, forecast=forecast(800))
    assert plan.warnings == []
    slots = plan.slots_for("ZTO")
    assert sum(s.parcels for s in slots) == 800 and max(s.parcels for s in slots) <= 200
    assert all(8 <= s.start.astimezone(TZ).hour < 21 for s in slots)
    zto = plan.carriers[0]
    assert zto.picked_24h >= 0.98 * 800 and zto.picked_48h == 800
    assert plan.as_dict()["carriers"][0]["code"] == "ZTO"


def test_a_slow_pickup_outlet_is_flagged(session: LiveSession, warehouse: Any) -> None:
    Stock.objects.filter(warehouse=warehouse).update(on_hand=5000)
    carrier("ZTO", "中通快递", per_stream=2000, per_hour=30, window="09:00-18:00")
    session.packers = 10
    plan = plan_session(session=session, forecast=forecast(800))
    assert any("中通快递 24 小时内只能揽收" in w for w in plan.warnings)
