"""Every provider simulator takes the same fault knobs (``integrations.simfaults.SimFaults``): a test
scripts "fail the next call" or "answer the next call slowly" the same way whichever provider it
talks to, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from fahuo.integrations.douyin.simulator import DouyinSimulator
from fahuo.integrations.kdniao.settings import EORDER_PATH
from fahuo.integrations.kdniao.simulator import KdniaoSimulator
from fahuo.integrations.kuaidi100.settings import ORDER_PATH
from fahuo.integrations.kuaidi100.simulator import SimulatorState, make_app
from fahuo.integrations.messaging.douyin_im.simulator import DouyinImSimulator
from fahuo.integrations.messaging.sms_kdniao.settings import SMS_PATH
from fahuo.integrations.messaging.sms_kdniao.simulator import KdniaoSmsSimulator
from fahuo.integrations.messaging.wechat.settings import TOKEN_PATH
from fahuo.integrations.messaging.wechat.simulator import WechatSimulator
from fahuo.integrations.simfaults import SimFaults
from fahuo.integrations.simserver import serve


def _kuaidi100() -> tuple[SimFaults, Any]:
    state = SimulatorState()
    return state, make_app(state)


def _plain(sim: Any) -> tuple[SimFaults, Any]:
    return sim, sim


# (simulator and its WSGI app, HTTP method, a path the provider serves)
SIMULATORS: dict[str, tuple[Callable[[], tuple[SimFaults, Any]], str, str]] = {
    "douyin": (lambda: _plain(DouyinSimulator()), "POST", "/order/orderDetail"),
    "douyin_im": (lambda: _plain(DouyinImSimulator()), "POST", DouyinImSimulator().path),
    "wechat": (lambda: _plain(WechatSimulator()), "GET", TOKEN_PATH),
    "kdniao_sms": (lambda: _plain(KdniaoSmsSimulator()), "POST", SMS_PATH),
    "kdniao": (lambda: _plain(KdniaoSimulator()), "POST", EORDER_PATH),
    "kuaidi100": (_kuaidi100, "POST", ORDER_PATH),
}


@pytest.mark.parametrize("provider", sorted(SIMULATORS))
def test_the_next_calls_fail_then_the_provider_answers_again(provider: str) -> None:
    make, method, path = SIMULATORS[provider]
    faults, app = make()
    faults.fail_next(2, status=502)
    with serve(app) as base_url:
        statuses = [httpx.request(method, base_url + path, timeout=5).status_code for _ in range(3)]
    assert statuses[:2] == [502, 502]
    assert statuses[2] != 502


@pytest.mark.parametrize("provider", sorted(SIMULATORS))
def test_a_slow_call_makes_a_short_client_timeout_fire(provider: str) -> None:
    make, method, path = SIMULATORS[provider]
    faults, app = make()
    faults.slow_next(1, seconds=2.0)
    with serve(app) as base_url:
        with pytest.raises(httpx.ReadTimeout):
            httpx.request(method, base_url + path, timeout=httpx.Timeout(5, read=0.5))
        # only the next call was slow: the one after it fits in a timeout shorter than the delay
        httpx.request(method, base_url + path, timeout=httpx.Timeout(5, read=1.5))


def test_armed_answers_are_taken_in_order_and_then_run_out() -> None:
    faults = SimFaults()
    faults.arm("query_refusal", 2, ("502", "服务器错误"))
    assert [faults.take("query_refusal") for _ in range(3)] == [("502", "服务器错误")] * 2 + [None]
