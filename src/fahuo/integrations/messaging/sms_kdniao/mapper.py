"""Pure translation between a buyer message and Kdniao's SMS command (no I/O).

fahuo sends RequestType 8101 (短信发送) to the /api/dist gateway, signed like every Kdniao call.
Kdniao documents the SMS product (物流短信) and its 8102 command (设置短信模板: MemberID, Detail with
TemplateType/SendType/IsOpen/MessageTemplate) publicly, but not the send command's fields: the
RequestData below (MemberID, Mobile, Content, OrderCode, LogisticCode) is fahuo's model in Kdniao's
own field spelling, to be checked against the docs Kdniao gives an account that opens SMS (see
docs/messages.md). The answer is Kdniao's usual envelope.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fahuo.integrations import base
from fahuo.integrations.kdniao.mapper import clean_text, is_success, reason_text, result_code
from fahuo.integrations.messaging.sms_kdniao.codes import FailureKind, classify, is_retryable
from fahuo.integrations.messaging.sms_kdniao.settings import KdniaoSmsSettings

REQUEST_SEND = "8101"
CONTENT_MAX = 500  # long SMS are split into 67-character parts by the gateway and billed per part
_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")


class MappingError(base.MappingError):
    """A message the SMS gateway would refuse; ``kind`` says whose fault it is."""

    def __init__(self, message: str, *, kind: FailureKind) -> None:
        super().__init__(message)
        self.kind = kind


def mobile(value: str) -> str:
    """A mainland mobile number (11 digits), or MappingError; never echoes the number back."""
    compact = re.sub(r"[\s\-()（）]", "", value or "")
    match = _MOBILE.match(compact)
    if not match:
        raise MappingError("收件人手机号无效，无法发送短信", kind=FailureKind.RECIPIENT)
    return match.group(1)


def send_request_data(
    *, to: str, body: str, params: Mapping[str, str] | None, settings: KdniaoSmsSettings
) -> dict[str, Any]:
    """RequestData of one 8101 call."""
    content = clean_text(body, CONTENT_MAX)
    if not content:
        raise MappingError("短信内容为空", kind=FailureKind.CONTENT)
    params = params or {}
    data: dict[str, Any] = {"MemberID": settings.member_id, "Mobile": mobile(to), "Content": content}
    ref = str(params.get("ref") or "").strip()
    if ref:
        data["OrderCode"] = clean_text(ref, 64)
    number = str(params.get("单号") or "").strip()
    if number:
        data["LogisticCode"] = clean_text(number, 40)
    if settings.sign_name:
        data["SignName"] = clean_text(settings.sign_name, 20)
    return data


@dataclass(frozen=True, slots=True)
class SendOutcome:
    ok: bool
    code: str
    message: str
    kind: FailureKind
    msg_id: str = ""

    @property
    def retryable(self) -> bool:
        return is_retryable(self.kind)


def parse_send_response(body: Mapping[str, Any]) -> SendOutcome:
    code, reason = result_code(body), reason_text(body)
    msg_id = str(body.get("UniquerRequestNumber") or "").strip()
    if is_success(body):
        return SendOutcome(ok=True, code=code or "100", message="", kind=FailureKind.NONE, msg_id=msg_id)
    kind = classify(code, reason)
    if kind is FailureKind.NONE:
        kind = FailureKind.PROVIDER
    return SendOutcome(
        ok=False, code=code, message=reason or f"快递鸟短信发送失败（{code or '无返回码'}）", kind=kind
    )
