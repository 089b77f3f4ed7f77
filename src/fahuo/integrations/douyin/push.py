"""抖店 message push (消息推送): verify and decode what the platform POSTs to the app's push URL.

One POST carries a JSON array of messages ``[{"tag": "101", "msg_id": "…", "data": "<JSON text>"}]``
with headers ``app-id`` (the app key) and ``event-sign`` = lowercase hex md5(app_key + body +
app_secret). The receiver answers ``{"code":0,"msg":"success"}``; anything else and the platform
pushes again. Messages may arrive more than once: ``msg_id`` is the idempotency key.

fahuo reads: 101 订单支付/确认 (a paid order to import), 105 买家收货信息变更 (address changed),
126 订单发货时效变更 (new ship-by time), 200 买家发起售后申请 (after-sale created); the others come
through with their tag and data untouched. Sources and field tables in docs/integrations/tracking.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fahuo.integrations.base import MalformedPush, SignatureInvalid, signatures_match
from fahuo.integrations.douyin.mapper import Address

ACK_BODY = json.dumps({"code": 0, "msg": "success"}, separators=(",", ":"))
ACK_CONTENT_TYPE = "application/json"

TAG_TRADE_CREATE = "100"
TAG_TRADE_PAID = "101"
TAG_TRADE_SELLER_SHIP = "102"
TAG_TRADE_SUCCESS = "103"
TAG_TRADE_LOGISTICS_CHANGED = "104"
TAG_TRADE_ADDRESS_CHANGED = "105"
TAG_TRADE_CANCELED = "106"
TAG_TRADE_PARTLY_SELLER_SHIP = "108"
TAG_TRADE_PENDING = "110"
TAG_TRADE_MEMO_MODIFY = "113"
TAG_TRADE_SHIP_TIME_CHANGED = "126"
TAG_REFUND_CREATED = "200"

# tag → the platform's message name (doudian_<group>_<Name>) and what it says.
TAG_NAMES: Mapping[str, tuple[str, str]] = {
    TAG_TRADE_CREATE: ("doudian_trade_TradeCreate", "订单创建消息"),
    TAG_TRADE_PAID: ("doudian_trade_TradePaid", "订单支付/确认消息"),
    TAG_TRADE_SELLER_SHIP: ("doudian_trade_TradeSellerShip", "卖家发货消息"),
    TAG_TRADE_SUCCESS: ("doudian_trade_TradeSuccess", "交易完成消息"),
    TAG_TRADE_LOGISTICS_CHANGED: ("doudian_trade_TradeLogisticsChanged", "发货物流变更消息"),
    TAG_TRADE_ADDRESS_CHANGED: ("doudian_trade_TradeAddressChanged", "买家收货信息变更消息"),
    TAG_TRADE_CANCELED: ("doudian_trade_TradeCanceled", "订单取消消息"),
    TAG_TRADE_PARTLY_SELLER_SHIP: ("doudian_trade_TradePartlySellerShip", "卖家部分发货消息"),
    TAG_TRADE_PENDING: ("doudian_trade_TradePending", "订单已支付待处理"),
    TAG_TRADE_MEMO_MODIFY: ("doudian_trade_TradeMemoModify", "卖家添加备注消息"),
    TAG_TRADE_SHIP_TIME_CHANGED: ("doudian_trade_TradeAppointmentV2", "订单发货时效变更"),
    TAG_REFUND_CREATED: ("doudian_refund_RefundCreated", "买家发起售后申请消息"),
}

SHANGHAI = ZoneInfo("Asia/Shanghai")
SIGN_MD5 = "md5"
SIGN_HMAC_SHA256 = "hmac-sha256"


@dataclass(frozen=True, slots=True)
class DouyinMessage:
    """One pushed message. ``data`` is the decoded ``data`` object; a message whose data could not
    be decoded has ``data == {}`` and says why in ``error`` (the rest of the batch is unaffected)."""

    tag: str
    msg_id: str
    data: dict[str, Any]
    error: str = ""

    @property
    def name(self) -> str:
        return TAG_NAMES.get(self.tag, ("", ""))[0]

    @property
    def order_id(self) -> str:
        """The shop order (父订单) id, p_id, as text (the platform's ids exceed 2**53)."""
        return _id_text(self.data.get("p_id"))

    @property
    def sku_order_ids(self) -> tuple[str, ...]:
        """The sub-order (子订单) ids: s_ids, or the single s_id of an after-sale message."""
        raw = self.data.get("s_ids")
        if isinstance(raw, list):
            return tuple(_id_text(x) for x in raw if _id_text(x))
        single = _id_text(self.data.get("s_id"))
        return (single,) if single else ()

    @property
    def shop_id(self) -> str:
        return _id_text(self.data.get("shop_id"))

    @property
    def aftersale_id(self) -> str:
        return _id_text(self.data.get("aftersale_id"))

    @property
    def new_address(self) -> Address | None:
        """The receiver's new address of a 105 (address changed) message, else None."""
        if self.tag != TAG_TRADE_ADDRESS_CHANGED:
            return None
        return _address(_receiver(self.data).get("addr"))

    @property
    def receiver_name(self) -> str:
        receiver = _receiver(self.data)
        return str(receiver.get("name") or receiver.get("encrypt_name") or "")

    @property
    def receiver_phone(self) -> str:
        receiver = _receiver(self.data)
        return str(receiver.get("tel") or receiver.get("encrypt_tel") or "")

    @property
    def ship_by(self) -> datetime | None:
        """The new latest ship time (exp_delivery_time) of a 126 message, aware."""
        if self.tag != TAG_TRADE_SHIP_TIME_CHANGED:
            return None
        return _timestamp(self.data.get("exp_delivery_time"))

    @property
    def occurred_at(self) -> datetime | None:
        """When the platform says it happened: the message's own time field, aware."""
        for key in ("update_time", "pay_time", "apply_time", "cancel_time", "complete_time", "create_time"):
            moment = _timestamp(self.data.get(key))
            if moment is not None:
                return moment
        return None


def event_sign(body: bytes, *, app_key: str, app_secret: str, method: str = SIGN_MD5) -> str:
    """The ``event-sign`` of a push body: lowercase hex md5(app_key + body + app_secret); with the
    ``sign-method: hmac-sha256`` header, HMAC-SHA256 of the same string keyed with app_secret."""
    message = app_key.encode("utf-8") + body + app_secret.encode("utf-8")
    if method == SIGN_HMAC_SHA256:
        return hmac.new(app_secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return hashlib.md5(message).hexdigest()


def parse_push(
    body: bytes, headers: Mapping[str, str], *, app_key: str, app_secret: str
) -> list[DouyinMessage]:
    """Verify and decode one push. Raises SignatureInvalid (event-sign missing or wrong, app-id of
    another app) or MalformedPush (not UTF-8 JSON, not a list of messages). Answer ``ACK_BODY``."""
    lowered = {k.lower(): v for k, v in headers.items()}
    app_id = (lowered.get("app-id") or "").strip()
    if app_id and app_id != app_key:
        raise SignatureInvalid(f"抖店推送的 app-id 不是本应用: {app_id}")
    given = (lowered.get("event-sign") or "").strip().lower()
    if not given:
        raise SignatureInvalid("抖店推送缺少 event-sign")
    method = (lowered.get("sign-method") or SIGN_MD5).strip().lower()
    if method not in (SIGN_MD5, SIGN_HMAC_SHA256):
        raise SignatureInvalid(f"抖店推送的签名方法不支持: {method}")
    expected = event_sign(body, app_key=app_key, app_secret=app_secret, method=method)
    if not signatures_match(expected, given):
        raise SignatureInvalid("抖店推送签名校验失败")
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise MalformedPush("抖店推送的内容不是 JSON") from None
    if isinstance(payload, dict):
        payload = [payload]
    if not isinstance(payload, list):
        raise MalformedPush("抖店推送的内容不是消息数组")
    return [_message(item, index) for index, item in enumerate(payload)]


def _message(item: object, index: int) -> DouyinMessage:
    if not isinstance(item, Mapping):
        return DouyinMessage(tag="", msg_id="", data={}, error=f"第 {index + 1} 条消息不是 JSON 对象")
    tag, msg_id = str(item.get("tag") or "").strip(), str(item.get("msg_id") or "").strip()
    raw = item.get("data")
    if isinstance(raw, Mapping):
        return DouyinMessage(tag=tag, msg_id=msg_id, data=dict(raw))
    try:
        data = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return DouyinMessage(
            tag=tag, msg_id=msg_id, data={}, error=f"消息 {msg_id or index + 1} 的 data 无法解析"
        )
    return DouyinMessage(tag=tag, msg_id=msg_id, data=data)


def _id_text(value: object) -> str:
    if value is None or isinstance(value, bool):
        return ""
    return str(value).strip()


def _receiver(data: Mapping[str, Any]) -> Mapping[str, Any]:
    receiver = data.get("receiver_msg")
    return receiver if isinstance(receiver, Mapping) else {}


def _address(raw: object) -> Address | None:
    """receiver_msg.addr: a JSON text in the pushes (an object, or a one-element list, in some SDKs)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if not isinstance(raw, Mapping):
        return None
    addr: Mapping[str, Any] = raw

    def name(key: str) -> str:
        part = addr.get(key)
        return str(part.get("name") or "").strip() if isinstance(part, Mapping) else ""

    detail = str(addr.get("detail") or addr.get("encrypt_detail") or "").strip()
    return Address(name("province"), name("city"), name("town"), name("street"), detail)


def _timestamp(value: object) -> datetime | None:
    """A Unix timestamp (seconds, as a number or digits) or a "YYYY-MM-DD HH:MM:SS" Beijing time."""
    if value is None or isinstance(value, bool) or value == "" or value == 0:
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        seconds = int(value)
        return _from_unix(seconds) if seconds > 0 else None
    if isinstance(value, str):
        try:
            return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
        except ValueError:
            return None
    return None


def _from_unix(seconds: int) -> datetime:
    """Unix seconds to an aware time; a value beyond year 9999 (1e17) is a ValueError for its own
    message, not an OverflowError that sinks the whole push."""
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"time {seconds} is out of range") from None
