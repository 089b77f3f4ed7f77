"""What a Kdniao SMS answer means for the outbox: sent, try again later, or final.

Kdniao answers HTTP 200 with its usual envelope ``{"EBusinessID", "Success", "ResultCode", "Reason",
"UniquerRequestNumber"}``; the ResultCode table is the same coarse one as the e-waybill API (100
success, 101 missing parameter, 102 validation/signature, 103 format, 104 account, 105 other), so
the Reason text decides most cases.
"""

from __future__ import annotations

import enum

from fahuo.integrations.base import first_hint

SUCCESS_CODES = frozenset({"100"})


class FailureKind(enum.StrEnum):
    NONE = "none"
    RATE_LIMITED = "rate_limited"  # sending too fast: wait and send again
    TEMPORARY = "temporary"  # busy / timeout on Kdniao's side
    AUTH = "auth"  # signature or API account refused: fixed by the seller, then sent
    ACCOUNT = "account"  # SMS balance used up, SMS not opened: fixed by the seller, then sent
    RECIPIENT = "recipient"  # the number is invalid, blacklisted or unsubscribed: final
    CONTENT = "content"  # content refused (too long, sensitive words, missing field): final
    PROVIDER = "provider"  # anything else: final


RETRYABLE_KINDS = frozenset(
    {FailureKind.RATE_LIMITED, FailureKind.TEMPORARY, FailureKind.AUTH, FailureKind.ACCOUNT}
)

_HINTS: tuple[tuple[FailureKind, tuple[str, ...]], ...] = (
    (FailureKind.AUTH, ("签名", "DataSign", "EBusinessID", "用户ID", "未授权")),
    (FailureKind.RATE_LIMITED, ("频率", "频繁", "限流", "过快")),
    (FailureKind.TEMPORARY, ("系统繁忙", "稍后", "超时", "繁忙")),
    (FailureKind.ACCOUNT, ("余额", "条数不足", "未开通")),
    (FailureKind.RECIPIENT, ("手机号", "号码", "黑名单", "退订")),
    (FailureKind.CONTENT, ("敏感", "内容", "长度", "模板")),
)
_BY_CODE = {
    "101": FailureKind.CONTENT,
    "102": FailureKind.AUTH,
    "103": FailureKind.CONTENT,
    "104": FailureKind.ACCOUNT,
}


def classify(code: str, reason: str) -> FailureKind:
    if code in SUCCESS_CODES:
        return FailureKind.NONE
    if (hinted := first_hint(reason, _HINTS)) is not None:
        return hinted
    return _BY_CODE.get(code, FailureKind.PROVIDER)


def is_retryable(kind: FailureKind) -> bool:
    return kind in RETRYABLE_KINDS
