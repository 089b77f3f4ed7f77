"""The 抖店 simulator's orders as the platform describes them: whole-order detail (recipient,
sub-orders), the recipient's ciphertext and masks, decryption, and the paid-order push.

Split out of ``simulator.py``. ``synthetic_order`` makes a deterministic order for a given id (the
demo and the tests use it); ``order_detail`` builds ``shop_order_detail`` the way /order/orderDetail
answers it — with ``encrypt=True`` (the platform's default for every shop today) the name, phone and
address line are ciphertext (``encrypt_post_*`` and ``post_*``), with ``mask_post_*`` beside them,
and only ``/order/batchDecrypt`` with the order id as auth_id gives the clear text back.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from fahuo.integrations.douyin.push import TAG_TRADE_PAID, event_sign

# 1 地址, 2 姓名, 3 手机号 (data_type of batchDecrypt's decrypt_infos)
DATA_ADDRESS, DATA_NAME, DATA_PHONE = 1, 2, 3

_NAMES = ("王小明", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴敏")
_ADDRESSES = (
    ("浙江省", "杭州市", "西湖区", "文新街道", "文一西路100号3幢201室"),
    ("广东省", "深圳市", "南山区", "粤海街道", "科技园南区8栋1203"),
    ("江苏省", "苏州市", "工业园区", "娄葑街道", "星湖街328号6号楼"),
    ("四川省", "成都市", "武侯区", "桂溪街道", "天府大道中段666号"),
    ("北京市", "北京市", "朝阳区", "望京街道", "阜通东大街6号院3号楼"),
    ("湖北省", "武汉市", "洪山区", "关山街道", "光谷大道77号金融港B座"),
)
_PRODUCTS = (
    ("玻尿酸补水面膜", "MASK-HA-10", "规格:10片装", 5990),
    ("烟酰胺精华液", "SERUM-NA-30", "容量:30ml", 12900),
    ("氨基酸洁面乳", "CLEAN-AA-100", "容量:100g", 6900),
    ("防晒喷雾SPF50", "SUN-SPRAY-150", "容量:150ml", 8900),
)


@dataclass
class OrderData:
    """What the platform knows about an order beyond its sub-order ids (all optional)."""

    shop_id: str = ""
    recipient: dict[str, str] = field(
        default_factory=dict
    )  # name, phone, province, city, town, street, detail
    items: list[dict[str, Any]] = field(default_factory=list)  # per sub-order, see synthetic_order
    pay_time: int = 0
    exp_ship_time: int = 0
    buyer_words: str = ""
    post_amount: int = 0
    author_name: str = ""


def _pick(seed: str, options: Sequence[Any], salt: str) -> Any:
    digest = hashlib.sha256(f"{salt}|{seed}".encode()).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


def synthetic_order(
    order_id: str,
    *,
    shop_id: str = "",
    lines: int = 1,
    recipient: Mapping[str, str] | None = None,
    pay_time: int = 0,
    ship_hours: int = 48,
) -> tuple[tuple[str, ...], OrderData]:
    """A deterministic order for ``order_id``: sub-order ids and its data. Sub-order ids follow the
    platform's rule that a one-line order's only sub-order carries the parent's number."""
    province, city, town, street, detail = _pick(order_id, _ADDRESSES, "addr")
    digits = int.from_bytes(hashlib.sha256(f"tel|{order_id}".encode()).digest()[:4], "big") % 10**8
    person = {
        "name": _pick(order_id, _NAMES, "name"),
        "phone": f"13{digits:09d}",
        "province": province,
        "city": city,
        "town": town,
        "street": street,
        "detail": detail,
    }
    person.update(recipient or {})
    others = [str(int(order_id) + i) if order_id.isdigit() else f"{order_id}-{i}" for i in range(1, lines)]
    line_ids = (order_id, *others)
    items = []
    for index, line_id in enumerate(line_ids):
        title, code, spec, price = _pick(f"{order_id}|{index}", _PRODUCTS, "item")
        items.append(
            {
                "order_id": line_id,
                "product_name": title,
                "code": code,
                "spec": spec,
                "item_num": 1 + index % 2,
                "origin_amount": price,
                "after_sale_status": 0,
            }
        )
    data = OrderData(
        shop_id=shop_id,
        recipient=person,
        items=items,
        pay_time=pay_time,
        exp_ship_time=pay_time + ship_hours * 3600 if pay_time else 0,
    )
    return line_ids, data


# --- ciphertext and masks ------------------------------------------------------------------------


def _b64(seed: str, size: int) -> str:
    return base64.b64encode(hashlib.sha256(seed.encode()).digest()[:size]).decode()


def cipher(order_id: str, plain: str, data_type: int) -> str:
    """Ciphertext shaped like the platform's: ``#…#…*…#1##`` for names and addresses, ``$…$…*…$1$$``
    for phones (the search-index part first, then the encrypted part, then the key version)."""
    mark = "$" if data_type == DATA_PHONE else "#"
    index = _b64(f"idx|{data_type}|{plain}", 6)
    body = _b64(f"enc|{order_id}|{data_type}|{plain}", 24)
    return f"{mark}{index}{mark}{body}*CgwIARCtHBiqJCABKAE{mark}1{mark}{mark}"


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "*" * len(phone)


