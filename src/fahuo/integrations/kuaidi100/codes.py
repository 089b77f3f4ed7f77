"""Kuaidi100 e-waybill v2 result codes, mapped onto what fahuo does about them.

Sources: the v2 reprint interface on the same gateway documents -1, 200, 30001-30004 and 30009
(apifox.com/apidoc/project-514987/api-55456473); 30005 ("the carrier returned an error", message
passed through from the carrier) comes from integrators' notes, not from a Kuaidi100 page we could
read. See docs/integrations/kuaidi100.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

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
