"""A 抖店 shop's connection to the open platform: authorise, keep the token fresh, switches, status.

The shop's ``ProviderAccount(provider="douyin", shop=shop)`` holds the app key/secret and the token
pair (encrypted credentials) plus the expiry, the last error and the two switches (fetch pushed
orders, ship-back). The HTTP calls happen outside any transaction; each write is one save.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.db.models import QuerySet
from django.utils import timezone

from fahuo.carriers.models import ProviderAccount
from fahuo.integrations.douyin import auth
from fahuo.integrations.douyin.settings import (
    PROVIDER_KEY,
    account_credentials,
    renew_account_token,
    store_grant,
)
from fahuo.kit.errors import FahuoError, InvalidInput, NotFound
from fahuo.orders.models import Platform, Shop

# Renew in the access token's last hour and a bit: the platform hands out a new pair only then, and
# the periodic task runs every 10 minutes.
RENEW_AHEAD = dt.timedelta(minutes=70)
RETRY_EXPIRED = dt.timedelta(hours=1)
CONSENT_SALT = "fahuo.douyin.consent"
CONSENT_MAX_AGE_S = 3600  # the owner has an hour to agree on the platform's page


def get_shop(*, code: str, shops: QuerySet[Shop] | None = None) -> Shop:
    """A shop by code among ``shops`` (default: all); ``NotFound`` names the known codes."""
    shops = Shop.objects.all() if shops is None else shops
    shop = shops.filter(code=code.strip()).first()
    if shop is None:
        known = ", ".join(shops.values_list("code", flat=True)) or "（还没有店铺）"
        raise NotFound(f"店铺不存在：{code}。已有店铺：{known}")
    return shop


def douyin_account(shop: Shop) -> ProviderAccount | None:
    """The shop's own 抖店 account (not a shared one)."""
    return ProviderAccount.objects.filter(provider=PROVIDER_KEY, shop=shop).order_by("pk").first()


def connect_douyin(
    *, shop: Shop, app_key: str, app_secret: str, code: str = "", shop_id: str = "", base_url: str = ""
) -> ProviderAccount:
    """Authorise the shop: exchange the code (or a self-use app's shop id) for the token pair and
    store it in the shop's account (created on first connect)."""
    if shop.platform != Platform.DOUYIN:
        raise InvalidInput(f"店铺 {shop.code} 不是抖店店铺，无需授权")
    settings = auth.app_settings(app_key=app_key, app_secret=app_secret, base_url=base_url)
    grant = auth.create_token(settings, code=code, shop_id=shop_id)
    account = douyin_account(shop) or ProviderAccount(provider=PROVIDER_KEY, shop=shop, name="")
    creds = account_credentials(account) if account.pk else {}
    creds |= {"app_key": settings.app_key, "app_secret": settings.app_secret}
    account.credentials = json.dumps(creds, ensure_ascii=False)
    account.name = f"抖店 {grant.shop_name or shop.name}"[:80]
    account.base_url = base_url.strip()
    account.active = True
    store_grant(account, grant)
    account.save()
    return account


def begin_consent(
    *, shop: Shop, app_key: str, app_secret: str, service_id: str, redirect_uri: str, base_url: str = ""
) -> str:
    """The link to the platform's consent page for this shop. The app key/secret wait in the shop's
    account (an inactive one on first connect) until the callback brings the code; ``state`` is
    signed and names the shop and a one-time nonce."""
    if shop.platform != Platform.DOUYIN:
        raise InvalidInput(f"店铺 {shop.code} 不是抖店店铺，无需授权")
    settings = auth.app_settings(app_key=app_key, app_secret=app_secret, base_url=base_url)
    nonce = secrets.token_urlsafe(12)
    state = signing.dumps({"shop": shop.pk, "nonce": nonce}, salt=CONSENT_SALT)
    url = auth.authorize_url(
        service_id=service_id,
        state=state,
        app_key=settings.app_key,
        redirect_uri=redirect_uri,
        base_url=base_url,
    )
    account = douyin_account(shop) or ProviderAccount(
        provider=PROVIDER_KEY, shop=shop, name=f"抖店 {shop.name}"[:80], active=False
    )
    creds = account_credentials(account) if account.pk else {}
    creds["pending"] = {
        "app_key": settings.app_key,
        "app_secret": settings.app_secret,
        "base_url": base_url.strip(),
        "nonce": nonce,
    }
    account.credentials = json.dumps(creds, ensure_ascii=False)
    account.save()
    return url


def consent_shop(*, state: str, shops: QuerySet[Shop]) -> Shop:
    """The shop a callback's ``state`` was made for, among ``shops``; a forged or stale one is refused."""
    try:
        data = signing.loads(state, salt=CONSENT_SALT, max_age=CONSENT_MAX_AGE_S)
    except signing.BadSignature:
        raise InvalidInput("授权链接无效或已过期（1 小时），请在店铺页重新发起授权") from None
    shop = shops.filter(pk=data.get("shop")).first()
    if shop is None:
        raise NotFound("授权链接对应的店铺不存在或不归你管理")
    return shop


