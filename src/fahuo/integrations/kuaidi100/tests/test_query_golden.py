"""Kuaidi100 real-time query (the polling fallback): the exact form on the wire with its sign
(golden, computed with coreutils md5sum), and scripted refusals over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fahuo.integrations.kuaidi100 import tracking
from fahuo.integrations.kuaidi100.settings import Kuaidi100Settings
from fahuo.integrations.kuaidi100.simulator import SimulatorState, make_app
from fahuo.integrations.simserver import serve
from fahuo.kit.errors import ProviderError

GOLDEN = json.loads(
    (Path(__file__).resolve().parent.parent / "golden" / "track_query_request.json").read_text()
)
KEY, CUSTOMER = GOLDEN["key"], GOLDEN["form"]["customer"]


@pytest.fixture
def state() -> SimulatorState:
    sim = SimulatorState()
    sim.add_account(KEY, "secret-example")
    sim.customers[CUSTOMER] = KEY
    return sim


@pytest.fixture
def settings(state: SimulatorState) -> Iterator[Kuaidi100Settings]:
    with serve(make_app(state)) as url:
        yield Kuaidi100Settings(key=KEY, secret="secret-example", base_url=url, customer=CUSTOMER, retries=2)


def test_golden_sign_is_upper_md5_of_param_key_and_customer() -> None:
    form = GOLDEN["form"]
    assert tracking.query_sign(form["param"], KEY, CUSTOMER) == form["sign"]


def test_query_posts_exactly_the_golden_form(state: SimulatorState, settings: Kuaidi100Settings) -> None:
    result = tracking.query(settings, tracking_no="SF1234567890123", carrier_code="SF", phone=GOLDEN["phone"])
    assert result == []  # 500 查询无结果: nothing yet
    [(path, form)] = state.received
    assert path == GOLDEN["path"]
    assert form == GOLDEN["form"]


def test_a_refused_query_raises_kuaidi100s_message(
    state: SimulatorState, settings: Kuaidi100Settings
) -> None:
    state.add_trace(
        "shunfeng", "SF1234567890123", time="2025-06-18 09:00:00", context="已揽收", status_code="103"
    )
    state.refuse_next_query(1, "502", "服务器错误")
    with pytest.raises(ProviderError, match="服务器错误"):
        tracking.query(settings, tracking_no="SF1234567890123", carrier_code="SF", phone=GOLDEN["phone"])
    events = tracking.query(settings, tracking_no="SF1234567890123", carrier_code="SF", phone=GOLDEN["phone"])
    assert [e.status for e in events] == ["picked_up"]


def test_scripted_rate_limit_and_busy_refuse_the_next_queries(
    state: SimulatorState, settings: Kuaidi100Settings
) -> None:
    state.add_trace(
        "shunfeng", "SF1234567890123", time="2025-06-18 09:00:00", context="已揽收", status_code="103"
    )
    state.rate_limit_next(1)
    state.busy_next(1)
    with pytest.raises(ProviderError, match="请求过于频繁"):
        tracking.query(settings, tracking_no="SF1234567890123", carrier_code="SF", phone=GOLDEN["phone"])
    with pytest.raises(ProviderError, match="服务器繁忙"):
        tracking.query(settings, tracking_no="SF1234567890123", carrier_code="SF", phone=GOLDEN["phone"])
    events = tracking.query(settings, tracking_no="SF1234567890123", carrier_code="SF", phone=GOLDEN["phone"])
    assert [e.status for e in events] == ["picked_up"]
