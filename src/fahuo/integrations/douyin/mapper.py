"""Pure translation between fahuo and the 抖店 open platform's payloads (no I/O).

Four methods are used (see docs/integrations/douyin.md for the field tables and sources):

* ``order.logisticsAdd`` — the whole order ships with one number (整单发货: order_id,
  company_code, logistics_code);
* ``order.logisticsAddMultiPack`` — some sub-orders (子订单) ship with this number (拆包发货:
  one pack in ``pack_list`` with its ``shipped_order_info``), idempotent on ``request_id``;
* ``order.orderDetail`` — read back which numbers the order shipped with, to tell our own
  earlier upload ("订单已发货" after a lost answer) from a different number; and read a whole
  order (recipient, sub-orders) that a push only named (``parse_order_detail``);
* ``order.batchDecrypt`` — the recipient's name, phone and address line come encrypted
  (``encrypt_post_*``, ``#…#``/``$…$`` ciphertext) and are decrypted with the order id as auth_id.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fahuo.integrations.base import MappingError
from fahuo.integrations.douyin.codes import SUCCESS_CODE, FailureKind, classify, is_retryable

METHOD_LOGISTICS_ADD = "order.logisticsAdd"
METHOD_MULTI_PACK = "order.logisticsAddMultiPack"
METHOD_ORDER_DETAIL = "order.orderDetail"
METHOD_BATCH_DECRYPT = "order.batchDecrypt"
MAX_DECRYPT = 50  # cipher_infos per batchDecrypt call ("最大支持一次解密50条")
API_VERSION = "2"
SIGN_METHOD = "hmac-sha256"
MAX_REQUEST_ID = 64


def dump_param_json(params: Mapping[str, Any]) -> str:
    """param_json exactly as signed and sent: keys sorted at every level, no spaces, Chinese as
    UTF-8 (the official SDKs: Python ``json.dumps(sort_keys=True, separators=(',', ':'),
    ensure_ascii=False)``, Go re-marshals through a map, which sorts keys and keeps non-ASCII)."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _required(value: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise MappingError(f"缺少{what}，无法回传抖店")
    return text


def logistics_add_params(*, order_id: str, company_code: str, logistics_code: str) -> dict[str, Any]:
    """/order/logisticsAdd: the whole (parent) order ships with this number."""
    return {
        "order_id": _required(order_id, "抖店订单编号"),
        "company_code": _required(company_code, "物流公司编码"),
        "logistics_code": _required(logistics_code, "快递单号"),
    }


def request_id_for(order_id: str, logistics_code: str) -> str:
    """Stable per (order, number): the platform answers a repeated request_id with the first result
    instead of shipping again."""
    rid = f"fahuo-{order_id}-{logistics_code}"
    if len(rid) <= MAX_REQUEST_ID:
        return rid
    return "fahuo-" + hashlib.sha256(rid.encode()).hexdigest()[:40]


def multi_pack_params(
    *, order_id: str, company_code: str, logistics_code: str, line_ids: Sequence[str]
) -> dict[str, Any]:
    """/order/logisticsAddMultiPack with one pack: these sub-orders ship with this number."""
    order_id = _required(order_id, "抖店订单编号")
    number = _required(logistics_code, "快递单号")
    ids = [str(i).strip() for i in line_ids if str(i).strip()]
    if not ids:
        raise MappingError("拆包发货缺少子订单编号")
    return {
        "order_id": order_id,
        "pack_list": [
            {
                "shipped_order_info": [{"shipped_order_id": i} for i in ids],
                "logistics_code": number,
                "company_code": _required(company_code, "物流公司编码"),
            }
        ],
        "request_id": request_id_for(order_id, number),
    }


def order_detail_params(*, order_id: str) -> dict[str, Any]:
    return {"shop_order_id": _required(order_id, "抖店订单编号")}


@dataclass(frozen=True, slots=True)
class Outcome:
    """One answer, read."""

    code: int
    sub_code: str
    message: str  # the platform's own text (sub_msg, else msg)
    kind: FailureKind
    log_id: str = ""

    @property
    def ok(self) -> bool:
        return self.kind is FailureKind.NONE

    @property
    def retryable(self) -> bool:
        return is_retryable(self.kind)

    def detail(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "sub_code": self.sub_code,
            "kind": str(self.kind),
            "retryable": self.retryable,
            "log_id": self.log_id,
        }


def parse_response(body: Mapping[str, Any]) -> Outcome:
    """Read the common envelope ``{code, msg, sub_code, sub_msg, log_id, data}``."""
    try:
        code = int(body.get("code", -1))
    except (TypeError, ValueError):
        code = -1
    sub_code = str(body.get("sub_code") or "")
    sub_msg = str(body.get("sub_msg") or "").strip()
    msg = str(body.get("msg") or body.get("message") or "").strip()
    if code == SUCCESS_CODE:
        return Outcome(code=code, sub_code=sub_code, message="", kind=FailureKind.NONE, log_id=_log_id(body))
    message = sub_msg or msg or f"抖店返回错误（code {code}）"
    return Outcome(
        code=code,
        sub_code=sub_code,
        message=message,
        kind=classify(code, sub_code, message),
        log_id=_log_id(body),
    )


