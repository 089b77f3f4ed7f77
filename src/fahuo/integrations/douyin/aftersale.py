"""抖店 after-sale decisions (售后审核): ``afterSale.operate``; the seller's 缺货 refund:
``afterSale.ApplyMarketAfterSale``.

Request (param_json): ``{"type": <operation>, "items": [{"aftersale_id", "reason", "remark",
"reject_reason_code", "evidence", "logistics", "update_time"}]}``; answer ``data.items[]`` with
``aftersale_id``, ``status_code`` (0 = done) and ``status_msg`` per item.

Operation types used here (open platform 售后 → afterSale.operate): 111 同意退货申请, 112 拒绝退货申请,
201 同意仅退款, 202 拒绝仅退款, 311 同意换货申请, 312 拒绝换货申请.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fahuo.integrations.douyin import mapper
from fahuo.integrations.douyin.client import DouyinClient
from fahuo.integrations.douyin.codes import FailureKind
from fahuo.integrations.douyin.settings import DouyinSettings
from fahuo.integrations.http import ClientAdapter
from fahuo.kit.errors import ProviderError

METHOD_OPERATE = "afterSale.operate"
# 缺货 refund the seller opens itself (超市申请缺重/缺货): {"sku_order_id", "after_sale_reason": 2}
# -> data.after_sale_id; whole sku order only, the platform computes the amount.
METHOD_STOCKOUT = "afterSale.ApplyMarketAfterSale"
REASON_MISS_ITEM = 2
# kind -> (approve type, reject type)
OPERATE_TYPES: dict[str, tuple[int, int]] = {
    "return_refund": (111, 112),
    "refund_only": (201, 202),
    "exchange": (311, 312),
}
DEFAULT_REJECT_REASON_CODE = 1  # 其他


@dataclass(frozen=True, slots=True)
class Decision:
    aftersale_id: str
    kind: str
    approve: bool
    remark: str = ""
    reject_reason_code: int = DEFAULT_REJECT_REASON_CODE


def operate_params(decision: Decision) -> dict[str, Any]:
    """The afterSale.operate param_json of one decision (pure)."""
    try:
        agree, refuse = OPERATE_TYPES[decision.kind]
    except KeyError:
        raise ProviderError(
            f"抖店不支持审核这种售后类型: {decision.kind}",
            detail={"retryable": False, "kind": str(FailureKind.INVALID)},
        ) from None
    item: dict[str, Any] = {"aftersale_id": int(decision.aftersale_id) if decision.aftersale_id.isdigit()
                            else decision.aftersale_id}  # fmt: skip
    if decision.approve:
        if decision.remark:
            item["remark"] = decision.remark[:200]
    else:
        item["reject_reason_code"] = decision.reject_reason_code
        item["remark"] = decision.remark[:200]
        item["reason"] = decision.remark[:200]
    return {"type": agree if decision.approve else refuse, "items": [item]}


class DouyinAfterSale(ClientAdapter[DouyinClient]):
    """Sends a seller's after-sale decision to 抖店; a refusal raises ``ProviderError`` with the
    platform's message (whole call or the item's ``status_msg``)."""

    key = "douyin"

    def __init__(self, settings: DouyinSettings, *, client: DouyinClient | None = None) -> None:
        self.settings = settings
        self.client = client or DouyinClient(settings)

    def refund_out_of_stock(self, sku_order_id: str) -> str:
        """Open the 缺货 refund of one sku order (商品单); returns 抖店's after_sale_id."""
        if not sku_order_id.isdigit():
            raise ProviderError(
                f"抖店商品单号不合法: {sku_order_id!r}",
                detail={"retryable": False, "kind": str(FailureKind.INVALID)},
            )
        params = {"sku_order_id": int(sku_order_id), "after_sale_reason": REASON_MISS_ITEM}
        body = self.client.call(METHOD_STOCKOUT, params)
        outcome = mapper.parse_response(body)
        if not outcome.ok:
            raise ProviderError(outcome.message, detail=outcome.detail())
        return str((body.get("data") or {}).get("after_sale_id") or "")

    def decide(self, decision: Decision) -> None:
        body = self.client.call(METHOD_OPERATE, operate_params(decision))
        outcome = mapper.parse_response(body)
        if not outcome.ok:
            raise ProviderError(outcome.message, detail=outcome.detail())
        items = (body.get("data") or {}).get("items") or []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and int(item.get("status_code") or 0) != 0:
                raise ProviderError(
                    f"抖店拒绝了售后操作：{item.get('status_msg') or item.get('status_code')}",
                    detail={"retryable": False, "kind": str(FailureKind.INVALID)},
                )
