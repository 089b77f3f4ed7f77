"""Typed credentials of the Kdniao SMS channel (provider key ``kdniao_sms``).

The SMS API is part of the same Kdniao API account as e-waybills and tracking (EBusinessID + AppKey),
so a shop without a ``kdniao_sms`` account uses the active ``kdniao`` account's credentials. Extra
keys: ``member_id`` (MemberID: the seller's id at Kdniao when a platform sends for several sellers;
default the EBusinessID) and ``sign_name`` (短信签名, registered at Kdniao; the gateway adds it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from fahuo.integrations.credentials.store import active_account, credentials_of, endpoint, getter
from fahuo.integrations.kdniao.settings import BASE_URL, KdniaoApiAccount, KdniaoSettings
from fahuo.kit.errors import InvalidInput

if TYPE_CHECKING:
    from fahuo.integrations.credentials.models import ProviderAccount
    from fahuo.orders.models import Shop

PROVIDER_KEY = "kdniao_sms"
FALLBACK_PROVIDER_KEY = "kdniao"
# Kdniao's SMS commands (8102 设置短信模板 is documented at this path) share the /api/dist gateway.
SMS_PATH = "/api/dist"


@dataclass(frozen=True, slots=True)
class KdniaoSmsSettings(KdniaoApiAccount):
    member_id: str = ""
    sign_name: str = ""
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 10.0

    @property
    def sms_url(self) -> str:
        """The gateway URL; a base_url that already has a path is used as it is."""
        if urlsplit(self.base_url).path.strip("/"):
            return self.base_url
        return self.base_url.rstrip("/") + SMS_PATH

    def kdniao(self) -> KdniaoSettings:
        """Settings for the shared Kdniao client (signing, form encoding, HTTP). One attempt per
        call: the outbox retries with backoff, so a read timeout never sends an SMS twice at once."""
        return KdniaoSettings(
            ebusiness_id=self.ebusiness_id,
            app_key=self.app_key,
            base_url=self.sms_url,
            connect_timeout_s=self.connect_timeout_s,
            read_timeout_s=self.read_timeout_s,
            max_attempts=1,
            concurrency=1,
        )

    @classmethod
    def from_credentials(cls, creds: Mapping[str, Any], *, base_url: str = "") -> KdniaoSmsSettings:
        get = getter(creds)
        ebusiness_id, app_key = get("ebusiness_id", "EBusinessID"), get("app_key", "AppKey", "api_key")
        if not ebusiness_id or not app_key:
            raise InvalidInput("快递鸟短信账号缺少 EBusinessID 或 AppKey")
        return cls(
            ebusiness_id=ebusiness_id,
            app_key=app_key,
            member_id=get("member_id", "MemberID") or ebusiness_id,
            sign_name=get("sign_name"),
            **endpoint(get, base_url=base_url, default_url=BASE_URL, read_timeout_s=10.0),
        )

    @classmethod
    def from_account(cls, account: ProviderAccount) -> KdniaoSmsSettings:
        creds = credentials_of(account, "快递鸟短信账号")
        base_url = account.base_url
        if account.provider == FALLBACK_PROVIDER_KEY and base_url:
            # The e-waybill account may point at /api/EOrderService: keep only its host.
            parts = urlsplit(base_url)
            base_url = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        return cls.from_credentials(creds, base_url=base_url)


def account_for_shop(shop: Shop | None) -> ProviderAccount | None:
    """The shop's SMS account, else a shared one, else the Kdniao API account."""
    return active_account(PROVIDER_KEY, shop) or active_account(FALLBACK_PROVIDER_KEY, any_shop=True)
