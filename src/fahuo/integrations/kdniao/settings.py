"""Typed Kdniao (快递鸟) credentials and options, read from a ProviderAccount's encrypted credentials.

Two kinds of secret live here:

* the Kdniao API account — ``ebusiness_id`` (用户ID / EBusinessID) and ``app_key`` (API key used only
  for signing, never sent);
* the carrier e-waybill account a parcel is issued against (电子面单账号: CustomerName, CustomerPwd,
  MonthCode, SendSite), opened at the carrier's local outlet. A seller usually has one per carrier,
  so ``carrier_accounts`` holds per-carrier overrides of the account-wide defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fahuo.integrations.credentials.store import active_account, credentials_of, endpoint, getter
from fahuo.kit.errors import InvalidInput, NotSupported

if TYPE_CHECKING:
    from fahuo.integrations.credentials.models import ProviderAccount

PROVIDER_KEY = "kdniao"
BASE_URL = "https://api.kdniao.com"
# 1007 (issue) and 1147 (cancel) share this endpoint; the RequestType form field selects the command.
EORDER_PATH = "/api/EOrderService"

# fahuo carrier code -> Kdniao ShipperCode (快递公司编码). fahuo's codes are the common short codes,
# so most map to themselves; a few aliases other systems use are accepted as well.
DEFAULT_SHIPPER_CODES: Mapping[str, str] = MappingProxyType(
    {
        "ZTO": "ZTO",  # 中通快递
        "YTO": "YTO",  # 圆通速递
        "YD": "YD",  # 韵达速递
        "YUNDA": "YD",
        "STO": "STO",  # 申通快递
        "SF": "SF",  # 顺丰速运
        "JD": "JD",  # 京东快递
        "EMS": "EMS",
        "YZPY": "YZPY",  # 邮政快递包裹
        "HTKY": "HTKY",  # 百世快递
        "BEST": "HTKY",
        "JTSD": "JTSD",  # 极兔速递
        "JT": "JTSD",
        "DBL": "DBL",  # 德邦快递
        "UC": "UC",  # 优速快递
        "ZJS": "ZJS",  # 宅急送
    }
)


@dataclass(frozen=True, slots=True)
class CarrierAccount:
    """A carrier e-waybill account (电子面单账号); which fields a carrier needs is in Kdniao's docs."""

    customer_name: str = ""
    customer_pwd: str = ""
    month_code: str = ""
    send_site: str = ""

    def fields(self) -> dict[str, str]:
        """The RequestData fields for this account, only those that are set."""
        values = {
            "CustomerName": self.customer_name,
            "CustomerPwd": self.customer_pwd,
            "MonthCode": self.month_code,
            "SendSite": self.send_site,
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True, slots=True)
class KdniaoApiAccount:
    """The Kdniao API account every Kdniao product is called with (e-waybills, tracking, SMS)."""

    ebusiness_id: str
    app_key: str
    base_url: str = BASE_URL


