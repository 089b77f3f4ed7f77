"""HTTP calls to WeChat (access_token, subscribeMessage.send) and the WeChat MessageChannel."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from fahuo.integrations.http import OwnedClient, RetryPolicy, Wording, call_json
from fahuo.integrations.messaging.base import ProviderChannel, SendResult
from fahuo.integrations.messaging.wechat import codes, mapper
from fahuo.integrations.messaging.wechat.settings import SEND_PATH, TOKEN_PATH, WechatSettings
from fahuo.kit.errors import ProviderError

CHANNEL_KEY = "wechat"
USER_AGENT = "fahuo-wechat/1"
TOKEN_MARGIN_S = 300  # refresh this long before WeChat's expires_in runs out

# (base_url, appid) -> (token, expires at); shared by every channel in the process: WeChat allows
# one valid token per appid, so fetching one per message would invalidate the others' tokens.
_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


class _Refused(Exception):
    def __init__(self, result: SendResult) -> None:
        super().__init__(result.error)
        self.result = result


def forget_tokens() -> None:
    """Drop every cached access_token (tests, or after a secret was changed)."""
    with _tokens_lock:
        _tokens.clear()


class WechatClient(OwnedClient):
    def __init__(
        self,
        settings: WechatSettings,
        *,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._clock = clock
        super().__init__(
            http,
            lambda: httpx.Client(
                timeout=httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s),
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            ),
        )

    def access_token(self, *, refresh: bool = False) -> str:
        """The configured token, or a cached one fetched with appid/secret (raises _Refused)."""
        if self.settings.access_token:
            return self.settings.access_token
        key = (self.settings.base_url, self.settings.appid)
        with _tokens_lock:
            cached = _tokens.get(key)
            if cached and not refresh and cached[1] > self._clock():
                return cached[0]
            params = {
                "grant_type": "client_credential",
                "appid": self.settings.appid,
                "secret": self.settings.secret,
            }
            body = self._get_json(self.settings.url(TOKEN_PATH), params)
            token = str(body.get("access_token") or "")
            if not token:
                errcode = _errcode(body)
                raise _Refused(
                    SendResult.failed(
                        "获取微信 access_token 失败："
                        + codes.describe(errcode, str(body.get("errmsg") or "")),
                        retryable=True,
                        code=str(errcode),
                    )
                )
            expires_in = float(body.get("expires_in") or 7200)
            _tokens[key] = (token, self._clock() + max(expires_in - TOKEN_MARGIN_S, 60))
            return token

    def send(self, body: Mapping[str, Any], *, token: str) -> dict[str, Any]:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return self._post_json(self.settings.url(SEND_PATH), {"access_token": token}, payload)

    def _get_json(self, url: str, params: Mapping[str, str]) -> dict[str, Any]:
        return self._read(lambda: self._http.get(url, params=dict(params)))

    def _post_json(self, url: str, params: Mapping[str, str], payload: bytes) -> dict[str, Any]:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        return self._read(lambda: self._http.post(url, params=dict(params), content=payload, headers=headers))

    def _read(self, call: Callable[[], httpx.Response]) -> dict[str, Any]:
        # One attempt: a failed message is retried by the notify outbox, which knows the deadline.
        try:
            return call_json(call, policy=_ONE_ATTEMPT, wording=_WORDING)
        except ProviderError as exc:
            raise _Refused(SendResult.failed(exc.message, retryable=True)) from exc


_ONE_ATTEMPT = RetryPolicy(attempts=1)
_WORDING = Wording(
    unreachable="无法连接微信接口（{error}），稍后重试",
    unavailable="微信接口暂时不可用（HTTP {status}），稍后重试",
    refused="微信接口暂时不可用（HTTP {status}），稍后重试",
    unreadable="微信接口返回了无法解析的内容，稍后重试",
)


def _errcode(body: Mapping[str, Any]) -> int:
    try:
        return int(body.get("errcode", -1))
    except (TypeError, ValueError):
        return -1


class WechatChannel(ProviderChannel):
    """fahuo's MessageChannel for WeChat subscribe messages; ``to`` is the buyer's openid and
    ``template_code`` the fahuo message key (mapped to a template id by the account's settings)."""

    key = CHANNEL_KEY

    def __init__(self, settings: WechatSettings, *, client: WechatClient | None = None) -> None:
        self.settings = settings
        self.client = client or WechatClient(settings)

    def deliver(
        self, to: str, body: str, template_code: str | None, params: Mapping[str, str] | None
    ) -> SendResult:
        values = {"提示": body, **dict(params or {})}
        try:
            request = mapper.send_body(
                openid=to,
                template_id=self.settings.template_id(template_code),
                params=values,
                settings=self.settings,
            )
        except mapper.MappingError as exc:
            return SendResult.failed(exc.message, retryable=False, code="invalid")
        try:
            answer = self.client.send(request, token=self.client.access_token())
            errcode = _errcode(answer)
            if codes.classify(errcode) is codes.FailureKind.TOKEN and not self.settings.access_token:
                # The cached token was invalidated (someone fetched a new one): fetch and send once more.
                answer = self.client.send(request, token=self.client.access_token(refresh=True))
        except _Refused as refused:
            return refused.result
        errcode = _errcode(answer)
        kind = codes.classify(errcode)
        if kind is codes.FailureKind.NONE:
            return SendResult.sent(str(answer.get("msgid") or ""), code="0")
        message = codes.describe(errcode, str(answer.get("errmsg") or ""))
        return SendResult.failed(
            message,
            retryable=codes.is_retryable(kind),
            code=str(errcode),
            throttled=kind is codes.FailureKind.RATE_LIMITED,
        )
