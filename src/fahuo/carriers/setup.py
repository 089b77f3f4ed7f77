"""Setting up carriers on a fresh desk: add a carrier (or a test carrier), its capacity per warehouse."""

from __future__ import annotations

import re
from typing import Any

from fahuo.carriers.models import Capacity, Carrier
from fahuo.inventory.services import get_warehouse
from fahuo.kit.errors import Conflict, InvalidInput, NotFound

PROVIDERS = ("sandbox", "kdniao", "kuaidi100", "douyin_waybill")
# The common carriers a seller picks from (code, name); codes are Kdniao's ShipperCodes.
COMMON_CARRIERS = (
    ("ZTO", "中通快递"),
    ("YTO", "圆通速递"),
    ("YD", "韵达速递"),
    ("STO", "申通快递"),
    ("JTSD", "极兔速递"),
    ("SF", "顺丰速运"),
    ("JD", "京东快递"),
    ("EMS", "EMS"),
)
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")


def add_carrier(
    *, code: str, name: str, provider: str, test: bool = False, service_name: str = ""
) -> Carrier:
    """A new carrier. The sandbox (offline waybills that do not exist) only as a test carrier."""
    code = code.strip().upper()
    if not CODE_RE.match(code):
        raise InvalidInput(f"快递编码无效：{code!r}（字母、数字，最多 16 位）")
    if provider not in PROVIDERS:
        raise InvalidInput(f"未知的面单服务：{provider}（可用：{', '.join(PROVIDERS)}）")
    if provider == "sandbox" and not test:
        raise InvalidInput("沙箱面单不是真实运单，只能作为测试快递添加（加 --test / 勾选“测试面单”）")
    if Carrier.objects.filter(code=code).exists():
        raise Conflict(f"快递编码已存在：{code}")
    name = name.strip() or dict(COMMON_CARRIERS).get(code, "")
    if not name:
        raise InvalidInput("快递名称不能为空")
    return Carrier.objects.create(
        code=code,
        name=name[:40],
        provider=provider,
        service_name=(service_name or "标准快递")[:40],
        test_mode=test,
    )


def get_carrier(*, code: str) -> Carrier:
    carrier = (
        Carrier.objects.filter(code=code.strip().upper()).first() or Carrier.objects.filter(code=code).first()
    )
    if carrier is None:
        codes = ", ".join(Carrier.objects.values_list("code", flat=True)) or "（还没有快递）"
        raise NotFound(f"快递不存在：{code}。已有快递：{codes}")
    return carrier


def set_capacity(
    *, carrier_code: str, warehouse_code: str, max_parcels: int, per_hour: int | None = None
) -> Capacity:
    """How many parcels the carrier's outlet collects from the warehouse (per run, per pickup hour)."""
    if max_parcels < 0 or (per_hour is not None and per_hour < 0):
        raise InvalidInput("运力不能为负数")
    carrier = get_carrier(code=carrier_code)
    warehouse = get_warehouse(code=warehouse_code)
    capacity, _ = Capacity.objects.update_or_create(
        carrier=carrier,
        warehouse=warehouse,
        defaults={"max_parcels": max_parcels, "max_parcels_per_hour": per_hour},
    )
    return capacity


def connect_account(
    *,
    provider: str,
    user_id: str,
    api_key: str,
    base_url: str = "",
    carrier: Carrier | None = None,
    customer_name: str = "",
    customer_pwd: str = "",
    secret: str = "",
) -> Any:
    """Store an e-waybill account (credentials encrypted); returns the ProviderAccount.

    Kdniao: ``user_id`` = EBusinessID, ``api_key`` = ApiKey. Kuaidi100: ``api_key`` = 授权key,
    ``secret`` = the signing secret (e-waybill), ``user_id`` = customer (the tracking query's 授权码)."""
    import json

    from fahuo.carriers.models import ProviderAccount

    if provider not in ("kdniao", "kuaidi100"):
        raise InvalidInput(f"未知的面单服务：{provider}")
    if not user_id.strip() or not api_key.strip():
        raise InvalidInput("请填写用户ID和 API Key")
    if provider == "kuaidi100" and not secret.strip():
        raise InvalidInput("快递100 账号需要 secret（企业管理后台的签名密钥）")
    creds: dict[str, str] = (
        {"ebusiness_id": user_id.strip(), "app_key": api_key.strip()}
        if provider == "kdniao"
        else {"customer": user_id.strip(), "key": api_key.strip(), "secret": secret.strip()}
    )
    if customer_name.strip():  # the carrier e-waybill account opened at the outlet (网点)
        creds |= {"customer_name": customer_name.strip(), "customer_pwd": customer_pwd}
    return ProviderAccount.objects.create(
        provider=provider,
        name=f"{provider} {user_id.strip()}"[:80],
        carrier=carrier,
        base_url=base_url.strip(),
        credentials=json.dumps(creds),
    )


