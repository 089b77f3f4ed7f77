"""Kdniao's ResultCode values and what fahuo makes of them.

Kdniao answers HTTP 200 with ``{"Success": bool, "ResultCode": str, "Reason": str, …}`` for both
success and business errors. The ResultCode table of the e-waybill API is coarse: most refusals are
105 (其他错误) and only ``Reason`` (Chinese free text) says what went wrong. So fahuo classifies a
refusal by code first and then by well-known words in the Reason.

Two kinds of failure matter to the adapter:

* ``FailureKind.AUTH`` — the call as a whole was refused (bad signature, unknown EBusinessID): every
  other parcel would fail the same way, so the adapter raises ``ProviderError``;
* everything else is about this one parcel and becomes ``WaybillResult(error=Reason)``.

``retryable`` says whether sending the same request again later may succeed without changing it;
the client never retries a business answer by itself (only transport errors and HTTP 5xx).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from fahuo.integrations.base import first_hint
from fahuo.integrations.status import TrackCode, TrackStatus


class FailureKind(enum.StrEnum):
    NONE = "none"  # issued (100) or issued earlier for the same OrderCode (106)
    INVALID_REQUEST = "invalid_request"  # a field is missing or malformed: fix the order data
    UNSERVICEABLE = "unserviceable"  # 超区: the carrier does not deliver to this address
    ACCOUNT = "account"  # e-waybill account problem (余额不足, 账号/密码错误): fix or top up the account
    AUTH = "auth"  # the Kdniao API account or signature was refused: the whole call fails
    DUPLICATE = "duplicate"  # the OrderCode is already used and no waybill came back
    PROVIDER = "provider"  # anything else Kdniao or the carrier reports


@dataclass(frozen=True, slots=True)
class ResultCode:
    code: str
    zh: str
    en: str
    kind: FailureKind
    retryable: bool = False


# The e-waybill (1007/1147) ResultCode table, from Kdniao's API documentation (see
# docs/integrations/kdniao.md, "Sources").
RESULT_CODES: dict[str, ResultCode] = {
    c.code: c
    for c in (
        ResultCode("100", "成功", "success", FailureKind.NONE),
        ResultCode("101", "缺少必要参数", "a required parameter is missing", FailureKind.INVALID_REQUEST),
        ResultCode("102", "校验问题", "validation failed", FailureKind.INVALID_REQUEST),
        ResultCode("103", "格式问题", "malformed value", FailureKind.INVALID_REQUEST),
        ResultCode("104", "用户问题", "account problem", FailureKind.ACCOUNT),
        ResultCode("105", "其他错误", "other error, see Reason", FailureKind.PROVIDER),
        ResultCode("106", "该订单号已下单成功", "this OrderCode was already issued", FailureKind.NONE),
    )
}

SUCCESS_CODES = frozenset({"100", "106"})

# HTTP statuses worth sending the same request again for (Kdniao's gateway or a proxy in between).
RETRYABLE_HTTP_STATUSES = frozenset({500, 502, 503, 504})

# Words in Reason that decide the kind whatever the code says, checked in this order. AUTH comes first:
# a signature refusal must stop the batch even if Kdniao labels it with a parcel-level code.
_REASON_HINTS: tuple[tuple[FailureKind, tuple[str, ...]], ...] = (
    (FailureKind.AUTH, ("签名", "DataSign", "EBusinessID", "商户ID", "用户ID", "未授权", "未开通")),
    (FailureKind.UNSERVICEABLE, ("超区", "超出派送范围", "不在派送范围", "不支持派送", "无法派送")),
    (FailureKind.ACCOUNT, ("余额不足", "单号不足", "余量不足", "客户号", "密码错误", "月结", "账号")),
    (FailureKind.DUPLICATE, ("重复", "已存在")),
)
# Transient trouble on the carrier's side: the same request may well succeed later.
_RETRYABLE_HINTS = ("系统繁忙", "请稍后", "超时", "繁忙")


def classify(code: str, reason: str) -> FailureKind:
    """fahuo's reading of a Kdniao answer (``code`` is ResultCode, ``reason`` the Reason text)."""
    if code in SUCCESS_CODES:
        return FailureKind.NONE
    if (hinted := first_hint(reason, _REASON_HINTS)) is not None:
        return hinted
    known = RESULT_CODES.get(code)
    return known.kind if known is not None else FailureKind.PROVIDER


def is_retryable(code: str, reason: str) -> bool:
    """True when the same request may succeed later unchanged (an operator may press 'retry')."""
    if code in SUCCESS_CODES:
        return False
    known = RESULT_CODES.get(code)
    if known is not None and known.retryable:
        return True
    return any(w in reason for w in _RETRYABLE_HINTS)


def describe(code: str) -> str:
    """``"105 其他错误 (other error, see Reason)"`` for logs and the admin; the code alone if unknown."""
    known = RESULT_CODES.get(code)
    return f"{code} {known.zh} ({known.en})" if known is not None else code


# --- tracking: State / StateEx / Action -----------------------------------------------------------
#
# Kdniao reports a parcel's state twice: ``State`` (普通物流状态, one digit) and ``StateEx`` (增值物流状态,
# the finer code) on the parcel, and ``Action`` (the same StateEx codes) on each trace line. The table
# below is every code Kdniao documents (sources in docs/integrations/tracking.md), each mapped onto
# fahuo's status set, ``fahuo.integrations.status.TrackStatus`` (Django-free; the tracking models
# take their values from it).

