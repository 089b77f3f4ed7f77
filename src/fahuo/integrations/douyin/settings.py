"""Typed 抖店 open-platform credentials, read from a shop's ProviderAccount (provider "douyin").

One account per shop (``ProviderAccount.shop``): a self-use app (自用型应用) of the 抖店 open
platform gives ``app_key`` (19 digits) and ``app_secret`` (used only for signing, never sent), and the
shop's authorisation gives ``access_token`` (it expires: paste the new one into the account).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from fahuo.integrations.credentials.store import active_account, credentials_of, endpoint, getter
from fahuo.kit.errors import FahuoError, InvalidInput, NotSupported

if TYPE_CHECKING:
    from fahuo.integrations.credentials.models import ProviderAccount
    from fahuo.orders.models import Shop

PROVIDER_KEY = "douyin"
BASE_URL = "https://openapi-fxg.jinritemai.com"


@dataclass(frozen=True, slots=True)
class DouyinSettings:
    app_key: str
    app_secret: str
    access_token: str
    base_url: str = BASE_URL
    shop_id: str = ""  # the 抖店 shop id, for the record (the token already names the shop)
    company_codes: Mapping[str, str] = field(default_factory=dict)  # overrides of codes.DEFAULT_COMPANY_CODES
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 12.0  # the official SDKs' default
    max_attempts: int = 3  # in all, for transport errors and HTTP 5xx only
    backoff_s: float = 0.5  # first retry wait; doubles per attempt
    ship_back: bool = True  # the shop's "发货回传" switch
    # Called once when the platform says the access token expired: renews and stores the shop's
    # token pair, answers the new access token (None: no refresh token to renew with).
    renew: Callable[[], str] | None = field(default=None, compare=False, repr=False)

    def url_for(self, method: str) -> str:
        """``order.logisticsAdd`` -> ``{base_url}/order/logisticsAdd``."""
        return self.base_url.rstrip("/") + "/" + method.replace(".", "/")

    @classmethod
    def from_credentials(cls, creds: Mapping[str, Any], *, base_url: str = "") -> DouyinSettings:
        """Keys: ``app_key``, ``app_secret``, ``access_token`` (required); ``shop_id``,
        ``company_codes`` ({"XYZ": "xyzexpress"} or "XYZ=xyzexpress, …"), ``timeout_s``,
        ``max_attempts``, ``backoff_s``, ``base_url``."""
        get = getter(creds)
        app_key, app_secret, token = get("app_key"), get("app_secret"), get("access_token")
        missing = [name for name, value in (("app_key", app_key), ("app_secret", app_secret)) if not value]
        if not token:
            missing.append("access_token")
        if missing:
            raise InvalidInput(f"抖店账号缺少 {', '.join(missing)}")
        return cls(
            app_key=app_key,
            app_secret=app_secret,
            access_token=token,
            shop_id=get("shop_id"),
            company_codes=parse_company_codes(creds.get("company_codes")),
            max_attempts=max(1, int(get("max_attempts") or 3)),
            backoff_s=float(get("backoff_s") or 0.5),
            **endpoint(get, base_url=base_url, default_url=BASE_URL, read_timeout_s=12.0),
        )

    @classmethod
    def from_account(cls, account: ProviderAccount) -> DouyinSettings:
        creds = account_credentials(account)
        base = cls.from_credentials(creds, base_url=account.base_url)
        renew = None
        if creds.get("refresh_token") and account.pk is not None:
            renew = partial(renew_account_token, account.pk, stale=base.access_token)
        return replace(base, ship_back=account.ship_back, renew=renew)


def account_credentials(account: ProviderAccount) -> dict[str, Any]:
    return credentials_of(account, "抖店账号")


def account_for_shop(shop: Shop) -> ProviderAccount | None:
    """The shop's active 抖店 account; an account without a shop serves every shop."""
    return active_account(PROVIDER_KEY, shop)


def settings_for(account: ProviderAccount | None) -> DouyinSettings:
    if account is None:
        raise NotSupported(
            "没有可用的抖店开放平台账号，请先在设置中为店铺添加（app_key、app_secret、access_token）"
        )
    return DouyinSettings.from_account(account)


def company_code_overrides(account: ProviderAccount | None) -> dict[str, str]:
    """The account's ``company_codes`` credential (empty without an account or with bad JSON)."""
    if account is None:
        return {}
    try:
        return parse_company_codes(account_credentials(account).get("company_codes"))
    except InvalidInput:
        return {}


def store_grant(account: ProviderAccount, grant: Any) -> None:
    """Save a new token pair (a ``auth.TokenGrant``) into the account: credentials (encrypted),
    expiry, renewal time; the last error is cleared."""
    from django.utils import timezone

    now = timezone.now()
    creds = account_credentials(account) if account.credentials else {}
    creds |= {"access_token": grant.access_token, "refresh_token": grant.refresh_token}
    if grant.shop_id:
        creds["shop_id"] = grant.shop_id
    if grant.shop_name:
        creds["shop_name"] = grant.shop_name
    account.credentials = json.dumps(creds, ensure_ascii=False)
    account.token_expires_at = now + timedelta(seconds=grant.expires_in) if grant.expires_in else None
    account.token_refreshed_at = now
    account.last_error, account.last_error_at = "", None
    if account.pk is not None:
        account.save(
            update_fields=[
                "credentials",
                "token_expires_at",
                "token_refreshed_at",
                "last_error",
                "last_error_at",
            ]
        )


def note_error(account: ProviderAccount, message: str) -> None:
    """Keep what the platform last refused, for the shop page."""
    from django.utils import timezone

    from fahuo.integrations.credentials.models import ProviderAccount

    account.last_error, account.last_error_at = message[:300], timezone.now()
    ProviderAccount.objects.filter(pk=account.pk).update(
        last_error=account.last_error, last_error_at=account.last_error_at
    )


def renew_account_token(account_id: int, *, stale: str = "") -> str:
    """Refresh the account's token pair with ``token.refresh`` and store it; the new access token.

    When the stored token already differs from ``stale`` (another worker renewed it meanwhile), that
    one is answered without calling the platform: a refresh token is good for one renewal."""
    from fahuo.integrations.credentials.models import ProviderAccount
    from fahuo.integrations.douyin import auth

    account = ProviderAccount.objects.get(pk=account_id)
    creds = account_credentials(account)
    current = str(creds.get("access_token") or "")
    if stale and current and current != stale:
        return current
    settings = auth.app_settings(
        app_key=str(creds.get("app_key") or ""),
        app_secret=str(creds.get("app_secret") or ""),
        base_url=account.base_url,
    )
    try:
        grant = auth.refresh_token(settings, refresh_token=str(creds.get("refresh_token") or ""))
    except FahuoError as exc:
        note_error(account, exc.message)
        raise
    store_grant(account, grant)
    return grant.access_token


def parse_company_codes(value: object) -> dict[str, str]:
    """``{"XYZ": "xyzexpress"}`` or ``"XYZ=xyzexpress, ABC=abc"`` -> ``{"XYZ": "xyzexpress", …}``."""
    out: dict[str, str] = {}
    if isinstance(value, Mapping):
        for k, v in value.items():
            out[str(k).strip().upper()] = str(v).strip()
    elif isinstance(value, str):
        for part in value.replace(";", ",").split(","):
            fahuo_code, sep, company = part.partition("=")
            if sep and fahuo_code.strip():
                out[fahuo_code.strip().upper()] = company.strip()
    return out
