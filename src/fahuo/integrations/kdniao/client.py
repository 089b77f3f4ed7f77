"""HTTP calls to Kdniao's EOrderService (httpx + tenacity) and the WaybillProvider adapter.

Protocol (see docs/integrations/kdniao.md): one form POST (application/x-www-form-urlencoded, UTF-8)
per command with ``RequestData`` (the JSON text), ``EBusinessID``, ``RequestType``, ``DataType=2``
and ``DataSign = base64(md5_hex_lower(RequestData + AppKey))``. Kdniao's docs add "then URL-encode
it": that is the form encoding every value gets once, so the base64 text is passed to the form
encoder as is (the official demos build the body by hand from already-encoded values — the same
bytes on the wire).
"""

from __future__ import annotations

import atexit
import base64
import dataclasses
import hashlib
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx

from fahuo.integrations.base import WaybillRequest, WaybillResult
from fahuo.integrations.http import ClientAdapter, OwnedClient, RetryPolicy, Wording, call_json
from fahuo.integrations.kdniao import mapper
from fahuo.integrations.kdniao.codes import RETRYABLE_HTTP_STATUSES, FailureKind, classify
from fahuo.integrations.kdniao.settings import PROVIDER_KEY, KdniaoSettings
from fahuo.kit.errors import ProviderError

USER_AGENT = "fahuo-kdniao/1"


def sign(request_data: str, app_key: str) -> str:
    """Kdniao's DataSign before form encoding: base64 of the 32-char lowercase hex MD5 (as ASCII
    text, not the raw digest) of RequestData + AppKey, both UTF-8."""
    digest = hashlib.md5((request_data + app_key).encode("utf-8")).hexdigest()
    return base64.b64encode(digest.encode("ascii")).decode("ascii")


def build_form(*, request_type: str, request_data: str, settings: KdniaoSettings) -> dict[str, str]:
    """The five system-level form fields of one call."""
    return {
        "RequestData": request_data,
        "EBusinessID": settings.ebusiness_id,
        "RequestType": request_type,
        "DataSign": sign(request_data, settings.app_key),
        "DataType": mapper.DATA_TYPE_JSON,
    }


WORDING = Wording(
    unreachable="无法连接快递鸟接口（{error}），请稍后重试",
    unavailable="快递鸟接口暂时不可用（HTTP {status}），请稍后重试",
    refused="快递鸟接口拒绝了请求（HTTP {status}）",
    unreadable="快递鸟接口返回了无法解析的内容",
)


_shared: dict[tuple[float, float], httpx.Client] = {}
_shared_lock = threading.Lock()


def shared_http(settings: KdniaoSettings) -> httpx.Client:
    """One keep-alive pool per timeout setting for the process's one-off Kdniao calls (trace
    subscriptions and queries): a client per call costs a new SSL context and connection each time,
    which showed in workers subscribing every parcel of a 20k batch."""
    key = (settings.connect_timeout_s, settings.read_timeout_s)
    with _shared_lock:
        client = _shared.get(key)
        if client is None or client.is_closed:
            client = httpx.Client(
                timeout=httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s),
                limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            )
            _shared[key] = client
            atexit.register(client.close)
        return client


class KdniaoClient(OwnedClient):
    """Signs and posts one command; answers Kdniao's JSON object. Thread-safe (one httpx.Client)."""

    def __init__(self, settings: KdniaoSettings, *, http: httpx.Client | None = None) -> None:
        self.settings = settings
        super().__init__(
            http,
            lambda: httpx.Client(
                timeout=httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s),
                limits=httpx.Limits(
                    max_connections=max(settings.concurrency, 1) * 2,
                    max_keepalive_connections=max(settings.concurrency, 1),
                ),
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            ),
        )

    def call(self, request_type: str, request_data: Mapping[str, Any], *, url: str = "") -> dict[str, Any]:
        """POST one command (to the EOrderService unless ``url`` names another endpoint); raises
        ProviderError when no usable answer comes back."""
        text = mapper.dump_request_data(request_data)
        form = build_form(request_type=request_type, request_data=text, settings=self.settings)
        policy = RetryPolicy(attempts=self.settings.max_attempts, backoff_s=self.settings.backoff_s)
        return call_json(
            lambda: self._http.post(url or self.settings.eorder_url, data=dict(form)),
            policy=policy,
            wording=WORDING,
            retry_statuses=RETRYABLE_HTTP_STATUSES,
        )