IN_TRANSIT = TrackStatus.IN_TRANSIT  # the fallback status, imported by the tracking parser


TRACK_CODES: dict[str, TrackCode] = {
    c.code: c
    for c in (
        TrackCode("0", "暂无轨迹信息", TrackStatus.CREATED),
        TrackCode("10", "待揽件", TrackStatus.AWAITING_PICKUP),
        TrackCode("1", "已揽收", TrackStatus.PICKED_UP),
        TrackCode("2", "在途中", TrackStatus.IN_TRANSIT),
        TrackCode("201", "到达派件城市", TrackStatus.IN_TRANSIT),
        TrackCode("204", "到达转运中心", TrackStatus.IN_TRANSIT),
        TrackCode("205", "到达派件网点", TrackStatus.IN_TRANSIT),
        TrackCode("206", "寄件网点发件", TrackStatus.IN_TRANSIT),
        TrackCode("202", "派件中", TrackStatus.OUT_FOR_DELIVERY),
        TrackCode("211", "已放入快递柜或驿站", TrackStatus.IN_LOCKER),
        TrackCode("3", "已签收", TrackStatus.DELIVERED),
        TrackCode("301", "正常签收", TrackStatus.DELIVERED),
        TrackCode("302", "派件异常后最终签收", TrackStatus.DELIVERED),
        TrackCode("304", "代收签收", TrackStatus.DELIVERED, signed_by_proxy=True),
        TrackCode("311", "快递柜或驿站签收", TrackStatus.DELIVERED, signed_by_proxy=True),
        TrackCode("4", "问题件", TrackStatus.EXCEPTION),
        TrackCode("401", "发货无信息", TrackStatus.EXCEPTION),
        TrackCode("402", "超时未签收", TrackStatus.EXCEPTION),
        TrackCode("403", "超时未更新", TrackStatus.EXCEPTION),
        TrackCode("404", "拒收(退件)", TrackStatus.REFUSED),
        TrackCode("405", "派件异常", TrackStatus.EXCEPTION),
        TrackCode("406", "退货签收", TrackStatus.RETURNED),
        TrackCode("407", "退货未签收", TrackStatus.RETURNING),
        TrackCode("412", "快递柜或驿站超时未取", TrackStatus.EXCEPTION),
        TrackCode("413", "单号已拦截", TrackStatus.EXCEPTION),
        TrackCode("414", "破损", TrackStatus.EXCEPTION),
        TrackCode("415", "客户取消发货", TrackStatus.EXCEPTION),
        TrackCode("416", "无法联系", TrackStatus.EXCEPTION),
        TrackCode("417", "配送延迟", TrackStatus.EXCEPTION),
        TrackCode("418", "快件取出", TrackStatus.EXCEPTION),
        TrackCode("419", "重新派送", TrackStatus.EXCEPTION),
        TrackCode("420", "收货地址不详细", TrackStatus.EXCEPTION),
        TrackCode("421", "收件人电话错误", TrackStatus.EXCEPTION),
        TrackCode("422", "错分件", TrackStatus.EXCEPTION),
        TrackCode("423", "超区件", TrackStatus.EXCEPTION),
        TrackCode("5", "转寄", TrackStatus.IN_TRANSIT),
        TrackCode("6", "清关", TrackStatus.IN_TRANSIT),
        TrackCode("601", "待清关", TrackStatus.IN_TRANSIT),
        TrackCode("602", "清关中", TrackStatus.IN_TRANSIT),
        TrackCode("603", "已清关", TrackStatus.IN_TRANSIT),
        TrackCode("604", "清关异常", TrackStatus.EXCEPTION),
    )
}


def track_code(code: object) -> TrackCode | None:
    """The meaning of a State/StateEx/Action code. A sub-code Kdniao adds later (say 424) falls back
    to its family (4 问题件), so a new code never stops a push; blank or unrecognisable → None."""
    text = str(code).strip() if code is not None else ""
    if not text:
        return None
    known = TRACK_CODES.get(text)
    if known is not None:
        return known
    if text.isdigit() and len(text) == 3:
        family = TRACK_CODES.get(text[0])
        if family is not None:
            return TrackCode(text, family.zh, family.status)
    return None


# Words in a trace line (AcceptStation) that say what happened, for lines Kdniao sends without an
# Action (its standard tier). Checked in order, the first hit wins: a line naming both 签收 and a
# locker ("已签收，签收人在丰巢柜领取") is a delivery, not a parcel waiting in the locker.
_TEXT_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (TrackStatus.REFUSED, ("拒收", "拒签")),
    (TrackStatus.RETURNED, ("退回签收", "退件签收", "退货签收")),
    (TrackStatus.RETURNING, ("退回", "退件", "返回寄件")),
    (TrackStatus.DELIVERED, ("签收", "妥投", "已取件")),
    (TrackStatus.IN_LOCKER, ("快递柜", "丰巢", "驿站", "代收点", "自提点")),
    (TrackStatus.OUT_FOR_DELIVERY, ("派件", "派送")),
    (TrackStatus.PICKED_UP, ("揽收", "揽件", "已收件", "收取快件")),
)


def guess_status(text: str) -> str | None:
    """A status read from a trace line's words, or None when nothing says one."""
    return first_hint(text, _TEXT_HINTS)
