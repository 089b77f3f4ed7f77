"""Kuaidi100 e-waybill v2 over HTTP: request signing, the form POST with retries, and the adapter.

Every call is ``POST {base_url}/label/order`` (form-encoded) with ``method``, ``key``, ``t`` (ms),
``param`` (a JSON string) and ``sign = upper(md5(param + t + key + secret))``.
"""

from __future__ import annotations

import atexit
import dataclasses
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from fahuo.integrations.base import WaybillRequest, WaybillResult
from fahuo.integrations.http import RetryPolicy, Wording, call_json
from fahuo.integrations.kuaidi100 import codes
from fahuo.integrations.kuaidi100.mapper import (
    OrderOutcome,
    cancel_param,
    dumps,
    error_message,
    is_success,
    order_param,
    parse_order_response,
)
from fahuo.integrations.kuaidi100.settings import Kuaidi100Settings
from fahuo.kit.errors import NotSupported, ProviderError

if TYPE_CHECKING:
    from fahuo.integrations.credentials.models import ProviderAccount

log = logging.getLogger(__name__)


def sign(param: str, t: str, key: str, secret: str) -> str:
    """Kuaidi100's request signature: 32 uppercase hex chars of MD5(param + t + key + secret)."""
    return hashlib.md5((param + t + key + secret).encode("utf-8")).hexdigest().upper()


WORDING = Wording(
    unreachable="快递100 服务无法连接（{error}）",
    unavailable="快递100 服务暂不可用（HTTP {status}）",
    refused="快递100 拒绝了请求（HTTP {status}）",
    unreadable="快递100 返回了无法解析的响应",
)
SERVER_ERRORS = range(500, 600)  # any 5xx from the gateway is tried again


_shared_lock = threading.Lock()
_shared: httpx.Client | None = None


