"""Pure translation between a buyer message and a 抖店 open-API call (no I/O).

The 抖店 open platform signs every call the same way (``fahuo.integrations.douyin.client``), and
its answers share one envelope (``{code, msg, sub_code, sub_msg, log_id, data}``, read by
``fahuo.integrations.douyin.mapper.parse_response``). Sending a customer-service message (飞鸽) to
an order's buyer is not in the public API docs (the 飞鸽 API is granted per app): the method name
(settings ``im_method``, default ``im.sendMsg``) and its param_json below — ``order_id``,
``msg_type`` "text", ``content``, ``request_id`` for idempotency, answer ``data.msg_id`` — are
fahuo's model, spelled like the documented order APIs, to be checked when a shop gets the access.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from fahuo.integrations.base import MappingError
from fahuo.integrations.douyin.mapper import Outcome, parse_response

CONTENT_MAX = 500
MAX_REQUEST_ID = 64


def request_id_for(ref: str, order_id: str) -> str:
    rid = f"fahuo-msg-{ref or order_id}"
    if len(rid) <= MAX_REQUEST_ID:
        return rid
    return "fahuo-msg-" + hashlib.sha256(rid.encode()).hexdigest()[:40]


def send_params(*, order_id: str, body: str, params: Mapping[str, str] | None) -> dict[str, Any]:
    order_id = (order_id or "").strip()
    if not order_id:
        raise MappingError("缺少抖店订单编号，无法给买家发消息")
    content = " ".join((body or "").split())
    if not content:
        raise MappingError("消息内容为空")
    if len(content) > CONTENT_MAX:
        raise MappingError(f"消息超过 {CONTENT_MAX} 字")
    ref = str((params or {}).get("ref") or "").strip()
    return {
        "order_id": order_id,
        "msg_type": "text",
        "content": content,
        "request_id": request_id_for(ref, order_id),
    }


def parse_send_response(body: Mapping[str, Any]) -> tuple[Outcome, str]:
    """The read envelope and the message id (empty on failure)."""
    outcome = parse_response(body)
    data = body.get("data")
    msg_id = str(data.get("msg_id") or "") if isinstance(data, Mapping) else ""
    return outcome, msg_id
