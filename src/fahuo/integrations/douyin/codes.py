"""抖店 open platform answer codes, and fahuo's carrier code -> 抖店 company_code map.

Every answer is HTTP 200 with ``{"code": int, "msg": str, "sub_code": str, "sub_msg": str, "log_id":
str, "data": …}``. ``code`` is the platform-wide class (10000 success, 20000 service error, 40003
invalid parameter, 50002 business refusal, 60000 rate limit …, see 平台基础错误码汇总); ``sub_code``
says what exactly: ``isv.signature-invalid``, ``isv.access-token-expired``, or for business refusals
``isv.business-failed:60021`` / ``isp.service-error:10005``, whose number after the colon is the
API's own error code (the tables on each API's page, e.g. /order/logisticsAdd). ``sub_msg`` is the
Chinese text a seller can act on.

fahuo reads an answer as a ``FailureKind``; ``retryable`` kinds are sent again later unchanged
(with backoff), the others are final and wait for a person (the ship-back page shows them).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from fahuo.integrations.base import first_hint

SUCCESS_CODE = 10000
RATE_LIMIT_CODE = 60000

# HTTP statuses worth sending the same request again for (the gateway or a proxy in between).
RETRYABLE_HTTP_STATUSES = frozenset({500, 502, 503, 504})


class FailureKind(enum.StrEnum):
    NONE = "none"  # 10000
    ALREADY_SHIPPED = "already_shipped"  # 订单已发货: fine if the platform shows our number
    RATE_LIMITED = "rate_limited"  # 60000 触发限流
    TEMPORARY = "temporary"  # 系统繁忙 / isp.service-error: try again later
    AUTH = "auth"  # app_key/secret, token, signature, timestamp, permission, IP whitelist
    ORDER_STATE = "order_state"  # cancelled, refunded, completed, unknown order …: final
    INVALID = "invalid"  # number, company or parameters refused: final
    SHOP_SETUP = "shop_setup"  # the shop must fix something in 抖店 (default address …): final
    PROVIDER = "provider"  # anything else the platform refuses: final


# AUTH is retried: the usual cause is an expired access_token, and once the seller pastes a new one
# the queued ship-backs go out by themselves. The platform's message stays visible meanwhile.
RETRYABLE_KINDS = frozenset({FailureKind.RATE_LIMITED, FailureKind.TEMPORARY, FailureKind.AUTH})

# Platform-level sub_codes (平台基础错误码) that mean "the call was not authorised".
AUTH_SUB_CODES = frozenset(
    {
        "isv.signature-missing",
        "isv.signature-invalid",
        "isv.app-id-missing",
        "isv.app-id-invalid",
        "isv.app-id-expired",
        "isv.access-token-missing",
        "isv.access-token-expired",
        "isv.access-token-no-existed",
        "isv.access-token-invalid",
        "isv.authorization-type-invalid",
        "isv.timestamp-invalid",
        "isv.timestamp-format-error",
        "isv.app-permissions-insufficient",
        "dop.authorization-no-existed",
        "dop.authorization-closed",
        "dop.app-forbidden",
    }
)


@dataclass(frozen=True, slots=True)
class BusinessCode:
    number: str
    zh: str
    en: str
    kind: FailureKind


_K = FailureKind
# The shipping APIs' own codes (the number after "isv.business-failed:" / "isp.service-error:"),
# from the error tables of /order/logisticsAdd and /order/logisticsAddMultiPack.
BUSINESS_CODES: Mapping[str, BusinessCode] = MappingProxyType(
    {
        c.number: c
        for c in (
            BusinessCode(
                "60110", "订单已发货，不允许再次执行发货", "order already shipped", _K.ALREADY_SHIPPED
            ),
            BusinessCode(
                "70023",
                "已发货 / 没有能发货的订单",
                "nothing left to ship (already shipped)",
                _K.ALREADY_SHIPPED,
            ),
            BusinessCode("60021", "订单已取消，禁止发货", "order cancelled", _K.ORDER_STATE),
            BusinessCode(
                "60068", "该订单已售前退款成功，不能发货", "refunded before shipping", _K.ORDER_STATE
            ),
            BusinessCode("60113", "订单已完结，禁止发货", "order completed", _K.ORDER_STATE),
            BusinessCode("60033", "订单不存在", "order not found", _K.ORDER_STATE),
            BusinessCode("60101", "非本店铺订单", "order of another shop", _K.ORDER_STATE),
            BusinessCode("60102", "商品单不存在", "sub-order not found", _K.ORDER_STATE),
            BusinessCode("60137", "订单未支付，禁止发货", "order not paid", _K.ORDER_STATE),
            BusinessCode(
                "60040",
                "发货订单中有退款申请需要处理",
                "a refund request must be handled first",
                _K.ORDER_STATE,
            ),
            BusinessCode("60120", "订单正在售后中", "after-sale in progress", _K.ORDER_STATE),
            BusinessCode("60022", "货到付款订单不允许发货", "cash-on-delivery order", _K.ORDER_STATE),
            BusinessCode(
                "60024", "请联系跨境服务商发货", "cross-border order, shipped by the provider", _K.ORDER_STATE
            ),
            BusinessCode("60057", "暂不支持本类订单发货", "order type not shippable here", _K.ORDER_STATE),
            BusinessCode("60107", "暂不支持该类型订单发货", "virtual/education order", _K.ORDER_STATE),
            BusinessCode("60108", "暂不支持该类型订单发货", "recycle/consignment order", _K.ORDER_STATE),
            BusinessCode("60111", "暂不支持本类订单发货", "order type not shippable here", _K.ORDER_STATE),
            BusinessCode(
                "60116", "平台仓订单无需手动发货", "shipped by a platform warehouse", _K.ORDER_STATE
            ),
            BusinessCode(
                "60122", "该跨境订单状态暂不允许发货", "cross-border order not ready", _K.ORDER_STATE
            ),
            BusinessCode("60123", "供应链订单，商家无权自发货", "supply-chain order", _K.ORDER_STATE),
            BusinessCode("60069", "质检订单请在商家后台送检发货", "quality-check order", _K.ORDER_STATE),
            BusinessCode(
                "60131", "定制商品待用户填写定制信息", "waiting for the buyer's customisation", _K.ORDER_STATE
            ),
            BusinessCode("60017", "物流单号不符合规则", "tracking number refused", _K.INVALID),
            BusinessCode("60018", "暂不支持该物流公司或物流商已失效", "company_code refused", _K.INVALID),
            BusinessCode("60011", "物流公司编码不允许为空", "company_code missing", _K.INVALID),
            BusinessCode(
                "60083", "物流公司编码(company_code)字段不能为空", "company_code missing", _K.INVALID
            ),
            BusinessCode("60014", "物流单号不能为空", "tracking number missing", _K.INVALID),
            BusinessCode(
                "60016", "商品单单号为空或者格式错误", "sub-order id missing or malformed", _K.INVALID
            ),
            BusinessCode("50049", "订单号不能为空或者格式错误", "order id missing or malformed", _K.INVALID),
            BusinessCode(
                "60026",
                "该订单不支持使用其它物流进行发货",
                "this order cannot use another carrier",
                _K.INVALID,
            ),
            BusinessCode("60127", "物流单号校验不通过", "tracking number failed the check", _K.INVALID),
            BusinessCode(
                "60128", "物流公司与系统智能检测不一致", "number looks like another carrier's", _K.INVALID
            ),
            BusinessCode("60138", "订单需送货上门", "door delivery required by the order", _K.INVALID),
            BusinessCode(
                "70018",
                "物流单号已被快递回收或取消",
                "number recycled or cancelled by the carrier",
                _K.INVALID,
            ),
            BusinessCode(
                "70019",
                "物流单号首条轨迹早于订单支付时间",
                "number used before the order was paid",
                _K.INVALID,
            ),
            BusinessCode(
                "70020",
                "运单号收件人与订单收件人不一致",
                "number's recipient differs from the order's",
                _K.INVALID,
            ),
            BusinessCode("70022", "物流单号已被其他订单使用", "number used by another order", _K.INVALID),
            BusinessCode("60056", "补贴商品发货时需要上传商品序列号", "serial number required", _K.INVALID),
            BusinessCode("99998", "请输入正确的参数", "parameters refused", _K.INVALID),
            BusinessCode("60027", "该店铺无默认售后地址", "no default return address in 抖店", _K.SHOP_SETUP),
            BusinessCode("60072", "该店铺无默认发货地址", "no default sender address in 抖店", _K.SHOP_SETUP),
            BusinessCode("60070", "当前发货异常，请检查发货地址", "sender address refused", _K.SHOP_SETUP),
            BusinessCode("60071", "当前发货地址存在异常", "sender address refused", _K.SHOP_SETUP),
            BusinessCode(
                "60134", "发货地址在商家地址库不存在", "address not in the shop's address book", _K.SHOP_SETUP
            ),
            BusinessCode(
                "60109", "订单正在风控审核中（1~2小时）", "order under risk review (1-2 h)", _K.TEMPORARY
            ),
            BusinessCode("60106", "系统繁忙，请稍后重试", "busy", _K.TEMPORARY),
            BusinessCode("60114", "系统繁忙，请稍后重试", "busy", _K.TEMPORARY),
            BusinessCode("60118", "订单售后信息异常，请稍后重试", "after-sale data not ready", _K.TEMPORARY),
            BusinessCode("60121", "系统繁忙，请稍后重试", "busy", _K.TEMPORARY),
            BusinessCode("60124", "系统繁忙，请稍后重试", "busy", _K.TEMPORARY),
            BusinessCode("60125", "系统繁忙，请稍后重试", "busy", _K.TEMPORARY),
            BusinessCode("60132", "系统异常，请稍后重试", "system error", _K.TEMPORARY),
            BusinessCode("70009", "系统繁忙，请稍后重试", "busy", _K.TEMPORARY),
            BusinessCode("70011", "发货失败，请稍后重试", "shipping failed, try again", _K.TEMPORARY),
            BusinessCode("8888", "系统繁忙，请稍后重试", "busy", _K.TEMPORARY),
            BusinessCode("120018", "系统繁忙，请稍后重试", "busy", _K.TEMPORARY),
            BusinessCode("120032", "售后请求并发，请稍后重试", "concurrent after-sale request", _K.TEMPORARY),
        )
    }
)
# fmt: on

# Words in the message that decide when the number is not in the table.
_MESSAGE_HINTS: tuple[tuple[FailureKind, tuple[str, ...]], ...] = (
    (FailureKind.SHOP_SETUP, ("地址库", "默认售后地址", "默认发货地址")),
    (FailureKind.TEMPORARY, ("系统繁忙", "稍后重试", "请重试", "超时")),
)


def sub_code_number(sub_code: str) -> str:
    """``"isv.business-failed:60021"`` -> ``"60021"``; ``""`` when there is no number."""
    _, sep, tail = sub_code.rpartition(":")
    return tail.strip() if sep and tail.strip().isdigit() else ""


def classify(code: int, sub_code: str = "", message: str = "") -> FailureKind:
    """fahuo's reading of one answer (``message`` is sub_msg, else msg)."""
    if code == SUCCESS_CODE:
        return FailureKind.NONE
    if code == RATE_LIMIT_CODE or sub_code == "isv.traffic-limited":
        return FailureKind.RATE_LIMITED
    if sub_code in AUTH_SUB_CODES or code in (30001, 30002, 40001):
        return FailureKind.AUTH
    known = BUSINESS_CODES.get(sub_code_number(sub_code))
    if known is not None:
        return known.kind
    if (hinted := first_hint(message, _MESSAGE_HINTS)) is not None:
        return hinted
    if sub_code.startswith(("isp.", "dop.service-error")) or code in (20000, 20001):
        return FailureKind.TEMPORARY
    if code in (40002, 40003, 40004):
        return FailureKind.INVALID
    return FailureKind.PROVIDER


