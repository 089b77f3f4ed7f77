"""The stock page warns about the next stream's featured SKUs that run short (issue #13), like the dashboard."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fahuo.livestream.models import FeaturedSku
from fahuo.livestream.tests.test_next_stream_stock import skus, stream  # noqa: F401 (fixture)
from fahuo.orders.models import Shop

pytestmark = pytest.mark.django_db


def test_the_stock_page_warns_about_the_next_streams_short_skus(shop: Shop, owner: Any, skus: Any) -> None:  # noqa: F811
    mask, cream = skus
    s = stream(shop, hours=20, title="周五专场", expected_orders=400, forecast_high=600)
    FeaturedSku.objects.create(session=s, sku=mask, planned_units=250)
    FeaturedSku.objects.create(session=s, sku=cream, planned_units=500)
    page = Client()
    page.force_login(owner)
    html = page.get("/setup/stock/").content.decode()
    warning = html[html.index('id="stream-shortfalls"') : html.index('id="stock-levels"')]
    assert "下一场直播库存不足" in warning and "周五专场" in warning
    assert "MASK-10" in warning and "<strong>95</strong>" in warning and "CREAM-50" not in warning


def test_no_warning_when_the_next_stream_is_covered(shop: Shop, owner: Any, skus: Any) -> None:  # noqa: F811
    mask, _ = skus
    s = stream(shop, hours=20)
    FeaturedSku.objects.create(session=s, sku=mask, planned_units=100)
    page = Client()
    page.force_login(owner)
    assert 'id="stream-shortfalls"' not in page.get("/setup/stock/").content.decode()
