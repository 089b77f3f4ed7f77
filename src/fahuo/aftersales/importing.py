"""The 抖店 「售后单」 export (抖店后台 → 售后 → 售后工作台 → 批量导出) → RMAs.

A seller who has no push subscription — or who wants to catch up on what happened while fahuo was
off — downloads the after-sale list and imports it here. Each row is one after-sale (售后单号) of
one 子订单; it goes through the same service as a 抖店 refund message
(:func:`fahuo.aftersales.services.record_platform_event`), so the RMA is created once, only moves
forward, and is linked to its order when the order is in fahuo (or when it arrives later).

The file's status words map onto the refund messages' tags; a row whose status or type is not one
of the words below is reported with its row number and left out (nothing else is lost). Importing
the same file again changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import transaction

from fahuo.aftersales.models import Rma, RmaSource
from fahuo.kit.errors import InvalidInput
from fahuo.kit.sheets import read_rows
from fahuo.orders.models import Shop

# 售后状态 words as the export writes them → the refund message tag that means the same.
STATUS_TAGS: dict[str, str] = {
    "待商家处理": "200",
    "待审核": "200",
    "售后待处理": "200",
    "待商家审核": "200",
    "买家已申请": "200",
    "同意退款": "201",
    "退款中": "201",
    "待退款": "201",
    "待买家退货": "202",
    "同意退货": "202",
    "待商家收货": "203",
    "买家已退货": "203",
    "退货中": "203",
    "拒绝退款": "204",
    "拒绝售后": "204",
    "拒绝退货": "205",
    "退款成功": "206",
    "售后成功": "206",
    "换货成功": "206",
    "补寄成功": "206",
    "售后关闭": "207",
    "已关闭": "207",
    "已撤销": "207",
    "买家撤销": "207",
}
# 售后类型 words → 抖店 aftersale_type (0 退货退款, 1 已发货仅退款, 2 未发货仅退款, 3 换货).
TYPE_CODES: dict[str, int] = {
    "退货退款": 0,
    "已发货仅退款": 1,
    "仅退款": 1,
    "未发货仅退款": 2,
    "换货": 3,
    "补寄": 1,
}
# The time column that dates the row's state (the first one filled wins).
TIME_COLUMNS = ("售后完成时间", "退款时间", "商家处理时间", "退货时间", "售后申请时间")
REQUIRED = ("售后单号", "订单号", "售后类型", "售后状态")


@dataclass
class AfterSaleImportReport:
    filename: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    linked_to_orders: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "linked_to_orders": self.linked_to_orders,
            "errors": self.errors,
        }


def _norm(title: Any) -> str:
    return re.sub(r"\s+", "", str(title or "")).replace("(", "（").replace(")", "）")


def _cell(value: Any) -> str:
    # 抖店 pads long ids with a tab (or ="…") so Excel keeps every digit.
    text = str(value if value is not None else "").strip().strip("\t")
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    return "" if text in ("-", "--") else text


def _fen(text: str) -> int | None:
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", "").replace("¥", ""))
    except InvalidOperation:
        raise ValueError(f"金额「{text}」不是数字") from None
    if value < 0 or value > Decimal("10000000"):
        raise ValueError(f"金额「{text}」超出范围")
    return int((value * 100).to_integral_value())


def import_after_sale_file(*, fileobj: IO[bytes], filename: str, shop: Shop) -> AfterSaleImportReport:
    """Create or move the RMA of every row; a bad row is reported and left out."""
    rows = read_rows(fileobj=fileobj, filename=filename)
    header = next(rows, None)
    if not header:
        raise InvalidInput(f"{filename}：文件是空的")
    index = {_norm(title): i for i, title in enumerate(header) if _norm(title)}
    missing = [t for t in REQUIRED if t not in index]
    if missing:
        raise InvalidInput(
            f"{filename}：不是抖店「售后单」导出，缺少列：{'、'.join(missing)}"
            "（抖店后台 → 售后 → 售后工作台 → 批量导出）"
        )
    report = AfterSaleImportReport(filename=filename)
    for number, row in enumerate(rows, start=2):
        if not any(_cell(v) for v in row):
            continue
        report.rows += 1

        def get(title: str, row: list[Any] = row) -> str:
            i = index.get(_norm(title))
            return _cell(row[i]) if i is not None and i < len(row) else ""

        try:
            data, tag, order_no = _row_data(get)
        except ValueError as exc:
            report.errors.append({"row": number, "aftersale_id": get("售后单号")[:64], "error": str(exc)})
            continue
        _record(report, shop=shop, order_no=order_no, tag=tag, data=data)
    return report


def _row_data(get: Any) -> tuple[dict[str, Any], str, str]:
    aftersale_id = get("售后单号")
    if not aftersale_id.isdigit() or len(aftersale_id) > 64:
        raise ValueError(f"售后单号「{aftersale_id[:30]}」不是抖店的售后单号（数字）")
    order_no = get("订单号")
    if not order_no.isdigit():
        raise ValueError(f"订单号「{order_no[:30]}」不是抖店订单号（数字；在 Excel 中打开过会丢失末位）")
    status = get("售后状态")
    tag = STATUS_TAGS.get(status)
    if tag is None:
        raise ValueError(f"售后状态「{status[:20]}」无法识别")
    kind = get("售后类型")
    if kind not in TYPE_CODES:
        raise ValueError(f"售后类型「{kind[:20]}」无法识别")
    data: dict[str, Any] = {
        "aftersale_id": aftersale_id,
        "aftersale_type": TYPE_CODES[kind],
        "s_id": get("商品单号"),
    }
    refund = _fen(get("退款金额（元）")) if get("退款金额（元）") else _fen(get("退商品金额（元）"))
    if refund is not None:
        data["refund_amount"] = refund
    post = _fen(get("退运费金额（元）"))
    if post is not None:
        data["refund_post_amount"] = post
    if get("退货物流单号"):
        data["logistics"] = get("退货物流单号")[:40]
    reason = get("售后原因")
    if reason:
        data["latest_record"] = f"售后单导出：{status}（{reason[:60]}）"
    else:
        data["latest_record"] = f"售后单导出：{status}"
    for title in TIME_COLUMNS:
        if get(title):
            data["update_time"] = get(title)
            break
    return data, tag, order_no


def _record(
    report: AfterSaleImportReport, *, shop: Shop, order_no: str, tag: str, data: dict[str, Any]
) -> None:
    from fahuo.aftersales.douyin import TAG_STATUS
    from fahuo.aftersales.services import record_platform_event

    existing = (
        Rma.objects.filter(source=RmaSource.DOUYIN, aftersale_id=data["aftersale_id"])
        .values_list("status", "shop_id")
        .first()
    )
    if existing is not None and existing[1] not in (None, shop.pk):
        report.errors.append(
            {"row": None, "aftersale_id": data["aftersale_id"], "error": "该售后单属于另一个店铺，未导入"}
        )
        return
    if existing is not None and existing[0] == TAG_STATUS[tag]:
        report.unchanged += 1  # the file says what fahuo already knows (a second import)
        return
    with transaction.atomic():
        rma, applied = record_platform_event(shop=shop, order_no=order_no, tag=tag, data=data)
    if existing is None:
        report.created += 1
        report.linked_to_orders += rma.order_id is not None
    elif applied:
        report.updated += 1
    else:
        report.unchanged += 1