def finish_consent(*, state: str, code: str, shops: QuerySet[Shop]) -> ProviderAccount:
    """The platform's callback: exchange the code with the app key/secret waiting for it."""
    shop = consent_shop(state=state, shops=shops)
    account = douyin_account(shop)
    pending = account_credentials(account).get("pending") if account else None
    nonce = signing.loads(state, salt=CONSENT_SALT).get("nonce")
    if account is None or not isinstance(pending, dict) or pending.get("nonce") != nonce:
        raise InvalidInput("这次授权已完成或已被新的授权取代，请在店铺页重新发起授权")
    if not code.strip():
        raise InvalidInput("抖店没有返回授权码：店主未同意授权")
    account = connect_douyin(
        shop=shop,
        app_key=str(pending.get("app_key") or ""),
        app_secret=str(pending.get("app_secret") or ""),
        code=code,
        base_url=str(pending.get("base_url") or ""),
    )
    creds = account_credentials(account)
    creds.pop("pending", None)
    account.credentials = json.dumps(creds, ensure_ascii=False)
    account.save(update_fields=["credentials"])
    return account


def refresh_shop(*, shop: Shop) -> ProviderAccount:
    """Renew the shop's token pair now."""
    account = _connected(shop)
    renew_account_token(account.pk)
    account.refresh_from_db()
    return account


@dataclass(slots=True)
class RenewResult:
    renewed: list[str] = field(default_factory=list)  # shop codes
    failed: list[dict[str, str]] = field(default_factory=list)  # {shop, error}

    def as_dict(self) -> dict[str, Any]:
        return {"renewed": list(self.renewed), "failed": list(self.failed)}


def renew_due(*, now: dt.datetime | None = None, ahead: dt.timedelta = RENEW_AHEAD) -> RenewResult:
    """Renew every shop's token that expires within ``ahead`` (or already has)."""
    now = now or timezone.now()
    result = RenewResult()
    due = (
        ProviderAccount.objects.filter(
            provider=PROVIDER_KEY, active=True, shop__isnull=False, token_expires_at__lte=now + ahead
        )
        # Once expired and refused, once an hour (a dead refresh token needs a person, not a loop).
        .exclude(token_expires_at__lte=now, last_error_at__gt=now - RETRY_EXPIRED)
        .select_related("shop")
    )
    for account in due:
        assert account.shop is not None
        if not account_credentials(account).get("refresh_token"):
            continue
        try:
            renew_account_token(account.pk)
        except FahuoError as exc:
            result.failed.append({"shop": account.shop.code, "error": exc.message})
        else:
            result.renewed.append(account.shop.code)
    return result


def set_switches(
    *, shop: Shop, fetch_orders: bool | None = None, ship_back: bool | None = None
) -> ProviderAccount:
    """Turn fetching pushed orders and/or ship-back on or off for the shop."""
    account = _connected(shop)
    if fetch_orders is not None:
        account.fetch_orders = fetch_orders
    if ship_back is not None:
        account.ship_back = ship_back
    account.save(update_fields=["fetch_orders", "ship_back"])
    return account


def connection_status(shop: Shop, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """What the shop page and ``--json`` show: state, 抖店 shop, expiry, last error, switches."""
    now = now or timezone.now()
    account = douyin_account(shop)
    out: dict[str, Any] = {"shop": shop.code, "platform": shop.platform}
    if account is None or not account_credentials(account).get("access_token"):
        return out | {"state": "not_connected", "fetch_orders": False, "ship_back": False}
    creds = account_credentials(account)
    expires = account.token_expires_at
    if expires is not None and expires <= now:
        state = "expired"
    elif account.last_error:
        state = "error"
    else:
        state = "connected"
    return out | {
        "state": state,
        "douyin_shop_id": str(creds.get("shop_id") or ""),
        "douyin_shop_name": str(creds.get("shop_name") or ""),
        "expires_at": expires.isoformat() if expires else None,
        "refreshed_at": account.token_refreshed_at.isoformat() if account.token_refreshed_at else None,
        "last_error": account.last_error,
        "last_error_at": account.last_error_at.isoformat() if account.last_error_at else None,
        "fetch_orders": account.fetch_orders,
        "ship_back": account.ship_back,
    }


def renewal_failures(*, shops: QuerySet[Shop]) -> list[dict[str, Any]]:
    """The dashboard's alert: shops among ``shops`` whose last token renewal was refused (cleared by
    the next good renewal or a new authorisation)."""
    accounts = (
        ProviderAccount.objects.filter(provider=PROVIDER_KEY, shop__in=shops, active=True)
        .exclude(last_error="")
        .select_related("shop")
        .order_by("-last_error_at")
    )
    now = timezone.now()
    return [
        {
            "shop": a.shop,
            "error": a.last_error,
            "at": a.last_error_at,
            "expired": a.token_expires_at is not None and a.token_expires_at <= now,
        }
        for a in accounts
    ]


def fetch_enabled(shop: Shop) -> bool:
    """Whether pushed orders of this shop are fetched (no own account: the shared one decides)."""
    account = douyin_account(shop)
    return account is None or account.fetch_orders


def _connected(shop: Shop) -> ProviderAccount:
    account = douyin_account(shop)
    if account is None:
        raise NotFound(f"店铺 {shop.code} 还没有授权抖店：先运行 fahuo shops connect-douyin")
    return account
