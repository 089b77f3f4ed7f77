"""Pure translation between a buyer message and WeChat's subscribeMessage.send body (no I/O).

A subscribe message is not free text: it fills a pre-approved template's fields, each with its type's
rule (from WeChat's docs: thing ≤ 20 characters, character_string ≤ 32 of digits/letters/symbols,
phrase ≤ 5 Chinese characters, number ≤ 32 digits, name ≤ 10 Chinese characters, date/time formats).
The outbox hands the message's variables as ``params``; ``settings.fields`` says which variable goes
into which template key, and each value is cut to its type's rule here, so WeChat never answers 47003
because a carrier name or a hint was too long.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fahuo.integrations.base import MappingError
from fahuo.integrations.messaging.wechat.settings import WechatSettings

_LIMITS = {
    "thing": 20,
    "character_string": 32,
    "number": 32,
    "letter": 32,
    "phrase": 5,
    "name": 10,
    "symbol": 5,
}
_TYPE = re.compile(r"^([a-z_]+?)\d*$")
_NON_ASCII = re.compile(r"[^\x21-\x7e]")
_NON_HAN = re.compile(r"[^\u4e00-\u9fff]")


def field_type(key: str) -> str:
    """``"thing12"`` -> ``"thing"``, ``"character_string1"`` -> ``"character_string"``."""
    match = _TYPE.match(key)
    return match.group(1) if match else key


def fit(key: str, value: str) -> str:
    """``value`` cut to the rule of the field type ``key`` names."""
    kind = field_type(key)
    text = " ".join(str(value or "").split())
    if kind == "character_string":
        text = _NON_ASCII.sub("", text)
    elif kind == "phrase":
        text = _NON_HAN.sub("", text)
    limit = _LIMITS.get(kind)
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…" if kind == "thing" else text[:limit]
    return text or ("-" if kind == "thing" else text)


def send_body(
    *, openid: str, template_id: str, params: Mapping[str, str], settings: WechatSettings
) -> dict[str, Any]:
    openid = (openid or "").strip()
    if not openid:
        raise MappingError("缺少买家 openid，无法发送微信订阅消息")
    if not template_id:
        raise MappingError("这条消息没有配置微信订阅消息模板（账号凭据 templates）")
    data = {key: {"value": fit(key, str(params.get(var, "")))} for key, var in settings.fields.items()}
    body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": data}
    if settings.page:
        body["page"] = settings.page
    body["miniprogram_state"] = settings.miniprogram_state
    body["lang"] = settings.lang
    return body
