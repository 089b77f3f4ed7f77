"""Typed credentials of the WeChat channel (provider key ``wechat``; one account per shop or shared).

Keys: ``appid`` + ``secret`` (fahuo fetches and caches the access_token), or ``access_token`` alone
when the seller's own backend manages the token (WeChat invalidates the previous token whenever
anyone fetches a new one, so two refreshers fight); ``templates`` — fahuo message key -> subscribe
template id (``"*"`` for every key without its own); ``fields`` — the template's data keys ->
fahuo variable (default ``DEFAULT_FIELDS``); ``page`` (mini-program page opened from the card),
``miniprogram_state`` (formal/trial/developer), ``lang``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from fahuo.integrations.credentials.store import active_account, credentials_of, endpoint, getter
from fahuo.kit.errors import InvalidInput

if TYPE_CHECKING:
    from fahuo.integrations.credentials.models import ProviderAccount
    from fahuo.orders.models import Shop

PROVIDER_KEY = "wechat"
BASE_URL = "https://api.weixin.qq.com"
TOKEN_PATH = "/cgi-bin/token"
SEND_PATH = "/cgi-bin/message/subscribe/send"

# A typical "物流状态通知" template from WeChat's public template library; a seller who picks
# another template sets ``fields`` to its keys. Values: fahuo's variables (docs/messages.md).
DEFAULT_FIELDS: Mapping[str, str] = MappingProxyType(
    {"character_string1": "单号", "thing2": "快递", "phrase3": "状态", "thing4": "提示"}
)


@dataclass(frozen=True, slots=True)
class WechatSettings:
    appid: str = ""
    secret: str = ""
    access_token: str = ""
    base_url: str = BASE_URL
    templates: Mapping[str, str] = field(default_factory=dict)
    fields: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FIELDS))
    page: str = ""
    miniprogram_state: str = "formal"
    lang: str = "zh_CN"
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 10.0

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def template_id(self, key: str | None) -> str:
        """The subscribe template for a fahuo message key, else the ``"*"`` one ("" when none)."""
        return self.templates.get((key or "").strip()) or self.templates.get("*", "")

    @classmethod
    def from_credentials(cls, creds: Mapping[str, Any], *, base_url: str = "") -> WechatSettings:
        get = getter(creds)
        appid, secret, token = get("appid"), get("secret"), get("access_token")
        if not token and not (appid and secret):
            raise InvalidInput("微信账号缺少 appid/secret（或 access_token）")
        templates = _mapping(creds.get("templates"))
        if not templates:
            raise InvalidInput('微信账号缺少订阅消息模板 templates（如 {"*": "模板ID"}）')
        fields = _mapping(creds.get("fields")) or dict(DEFAULT_FIELDS)
        return cls(
            appid=appid,
            secret=secret,
            access_token=token,
            templates=templates,
            fields=fields,
            page=get("page"),
            miniprogram_state=get("miniprogram_state") or "formal",
            lang=get("lang") or "zh_CN",
            **endpoint(get, base_url=base_url, default_url=BASE_URL, read_timeout_s=10.0),
        )

    @classmethod
    def from_account(cls, account: ProviderAccount) -> WechatSettings:
        return cls.from_credentials(credentials_of(account, "微信账号"), base_url=account.base_url)


def _mapping(value: object) -> dict[str, str]:
    if isinstance(value, Mapping):
        return {str(k).strip(): str(v).strip() for k, v in value.items() if str(k).strip()}
    return {}


def account_for_shop(shop: Shop | None) -> ProviderAccount | None:
    return active_account(PROVIDER_KEY, shop)
