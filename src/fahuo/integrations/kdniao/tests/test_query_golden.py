"""Kdniao 1002 instant query (the polling fallback): the exact form on the wire, signed as Kdniao
documents (golden, DataSign computed with coreutils), and scripted refusals over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fahuo.integrations.kdniao import tracking
from fahuo.integrations.kdniao.client import sign
from fahuo.integrations.kdniao.settings import KdniaoSettings
from fahuo.integrations.kdniao.simulator import KdniaoSimulator
from fahuo.integrations.simserver import serve
from fahuo.kit.errors import ProviderError

GOLDEN = json.loads(
    (Path(__file__).resolve().parent.parent / "golden" / "track_query_request.json").read_text()
)
EBID, APP_KEY = GOLDEN["form"]["EBusinessID"], GOLDEN["AppKey"]


@pytest.fixture
def sim() -> KdniaoSimulator:
    return KdniaoSimulator.with_accounts({EBID: APP_KEY})


@pytest.fixture
def settings(sim: KdniaoSimulator) -> Iterator[KdniaoSettings]:
    with serve(sim) as url:
        yield KdniaoSettings(ebusiness_id=EBID, app_key=APP_KEY, base_url=url, backoff_s=0.01)


def query(settings: KdniaoSettings, **kw: Any) -> list[Any]:
    values: dict[str, Any] = {
        "tracking_no": "73100000000001",
        "carrier_code": "ZTO",
        "phone": GOLDEN["phone"],
    }
    values.update(kw)
    return tracking.query(settings, **values)


def test_golden_datasign_is_base64_of_the_md5_of_request_data_and_app_key() -> None:
    form = GOLDEN["form"]
    assert sign(form["RequestData"], APP_KEY) == form["DataSign"]


def test_query_posts_exactly_the_golden_form_to_the_query_endpoint(
    sim: KdniaoSimulator, settings: KdniaoSettings
) -> None:
    assert query(settings) == []
    [(path, form)] = sim.received
    assert path == GOLDEN["path"]
    assert form == GOLDEN["form"]


def test_a_refused_query_raises_kdniaos_reason(sim: KdniaoSimulator, settings: KdniaoSettings) -> None:
    sim.refuse_next_query(1, "系统繁忙，请稍后再试")
    with pytest.raises(ProviderError, match="系统繁忙"):
        query(settings)
    assert query(settings) == []  # only the next one was refused


def test_a_5xx_is_retried_then_reported(sim: KdniaoSimulator, settings: KdniaoSettings) -> None:
    sim.fail_next(5, status=503)
    with pytest.raises(ProviderError, match="503"):
        query(settings)


def test_scripted_rate_limit_and_busy_refuse_the_next_calls_with_kdniaos_reason(
    sim: KdniaoSimulator, settings: KdniaoSettings
) -> None:
    sim.rate_limit_next(1)
    sim.busy_next(1)
    with pytest.raises(ProviderError, match="请求过于频繁"):
        query(settings)
    with pytest.raises(ProviderError, match="系统繁忙"):
        query(settings)
    assert query(settings) == []  # each knob refused one call only
