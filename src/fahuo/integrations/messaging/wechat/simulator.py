"""A WeChat API look-alike for subscribe messages (plain WSGI, in-memory, thread-safe).

Serve it with ``fahuo.integrations.simserver.serve(WechatSimulator.with_app(...))`` and point the
``wechat`` account's base_url at it. It speaks WeChat's protocol:

* ``GET /cgi-bin/token?grant_type=client_credential&appid=…&secret=…`` answers a new access_token
  (``expires_in`` 7200); as on WeChat, fetching a new token invalidates the previous one. A wrong
  appid answers 40013, a wrong secret 40125;
* ``POST /cgi-bin/message/subscribe/send?access_token=…`` with the JSON body: an unknown token answers
  40001, one expired by ``expire_tokens()`` 42001; ``touser`` must be a subscribed openid (40003
  otherwise) with a subscription left — a subscription is one-time, each message uses one (43101
  when none is left); ``template_id`` must be a known template (40037) whose data keys are all given
  and follow their type's rule (47003 "argument invalid! data.<key>.value invalid").

Scripted failures: ``rate_limit_next(n)`` (45009), ``busy_next(n)`` (-1), ``fail_next(n, status)``.
With ``accept_any_openid`` (the demo) every openid has unlimited subscriptions.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fahuo.integrations.messaging.wechat.mapper import field_type
from fahuo.integrations.messaging.wechat.settings import DEFAULT_FIELDS, SEND_PATH, TOKEN_PATH
from fahuo.integrations.simfaults import SimFaults
from fahuo.integrations.simserver import read_body, read_query
from fahuo.integrations.simserver import respond_json as _respond

DEMO_APPID = "wxfahuodemo0000001"
DEMO_SECRET = "fahuo-demo-wechat-secret"
DEMO_TEMPLATE_ID = "fahuo-demo-logistics-template"
StartResponse = Callable[..., Any]

_RULES: dict[str, re.Pattern[str]] = {
    "thing": re.compile(r"^.{1,20}$", re.S),
    "character_string": re.compile(r"^[\x21-\x7e]{1,32}$"),
    "phrase": re.compile(r"^[\u4e00-\u9fff]{1,5}$"),
    "number": re.compile(r"^\d{1,32}(\.\d+)?$"),
    "name": re.compile(r"^.{1,10}$", re.S),
}


@dataclass(frozen=True)
class SimWechatMessage:
    openid: str
    template_id: str
    data: dict[str, str]
    msgid: int


@dataclass
class WechatSimulator(SimFaults):
    appid: str = DEMO_APPID
    secret: str = DEMO_SECRET
    templates: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {DEMO_TEMPLATE_ID: tuple(DEFAULT_FIELDS)}
    )
    subscriptions: dict[str, int] = field(default_factory=dict)  # openid -> one-time subscriptions left
    accept_any_openid: bool = False
    delivered: list[SimWechatMessage] = field(default_factory=list)
    token_fetches: int = 0
    _token: str = ""
    _expired: set[str] = field(default_factory=set, repr=False)
    _msgid: int = 294402298110051942

    @classmethod
    def with_app(cls, appid: str = DEMO_APPID, secret: str = DEMO_SECRET, **options: Any) -> WechatSimulator:
        return cls(appid=appid, secret=secret, **options)

    def subscribe(self, openid: str, times: int = 1) -> None:
        """The buyer tapped 'allow' ``times`` times in the mini-program (one message each)."""
        with self._lock:
            self.subscriptions[openid] = self.subscriptions.get(openid, 0) + times

    def expire_tokens(self) -> None:
        with self._lock:
            if self._token:
                self._expired.add(self._token)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        query = read_query(environ)
        if (status := self.take_failure()) is not None:
            return _respond(
                start_response, f"{status} Service Unavailable", {"errcode": -1, "errmsg": "system error"}
            )
        with self._lock:
            if path == TOKEN_PATH and method == "GET":
                return _respond(start_response, "200 OK", self._token_answer(query))
            if path == SEND_PATH and method == "POST":
                raw = read_body(environ)
                return _respond(start_response, "200 OK", self._send(query.get("access_token", ""), raw))
        return _respond(start_response, "404 Not Found", {"errcode": 404, "errmsg": "not found"})

    def _token_answer(self, query: Mapping[str, str]) -> dict[str, Any]:
        if query.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if query.get("appid") != self.appid:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if query.get("secret") != self.secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        self.token_fetches += 1
        self._token = "ACCESS_TOKEN_" + uuid.uuid4().hex
        return {"access_token": self._token, "expires_in": 7200}

    def _send(self, token: str, raw: str) -> dict[str, Any]:
        if token in self._expired:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if not token or token != self._token:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        if self.take("rate_limit"):
            return {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
        if self.take("busy"):
            return {"errcode": -1, "errmsg": "system error"}
        try:
            body = json.loads(raw or "{}")
        except ValueError:
            return {"errcode": 47001, "errmsg": "data format error"}
        openid = str(body.get("touser") or "")
        if not openid or (openid not in self.subscriptions and not self.accept_any_openid):
            return {"errcode": 40003, "errmsg": "invalid openid"}
        keys = self.templates.get(str(body.get("template_id") or ""))
        if keys is None:
            return {"errcode": 40037, "errmsg": "invalid template_id"}
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        values: dict[str, str] = {}
        for key in keys:
            item = data.get(key)
            value = str(item.get("value", "")) if isinstance(item, dict) else ""
            rule = _RULES.get(field_type(key))
            if not value or (rule is not None and not rule.match(value)):
                return {"errcode": 47003, "errmsg": f"argument invalid! data.{key}.value invalid"}
            values[key] = value
        if not self.accept_any_openid:
            if self.subscriptions.get(openid, 0) <= 0:
                return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
            self.subscriptions[openid] -= 1
        self._msgid += 1
        self.delivered.append(
            SimWechatMessage(
                openid=openid, template_id=str(body["template_id"]), data=values, msgid=self._msgid
            )
        )
        return {"errcode": 0, "errmsg": "ok", "msgid": self._msgid}
