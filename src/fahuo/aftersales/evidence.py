"""The dispute pack (留存证据) of one order: a ZIP with a PDF timeline and the same rows as JSON, for
抖店 arbitration or a carrier claim. Rows: order received/paid, verification, waybills issued and
printed, pack scan, kept evidence (packing video/photos, unboxing uploads, inspection photos, each with
its SHA-256; the files themselves under ``evidence/``), tracking events, messages sent to the buyer,
after-sale steps. Personal data is masked (the pack leaves the shop)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from fahuo.kit.pdf import MM, TextWriter, binary_streams, register_cjk_font
from fahuo.kit.privacy import mask_detail, mask_name, mask_phone
from fahuo.orders.models import Order

REGULAR, BOLD = 0.045, 0.085
PACK_FILES_MAX = 200 * 1024 * 1024  # evidence files put in one pack; the rest are listed by hash


@dataclass(frozen=True, slots=True)
class Entry:
    at: dt.datetime
    kind: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"at": timezone.localtime(self.at).isoformat(), "kind": self.kind, "text": self.text}


def timeline(*, order: Order) -> list[Entry]:
    """Everything fahuo knows happened to the order, oldest first."""
    from fahuo.aftersales.models import Evidence, RmaStep
    from fahuo.fulfilment.models import Parcel, Waybill
    from fahuo.tracking.models import TrackEvent

    rows: list[Entry] = []
    if order.paid_at:
        rows.append(Entry(order.paid_at, "订单", f"买家付款，订单 {order.platform_order_id}"))
    rows.append(Entry(order.created_at, "订单", f"订单进入发货台（来源 {order.source}）"))
    receiver = " ".join(
        p
        for p in (
            mask_name(order.recipient_name),
            mask_phone(order.recipient_phone),
            order.province,
            order.city,
            order.district,
            mask_detail(order.address_detail),
        )
        if p
    )
    problems = "；".join(str(r.get("message", "")) for r in order.review_reasons or [])
    verdict = f"需人工审核：{problems}" if problems else "地址校验通过"
    rows.append(Entry(order.created_at, "校验", f"收件信息 {receiver}；{verdict}"))
    for wb in Waybill.objects.filter(parcel__order=order).select_related("carrier"):
        rows.append(Entry(wb.issued_at, "面单", f"{wb.carrier.name} 运单号 {wb.tracking_no}"))
        if wb.last_printed_at:
            rows.append(
                Entry(wb.last_printed_at, "打单", f"面单打印（共 {wb.print_count} 次）{wb.tracking_no}")
            )
    for parcel in Parcel.objects.filter(order=order, packed_at__isnull=False):
        assert parcel.packed_at is not None
        rows.append(Entry(parcel.packed_at, "打包", f"打包扫描完成（包裹 {parcel.pk}）"))
    events = TrackEvent.objects.filter(track__order=order).select_related("track").order_by("at")
    for ev in events:
        where = f"［{ev.location}］" if ev.location else ""
        rows.append(Entry(ev.at, "物流", f"{ev.track.tracking_no} {where}{ev.description}"))
    if apps.is_installed("fahuo.notify"):
        outbox = apps.get_model("notify", "OutboxMessage")
        for msg in outbox.objects.filter(order=order, sent_at__isnull=False).order_by("sent_at"):
            rows.append(
                Entry(
                    msg.sent_at or msg.created_at,
                    "消息",
                    f"已发送（{msg.get_channel_display()}）：{msg.body[:120]}",
                )
            )
    for kept in Evidence.objects.filter(order=order).select_related("uploaded_by"):
        who = kept.uploaded_by.get_username() if kept.uploaded_by else {"buyer": "买家"}.get(kept.source, "")
        rows.append(
            Entry(
                kept.created_at,
                "证据",
                f"{kept.get_kind_display()} SHA-256 {kept.sha256}（{kept.size_bytes} 字节"
                + (f"，{who}" if who else "")
                + (f"，包裹 {kept.parcel_id}" if kept.parcel_id else "")
                + "）",
            )
        )
    for step in RmaStep.objects.filter(rma__order=order).select_related("rma"):
        late = "" if step.applied else "（迟到消息）"
        rows.append(
            Entry(
                step.at,
                "售后",
                f"售后单 #{step.rma_id} {step.get_status_display()}{late} {step.note}".strip(),
            )
        )
    return sorted(rows, key=lambda e: e.at)


def timeline_pdf(*, order: Order, rows: list[Entry]) -> bytes:
    font = register_cjk_font()
    buffer = io.BytesIO()
    width, height = A4
    with binary_streams():
        canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
        canvas.setTitle(f"dispute pack {order.platform_order_id}")
        writer = TextWriter(canvas, font)
        left, y = 15 * MM, height - 20 * MM
        writer.draw(
            left, y, f"订单证据时间线 · {order.shop.name} · {order.platform_order_id}", 15, weight=BOLD
        )
        y -= 7 * MM
        made = timezone.localtime(timezone.now())
        writer.draw(
            left, y, f"生成时间 {made:%Y-%m-%d %H:%M}（北京时间），共 {len(rows)} 条", 9, weight=REGULAR
        )
        y -= 9 * MM
        for row in rows:
            lines = writer.metrics.wrap(row.text, 9, width - 70 * MM)
            if y - 5 * MM * len(lines) < 15 * MM:
                writer.flush()
                canvas.showPage()
                writer = TextWriter(canvas, font)
                y = height - 20 * MM
            writer.draw(left, y, f"{timezone.localtime(row.at):%Y-%m-%d %H:%M:%S}", 9, weight=REGULAR)
            writer.draw(left + 36 * MM, y, row.kind, 9, weight=BOLD)
            for line in lines:
                writer.draw(left + 50 * MM, y, line, 9, weight=REGULAR)
                y -= 5 * MM
            y -= 1.5 * MM
        writer.flush()
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()


def _files(order: Order, zf: zipfile.ZipFile) -> list[dict[str, Any]]:
    """Put the order's kept files in the ZIP (``evidence/<sha256>.<ext>``, up to PACK_FILES_MAX bytes
    in all); returns their list for timeline.json."""
    from fahuo.aftersales import storage
    from fahuo.aftersales.models import Evidence

    listed, total = [], 0
    for kept in Evidence.objects.filter(order=order).order_by("created_at", "pk"):
        name = f"evidence/{kept.sha256}.{storage.extension(kept.content_type)}"
        included = storage.exists(kept.sha256) and total + kept.size_bytes <= PACK_FILES_MAX
        if included and name not in zf.namelist():
            zf.write(storage.path_of(kept.sha256), name, compress_type=zipfile.ZIP_STORED)
            total += kept.size_bytes
        listed.append(
            {
                "kind": kept.kind,
                "sha256": kept.sha256,
                "size": kept.size_bytes,
                "content_type": kept.content_type,
                "at": timezone.localtime(kept.created_at).isoformat(),
                "file": name if included else None,
            }
        )
    return listed


def dispute_pack(*, order: Order) -> bytes:
    """The ZIP: ``timeline.pdf`` and ``timeline.json`` (same rows), and the kept evidence files."""
    rows = timeline(order=order)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("timeline.pdf", timeline_pdf(order=order, rows=rows))
        payload: dict[str, Any] = {
            "order_id": order.platform_order_id,
            "shop": order.shop.code,
            "rows": [r.as_dict() for r in rows],
            "evidence": _files(order, zf),
        }
        zf.writestr("timeline.json", json.dumps(payload, ensure_ascii=False, indent=1))
    return out.getvalue()
