"""WeChat ``errcode`` values of the subscribe-message and token APIs, and what the outbox does.

From subscribeMessage.send's documentation: 40003 (touser openid empty or wrong), 40037 (template
id wrong), 43101 (the user refused, or has used up the one-time subscription), 47003 (a data value
breaks its type's rule; errmsg names the field), 41030 (page not in the released mini-program).
The global codes WeChat answers on any API: -1 (system busy), 40001 / 42001 / 40014 (access_token
invalid, expired, malformed), 40013 / 40125 (appid / secret wrong), 45009 / 45011 (daily / minute
quota reached).
"""

from __future__ import annotations

import enum


class FailureKind(enum.StrEnum):
    NONE = "none"
    TOKEN = "token"  # refresh the access_token and send again
    RATE_LIMITED = "rate_limited"
    TEMPORARY = "temporary"
    AUTH = "auth"  # appid/secret wrong: the seller fixes the account, then it goes out
    RECIPIENT = "recipient"  # wrong openid or no subscription left: final
    CONFIG = "config"  # template id or page wrong: final (fix the account, then retry by hand)
    CONTENT = "content"  # a value breaks its field's rule: final
    PROVIDER = "provider"


CODES: dict[int, tuple[FailureKind, str]] = {
    0: (FailureKind.NONE, "ok"),
    -1: (FailureKind.TEMPORARY, "微信系统繁忙，稍后重试"),
    40001: (FailureKind.TOKEN, "access_token 无效"),
    42001: (FailureKind.TOKEN, "access_token 已过期"),
    40014: (FailureKind.TOKEN, "access_token 不合法"),
    40013: (FailureKind.AUTH, "微信 appid 无效"),
    40125: (FailureKind.AUTH, "微信 appsecret 无效"),
    45009: (FailureKind.RATE_LIMITED, "已达到微信接口每日调用上限"),
    45011: (FailureKind.RATE_LIMITED, "微信接口调用太频繁"),
    40003: (FailureKind.RECIPIENT, "买家 openid 为空或不正确"),
    43101: (FailureKind.RECIPIENT, "买家未订阅或已用完订阅次数（拒收消息）"),
    40037: (FailureKind.CONFIG, "订阅消息模板 ID 不正确"),
    41030: (FailureKind.CONFIG, "跳转页面 page 不正确"),
    47003: (FailureKind.CONTENT, "模板参数不符合规则"),
}
RETRYABLE_KINDS = frozenset(
    {FailureKind.TOKEN, FailureKind.RATE_LIMITED, FailureKind.TEMPORARY, FailureKind.AUTH}
)


def classify(errcode: int) -> FailureKind:
    known = CODES.get(errcode)
    return known[0] if known is not None else FailureKind.PROVIDER


def describe(errcode: int, errmsg: str) -> str:
    """The seller-facing text: fahuo's Chinese reading, then WeChat's own errmsg (it names the field)."""
    known = CODES.get(errcode)
    text = known[1] if known is not None else "微信返回错误"
    return f"{text}（{errcode} {errmsg}）".strip()


def is_retryable(kind: FailureKind) -> bool:
    return kind in RETRYABLE_KINDS
