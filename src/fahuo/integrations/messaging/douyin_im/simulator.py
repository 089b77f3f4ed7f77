"""A 抖店 open-platform look-alike for customer-service messages (plain WSGI, in-memory, thread-safe).

Serve it with ``fahuo.integrations.simserver.serve(DouyinImSimulator.with_app(...))`` and point the
shop's 抖店 account base_url at it. ``POST /im/sendMsg`` (the method's dots as slashes, like every
抖店 API) with the common parameters in the query string and param_json as the body; the caller is
checked like the gateway does: app_key known (40001 isv.app-id-missing), hmac-sha256 sign (40003
isv.signature-invalid), access_token (40003 isv.access-token-no-existed / -expired). A message to an
order the shop does not have answers 50002 isv.business-failed:60033 "订单不存在"; a repeated
request_id answers the first msg_id and delivers nothing new.

Scripted failures: ``rate_limit_next(n)`` (60000 isv.traffic-limited), ``busy_next(n)`` (20000
isp.service-error), ``fail_next(n, status)`` (HTTP 5xx), ``closed`` (orders whose buyer cannot be
messaged: 50002 "买家已关闭会话").
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fahuo.integrations.douyin.client import sign
from fahuo.integrations.douyin.sim_common import API_OFF, answer, gate, raise_scripted_refusal, respond
from fahuo.integrations.douyin.sim_common import Refusal as _Refusal
from fahuo.integrations.douyin.sim_common import business as _business
from fahuo.integrations.douyin.simulator import DEMO_ACCESS_TOKEN, DEMO_APP_KEY, DEMO_APP_SECRET
from fahuo.integrations.messaging.douyin_im.mapper import CONTENT_MAX
from fahuo.integrations.messaging.douyin_im.settings import DEFAULT_METHOD
from fahuo.integrations.simfaults import SimFaults
from fahuo.integrations.simserver import read_body, read_query

__all__ = ["DEMO_ACCESS_TOKEN", "DEMO_APP_KEY", "DEMO_APP_SECRET", "DouyinImSimulator", "SimImMessage"]
StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class SimImMessage:
    order_id: str
    content: str
    request_id: str
    msg_id: str


@dataclass
class DouyinImSimulator(SimFaults):
    app_key: str = DEMO_APP_KEY
    app_secret: str = DEMO_APP_SECRET
    access_tokens: set[str] = field(default_factory=lambda: {DEMO_ACCESS_TOKEN})
    method: str = DEFAULT_METHOD
    orders: set[str] = field(default_factory=set)
    closed: set[str] = field(default_factory=set)
    accept_unknown_orders: bool = False
    delivered: list[SimImMessage] = field(default_factory=list)
    requests: int = 0
    _by_request: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def with_app(cls, app_key: str, app_secret: str, access_token: str, **options: Any) -> DouyinImSimulator:
        return cls(app_key=app_key, app_secret=app_secret, access_tokens={access_token}, **options)

    @property
    def path(self) -> str:
        return "/" + self.method.replace(".", "/")

    def add_order(self, order_id: str) -> None:
        with self._lock:
            self.orders.add(order_id)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") != self.path:
            return respond(start_response, "404 Not Found", API_OFF)
        if environ.get("REQUEST_METHOD") == "POST":
            with self._lock:
                self.requests += 1
        if (early := gate(self, environ, start_response)) is not None:
            return early
        return respond(start_response, "200 OK", self.handle(read_query(environ), read_body(environ)))

    def handle(self, query: Mapping[str, str], param_json: str) -> dict[str, Any]:
        return answer(self._lock, lambda: self._dispatch(query, param_json))

    def _dispatch(self, query: Mapping[str, str], param_json: str) -> dict[str, Any]:
        self._authenticate(query, param_json)
        try:
            params = json.loads(param_json or "{}")
        except ValueError:
            raise _Refusal(
                40003, "非法的参数", "isv.parameter-format-invalid", "业务参数json解析失败"
            ) from None
        raise_scripted_refusal(self)
        order_id = str(params.get("order_id") or "").strip()
        content = str(params.get("content") or "")
        request_id = str(params.get("request_id") or "")
        if not order_id:
            raise _Refusal(40004, "非法的参数", "isv.parameter-invalid:50049", "订单号不能为空或者格式错误。")
        if params.get("msg_type") != "text" or not content.strip() or len(content) > CONTENT_MAX:
            raise _Refusal(40004, "非法的参数", "isv.parameter-invalid", "消息内容不合法")
        if request_id and request_id in self._by_request:
            return {"msg_id": self._by_request[request_id]}
        if order_id not in self.orders and not self.accept_unknown_orders:
            raise _business("60033", "订单不存在，请仔细检查后重试。")
        if order_id in self.closed:
            raise _business("61001", "买家已关闭会话，无法发送消息")
        msg_id = uuid.uuid4().hex
        self.delivered.append(
            SimImMessage(order_id=order_id, content=content, request_id=request_id, msg_id=msg_id)
        )
        if request_id:
            self._by_request[request_id] = msg_id
        return {"msg_id": msg_id}

    def _authenticate(self, query: Mapping[str, str], param_json: str) -> None:
        if query.get("app_key") != self.app_key:
            raise _Refusal(40001, "缺少必选参数", "isv.app-id-missing", "认证失败，app_key不存在")
        if query.get("method") != self.method or query.get("v") != "2":
            raise _Refusal(40003, "非法的参数", "isv.parameter-invalid", "method 或 v 不合法")
        expected = sign(
            app_key=self.app_key,
            app_secret=self.app_secret,
            method=self.method,
            param_json=param_json,
            timestamp=query.get("timestamp", ""),
        )
        if query.get("sign_method") != "hmac-sha256" or query.get("sign") != expected:
            raise _Refusal(40003, "非法的参数", "isv.signature-invalid", "签名校验失败")
        token = query.get("access_token", "")
        if token not in self.access_tokens:
            raise _Refusal(
                40003,
                "非法的参数",
                "isv.access-token-no-existed",
                "access_token不存在，请使用最新的access_token访问",
            )
