"""The 抖店 simulator's shop authorisation: ``token.create`` and ``token.refresh`` with expiry.

``DouyinSimulator.authorize(app_key, shop_id=…)`` plays the shop owner agreeing on the platform's
page and answers the one-time authorisation code. ``token.create`` exchanges it (or, for a self-use
app, ``grant_type=authorization_self`` + ``shop_id``) for an access token (``access_ttl_s``, 7 days
by default) and a refresh token (``refresh_ttl_s``, 14 days). ``token.refresh`` follows the
platform's documented rule: more than an hour before the access token expires it answers the same
pair (same expiry); in the last hour it answers a new pair and the old one keeps working for that
hour; after expiry it answers a new pair and the old one stops at once. An access token past its
expiry is refused with ``isv.access-token-expired`` like a revoked one.

``GET /authorize`` is the consent page the shop owner meets (see ``auth.authorize_url``): it names
the app and the simulator's logged-in shop (``TokenState.merchant``); its 授权 button POSTs back and
is answered with a redirect to ``redirect_uri?code=…&state=…``, the code ``token.create`` takes.
Setting ``TokenState.refuse_refresh = n`` makes the next ``n`` ``token.refresh`` calls answer a refusal.

The refusal codes for a bad code or refresh token are the simulator's own (the platform's table was
not at hand): 40003 ``isv.auth-code-invalid`` / ``isv.refresh-token-invalid`` /
``isv.refresh-token-expired``.
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

if TYPE_CHECKING:
    from fahuo.integrations.douyin.simulator import DouyinSimulator

ROUTES = {"/token/create": "token.create", "/token/refresh": "token.refresh"}
CONSENT_PATH = "/authorize"


@dataclass
class _Pair:
    app_key: str
    shop_id: str
    shop_name: str
    access_token: str
    access_expires: float
    refresh_expires: float


@dataclass
class TokenState:
    access_ttl_s: int = 7 * 86400
    refresh_ttl_s: int = 14 * 86400
    grace_s: int = 3600  # the old pair's life after a renewal in the last hour
    codes: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # code -> app, shop id, name
    pairs: dict[str, _Pair] = field(default_factory=dict)  # refresh token -> pair
    access_expiry: dict[str, float] = field(default_factory=dict)  # access token -> unix expiry
    merchant: tuple[str, str] = ("4463798", "抖店测试店")  # the shop logged in on the consent page
    consents: list[dict[str, str]] = field(default_factory=list)  # what each consent page was given
    refuse_refresh: int = 0  # the next n token.refresh calls are refused

    def expired(self, token: str, now: float) -> bool:
        expiry = self.access_expiry.get(token)
        return expiry is not None and now >= expiry


def authorize(sim: DouyinSimulator, app_key: str, *, shop_id: str, shop_name: str = "") -> str:
    """The authorisation code the platform hands back once the shop owner agreed (one use)."""
    code = "code-" + secrets.token_hex(8)
    sim.tokens.codes[code] = (app_key, shop_id, shop_name or f"抖店{shop_id}")
    return code


def handle(sim: DouyinSimulator, method: str, params: Mapping[str, Any], *, app_key: str) -> dict[str, Any]:
    from fahuo.integrations.douyin.simulator import _invalid

    now = sim.clock()
    state = sim.tokens
    if method == "token.create":
        grant = str(params.get("grant_type") or "")
        if grant == "authorization_code":
            found = state.codes.pop(str(params.get("code") or ""), None)
            if found is None or found[0] != app_key:
                raise _invalid("isv.auth-code-invalid", "授权码无效或已使用，请重新授权")
            _, shop_id, shop_name = found
        elif grant == "authorization_self":
            shop_id = str(params.get("shop_id") or "")
            if not shop_id:
                raise _invalid("isv.parameter-invalid", "自用型应用需要 shop_id")
            shop_name = f"抖店{shop_id}"
        else:
            raise _invalid("isv.parameter-invalid", f"grant_type 无效：{grant}")
        return _issue(sim, app_key=app_key, shop_id=shop_id, shop_name=shop_name, now=now)
    if state.refuse_refresh > 0:
        state.refuse_refresh -= 1
        raise _invalid("isv.refresh-token-invalid", "refresh_token无效，请重新授权")
    if str(params.get("grant_type") or "") != "refresh_token":
        raise _invalid("isv.parameter-invalid", "grant_type 必须为 refresh_token")
    token = str(params.get("refresh_token") or "")
    pair = state.pairs.get(token)
    if pair is None or pair.app_key != app_key:
        raise _invalid("isv.refresh-token-invalid", "refresh_token无效，请重新授权")
    if now >= pair.refresh_expires:
        raise _invalid("isv.refresh-token-expired", "refresh_token已过期，请重新授权")
    if now < pair.access_expires - state.grace_s:  # more than an hour left: the same pair
        return _answer(pair, token, now)
    if now >= pair.access_expires:  # expired: the old pair stops now
        del state.pairs[token]
        _drop_access(sim, app_key, pair.access_token)
    else:  # the last hour: the old pair keeps working for the grace period
        pair.refresh_expires = min(pair.refresh_expires, now + state.grace_s)
        state.access_expiry[pair.access_token] = min(pair.access_expires, now + state.grace_s)
    return _issue(sim, app_key=app_key, shop_id=pair.shop_id, shop_name=pair.shop_name, now=now)


def _issue(sim: DouyinSimulator, *, app_key: str, shop_id: str, shop_name: str, now: float) -> dict[str, Any]:
    state = sim.tokens
    access, refresh = "act." + secrets.token_hex(12), "rft." + secrets.token_hex(12)
    pair = _Pair(
        app_key=app_key,
        shop_id=shop_id,
        shop_name=shop_name,
        access_token=access,
        access_expires=now + state.access_ttl_s,
        refresh_expires=now + state.refresh_ttl_s,
    )
    state.pairs[refresh] = pair
    state.access_expiry[access] = pair.access_expires
    sim.apps[app_key].access_tokens.add(access)
    return _answer(pair, refresh, now)


def _drop_access(sim: DouyinSimulator, app_key: str, token: str) -> None:
    sim.apps[app_key].access_tokens.discard(token)
    sim.apps[app_key].expired_tokens.add(token)


def _answer(pair: _Pair, refresh: str, now: float) -> dict[str, Any]:
    return {
        "access_token": pair.access_token,
        "expires_in": max(int(pair.access_expires - now), 0),
        "refresh_token": refresh,
        "scope": "SCOPE",
        "shop_id": int(pair.shop_id) if pair.shop_id.isdigit() else pair.shop_id,
        "shop_name": pair.shop_name,
        "authority_id": "",
        "auth_subject_type": "",
    }


_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>抖店授权</title></head>
<body><h1>授权应用访问你的店铺</h1><p id="consent">应用 {app_key}（服务 {service_id}）申请访问抖店店铺
「{shop_name}」（{shop_id}）的订单、物流和售后数据。</p>
<form method="post" action="{path}">{hidden}<button type="submit">授权</button></form></body></html>"""


