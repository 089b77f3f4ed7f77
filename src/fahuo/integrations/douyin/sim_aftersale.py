"""The 抖店 simulator's after-sales: ``afterSale.operate`` against the after-sales it was told about.

A decision on an unknown after-sale, or on one already decided, answers the item with a non-zero
``status_code`` and a Chinese ``status_msg`` like the platform; an unknown ``type`` is refused whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fahuo.integrations.douyin.simulator import DouyinSimulator

ROUTES = {
    "/afterSale/operate": "afterSale.operate",
    "/afterSale/ApplyMarketAfterSale": "afterSale.ApplyMarketAfterSale",
}
MISS_ITEM = 2  # after_sale_reason 缺货 (1 缺重, 3 拒收)
AGREE = {111: "return_agreed", 201: "refund_agreed", 311: "exchange_agreed"}
REFUSE = {112: "return_refused", 202: "refund_refused", 312: "exchange_refused"}


@dataclass
class AfterSaleState:
    # aftersale_id -> "pending" | one of the AGREE/REFUSE values
    cases: dict[str, str] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    # sku_order_id -> the after-sale the seller opened for it (缺货 refunds)
    stockouts: dict[str, str] = field(default_factory=dict)


def handle(sim: DouyinSimulator, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
    from fahuo.integrations.douyin.simulator import _invalid

    state: AfterSaleState = sim.aftersale
    state.received.append(dict(params))
    if method == "afterSale.ApplyMarketAfterSale":
        return _stockout(state, params)
    try:
        op = int(params.get("type") or 0)
    except (TypeError, ValueError):
        op = 0
    if op not in AGREE and op not in REFUSE:
        raise _invalid("isv.parameter-invalid:type", "操作类型不合法")
    items = params.get("items")
    if not isinstance(items, list) or not items:
        raise _invalid("isv.parameter-invalid:items", "items不能为空")
    answers = []
    for item in items:
        aid = str((item or {}).get("aftersale_id") or "") if isinstance(item, Mapping) else ""
        current = state.cases.get(aid)
        if current is None:
            answers.append({"aftersale_id": aid, "status_code": 1, "status_msg": "售后单不存在"})
        elif current != "pending":
            answers.append(
                {"aftersale_id": aid, "status_code": 2, "status_msg": "售后单状态已变更，请刷新后重试"}
            )
        elif op in REFUSE and not str(item.get("remark") or item.get("reason") or "").strip():
            answers.append({"aftersale_id": aid, "status_code": 3, "status_msg": "拒绝售后需填写拒绝原因"})
        else:
            state.cases[aid] = AGREE.get(op) or REFUSE[op]
            answers.append({"aftersale_id": aid, "status_code": 0, "status_msg": "success"})
    return {"items": answers}


def _stockout(state: AfterSaleState, params: Mapping[str, Any]) -> dict[str, Any]:
    """The seller's 缺货 refund of one sku order: a refund-only after-sale, agreed at once (whole
    sku order, amount computed by the platform); the same sku order twice is refused."""
    from fahuo.integrations.douyin.simulator import _invalid, _Refusal

    sku_order = str(params.get("sku_order_id") or "")
    if not sku_order.isdigit():
        raise _invalid("isv.parameter-invalid:sku_order_id", "商品单订单ID不合法")
    try:
        reason = int(params.get("after_sale_reason") or 0)
    except (TypeError, ValueError):
        reason = 0
    if reason not in (1, MISS_ITEM, 3):
        raise _invalid("isv.parameter-invalid:after_sale_reason", "售后原因不合法")
    if sku_order in state.stockouts:
        raise _Refusal(
            50002, "业务处理失败", "isv.business-failed:12001", "该商品单已存在售后单，不能重复申请"
        )
    aid = str(7_100_000_000_000_000_000 + len(state.stockouts) + 1)
    state.stockouts[sku_order] = aid
    state.cases[aid] = "refund_agreed"
    return {"after_sale_id": aid}