def is_retryable(kind: FailureKind) -> bool:
    return kind in RETRYABLE_KINDS


def describe(sub_code: str) -> str:
    """``"60021 订单已取消，禁止发货 (order cancelled)"``; the sub_code alone when unknown."""
    known = BUSINESS_CODES.get(sub_code_number(sub_code))
    return f"{known.number} {known.zh} ({known.en})" if known is not None else sub_code


# fahuo carrier code -> 抖店 company_code (物流公司编码). The authoritative list is what the shop's
# /order/logisticsCompanyList answers; these are the common express companies' codes there (the
# same spelling as Kuaidi100's company codes). A shop account's ``company_codes`` credential
# overrides or extends the map; a carrier missing from it is never guessed.
DEFAULT_COMPANY_CODES: Mapping[str, str] = MappingProxyType(
    {
        "ZTO": "zhongtong",  # 中通快递
        "YTO": "yuantong",  # 圆通速递
        "YD": "yunda",  # 韵达快递
        "YUNDA": "yunda",
        "STO": "shentong",  # 申通快递
        "SF": "shunfeng",  # 顺丰速运
        "JD": "jd",  # 京东快递
        "EMS": "ems",  # EMS
        "YZPY": "youzhengguonei",  # 邮政快递包裹
        "JTSD": "jtexpress",  # 极兔速递
        "JT": "jtexpress",
        "DBL": "debangkuaidi",  # 德邦快递
        "HTKY": "huitongkuaidi",  # 百世快递
        "ZJS": "zhaijisong",  # 宅急送
        "UC": "youshuwuliu",  # 优速快递
    }
)


def company_code_for(carrier_code: str, overrides: Mapping[str, str] | None = None) -> str | None:
    """抖店 company_code for a fahuo carrier code, or None when it is not known."""
    key = carrier_code.strip().upper()
    if overrides and key in overrides:
        return overrides[key] or None
    return DEFAULT_COMPANY_CODES.get(key)