def _raise_if_call_refused(body: Mapping[str, Any]) -> None:
    """A refusal of the call itself (signature, account) fails the whole batch, not one parcel."""
    if mapper.is_success(body):
        return
    code, reason = mapper.result_code(body), mapper.reason_text(body)
    if classify(code, reason) is FailureKind.AUTH:
        raise ProviderError(reason or "快递鸟拒绝了请求（签名或账号错误）", detail={"ResultCode": code})


class KdniaoWaybillProvider(ClientAdapter[KdniaoClient]):
    """fahuo's WaybillProvider for Kdniao: one 1007 call per parcel, sent over a shared keep-alive
    client, ``settings.concurrency`` at a time; results come back in request order."""

    key = PROVIDER_KEY

    def __init__(self, settings: KdniaoSettings, *, client: KdniaoClient | None = None) -> None:
        self.settings = settings
        self.client = client or KdniaoClient(settings)
        self._lock = threading.Lock()
        # tracking number -> OrderCode of waybills issued through this adapter, for cancel()
        self._order_codes: dict[str, str] = {}

    def issue(self, requests: Sequence[WaybillRequest]) -> list[WaybillResult]:
        return [
            dataclasses.replace(o.result, children=o.children) if o.children else o.result
            for o in self.issue_detailed(requests)
        ]

    def issue_detailed(self, requests: Sequence[WaybillRequest]) -> list[mapper.IssueOutcome]:
        """Like ``issue`` but with Kdniao's detail: child waybill numbers, ResultCode, failure kind."""
        if not requests:
            return []
        workers = min(max(self.settings.concurrency, 1), len(requests))
        if workers == 1:
            return [self._issue_one(r) for r in requests]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kdniao") as pool:
            futures = [pool.submit(self._issue_one, r) for r in requests]
            try:
                return [f.result() for f in futures]
            except BaseException:
                _cancel_pending(futures)
                raise

    def _issue_one(self, request: WaybillRequest) -> mapper.IssueOutcome:
        try:
            data = mapper.issue_request_data(request, self.settings)
        except mapper.MappingError as exc:
            return mapper.IssueOutcome(
                result=WaybillResult(request_id=request.request_id, error=exc.message),
                kind=FailureKind.INVALID_REQUEST,
            )
        body = self.client.call(mapper.REQUEST_ISSUE, data)
        _raise_if_call_refused(body)
        outcome = mapper.parse_issue_response(request.request_id, body)
        if outcome.result.ok:
            with self._lock:
                self._order_codes[outcome.result.tracking_no] = request.request_id
        return outcome

    def cancel(
        self, *, carrier_code: str, tracking_no: str, request_id: str = "", provider_ref: str = ""
    ) -> None:
        """Cancel (1147) one e-waybill so the number is returned to the account.

        Kdniao wants the OrderCode with the number: pass ``request_id`` (Waybill.request_id); without
        it, the OrderCode remembered from ``issue`` on this adapter is used.
        """
        with self._lock:
            order_code = request_id or self._order_codes.get(tracking_no, "")
        try:
            data = mapper.cancel_request_data(
                carrier_code=carrier_code,
                tracking_no=tracking_no,
                order_code=order_code,
                settings=self.settings,
            )
        except mapper.MappingError as exc:
            raise ProviderError(exc.message) from None
        body = self.client.call(mapper.REQUEST_CANCEL, data)
        if not mapper.is_success(body):
            code = mapper.result_code(body)
            raise ProviderError(
                mapper.reason_text(body) or "快递鸟取消电子面单失败", detail={"ResultCode": code}
            )
        with self._lock:
            self._order_codes.pop(tracking_no, None)


def _cancel_pending(futures: Sequence[Future[Any]]) -> None:
    for future in futures:
        future.cancel()