def mask_detail(detail: str) -> str:
    return detail[:4] + "****" if detail else ""


# --- orderDetail ---------------------------------------------------------------------------------


def _region(name: str, level: str) -> dict[str, str]:
    digest = hashlib.sha256(f"{level}|{name}".encode()).hexdigest()
    return {"name": name, "id": str(int(digest[:8], 16) % 900000 + 100000)}


def recipient_fields(order_id: str, recipient: Mapping[str, str], *, encrypt: bool) -> dict[str, Any]:
    """The recipient part of shop_order_detail; with ``encrypt`` also returns nothing in clear."""
    name, phone, detail = recipient.get("name", ""), recipient.get("phone", ""), recipient.get("detail", "")
    regions = {
        key: _region(recipient.get(key, ""), key)
        for key in ("province", "city", "town", "street")
        if recipient.get(key)
    }
    if encrypt:
        name_out = cipher(order_id, name, DATA_NAME)
        phone_out = cipher(order_id, phone, DATA_PHONE)
        detail_out = cipher(order_id, detail, DATA_ADDRESS)
    else:
        name_out, phone_out, detail_out = name, phone, detail
    fields: dict[str, Any] = {
        "post_receiver": name_out,
        "post_tel": phone_out,
        "post_addr": {**regions, "detail": detail_out},
        "mask_post_receiver": mask_name(name),
        "mask_post_tel": mask_phone(phone),
        "mask_post_addr": {**regions, "detail": mask_detail(detail)},
    }
    if encrypt:
        fields["encrypt_post_receiver"] = name_out
        fields["encrypt_post_tel"] = phone_out
        fields["post_addr"]["encrypt_detail"] = detail_out
    return fields


def ciphers_of(order_id: str, recipient: Mapping[str, str]) -> dict[str, tuple[str, int]]:
    """cipher → (clear text, data_type) for the order's recipient (what batchDecrypt can answer)."""
    out: dict[str, tuple[str, int]] = {}
    for key, data_type in (("name", DATA_NAME), ("phone", DATA_PHONE), ("detail", DATA_ADDRESS)):
        plain = recipient.get(key, "")
        if plain:
            out[cipher(order_id, plain, data_type)] = (plain, data_type)
    return out


def sku_orders(order_id: str, line_ids: Sequence[str], data: OrderData) -> list[dict[str, Any]]:
    """sku_order_list: one entry per sub-order, with the item fields the data holds."""
    by_id = {str(item.get("order_id")): item for item in data.items}
    out = []
    for line_id in line_ids:
        item = by_id.get(line_id, {})
        entry: dict[str, Any] = {"order_id": line_id, "parent_order_id": order_id}
        if item:
            spec_name, _, spec_value = str(item.get("spec") or "").partition(":")
            entry.update(
                {
                    "product_name": item.get("product_name", ""),
                    "product_id": int(hashlib.sha256(str(item.get("code")).encode()).hexdigest()[:12], 16),
                    "code": item.get("code", ""),
                    "out_sku_id": "",
                    "spec": [{"name": spec_name, "value": spec_value}] if spec_value else [],
                    "item_num": item.get("item_num", 1),
                    "origin_amount": item.get("origin_amount", 0),
                    "after_sale_info": {
                        "after_sale_status": item.get("after_sale_status", 0),
                        "after_sale_type": 0,
                        "refund_status": 0,
                    },
                    "author_name": data.author_name,
                }
            )
        out.append(entry)
    return out


# --- the paid-order push -------------------------------------------------------------------------


def paid_message(order_id: str, line_ids: Sequence[str], data: OrderData, *, msg_id: str) -> dict[str, Any]:
    """A tag-101 doudian_trade_TradePaid message as the platform pushes it (data as JSON text)."""
    amount = sum(int(i.get("origin_amount", 0)) * int(i.get("item_num", 1)) for i in data.items)
    payload = {
        "biz": 2,
        "order_status": 2,
        "order_type": 0,
        "p_id": int(order_id) if order_id.isdigit() else order_id,
        "pay_amount": amount + data.post_amount,
        "pay_time": data.pay_time,
        "pay_type": 1,
        "s_ids": [int(i) if i.isdigit() else i for i in line_ids],
        "shop_id": int(data.shop_id) if data.shop_id.isdigit() else data.shop_id,
    }
    return {"tag": TAG_TRADE_PAID, "msg_id": msg_id, "data": json.dumps(payload, separators=(",", ":"))}


def push(
    url: str, messages: Sequence[Mapping[str, Any]], *, app_key: str, app_secret: str, timeout: float = 10.0
) -> httpx.Response:
    """POST messages to a push URL as the platform does: a JSON array, headers app-id and event-sign."""
    body = json.dumps(list(messages), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "app-id": app_key,
        "event-sign": event_sign(body, app_key=app_key, app_secret=app_secret),
    }
    return httpx.post(url, content=body, headers=headers, timeout=timeout)
