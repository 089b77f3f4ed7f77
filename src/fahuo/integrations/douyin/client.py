"""HTTP calls to the 抖店 open platform (httpx + tenacity), request signing, the ShopPlatform adapter
and the order reader (``DouyinOrderSource``: orderDetail + batchDecrypt).

Protocol (see docs/integrations/douyin.md), as the official SDKs send it: ``POST {base}/{method with
'.' -> '/'}`` with the common parameters in the query string — ``app_key, method, access_token,
timestamp, v=2, sign_method=hmac-sha256, sign`` — and param_json (compact JSON, keys sorted) as the
JSON body. ``sign = hex(HMAC-SHA256(key=app_secret, app_secret + "app_key" + app_key + "method" +
method + "param_json" + param_json + "timestamp" + timestamp + "v" + "2" + app_secret))``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from fahuo.integrations.douyin import mapper
from fahuo.integrations.douyin.auth import EXPIRED_SUB_CODES, TOKEN_METHODS
from fahuo.integrations.douyin.codes import RETRYABLE_HTTP_STATUSES, FailureKind
from fahuo.integrations.douyin.settings import PROVIDER_KEY, DouyinSettings
from fahuo.integrations.http import ClientAdapter, OwnedClient, RetryPolicy, Wording, call_json
from fahuo.kit.errors import ProviderError

USER_AGENT = "fahuo-douyin/1"

_TEMPORARY = {"retryable": True, "kind": str(FailureKind.TEMPORARY)}


def sign_pattern(*, app_key: str, app_secret: str, method: str, param_json: str, timestamp: str) -> str:
    """The string that is signed: the five common parameters in alphabetical order, each name
    followed by its value, wrapped in app_secret on both ends (access_token and sign_method are
    not signed)."""
    pairs = (
        ("app_key", app_key),
        ("method", method),
        ("param_json", param_json),
        ("timestamp", timestamp),
        ("v", mapper.API_VERSION),
    )
    return app_secret + "".join(name + value for name, value in pairs) + app_secret


def sign(*, app_key: str, app_secret: str, method: str, param_json: str, timestamp: str) -> str:
    """Lowercase hex HMAC-SHA256 of ``sign_pattern`` keyed with app_secret (UTF-8 throughout)."""
    pattern = sign_pattern(
        app_key=app_key, app_secret=app_secret, method=method, param_json=param_json, timestamp=timestamp
    )
    return hmac.new(app_secret.encode("utf-8"), pattern.encode("utf-8"), hashlib.sha256).hexdigest()


def build_query(
    *, method: str, param_json: str, timestamp: str, settings: DouyinSettings, access_token: str | None = None
) -> dict[str, str]:
    """The common parameters of one call (sent in the query string); the token calls themselves
    (token.create/refresh) carry no access_token."""
    token = settings.access_token if access_token is None else access_token
    return {
        "app_key": settings.app_key,
        "method": method,
        **({} if method in TOKEN_METHODS else {"access_token": token}),
        "timestamp": timestamp,
        "v": mapper.API_VERSION,
        "sign_method": mapper.SIGN_METHOD,
        "sign": sign(
            app_key=settings.app_key,
            app_secret=settings.app_secret,
            method=method,
            param_json=param_json,
            timestamp=timestamp,
        ),
    }


WORDING = Wording(
    unreachable="无法连接抖店开放平台（{error}），稍后自动重试",
    unavailable="抖店开放平台暂时不可用（HTTP {status}），稍后自动重试",
    refused="抖店开放平台拒绝了请求（HTTP {status}），请检查接口地址",
    unreadable="抖店开放平台返回了无法解析的内容，稍后自动重试",
)


class DouyinClient(OwnedClient):
    """Signs and posts one API call; answers the platform's JSON object. Thread-safe."""

    def __init__(
        self,
        settings: DouyinSettings,
        *,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._access_token = settings.access_token  # renewed once on an expired-token answer
        super().__init__(
            http,
            lambda: httpx.Client(
                timeout=httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s),
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": "application/json",
                    # Ask for the current error codes (the official SDKs send this header too).
                    "x-open-no-old-err-code": "1",
                },
            ),
        )

    def timestamp(self) -> str:
        """Unix seconds, as the official SDKs send it."""
        return str(int(self._clock()))

    def call(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """POST one call; raises ProviderError (retryable) when no usable answer comes back.

        An answer saying the access token expired is followed, once, by ``settings.renew`` (the
        shop's token refreshed and stored) and the same call with the new token."""
        body = self._post(method, params)
        renew = self.settings.renew
        if renew is not None and method not in TOKEN_METHODS and _token_expired(body):
            self._access_token = renew()
            body = self._post(method, params)
        return body

    def _post(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        param_json = mapper.dump_param_json(params)
        query = build_query(
            method=method,
            param_json=param_json,
            timestamp=self.timestamp(),
            settings=self.settings,
            access_token=self._access_token,
        )
        url = self.settings.url_for(method)
        return call_json(
            lambda: self._http.post(
                url,
                params=dict(query),
                content=param_json.encode("utf-8"),
                headers={"Content-Type": "application/json;charset=utf-8"},
            ),
            policy=RetryPolicy(attempts=self.settings.max_attempts, backoff_s=self.settings.backoff_s),
            wording=WORDING,
            retry_statuses=RETRYABLE_HTTP_STATUSES,
            detail=_TEMPORARY,
        )


def _token_expired(body: Mapping[str, Any]) -> bool:
    return str(body.get("sub_code") or "") in EXPIRED_SUB_CODES


class DouyinShopPlatform(ClientAdapter[DouyinClient]):
    """fahuo's ShopPlatform for 抖店: tells the platform an order (or some of its sub-orders) shipped.

    A refusal raises ``ProviderError`` with the platform's own message; ``detail["retryable"]`` says
    whether the same call may succeed later unchanged, ``detail["kind"]`` is a ``FailureKind``.
    """

    key = PROVIDER_KEY

    def __init__(self, settings: DouyinSettings, *, client: DouyinClient | None = None) -> None:
        self.settings = settings
        self.client = client or DouyinClient(settings)

    def ship(
        self, *, order_id: str, company_code: str, logistics_code: str, line_ids: Sequence[str] = ()
    ) -> None:
        if not self.settings.ship_back:
            raise ProviderError(
                "本店已关闭发货回传：请在抖店后台发货，或在店铺设置中打开“发货回传”后重试",
                detail={"retryable": False, "kind": str(FailureKind.SHOP_SETUP)},
            )
        try:
            if line_ids:
                method = mapper.METHOD_MULTI_PACK
                params = mapper.multi_pack_params(
                    order_id=order_id,
                    company_code=company_code,
                    logistics_code=logistics_code,
                    line_ids=line_ids,
                )
            else:
                method = mapper.METHOD_LOGISTICS_ADD
                params = mapper.logistics_add_params(
                    order_id=order_id, company_code=company_code, logistics_code=logistics_code
                )
        except mapper.MappingError as exc:
            raise ProviderError(
                exc.message, detail={"retryable": False, "kind": str(FailureKind.INVALID)}
            ) from None
        outcome = mapper.parse_response(self.client.call(method, params))
        if outcome.ok:
            return
        if outcome.kind is FailureKind.ALREADY_SHIPPED:
            self._confirm_shipped_with(order_id=order_id, logistics_code=logistics_code, refusal=outcome)
            return
        raise ProviderError(outcome.message, detail=outcome.detail())

    def _confirm_shipped_with(self, *, order_id: str, logistics_code: str, refusal: mapper.Outcome) -> None:
        """A "订单已发货" refusal is our own earlier upload when the order lists our number (an answer
        was lost, or the row was sent twice); any other number means it shipped some other way."""
        body = self.client.call(mapper.METHOD_ORDER_DETAIL, mapper.order_detail_params(order_id=order_id))
        detail = mapper.parse_response(body)
        if not detail.ok:
            raise ProviderError(
                f"{refusal.message}；查询抖店订单物流失败：{detail.message}", detail=detail.detail()
            )
        numbers = mapper.shipped_numbers(body)
        if logistics_code.strip() in numbers:
            return
        listed = "、".join(sorted(numbers)) or "无"
        raise ProviderError(
            f"{refusal.message}（抖店上的单号：{listed}，不是 {logistics_code}）", detail=refusal.detail()
        )


class DouyinOrderSource(ClientAdapter[DouyinClient]):
    """Reads one whole order from 抖店: ``order.orderDetail``, then ``order.batchDecrypt`` for the
    recipient's encrypted name, phone and address line. Raises ``ProviderError`` with the platform's
    message; ``detail["retryable"]`` says whether the same call may succeed later."""

    key = PROVIDER_KEY

    def __init__(self, settings: DouyinSettings, *, client: DouyinClient | None = None) -> None:
        self.settings = settings
        self.client = client or DouyinClient(settings)

    def order(self, order_id: str, *, open_only: bool = False) -> mapper.DouyinOrder:
        """The order, its recipient decrypted; with ``open_only`` an order not paid-and-unshipped
        comes back still encrypted (the platform allows decrypting only those)."""
        try:
            params = mapper.order_detail_params(order_id=order_id)
        except mapper.MappingError as exc:
            raise ProviderError(
                exc.message, detail={"retryable": False, "kind": str(FailureKind.INVALID)}
            ) from None
        body = self._answer(self.client.call(mapper.METHOD_ORDER_DETAIL, params))
        try:
            order = mapper.parse_order_detail(body)
        except mapper.MappingError as exc:
            raise ProviderError(exc.message, detail=_TEMPORARY) from None
        ciphers = order.cipher_texts()
        if not ciphers or (open_only and order.status not in mapper.DECRYPTABLE_STATES):
            return order
        decrypt = mapper.batch_decrypt_params(order_id=order.order_id, cipher_texts=ciphers)
        plain, errors = mapper.decrypted_texts(
            self._answer(self.client.call(mapper.METHOD_BATCH_DECRYPT, decrypt))
        )
        if any(c not in plain for c in ciphers):
            why = errors[0] if errors else "未返回明文"
            raise ProviderError(f"抖店收件人信息解密失败：{why}", detail=_TEMPORARY)
        return order.decrypted(plain)

    @staticmethod
    def _answer(body: dict[str, Any]) -> dict[str, Any]:
        outcome = mapper.parse_response(body)
        if not outcome.ok:
            raise ProviderError(outcome.message, detail=outcome.detail())
        return body