@dataclass(frozen=True, slots=True)
class KdniaoSettings(KdniaoApiAccount):
    # Account-wide e-waybill account; ``carrier_accounts`` overrides it per fahuo carrier code.
    customer_name: str = ""
    customer_pwd: str = ""
    month_code: str = ""
    send_site: str = ""
    carrier_accounts: Mapping[str, CarrierAccount] = field(default_factory=dict)
    shipper_code_map: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_SHIPPER_CODES))
    pay_type: int = 3  # 1-现付 2-到付 3-月结 4-第三方支付; an e-waybill account is usually billed monthly
    exp_type: int = 1  # 1-标准快件
    notify_courier: bool = False  # IsNotice: False = 1-不通知快递员上门揽件 (the outlet picks up daily)
    remark: str = ""
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 15.0
    max_attempts: int = 3  # in all, for transport errors and HTTP 5xx only
    backoff_s: float = 0.5  # first retry wait; doubles per attempt
    concurrency: int = 4  # parallel 1007 calls in one batch (Kdniao's API is one order per call)

    @property
    def eorder_url(self) -> str:
        """The EOrderService endpoint; a base_url that already has a path is used as it is."""
        parts = urlsplit(self.base_url)
        if parts.path.strip("/"):
            return self.base_url
        return self.base_url.rstrip("/") + EORDER_PATH

    def shipper_code(self, carrier_code: str) -> str | None:
        return self.shipper_code_map.get(carrier_code.upper())

    def carrier_account(self, carrier_code: str) -> CarrierAccount:
        specific = self.carrier_accounts.get(carrier_code.upper())
        if specific is not None:
            return specific
        return CarrierAccount(
            customer_name=self.customer_name,
            customer_pwd=self.customer_pwd,
            month_code=self.month_code,
            send_site=self.send_site,
        )

    @classmethod
    def from_credentials(cls, creds: Mapping[str, Any], *, base_url: str = "") -> KdniaoSettings:
        """Build from a credentials object (the ProviderAccount's decrypted JSON).

        Keys: ``ebusiness_id``, ``app_key`` (required); ``customer_name``, ``customer_pwd``,
        ``month_code``, ``send_site``; ``carriers`` ({"ZTO": {"customer_name": …}, …});
        ``shipper_codes`` ({"XYZ": "XYZEXP"} or "XYZ=XYZEXP, …"); ``pay_type``, ``exp_type``,
        ``notify_courier``, ``remark``, ``timeout_s``, ``max_attempts``, ``concurrency``, ``base_url``.
        Kdniao's own spellings (EBusinessID, AppKey, CustomerName …) are accepted too.
        """
        get = getter(creds)
        ebusiness_id, app_key = get("ebusiness_id", "EBusinessID"), get("app_key", "AppKey", "api_key")
        if not ebusiness_id or not app_key:
            raise InvalidInput("快递鸟账号缺少 EBusinessID 或 AppKey")
        codes = dict(DEFAULT_SHIPPER_CODES)
        codes.update(_parse_shipper_codes(creds.get("shipper_codes")))
        return cls(
            ebusiness_id=ebusiness_id,
            app_key=app_key,
            customer_name=get("customer_name", "CustomerName"),
            customer_pwd=get("customer_pwd", "CustomerPwd"),
            month_code=get("month_code", "MonthCode"),
            send_site=get("send_site", "SendSite"),
            carrier_accounts=_parse_carrier_accounts(creds.get("carriers")),
            shipper_code_map=codes,
            pay_type=int(get("pay_type", "PayType") or 3),
            exp_type=int(get("exp_type", "ExpType") or 1),
            notify_courier=get("notify_courier").lower() in {"1", "true", "yes"},
            remark=get("remark"),
            max_attempts=int(get("max_attempts") or 3),
            concurrency=max(1, int(get("concurrency") or 4)),
            **endpoint(get, base_url=base_url, default_url=BASE_URL, read_timeout_s=15.0),
        )

    @classmethod
    def from_account(cls, account: ProviderAccount) -> KdniaoSettings:
        return cls.from_credentials(credentials_of(account, "快递鸟账号"), base_url=account.base_url)

    @classmethod
    def for_account(cls, account: ProviderAccount | None) -> KdniaoSettings:
        """Settings for ``account``, or for the active Kdniao account when none is given."""
        if account is None:
            account = active_account(PROVIDER_KEY, any_shop=True)
            if account is None:
                raise NotSupported("没有可用的快递鸟账号，请先在设置中添加")
        return cls.from_account(account)


def _parse_shipper_codes(value: object) -> dict[str, str]:
    """``{"XYZ": "XYZEXP"}`` or ``"XYZ=XYZEXP, ABC=ABCEXP"`` -> ``{"XYZ": "XYZEXP", …}``."""
    if isinstance(value, Mapping):
        return {str(k).strip().upper(): str(v).strip().upper() for k, v in value.items() if str(v).strip()}
    out: dict[str, str] = {}
    if isinstance(value, str):
        for part in value.replace(";", ",").split(","):
            fahuo_code, sep, shipper = part.partition("=")
            if sep and fahuo_code.strip() and shipper.strip():
                out[fahuo_code.strip().upper()] = shipper.strip().upper()
    return out


def _parse_carrier_accounts(value: object) -> dict[str, CarrierAccount]:
    if not isinstance(value, Mapping):
        return {}
    out: dict[str, CarrierAccount] = {}
    for code, raw in value.items():
        if not isinstance(raw, Mapping):
            continue
        get = getter(raw)
        out[str(code).strip().upper()] = CarrierAccount(
            customer_name=get("customer_name", "CustomerName"),
            customer_pwd=get("customer_pwd", "CustomerPwd"),
            month_code=get("month_code", "MonthCode"),
            send_site=get("send_site", "SendSite"),
        )
    return out
