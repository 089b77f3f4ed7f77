"""A shop's authorisation with the 抖店 open platform: ``token.create`` and ``token.refresh``.

Both are ordinary signed calls (``POST {base}/token/create``, ``/token/refresh``) without an
access_token in the query, as the official SDKs send them (``AccessTokenBuilder.build`` /
``refresh``):

* ``token.create`` with ``{"code": <the authorisation code>, "grant_type": "authorization_code"}``
  (a tool app: the code the platform hands back after the shop owner agrees), or with
  ``{"code": "", "grant_type": "authorization_self", "shop_id": …}`` (a self-use app, 自用型应用);
* ``token.refresh`` with ``{"grant_type": "refresh_token", "refresh_token": …}``.

Both answer ``data = {access_token, expires_in (s), refresh_token, scope, shop_id, shop_name,
authority_id, auth_subject_type}``. The platform documents an access token as valid 7 days and a
refresh token 14 days; refreshing in the access token's last hour (or after it expired) gives a new
pair. This module only speaks the protocol; storing the pair is the caller's (``settings.py``).

The code comes from the consent page: a tool app sends the shop owner to the service market's
authorisation address ``https://fuwu.jinritemai.com/authorize?service_id=…&state=…`` (the service id
of the app's listing); once the owner agrees, the platform calls the app's callback address
(registered with the app) with ``?code=…&state=…``. ``authorize_url`` builds that link; it also
carries ``app_key`` and ``redirect_uri`` so the local simulator, which has no app console, knows
where to send the owner back (the platform uses the registered callback).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fahuo.integrations.douyin import mapper
from fahuo.integrations.douyin.codes import FailureKind
from fahuo.integrations.douyin.settings import BASE_URL, DouyinSettings
from fahuo.kit.errors import InvalidInput, ProviderError

AUTHORIZE_URL = "https://fuwu.jinritemai.com/authorize"  # the service market's consent page
METHOD_TOKEN_CREATE = "token.create"
METHOD_TOKEN_REFRESH = "token.refresh"
TOKEN_METHODS = frozenset({METHOD_TOKEN_CREATE, METHOD_TOKEN_REFRESH})
GRANT_CODE = "authorization_code"
GRANT_SELF = "authorization_self"
GRANT_REFRESH = "refresh_token"
# Sub-codes meaning "this access token no longer works": renew it once and call again.
EXPIRED_SUB_CODES = frozenset({"isv.access-token-expired", "isv.access-token-no-existed"})


@dataclass(frozen=True, slots=True)
class TokenGrant:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds from now
    shop_id: str = ""
    shop_name: str = ""
    scope: str = ""


def app_settings(*, app_key: str, app_secret: str, base_url: str = "") -> DouyinSettings:
    """Settings for the token calls: the app's key and secret, no access token yet."""
    app_key, app_secret = app_key.strip(), app_secret.strip()
    if not app_key or not app_secret:
        raise InvalidInput("请填写抖店应用的 app_key 和 app_secret")
    return DouyinSettings(
        app_key=app_key, app_secret=app_secret, access_token="", base_url=base_url.strip() or BASE_URL
    )


def authorize_url(*, service_id: str, state: str, app_key: str, redirect_uri: str, base_url: str = "") -> str:
    """The consent link for the shop owner; an API address other than the official one (the
    simulator) serves its own ``/authorize`` page."""
    if not service_id.strip():
        raise InvalidInput("请填写应用在抖店服务市场的服务ID（service_id）")
    base = base_url.strip().rstrip("/")
    page = AUTHORIZE_URL if not base or base == BASE_URL else base + "/authorize"
    query = {
        "service_id": service_id.strip(),
        "state": state,
        "app_key": app_key,
        "redirect_uri": redirect_uri,
    }
    return f"{page}?{urlencode(query)}"


def create_params(*, code: str = "", shop_id: str = "") -> dict[str, Any]:
    """``token.create`` parameters: an authorisation code, or a self-use app's shop id."""
    code, shop_id = code.strip(), shop_id.strip()
    if code:
        return {"code": code, "grant_type": GRANT_CODE}
    if shop_id:
        return {"code": "", "grant_type": GRANT_SELF, "shop_id": shop_id}
    raise InvalidInput("请填写授权码；自用型应用请填写抖店店铺ID")


def refresh_params(*, refresh_token: str) -> dict[str, Any]:
    if not refresh_token.strip():
        raise InvalidInput("没有 refresh_token：请重新授权店铺")
    return {"grant_type": GRANT_REFRESH, "refresh_token": refresh_token.strip()}


def parse_grant(body: Mapping[str, Any]) -> TokenGrant:
    """The token pair of a ``token.create``/``token.refresh`` answer; a refusal raises
    ``ProviderError`` with the platform's message (never retryable: a person must re-authorise)."""
    outcome = mapper.parse_response(body)
    if not outcome.ok:
        raise ProviderError(f"抖店授权失败：{outcome.message}", detail=outcome.detail())
    data = body.get("data")
    data = data if isinstance(data, Mapping) else {}
    access, refresh = str(data.get("access_token") or ""), str(data.get("refresh_token") or "")
    if not access or not refresh:
        raise ProviderError(
            "抖店授权的返回中没有 access_token/refresh_token",
            detail={"retryable": False, "kind": str(FailureKind.PROVIDER)},
        )
    try:
        expires_in = int(data.get("expires_in") or 0)
    except (TypeError, ValueError):
        expires_in = 0
    return TokenGrant(
        access_token=access,
        refresh_token=refresh,
        expires_in=max(expires_in, 0),
        shop_id=str(data.get("shop_id") or ""),
        shop_name=str(data.get("shop_name") or ""),
        scope=str(data.get("scope") or ""),
    )


def create_token(settings: DouyinSettings, *, code: str = "", shop_id: str = "") -> TokenGrant:
    """Exchange an authorisation code (or a self-use app's shop id) for the shop's token pair."""
    from fahuo.integrations.douyin.client import DouyinClient

    params = create_params(code=code, shop_id=shop_id)
    with DouyinClient(settings) as client:
        return parse_grant(client.call(METHOD_TOKEN_CREATE, params))


def refresh_token(settings: DouyinSettings, *, refresh_token: str) -> TokenGrant:
    """A fresh token pair for this refresh token."""
    from fahuo.integrations.douyin.client import DouyinClient

    params = refresh_params(refresh_token=refresh_token)
    with DouyinClient(settings) as client:
        return parse_grant(client.call(METHOD_TOKEN_REFRESH, params))