def _log_id(body: Mapping[str, Any]) -> str:
    return str(body.get("log_id") or "")


def shipped_numbers(body: Mapping[str, Any]) -> set[str]:
    """The tracking numbers an /order/orderDetail answer lists (shop_order_detail.logistics_info)."""
    data = body.get("data")
    detail = data.get("shop_order_detail") if isinstance(data, Mapping) else None
    infos = detail.get("logistics_info") if isinstance(detail, Mapping) else None
    if not isinstance(infos, list):
        return set()
    return {
        str(info.get("tracking_no", "")).strip()
        for info in infos
        if isinstance(info, Mapping) and str(info.get("tracking_no", "")).strip()
    }


# --- a whole order (order.orderDetail) and its decryption (order.batchDecrypt) -------------------

# shop_order_detail.order_status: 1 待确认/待支付, 105 已支付, 2 备货中, 101 部分发货, 3 已发货,
# 4 已取消, 5 已完成.
ORDER_UNPAID, ORDER_PAID, ORDER_TO_SHIP = 1, 105, 2
ORDER_PARTLY_SHIPPED, ORDER_SHIPPED, ORDER_CANCELLED, ORDER_COMPLETED = 101, 3, 4, 5
# The platform's rules allow decrypting a receiver only for a paid order not yet shipped.
DECRYPTABLE_STATES = frozenset({ORDER_PAID, ORDER_TO_SHIP})
# sku_order_list[].after_sale_info.after_sale_status (售后状态), as words the importer reads.
AFTER_SALE_STATUS = {
    6: "售后申请",
    7: "售后退货中",
    11: "售后已发货",
    12: "售后成功",
    13: "换货/补寄待收货",
    14: "换货/补寄已收货",
    27: "拒绝售后申请",
    28: "售后失败",
    29: "售后退货拒绝",
    51: "订单取消成功",
    53: "逆向交易已完成",
}


@dataclass(frozen=True, slots=True)
class Address:
    """A 抖店 receiver address. Names and the detail line may be the platform's ciphertext
    (``#…#``/``$…$``) for shops on its encrypted-data scheme; decrypting is the order API's job."""

    province: str = ""
    city: str = ""
    district: str = ""
    street: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Recipient(Address):
    """Who receives the order, at ``Address``. Name, phone and detail are ciphertext until decrypted."""

    name: str = ""
    phone: str = ""
    masked_name: str = ""
    masked_phone: str = ""


@dataclass(frozen=True, slots=True)
class OrderItem:
    sku_order_id: str  # 子订单编号
    title: str
    quantity: int
    unit_price_fen: int  # origin_amount: the item's current price
    sku_code: str = ""  # 商家编码 (code, else out_sku_id)
    spec: str = ""
    product_id: str = ""
    after_sale: str = ""  # words of after_sale_info.after_sale_status; "" when none


@dataclass(frozen=True, slots=True)
class DouyinOrder:
    """One order as ``order.orderDetail`` answers it (``data.shop_order_detail``)."""

    order_id: str
    status: int
    status_desc: str
    recipient: Recipient
    items: tuple[OrderItem, ...]
    shop_id: str = ""
    created_at: datetime | None = None
    paid_at: datetime | None = None
    ship_by: datetime | None = None  # exp_ship_time
    buyer_words: str = ""
    seller_words: str = ""
    freight_fen: int = 0
    pay_fen: int | None = None
    influencer: str = ""  # author_name of a live-room / window order

    @property
    def ready_to_ship(self) -> bool:
        return self.status == ORDER_TO_SHIP

    def cipher_texts(self) -> list[str]:
        """The recipient fields that are still ciphertext (to send to batchDecrypt)."""
        r = self.recipient
        return [text for text in (r.name, r.phone, r.detail) if is_cipher(text)]

    def decrypted(self, plain: Mapping[str, str]) -> DouyinOrder:
        """This order with the recipient's ciphertexts replaced by ``plain[cipher]``."""
        r = self.recipient
        return dataclasses.replace(
            self,
            recipient=dataclasses.replace(
                r,
                name=plain.get(r.name, r.name),
                phone=plain.get(r.phone, r.phone),
                detail=plain.get(r.detail, r.detail),
            ),
        )


def is_cipher(text: str) -> bool:
    """The platform's ciphertext: wrapped in ``#`` (names, addresses), ``$`` (phones) or ``~``."""
    text = (text or "").strip()
    return len(text) >= 2 and text[0] in "#$~" and text[-1] == text[0]


