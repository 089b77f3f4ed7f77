"""Kuaidi100 e-waybill v2 result codes, mapped onto what fahuo does about them.

Sources: the v2 reprint interface on the same gateway documents -1, 200, 30001-30004 and 30009
(apifox.com/apidoc/project-514987/api-55456473); 30005 ("the carrier returned an error", message
passed through from the carrier) comes from integrators' notes, not from a Kuaidi100 page we could
read. See docs/integrations/kuaidi100.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fahuo.integrations.status import TrackCode, TrackStatus

SUCCESS = 200


class Scope(StrEnum):
    """How far a failure reaches, which decides what the adapter does with it."""

    OK = "ok"
    PARCEL = "parcel"  # this parcel failed; the others in the batch may still succeed
    ACCOUNT = "account"  # every call with these credentials fails the same way (sign, key, balance)
    TRANSIENT = "transient"  # the gateway hiccupped; the same request may succeed later


@dataclass(frozen=True, slots=True)
class Code:
    code: int
    zh: str
    en: str
    scope: Scope
    retryable: bool


CODES: dict[int, Code] = {
    c.code: c
    for c in (
        Code(200, "成功", "success", Scope.OK, False),
        Code(-1, "服务器错误", "Kuaidi100 server error", Scope.TRANSIENT, True),
        Code(30001, "参数错误", "invalid or missing parameter", Scope.PARCEL, False),
        Code(30002, "验证签名失败", "signature rejected (check key/secret)", Scope.ACCOUNT, False),
        Code(30003, "账号信息不正确", "unknown or wrong API key", Scope.ACCOUNT, False),
        Code(30004, "账号单量不足", "account balance exhausted, top up", Scope.ACCOUNT, False),
        Code(30005, "快递公司返回异常", "carrier refused (message passed through)", Scope.PARCEL, False),
        Code(30009, "查无此单", "no such order/task", Scope.PARCEL, False),
    )
}


def lookup(code: int | str | None) -> Code:
    """The known meaning of ``code``; an unknown code is treated as a non-retryable parcel failure."""
    try:
        number = int(code)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = 0
    known = CODES.get(number)
    if known is not None:
        return known
    return Code(number, "未知错误", "unknown error code", Scope.PARCEL, False)


# --- tracking: state (基础物流状态) and advanced status (高级物流状态, resultv2) ----------------------
#
# A Kuaidi100 answer carries ``state`` per parcel and, with ``resultv2`` set, ``status`` (the state's
# name) and ``statusCode`` (the advanced code) per trace line. Every documented code is mapped onto
# fahuo's status set, ``fahuo.integrations.status.TrackStatus`` (Django-free; the tracking models
# take their values from it). Sources in
# docs/integrations/tracking.md.

IN_TRANSIT = TrackStatus.IN_TRANSIT  # the fallback status, imported by the tracking parser


TRACK_CODES: dict[str, TrackCode] = {
    c.code: c
    for c in (
        # 0 在途 and its advanced codes
        TrackCode("0", "在途", TrackStatus.IN_TRANSIT),
        TrackCode("1001", "到达派件城市", TrackStatus.IN_TRANSIT),
        TrackCode("1002", "干线", TrackStatus.IN_TRANSIT),
        TrackCode("1003", "转递", TrackStatus.IN_TRANSIT),
        # 1 揽收
        TrackCode("1", "揽收", TrackStatus.PICKED_UP),
        TrackCode("101", "已下单", TrackStatus.CREATED),
        TrackCode("102", "待揽收", TrackStatus.AWAITING_PICKUP),
        TrackCode("103", "已揽收", TrackStatus.PICKED_UP),
        # 2 疑难
        TrackCode("2", "疑难", TrackStatus.EXCEPTION),
        TrackCode("201", "超时未签收", TrackStatus.EXCEPTION),
        TrackCode("202", "超时未更新", TrackStatus.EXCEPTION),
        TrackCode("203", "拒收", TrackStatus.REFUSED),
        TrackCode("204", "派件异常", TrackStatus.EXCEPTION),
        TrackCode("205", "柜或驿站超时未取", TrackStatus.EXCEPTION),
        TrackCode("206", "无法联系", TrackStatus.EXCEPTION),
        TrackCode("207", "超区", TrackStatus.EXCEPTION),
        TrackCode("208", "滞留", TrackStatus.EXCEPTION),
        TrackCode("209", "破损", TrackStatus.EXCEPTION),
        TrackCode("210", "销单", TrackStatus.EXCEPTION),
        # 3 签收
        TrackCode("3", "签收", TrackStatus.DELIVERED),
        TrackCode("301", "本人签收", TrackStatus.DELIVERED),
        TrackCode("302", "派件异常后签收", TrackStatus.DELIVERED),
        TrackCode("303", "代签", TrackStatus.DELIVERED, signed_by_proxy=True),
        TrackCode("304", "投柜或站签收", TrackStatus.DELIVERED, signed_by_proxy=True),
        # 4 退签
        TrackCode("4", "退签", TrackStatus.RETURNED),
        TrackCode("401", "已销单", TrackStatus.EXCEPTION),
        TrackCode("14", "拒签", TrackStatus.REFUSED),
        # 5 派件
        TrackCode("5", "派件", TrackStatus.OUT_FOR_DELIVERY),
        TrackCode("501", "投柜或驿站", TrackStatus.IN_LOCKER),
        # 6 退回, 7 转投
        TrackCode("6", "退回", TrackStatus.RETURNING),
        TrackCode("7", "转投", TrackStatus.IN_TRANSIT),
        # 8 清关 (international)
        TrackCode("8", "清关", TrackStatus.IN_TRANSIT),
        TrackCode("10", "待清关", TrackStatus.IN_TRANSIT),
        TrackCode("11", "清关中", TrackStatus.IN_TRANSIT),
        TrackCode("12", "已清关", TrackStatus.IN_TRANSIT),
        TrackCode("13", "清关异常", TrackStatus.EXCEPTION),
    )
}

# A trace line's ``status`` is the state's *name* (resultv2=1 gives only that): name → code.
TRACK_NAMES: dict[str, str] = {c.zh: c.code for c in TRACK_CODES.values()}
TRACK_NAMES.update({"揽件": "1", "在途中": "0", "已签收": "3", "派送中": "5", "转单": "7"})


def track_code(code: object) -> TrackCode | None:
    """The meaning of a state/statusCode (or a status name). A sub-code Kuaidi100 adds later falls
    back to its family (2xx → 2 疑难, 100x → 0 在途); blank or unrecognisable → None."""
    text = str(code).strip() if code is not None else ""
    if not text:
        return None
    known = TRACK_CODES.get(text) or TRACK_CODES.get(TRACK_NAMES.get(text, ""))
    if known is not None:
        return known
    family = ""
    if text.isdigit() and len(text) == 4 and text.startswith("10"):
        family = "0"
    elif text.isdigit() and len(text) == 3:
        family = text[0]
    parent = TRACK_CODES.get(family)
    return TrackCode(text, parent.zh, parent.status) if parent is not None else None


# --- tracking: answers of the subscribe (poll) and real-time query (poll/query.do) calls -------------

SUBSCRIBE_OK = "200"
SUBSCRIBE_DUPLICATE = "501"  # already subscribed and still polling: nothing to do
QUERY_NO_RESULT = "500"  # 查询无结果，请隔段时间再查: no trace yet (or the number is not this carrier's)

# returnCode → what it means, for messages and logs.
POLL_RETURN_CODES: dict[str, str] = {
    "200": "提交成功",
    "400": "数据不完整或快递公司不支持",
    "408": "电话号码校验失败（顺丰等需要收/寄件人手机号）",
    "500": "查询无结果，请隔段时间再查（实时查询）；服务器错误（订阅）",
    "501": "重复订阅（单号仍在监控中）",
    "502": "服务器繁忙",
    "503": "验证签名失败",
    "600": "授权key错误（不是合法的订阅者）",
    "601": "key已过期或没有可用单量",
    "700": "订阅参数错误（公司、单号或回调地址）",
    "701": "拒绝订阅的快递公司",
    "702": "识别不到该单号对应的快递公司",
}
