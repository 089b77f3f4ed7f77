"""Typed Kuaidi100 credentials and options, read from a ProviderAccount's encrypted credentials."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from fahuo.kit.errors import InvalidInput

if TYPE_CHECKING:
    from fahuo.integrations.credentials.models import ProviderAccount

BASE_URL = "https://api.kuaidi100.com"
ORDER_PATH = "/label/order"

# fahuo carrier code -> Kuaidi100 ``kuaidicom`` (lowercase pinyin, see Kuaidi100's 参数字典).
# fahuo's codes follow the common short codes (the same ones Kdniao uses as ShipperCode).
DEFAULT_CARRIER_CODES: Mapping[str, str] = MappingProxyType(
    {
        "ZTO": "zhongtong",
        "YTO": "yuantong",
        "YD": "yunda",
        "STO": "shentong",
        "SF": "shunfeng",
        "JD": "jd",
        "EMS": "ems",
        "JTSD": "jtexpress",
        "JT": "jtexpress",
        "DBL": "debangkuaidi",
        "YZPY": "youzhengguonei",
    }
)

# Credential keys a ProviderAccount may carry (snake_case; Kuaidi100's camelCase is accepted too).
_ALIASES = {
    "partner_id": ("partner_id", "partnerId"),
    "partner_key": ("partner_key", "partnerKey"),
    "partner_secret": ("partner_secret", "partnerSecret"),
    "partner_name": ("partner_name", "partnerName"),
    "pay_type": ("pay_type", "payType"),
    "exp_type": ("exp_type", "expType"),
    "temp_id": ("temp_id", "tempId"),
    "print_type": ("print_type", "printType"),
}


# Platform e-waybills (``net``) Kuaidi100 can draw numbers from after authorisation (authThird.do).
PLATFORM_NETS = {"douyin": "抖音", "taobao": "淘宝", "pinduoduo": "拼多多", "kuaishou": "快手", "jd": "京东"}


@dataclass(frozen=True, slots=True)
class Kuaidi100Settings:
    key: str  # 授权key from the Kuaidi100 enterprise console
    secret: str  # signing secret from the same console; never sent over the wire
    base_url: str = BASE_URL
    # The carrier e-waybill account (电子面单账号); which of these a carrier needs is in 参数字典.
    partner_id: str = ""
    partner_key: str = ""
    partner_secret: str = ""
    partner_name: str = ""
    net: str = ""
    code: str = ""
    pay_type: str = "MONTHLY"  # SHIPPER 寄付 / CONSIGNEE 到付 / MONTHLY 月结 / THIRDPARTY
    exp_type: str = "标准快递"
    temp_id: str = ""  # Kuaidi100 template id; only needed for printType IMAGE/HTML/CLOUD
    print_type: str = "NON"  # fahuo prints its own labels: order only
    timeout_s: float = 15.0
    retries: int = 3  # attempts in all, for transport errors and HTTP 5xx
    carrier_code_map: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_CARRIER_CODES))
    # 授权码 "customer" of the real-time tracking query (poll/query.do signs with key + customer).
    customer: str = ""

    @property
    def order_url(self) -> str:
        return self.base_url.rstrip("/") + ORDER_PATH

    def kuaidicom(self, carrier_code: str) -> str | None:
        """Kuaidi100's company code for a fahuo carrier code (a lowercase code passes through)."""
        mapped = self.carrier_code_map.get(carrier_code.upper())
        if mapped:
            return mapped
        if carrier_code and carrier_code == carrier_code.lower() and carrier_code.isascii():
            return carrier_code
        return None

    def partner_fields(self) -> dict[str, str]:
        """The carrier-account fields for ``param``, only those that are set."""
        fields = {
            "partnerId": self.partner_id,
            "partnerKey": self.partner_key,
            "partnerSecret": self.partner_secret,
            "partnerName": self.partner_name,
            "net": self.net,
            "code": self.code,
        }
        return {k: v for k, v in fields.items() if v}

    @classmethod
    def from_credentials(cls, creds: Mapping[str, str], *, base_url: str = "") -> Kuaidi100Settings:
        key, secret = creds.get("key", ""), creds.get("secret", "")
        if not key or not secret:
            raise InvalidInput("快递100 账号缺少 key 或 secret")
        kwargs: dict[str, str] = {}
        for name, aliases in _ALIASES.items():
            for alias in aliases:
                if creds.get(alias):
                    kwargs[name] = creds[alias]
                    break
        for name in ("net", "code"):
            if creds.get(name):
                kwargs[name] = creds[name]
        if kwargs.get("net") in PLATFORM_NETS and not kwargs.get("partner_id"):
            # a platform e-waybill (net=douyin …) draws from the platform account the seller
            # authorised through Kuaidi100; that account is the partnerId
            raise InvalidInput(
                f"快递100 的{PLATFORM_NETS[kwargs['net']]}电子面单（net={kwargs['net']}）需要 partnerId：授权后的平台账号"
            )
        codes = dict(DEFAULT_CARRIER_CODES)
        codes.update(parse_carrier_codes(creds.get("carrier_codes", "")))
        return cls(
            key=key,
            secret=secret,
            base_url=base_url or creds.get("base_url", "") or BASE_URL,
            customer=creds.get("customer", ""),
            timeout_s=float(creds.get("timeout_s") or 15.0),
            retries=int(creds.get("retries") or 3),
            carrier_code_map=codes,
            **kwargs,
        )

    @classmethod
    def from_account(cls, account: ProviderAccount) -> Kuaidi100Settings:
        return cls.from_credentials(account.credential_dict(), base_url=account.base_url)


def parse_carrier_codes(text: str) -> dict[str, str]:
    """``"ZTO=zhongtong, XYZ=xinyuzhou"`` -> ``{"ZTO": "zhongtong", "XYZ": "xinyuzhou"}``."""
    out: dict[str, str] = {}
    for part in text.replace(";", ",").split(","):
        fahuo_code, sep, kuaidicom = part.partition("=")
        if not sep:
            fahuo_code, sep, kuaidicom = part.partition(":")
        if sep and fahuo_code.strip() and kuaidicom.strip():
            out[fahuo_code.strip().upper()] = kuaidicom.strip().lower()
    return out


def callback_salt(account: ProviderAccount) -> str:
    """The salt Kuaidi100 signs this account's pushes with: the account's ``salt`` credential, else
    one derived from the site's secret key (so subscriptions and the push check agree unconfigured)."""
    import hmac

    from django.conf import settings

    salt = account.credential_dict().get("salt", "")
    if salt:
        return str(salt)
    digest = hmac.new(settings.SECRET_KEY.encode(), f"kuaidi100-callback:{account.pk}".encode(), "sha256")
    return digest.hexdigest()[:32]
