"""抖店 refund messages (doudian_refund_*, tags 200-208) → RMAs.

Tags (消息推送, group "refund"; data: s_id, p_id, shop_id, aftersale_id, aftersale_status,
aftersale_type, refund_amount, refund_post_amount, reason_code, <event>_time, latest_record):

* 200 RefundCreated 买家发起售后申请 → requested
* 201 RefundAgreed 同意退款 → approved (refund only) — the refund itself is 206
* 202 ReturnApplyAgreed 同意退货申请 (``addr`` = return address) → approved
* 203 BuyerReturnGoods 买家退货给卖家 (``logistics`` = return tracking number) → returning
* 204 RefundRefused 拒绝退款 / 205 ReturnApplyRefused 拒绝退货申请 → rejected
* 206 RefundSuccess 退款成功 → refunded
* 207 RefundClosed 售后关闭 → closed
* 208 RefundModified 买家修改售后申请 → amounts/reason updated, status unchanged

``aftersale_type``: 0 退货退款, 1 已发货仅退款, 2 未发货仅退款, 3 换货. Sources in
docs/integrations/douyin.md (after-sale messages).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fahuo.aftersales.models import RmaKind, RmaStatus

if TYPE_CHECKING:
    from fahuo.integrations.douyin.push import DouyinMessage
    from fahuo.orders.models import Shop
    from fahuo.tracking.shop_messages import MessageOutcome

TAG_STATUS: Mapping[str, str | None] = {
    "200": RmaStatus.REQUESTED,
    "201": RmaStatus.APPROVED,
    "202": RmaStatus.APPROVED,
    "203": RmaStatus.RETURNING,
    "204": RmaStatus.REJECTED,
    "205": RmaStatus.REJECTED,
    "206": RmaStatus.REFUNDED,
    "207": RmaStatus.CLOSED,
    "208": None,
}
TAG_TIME = {
    "200": "apply_time",
    "201": "agree_time",
    "202": "agree_time",
    "203": "return_time",
    "204": "refuse_time",
    "205": "refuse_time",
    "206": "success_time",
    "207": "close_time",
    "208": "modify_time",
}
TYPE_KIND: Mapping[int, str] = {
    0: RmaKind.RETURN_REFUND,
    1: RmaKind.REFUND_ONLY,
    2: RmaKind.REFUND_ONLY,
    3: RmaKind.EXCHANGE,
}


def kind_for(aftersale_type: Any) -> str:
    """The RMA kind of a 抖店 ``aftersale_type`` (unknown types are treated as refund only)."""
    try:
        return TYPE_KIND.get(int(aftersale_type), RmaKind.REFUND_ONLY)
    except (TypeError, ValueError):
        return RmaKind.REFUND_ONLY


def connect() -> None:
    """Put the refund handlers into tracking's 抖店 message table (200 keeps its order flag/alert)."""
    from fahuo.tracking import shop_messages

    original = shop_messages.HANDLERS.get("200")
    if getattr(original, "_aftersales", False):
        return
    for tag in TAG_STATUS:
        shop_messages.HANDLERS[tag] = _make_handler(tag, original if tag == "200" else None)


def _make_handler(tag: str, then: Any) -> Any:
    def handler(
        shop: Shop | None, order_no: str, message: DouyinMessage, outcome: MessageOutcome
    ) -> tuple[str, str]:
        from fahuo.aftersales.services import record_platform_event
        from fahuo.tracking.models import MessageStatus

        rma, applied = record_platform_event(
            shop=shop, order_no=order_no, tag=tag, data=message.data, msg_id=str(message.msg_id)
        )
        note = f"RMA {rma.pk} {rma.status}" + ("" if applied else " (older message, kept as a step)")
        if rma.order_id is None:
            return MessageStatus.DONE, f"{note}; order not in fahuo (kept)"
        if then is not None:
            then(shop, order_no, message, outcome)
        return MessageStatus.DONE, note

    handler._aftersales = True  # type: ignore[attr-defined]
    return handler
