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
    for kind, words in _REASON_HINTS:
        if any(w in reason for w in words):
            return kind
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
