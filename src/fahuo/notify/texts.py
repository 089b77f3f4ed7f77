"""Message texts: the variables a template may use, validation, rendering, and the default library.

A template body is plain text with ``{变量}`` placeholders. Only the variables below exist; a body
naming any other (or with a stray brace) is refused when saved, so a typo never reaches a buyer as
"{单号码}". Literal braces are written full-width: ｛ ｝.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# name -> what it holds (shown in the editor's help)
VARIABLES: dict[str, str] = {
    "买家": "买家称呼（脱敏，如 张*）",
    "单号": "快递单号",
    "快递": "快递公司",
    "预计": "预计送达日期",
    "店铺": "店铺名称",
    "链接": "物流详情页链接（缺货选择消息里是买家的选择页）",
}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# Messages about an order, not a parcel: sent before anything ships (ship-by apology) or about the
# address. Every other message is about one parcel and is only queued when fahuo knows its number.
ORDER_KEYS = frozenset({"ship_by_soon", "address_changed", "stock_choice"})
# Empty before the parcel ships, so refused in a message sent before it does.
PARCEL_VARIABLES = ("单号", "快递", "链接")
BEFORE_SHIPPING_KEYS = frozenset({"ship_by_soon"})
SMS_SINGLE = 70  # characters in a one-part Chinese SMS
SMS_PART = 67  # characters per part of a long SMS

# A short status word per message (WeChat's phrase fields take at most five Chinese characters).
STATUS_PHRASES: dict[str, str] = {
    "shipped": "已发货",
    "out_for_delivery": "派送中",
    "in_locker": "待取件",
    "delivered": "已签收",
    "delayed": "物流延误",
    "problem": "物流异常",
    "refused": "已拒收",
    "returning": "退回中",
    "lost": "包裹丢失",
    "ship_by_soon": "延迟发货",
    "address_changed": "地址修改",
    "stock_choice": "缺货",
}

# The default library (话术库), seeded by ``services.ensure_default_templates``: key -> (title, body).
DEFAULT_TEXTS: dict[str, tuple[str, str]] = {
    "shipped": (
        "已发货",
        "{买家}您好，您在{店铺}买的宝贝已经发货啦！{快递} {单号}，预计{预计}送达。物流详情：{链接}",
    ),
    "out_for_delivery": (
        "派送中",
        "{买家}您好，您的包裹（{快递} {单号}）正在派送，请保持电话畅通留意查收。物流详情：{链接}",
    ),
    "in_locker": (
        "待取件",
        "{买家}您好，您的包裹（{快递} {单号}）已放入快递柜/驿站，请尽快凭取件码取件。详情：{链接}",
    ),
    "delivered": (
        "已签收",
        "{买家}您好，您的包裹（{快递} {单号}）已签收。用得有任何问题随时找{店铺}客服，感谢支持！",
    ),
    "delayed": (
        "物流延误",
        "{买家}您好，抱歉您的包裹（{快递} {单号}）路上有些延误，我们已联系快递加急处理，会一直跟进。物流详情：{链接}",
    ),
    "problem": (
        "疑难件",
        "{买家}您好，您的包裹（{快递} {单号}）运输中遇到异常，{店铺}已第一时间联系快递处理，有进展马上告诉您，给您添麻烦了。详情：{链接}",
    ),
    "refused": (
        "拒收",
        "{买家}您好，快递显示您的包裹（{快递} {单号}）被拒收。如不是您本人操作或有其他需要，请联系{店铺}客服，我们帮您处理。",
    ),
    "returning": (
        "退回中",
        "{买家}您好，您的包裹（{快递} {单号}）正在退回{店铺}，收到退件后我们会尽快为您处理，有疑问请联系客服。",
    ),
    "lost": (
        "丢失",
        "{买家}您好，非常抱歉，您的包裹（{快递} {单号}）在运输途中丢失了。{店铺}会马上为您补发或退款，请联系客服选择处理方式。",
    ),
    "ship_by_soon": (
        "发货延迟致歉",
        "{买家}您好，您在{店铺}的订单因备货会稍晚一点发出，我们正在加急处理，发货后第一时间通知您，感谢耐心等待！",
    ),
    "address_changed": (
        "地址已修改",
        "{买家}您好，您的收货地址已修改成功，{店铺}会按新地址为您发货，发货后再通知您单号。",
    ),
    "stock_choice": (
        "缺货选择",
        "{买家}您好，非常抱歉，您在{店铺}买的宝贝暂时缺货。请点链接选择等待到货、换款或退款：{链接}",
    ),
}


def variables_in(body: str) -> list[str]:
    return _PLACEHOLDER.findall(body or "")


def validate_body(body: str, *, key: str = "") -> None:
    """Raise ValidationError for an empty body, an unknown ``{变量}``, a stray brace, or a parcel
    variable in a message (``key``) that goes out before the parcel ships."""
    if not (body or "").strip():
        raise ValidationError(_("The message text is empty."), code="empty")
    unknown = sorted({name for name in variables_in(body) if name not in VARIABLES})
    if unknown:
        raise ValidationError(
            _("Unknown variable %(names)s. Use one of: %(known)s.")
            % {
                "names": "、".join("{" + n + "}" for n in unknown),
                "known": " ".join("{" + n + "}" for n in VARIABLES),
            },
            code="unknown_variable",
        )
    if "{" in _PLACEHOLDER.sub("", body) or "}" in _PLACEHOLDER.sub("", body):
        raise ValidationError(
            _("A brace is not closed. Write variables as {单号}; for a literal brace use ｛ ｝."),
            code="stray_brace",
        )
    if key in BEFORE_SHIPPING_KEYS:
        used = [n for n in PARCEL_VARIABLES if "{" + n + "}" in body]
        if used:
            raise ValidationError(
                _("This message goes out before the parcel ships, so %(names)s would be empty.")
                % {"names": "、".join("{" + n + "}" for n in used)},
                code="parcel_variable",
            )


def render(body: str, values: Mapping[str, str]) -> str:
    """The body with every known variable filled in (a missing value becomes empty)."""
    return _PLACEHOLDER.sub(
        lambda m: str(values.get(m.group(1), "")) if m.group(1) in VARIABLES else m.group(0), body
    )


def sms_parts(text: str) -> int:
    """How many SMS parts ``text`` costs (70 characters in one, 67 per part when longer)."""
    n = len(text)
    if n == 0:
        return 0
    return 1 if n <= SMS_SINGLE else math.ceil(n / SMS_PART)
