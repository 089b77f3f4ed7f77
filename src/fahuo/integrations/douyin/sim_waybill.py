"""The 抖音电子面单 part of the 抖店 simulator (``logistics.*``), kept apart from the order calls.

State lives on the ``DouyinSimulator`` (its lock is held by the caller): the shop's 网点 with their
stock, the numbers drawn per (order, pack_id) — the same pair again answers the old number, as the
platform does — and cancelled numbers. newCreateOrder takes the receiver as the platform's own
ciphertext and "decrypts" it here only, to check it belongs to that order (the label would carry it);
nothing decrypted ever leaves the simulator. waybillApply answers opaque print data and a signature
that the print-component simulator checks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fahuo.integrations.douyin.simulator import DouyinSimulator

PRINT_KEY = b"fahuo-sim-douyin-print-key"  # signs print data; shared with the print-component simulator
TEMPLATE_BASE = "https://lf3-cm.ecombdstatic.com/obj/logistics-davinci/template/"

ROUTES = {
    "/logistics/listShopNetsite": "logistics.listShopNetsite",
    "/logistics/newCreateOrder": "logistics.newCreateOrder",
    "/logistics/cancelOrder": "logistics.cancelOrder",
    "/logistics/templateList": "logistics.templateList",
    "/logistics/waybillApply": "logistics.waybillApply",
}

_PREFIX = {
    "zhongtong": "7801",
    "yuantong": "YT88",
    "yunda": "4330",
    "shentong": "7730",
    "jtexpress": "JT55",
    "shunfeng": "SF14",
}


@dataclass
class SimNetsite:
    company: str
    code: str
    name: str
    amount: int


@dataclass
class SimWaybill:
    order_id: str
    pack_id: str
    company: str
    track_no: str
    cancelled: bool = False


@dataclass
class WaybillState:
    netsites: list[SimNetsite] = field(default_factory=list)
    waybills: dict[str, SimWaybill] = field(default_factory=dict)  # track_no -> waybill
    by_pack: dict[tuple[str, str], str] = field(default_factory=dict)  # (order, pack) -> track_no
    seq: int = 0
    # What newCreateOrder received, for tests to assert the request carried ciphertext only.
    received: list[dict[str, Any]] = field(default_factory=list)


def _business(sim: DouyinSimulator, number: str, text: str) -> Exception:
    from fahuo.integrations.douyin.simulator import _Refusal

    return _Refusal(50002, "业务处理失败", f"isv.business-failed:{number}", text)


def handle(sim: DouyinSimulator, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
    state = sim.waybill
    if method == "logistics.listShopNetsite":
        wanted = str(params.get("logistics_code") or "")
        sites = [s for s in state.netsites if not wanted or s.company == wanted]
        return {
            "logistics_code": wanted,
            "netsites": [
                {
                    "company": s.company,
                    "netsite_code": s.code,
                    "netsite_name": s.name,
                    "amount": str(s.amount),
                    "allocated_quantity": sum(1 for w in state.waybills.values() if w.company == s.company),
                    "cancelled_quantity": sum(
                        1 for w in state.waybills.values() if w.company == s.company and w.cancelled
                    ),
                    "recycled_quantity": -1,
                    "company_type": 2,
                    "sender_address": [
                        {
                            "province_name": "浙江省",
                            "city_name": "杭州市",
                            "district_name": "余杭区",
                            "street_name": "仓前街道",
                            "detail_address": "文一西路 1 号",
                        }
                    ],
                }
                for s in sites
            ],
        }
    if method == "logistics.newCreateOrder":
        return _new_create_order(sim, params)
    if method == "logistics.cancelOrder":
        number = str(params.get("track_no") or "")
        waybill = state.waybills.get(number)
        if waybill is None or waybill.company != str(params.get("logistics_code") or ""):
            raise _business(sim, "1003", "1003:运单号有误，请检查运单号")
        if waybill.cancelled:
            raise _business(sim, "1004", "1004:该运单号已取消")
        waybill.cancelled = True
        for site in state.netsites:
            if site.company == waybill.company:
                site.amount += 1
                break
        return {"cancel_result": True}
    if method == "logistics.templateList":
        return {
            "template_data": [
                {
                    "logistics_code": company,
                    "template_infos": [
                        {
                            "template_id": 1000 + i,
                            "template_code": f"{company}_76_130",
                            "template_name": "一联单 76×130",
                            "template_url": f"{TEMPLATE_BASE}{company}_76_130.xml",
                            "template_type": 1,
                            "version": 2,
                        }
                    ],
                }
                for i, company in enumerate(sorted({s.company for s in state.netsites}))
            ]
        }
    return _waybill_apply(sim, params)


def _new_create_order(sim: DouyinSimulator, params: Mapping[str, Any]) -> dict[str, Any]:
    from fahuo.integrations.douyin.simulator import _Refusal

    state = sim.waybill
    company = str(params.get("logistics_code") or "")
    sender = params.get("sender_info")
    contact = sender.get("contact") if isinstance(sender, Mapping) else None
    if not isinstance(contact, Mapping) or not str(contact.get("name") or ""):
        raise _Refusal(40004, "非法的参数", "isv.parameter-invalid:4006", "寄件人姓名不能为空")
    site = next((s for s in state.netsites if s.company == company), None)
    if site is None:
        raise _business(sim, "2002", "2002:商家未开通该物流商的电子面单服务")
    infos = params.get("order_infos")
    if not isinstance(infos, list) or not infos or len(infos) > 50:
        raise _Refusal(40004, "非法的参数", "isv.parameter-invalid:1000", "order_infos 为空或超过 50 条")
    state.received.append(json.loads(json.dumps(params)))
    good, bad = [], []
    for info in infos:
        order_id = str(info.get("order_id") or "") if isinstance(info, Mapping) else ""
        pack_id = str(info.get("pack_id") or "") if isinstance(info, Mapping) else ""
        error = _check_receiver(sim, order_id, info)
        if error:
            bad.append({"order_id": order_id, "pack_id": pack_id, "err_code": error[0], "err_msg": error[1]})
            continue
        number = state.by_pack.get((order_id, pack_id))
        if number is None or state.waybills[number].cancelled:
            if site.amount <= 0:
                bad.append(
                    {
                        "order_id": order_id,
                        "pack_id": pack_id,
                        "err_code": "3006",
                        "err_msg": "电子面单余额不足，请联系网点充值",
                    }
                )
                continue
            site.amount -= 1
            state.seq += 1
            number = f"{_PREFIX.get(company, 'DY00')}{state.seq:09d}"
            state.waybills[number] = SimWaybill(order_id, pack_id, company, number)
            state.by_pack[(order_id, pack_id)] = number
        region = sim.orders[order_id].data.recipient
        good.append(
            {
                "order_id": order_id,
                "pack_id": pack_id,
                "company": company,
                "track_no": number,
                "sort_code": "300-W01 000",
                "package_center_code": "571",
                "package_center_name": f"{region.get('city', '')}转运中心",
                "short_address_code": "300",
                "short_address_name": f"{region.get('province', '')[:1]}-{region.get('city', '')[:2]}",
                "hint_msg": "",
                "sub_waybill_codes": "",
            }
        )
    return {"ebill_infos": good, "err_infos": bad}


def _check_receiver(sim: DouyinSimulator, order_id: str, info: Any) -> tuple[str, str] | None:
    """The receiver given must be this order's (ciphertext that decrypts for it, inside only)."""
    order = sim.orders.get(order_id)
    if order is None or not order.data.recipient:
        return ("15002", "订单信息不存在")
    if order.cancelled:
        return ("15003", "订单已取消，不能取号")
    receiver = _mapping(info.get("receiver_info") if isinstance(info, Mapping) else None)
    contact, address = _mapping(receiver.get("contact")), _mapping(receiver.get("address"))
    given = [
        str(contact.get("name") or ""),
        str(contact.get("mobile") or ""),
        str(address.get("detail_address") or ""),
    ]
    for text in given:
        known = sim._ciphers.get(text)
        if known is not None and known[0] != order_id:
            return ("4008", "收件人密文与订单不匹配")
        if known is None and text not in order.data.recipient.values():
            return ("4008", "收件人信息与订单不一致")
    return None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def sign_print_data(print_data: str) -> str:
    return hmac.new(PRINT_KEY, print_data.encode("utf-8"), hashlib.sha256).hexdigest()


def _waybill_apply(sim: DouyinSimulator, params: Mapping[str, Any]) -> dict[str, Any]:
    state = sim.waybill
    infos, errors = [], []
    for item in params.get("waybill_applies") or []:
        number = str(item.get("track_no") or "") if isinstance(item, Mapping) else ""
        waybill = state.waybills.get(number)
        if waybill is None or waybill.cancelled or waybill.company != str(item.get("logistics_code") or ""):
            errors.append(
                {"track_no": number, "order_id": "", "err_code": 1003, "err_msg": "运单号有误，请检查运单号"}
            )
            continue
        # Opaque to fahuo: the simulator's own sealed blob (a real one is encrypted by the platform).
        sealed = base64.b64encode(
            hashlib.sha256(f"{waybill.order_id}|{number}|{sim.clock()}".encode()).digest() * 4
        ).decode()
        infos.append(
            {
                "order_id": waybill.order_id,
                "track_no": number,
                "print_data": sealed,
                "sign": sign_print_data(sealed),
            }
        )
    return {"waybill_infos": infos, "err_infos": errors}