def consent(
    sim: DouyinSimulator, environ: Mapping[str, Any], start_response: Callable[..., Any]
) -> Iterable[bytes]:
    """The consent page (GET) and the owner's agreement (POST → redirect back with the code)."""
    if environ.get("REQUEST_METHOD") == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        fields = _fields(environ["wsgi.input"].read(length).decode("utf-8", errors="replace"))
    else:
        fields = _fields(str(environ.get("QUERY_STRING", "")))
    app_key, back = fields.get("app_key", ""), fields.get("redirect_uri", "")
    if (
        app_key not in sim.apps
        or not fields.get("service_id")
        or not back.startswith(("http://", "https://"))
    ):
        return _html(start_response, "400 Bad Request", "<p>授权链接无效：应用、服务ID或回调地址不对</p>")
    if environ.get("REQUEST_METHOD") != "POST":
        with sim._lock:
            sim.tokens.consents.append(dict(fields))
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in fields.items()
        )
        shop_id, shop_name = sim.tokens.merchant
        page = _PAGE.format(
            app_key=html.escape(app_key),
            service_id=html.escape(fields["service_id"]),
            shop_name=html.escape(shop_name),
            shop_id=html.escape(shop_id),
            path=CONSENT_PATH,
            hidden=hidden,
        )
        return _html(start_response, "200 OK", page)
    code = sim.authorize(app_key, shop_id=sim.tokens.merchant[0], shop_name=sim.tokens.merchant[1])
    location = (
        back + ("&" if "?" in back else "?") + urlencode({"code": code, "state": fields.get("state", "")})
    )
    start_response("302 Found", [("Location", location), ("Content-Length", "0")])
    return [b""]


def _fields(text: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


def _html(start_response: Callable[..., Any], status: str, body: str) -> list[bytes]:
    payload = body.encode("utf-8")
    start_response(
        status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(payload)))]
    )
    return [payload]
