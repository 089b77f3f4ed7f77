"""The demo's stream review compares the stream with earlier ones that have figures (issue #15 item
11): every past stream shipped and was reviewed, so the comparison chart has a bar per stream."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fahuo.demo import generate


@pytest.fixture
def demo(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(generate, "LIVE_HISTORY_MIN_ORDERS", 300)  # past streams and their review
    return generate.build_demo(orders=300, seed=7)  # now: the history is "past" against the clock


@pytest.mark.django_db
def test_every_past_demo_stream_has_figures_to_compare(demo: Any) -> None:
    from fahuo.livestream import review
    from fahuo.livestream.models import LiveSession

    latest = review.resolve_session("latest")
    rows = review.history(shop_id=latest.shop_id, limit=12)
    past = LiveSession.objects.filter(shop=latest.shop, ends_at__lte=timezone.now()).count()
    assert len(rows) == past >= 2
    for row in rows:
        assert row["reviewed"], row["title"]
        assert row["orders"] and row["orders"] >= 300, row
        assert row["pickup_rate_24h"] is not None and 0.5 < row["pickup_rate_24h"] <= 1, row
        assert row["shipped_rate_48h"] is not None, row
        assert row["damage_rate"] is not None, row
    # each stream's own 24 h review prices its parcels: actual freight per carrier
    for session in LiveSession.objects.filter(shop=latest.shop, ends_at__lte=timezone.now()):
        data = review.stored_or_computed(session=session, kind="24h")
        assert data["actual_freight_fen"] and data["actual_freight_fen"] > 0, session.title
        assert len(data["carriers"]) >= 3, session.title


@pytest.mark.django_db
def test_the_review_pages_chart_has_a_bar_per_compared_stream(demo: Any) -> None:
    client = Client()
    assert client.login(username="owner", password=demo.password("owner"))
    html = client.get("/live/review/latest/").content.decode()
    charts = [
        json.loads(m)
        for m in re.findall(r'<script[^>]*type="application/json"[^>]*>(.*?)</script>', html, re.S)
    ]
    bars = [
        series["data"]
        for chart in charts
        for series in chart.get("series", [])
        if series.get("type") == "bar"
    ]
    history = max(bars, key=len)
    numbers = [n for n in history if isinstance(n, int | float) and n > 0]
    assert len(numbers) >= 2, history
    assert len(numbers) == len(history)  # no stream left as "—"