def _num(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _when(value: Any) -> datetime | None:
    seconds = _num(value)
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds > 0 else None


def _region(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("name") or "").strip()
    return str(value or "").strip()


def _text_of(obj: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        value = obj.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _spec(value: Any) -> str:
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, Mapping):
                name, val = _text_of(item, "name"), _text_of(item, "value")
                parts.append(f"{name}:{val}" if name and val else name or val)
        return ";".join(p for p in parts if p)
    return str(value or "").strip()


def _item(raw: Mapping[str, Any], index: int, order_id: str) -> OrderItem:
    after = raw.get("after_sale_info")
    status = _num(after.get("after_sale_status")) if isinstance(after, Mapping) else 0
    return OrderItem(
        sku_order_id=_text_of(raw, "order_id") or f"{order_id}-{index}",
        title=_text_of(raw, "product_name"),
        quantity=max(_num(raw.get("item_num"), 1), 1),
        unit_price_fen=_num(raw.get("origin_amount")),
        sku_code=_text_of(raw, "code", "out_sku_id"),
        spec=_spec(raw.get("spec")),
        product_id=_text_of(raw, "product_id_str", "product_id"),
        after_sale=AFTER_SALE_STATUS.get(status, f"售后状态 {status}") if status else "",
    )


def parse_order_detail(body: Mapping[str, Any]) -> DouyinOrder:
    """The order in an /order/orderDetail answer; MappingError when the answer holds none."""
    data = body.get("data")
    detail = data.get("shop_order_detail") if isinstance(data, Mapping) else None
    if not isinstance(detail, Mapping) or not _text_of(detail, "order_id"):
        raise MappingError("抖店订单详情中没有订单（shop_order_detail）")
    order_id = _text_of(detail, "order_id")
    addr = detail.get("post_addr")
    addr = addr if isinstance(addr, Mapping) else {}
    masked = detail.get("mask_post_addr")
    masked = masked if isinstance(masked, Mapping) else {}
    recipient = Recipient(
        name=_text_of(detail, "encrypt_post_receiver", "post_receiver"),
        phone=_text_of(detail, "encrypt_post_tel", "post_tel"),
        province=_region(addr.get("province") or masked.get("province")),
        city=_region(addr.get("city") or masked.get("city")),
        district=_region(addr.get("town") or masked.get("town")),
        street=_region(addr.get("street") or masked.get("street")),
        detail=_text_of(addr, "encrypt_detail", "detail"),
        masked_name=_text_of(detail, "mask_post_receiver"),
        masked_phone=_text_of(detail, "mask_post_tel"),
    )
    raw_items = detail.get("sku_order_list")
    items = tuple(
        _item(raw, index, order_id)
        for index, raw in enumerate(raw_items if isinstance(raw_items, list) else [], start=1)
        if isinstance(raw, Mapping)
    )
    authors = [_text_of(raw, "author_name") for raw in (raw_items or []) if isinstance(raw, Mapping)]
    return DouyinOrder(
        order_id=order_id,
        status=_num(detail.get("order_status")),
        status_desc=_text_of(detail, "order_status_desc"),
        recipient=recipient,
        items=items,
        shop_id=_text_of(detail, "shop_id"),
        created_at=_when(detail.get("create_time")),
        paid_at=_when(detail.get("pay_time")),
        ship_by=_when(detail.get("exp_ship_time")),
        buyer_words=_text_of(detail, "buyer_words"),
        seller_words=_text_of(detail, "seller_words"),
        freight_fen=_num(detail.get("post_amount")),
        pay_fen=_num(detail["pay_amount"]) if detail.get("pay_amount") not in (None, "") else None,
        influencer=next((a for a in authors if a), ""),
    )


def batch_decrypt_params(*, order_id: str, cipher_texts: Sequence[str]) -> dict[str, Any]:
    """/order/batchDecrypt: the ciphertexts of one order, its id as auth_id (at most 50)."""
    texts = list(dict.fromkeys(t for t in cipher_texts if t))
    if not texts:
        raise MappingError("没有需要解密的密文")
    if len(texts) > MAX_DECRYPT:
        raise MappingError(f"一次最多解密 {MAX_DECRYPT} 条")
    auth_id = _required(order_id, "抖店订单编号")
    return {"cipher_infos": [{"auth_id": auth_id, "cipher_text": t} for t in texts]}


def decrypted_texts(body: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """cipher → plain text from a /order/batchDecrypt answer, and the per-item errors (err_no ≠ 0)."""
    data = body.get("data")
    infos = data.get("decrypt_infos") if isinstance(data, Mapping) else None
    plain: dict[str, str] = {}
    errors: list[str] = []
    for info in infos if isinstance(infos, list) else []:
        if not isinstance(info, Mapping):
            continue
        if _num(info.get("err_no")) != 0:
            errors.append(_text_of(info, "err_msg") or f"解密失败（err_no {info.get('err_no')}）")
            continue
        cipher, text = _text_of(info, "cipher_text"), _text_of(info, "decrypt_text")
        if cipher and text:
            plain[cipher] = text
    custom = data.get("custom_err") if isinstance(data, Mapping) else None
    if isinstance(custom, Mapping) and _num(custom.get("err_code")) != 0:
        errors.append(_text_of(custom, "err_msg") or f"解密失败（err_code {custom.get('err_code')}）")
    return plain, errors
