"""Low stock against the next stream (issue #13): the desk warns before the stream, at the forecast's high end."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fahuo.catalog.models import Sku
from fahuo.inventory.models import Stock
from fahuo.livestream.models import FeaturedSku, LiveSession, SessionStatus
from fahuo.livestream.selectors import next_stream_shortfalls
from fahuo.orders.models import Shop

pytestmark = pytest.mark.django_db


def stream(shop: Shop, *, hours: float, **fields: Any) -> LiveSession:
    starts = timezone.now() + dt.timedelta(hours=hours)
    return LiveSession.objects.create(
        shop=shop,
        title=fields.pop("title", "周五专场"),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        status=fields.pop("status", SessionStatus.PLANNED),
        **fields,
    )


@pytest.fixture
def skus(warehouse: Any) -> tuple[Sku, Sku]:
    mask = Sku.objects.create(code="MASK-10", name="玻尿酸面膜")
    cream = Sku.objects.create(code="CREAM-50", name="面霜")
    Stock.objects.create(warehouse=warehouse, sku=mask, on_hand=300, reserved=20)
    Stock.objects.create(warehouse=warehouse, sku=cream, on_hand=1000)
    return mask, cream


def test_the_next_stream_runs_short_at_the_forecasts_high_end(shop: Shop, owner: Any, skus: Any) -> None:
    mask, cream = skus
    s = stream(shop, hours=20, expected_orders=400, forecast_orders=400, forecast_high=600)
    FeaturedSku.objects.create(session=s, sku=mask, planned_units=250)  # 250 ≤ 280 available …
    FeaturedSku.objects.create(session=s, sku=cream, planned_units=500)
    [line] = next_stream_shortfalls(user=owner)
    # … but the forecast may bring 600 orders where the plan counted 400: 250 × 1.5 = 375 needed.
    assert (line.sku, line.planned, line.needed, line.available, line.short) == ("MASK-10", 250, 375, 280, 95)
    page = Client()
    page.force_login(owner)
    html = page.get("/").content.decode()
    assert "下一场直播库存不足" in html and "MASK-10" in html and "CREAM-50" not in html


def test_only_each_shops_next_planned_stream_within_the_week_counts(
    shop: Shop, owner: Any, skus: Any
) -> None:
    mask, _ = skus
    later = stream(shop, hours=60, title="下周")
    FeaturedSku.objects.create(session=later, sku=mask, planned_units=900)
    first = stream(shop, hours=10, title="今晚")
    FeaturedSku.objects.create(session=first, sku=mask, planned_units=100)
    assert next_stream_shortfalls(user=owner) == []  # tonight's 100 are covered; next week is not next
    far = stream(shop, hours=24 * 10, title="十天后")
    FeaturedSku.objects.create(session=far, sku=mask, planned_units=900)
    first.delete()
    assert [s.session_title for s in next_stream_shortfalls(user=owner)] == ["下周"]


def test_another_shops_stream_is_not_shown(shop: Shop, operator: Any, skus: Any) -> None:
    mask, _ = skus
    other = Shop.objects.create(code="siyu", name="私域", platform="private")
    s = stream(other, hours=5)
    FeaturedSku.objects.create(session=s, sku=mask, planned_units=900)
    assert next_stream_shortfalls(user=operator) == []