def shared_http() -> httpx.Client:
    """One keep-alive connection pool for every Kuaidi100 adapter in the process."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.is_closed:
            _shared = httpx.Client(
                headers={"User-Agent": "fahuo-kuaidi100/1"},
                limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            )
            atexit.register(_shared.close)
        return _shared


def _now_ms() -> int:
    return int(time.time() * 1000)


class Kuaidi100Client:
    """Signed form calls to ``/label/order``; retries transport errors and HTTP 5xx only."""

    def __init__(
        self,
        settings: Kuaidi100Settings,
        *,
        http: httpx.Client | None = None,
        retry_wait: float = 0.5,
        now_ms: Callable[[], int] = _now_ms,
    ) -> None:
        self.settings = settings
        self.http = http or shared_http()
        self.retry_wait = retry_wait
        self.now_ms = now_ms

    def signed_form(self, method: str, param: str) -> dict[str, str]:
        t = str(self.now_ms())
        s = self.settings
        return {
            "method": method,
            "key": s.key,
            "t": t,
            "param": param,
            "sign": sign(param, t, s.key, s.secret),
        }

    def _post(self, form: Mapping[str, str]) -> httpx.Response:
        timeout = httpx.Timeout(self.settings.timeout_s, connect=min(5.0, self.settings.timeout_s))
        return self.http.post(self.settings.order_url, data=dict(form), timeout=timeout)

    def call(self, method: str, param: Mapping[str, Any]) -> dict[str, Any]:
        """POST one signed call and return the decoded JSON envelope; a failure of the call itself
        (network down after retries, HTTP error, unreadable body) raises ProviderError."""
        param_text = dumps(param)
        policy = RetryPolicy(
            attempts=self.settings.retries, backoff_s=self.retry_wait, max_wait_s=self.retry_wait * 8
        )
        # A fresh timestamp and signature per attempt; orderId keeps a repeated order idempotent.
        return call_json(
            lambda: self._post(self.signed_form(method, param_text)),
            policy=policy,
            wording=WORDING,
            retry_statuses=SERVER_ERRORS,
        )


class Kuaidi100WaybillProvider:
    """fahuo's WaybillProvider over Kuaidi100 e-waybill v2: one ``order`` call per parcel."""

    key = "kuaidi100"

    def __init__(self, settings: Kuaidi100Settings, *, client: Kuaidi100Client | None = None) -> None:
        self.settings = settings
        self.client = client or Kuaidi100Client(settings)
        # carrier order numbers seen by this adapter, for cancel (tracking_no -> kdComOrderNum)
        self._carrier_orders: dict[str, str] = {}

    def issue(self, requests: Sequence[WaybillRequest]) -> list[WaybillResult]:
        return [
            dataclasses.replace(o.result, children=o.children, provider_ref=o.kd_com_order_num)
            if o.result.ok
            else o.result
            for o in self.issue_detailed(requests)
        ]

    def issue_detailed(self, requests: Sequence[WaybillRequest]) -> list[OrderOutcome]:
        """Like ``issue`` but keeps child numbers, the carrier order number and the task id."""
        outcomes: list[OrderOutcome] = []
        for index, req in enumerate(requests):
            kuaidicom = self.settings.kuaidicom(req.carrier_code)
            if kuaidicom is None:
                error = f"快递100 未配置该快递公司：{req.carrier_code}"
                outcomes.append(OrderOutcome(result=WaybillResult(request_id=req.request_id, error=error)))
                continue
            try:
                body = self.client.call("order", order_param(req, self.settings, kuaidicom=kuaidicom))
            except ProviderError as exc:
                return self._stop(outcomes, requests[index:], exc)
            outcome = parse_order_response(req.request_id, body)
            log.info("kuaidi100 order %s -> code %s", req.request_id, outcome.code.code)
            if outcome.code.scope is codes.Scope.ACCOUNT:
                refused = ProviderError(outcome.result.error, detail={"code": outcome.code.code})
                return self._stop(outcomes, requests[index:], refused)
            if outcome.kd_com_order_num:
                self._carrier_orders[outcome.result.tracking_no] = outcome.kd_com_order_num
            outcomes.append(outcome)
        return outcomes

    @staticmethod
    def _stop(
        done: list[OrderOutcome], rest: Sequence[WaybillRequest], exc: ProviderError
    ) -> list[OrderOutcome]:
        """A failure every further call would share (network, signature, balance): raise when nothing
        was issued yet; otherwise keep the numbers already issued and fail the rest with the message."""
        if not any(o.result.ok for o in done):
            raise exc
        failed = [
            OrderOutcome(result=WaybillResult(request_id=r.request_id, error=exc.message)) for r in rest
        ]
        return done + failed

    def cancel(
        self,
        *,
        carrier_code: str,
        tracking_no: str,
        request_id: str = "",
        provider_ref: str = "",
        carrier_order_no: str = "",
        reason: str = "",
    ) -> None:
        """Cancel an unused waybill. ``carrier_order_no`` is the order's ``kdComOrderNum``, which
        Kuaidi100 requires for cancel when the order returned one."""
        kuaidicom = self.settings.kuaidicom(carrier_code)
        if kuaidicom is None:
            raise NotSupported(f"快递100 未配置该快递公司：{carrier_code}")
        param = cancel_param(
            self.settings,
            kuaidicom=kuaidicom,
            kuaidinum=tracking_no,
            order_id=provider_ref or carrier_order_no or self._carrier_orders.get(tracking_no, ""),
            reason=reason,
        )
        body = self.client.call("cancel", param)
        if not is_success(body):
            raise ProviderError(error_message(body), detail={"code": body.get("code")})
        self._carrier_orders.pop(tracking_no, None)


def provider_for_account(account: ProviderAccount | None) -> Kuaidi100WaybillProvider:
    """Registry factory: an adapter for the account's credentials."""
    if account is None:
        raise NotSupported("快递100 电子面单需要先配置账号（key、secret 与电子面单账号）")
    return Kuaidi100WaybillProvider(Kuaidi100Settings.from_account(account))