def test_connection(*, account: Any) -> str:
    """Ask the provider something harmless with these credentials; the provider's refusal raises
    ``ProviderError`` (bad key: 验证数据签名失败). Returns a success text."""
    from fahuo.kit.errors import NotSupported

    if account.provider == "kuaidi100":
        return _test_kuaidi100(account)
    if account.provider != "kdniao":
        raise NotSupported("目前只有快递鸟和快递100账号支持测试连接")
    from fahuo.integrations.kdniao.settings import KdniaoSettings
    from fahuo.integrations.kdniao.tracking import query

    settings = KdniaoSettings.from_account(account)
    query(settings, tracking_no="FAHUOTEST000000", carrier_code="ZTO")  # no trace: answers empty
    return "连接成功：快递鸟接受了签名和账号"


# Kuaidi100 answers these when the key or the signature is wrong; any other answer means it read them.
KUAIDI100_AUTH_CODES = frozenset({30002, 30003})
TEST_NUMBER = "FAHUOTEST000000"


def _test_kuaidi100(account: Any) -> str:
    """Cancel a waybill that does not exist on the e-waybill gateway (checks key + secret; nothing
    can be cancelled), then, with a customer, query a number that has no trace (checks key +
    customer)."""
    from fahuo.integrations.kuaidi100.client import Kuaidi100Client
    from fahuo.integrations.kuaidi100.settings import Kuaidi100Settings
    from fahuo.integrations.kuaidi100.tracking import query
    from fahuo.kit.errors import ProviderError

    settings = Kuaidi100Settings.from_account(account)
    body = Kuaidi100Client(settings).call("cancel", {"kuaidicom": "zhongtong", "kuaidinum": TEST_NUMBER})
    try:
        code = int(body.get("code") or 0)
    except (TypeError, ValueError):
        code = 0
    if code in KUAIDI100_AUTH_CODES:
        raise ProviderError(f"快递100：{body.get('message') or code}（{code}）", detail={"code": code})
    if settings.customer:
        query(settings, tracking_no=TEST_NUMBER, carrier_code="ZTO")  # no trace: answers empty
        return "连接成功：快递100 接受了 key、secret 和 customer"
    return "连接成功：快递100 接受了 key 和 secret（未填 customer，无法实时查询物流）"


HOURS_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d\s*[-–~至]\s*([01]\d|2[0-4]):[0-5]\d$")
BRANCH_FIELDS = ("name", "code", "contact", "pickup_address", "pickup_hours")


def set_branch(
    *,
    carrier_code: str,
    name: str = "",
    code: str = "",
    contact: str = "",
    pickup_address: str = "",
    pickup_hours: str = "",
) -> Carrier:
    """Save the carrier's 网点 (outlet): name, code, contact (stored encrypted), pickup address and
    hours ("16:00-18:00")."""
    carrier = get_carrier(code=carrier_code)
    hours = pickup_hours.strip().replace(" ", "")
    if hours and not HOURS_RE.match(hours):
        raise InvalidInput(f"揽收时间格式应为 16:00-18:00：{pickup_hours!r}")
    carrier.branch_name = name.strip()[:60]
    carrier.branch_code = code.strip()[:40]
    carrier.branch_contact = contact.strip()[:100]
    carrier.branch_pickup_address = pickup_address.strip()[:200]
    carrier.branch_pickup_hours = hours[:40]
    carrier.save(
        update_fields=[f"branch_{f}" for f in BRANCH_FIELDS],
    )
    return carrier


def branch_dict(carrier: Carrier, *, reveal: bool = False) -> dict[str, Any]:
    """The 网点 as shown: the contact masked unless ``reveal`` (the owner's own edit form)."""
    from fahuo.kit.privacy import mask_name, mask_phone

    contact = carrier.branch_contact
    if not reveal and contact:
        name, _, phone = contact.strip().rpartition(" ")
        contact = f"{mask_name(name)} {mask_phone(phone)}".strip()
    return {
        "carrier": carrier.code,
        "name": carrier.branch_name,
        "code": carrier.branch_code,
        "contact": contact,
        "pickup_address": carrier.branch_pickup_address,
        "pickup_hours": carrier.branch_pickup_hours,
    }
