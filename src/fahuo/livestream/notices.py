"""Carrier peak notices (预警通知) before a stream: per carrier the expected parcels, pickup address,
hourly pickup slots and contact — as a PDF (embedded CJK font), an Excel sheet and a ready-to-send
Chinese text — and the record of their sending (carrier outlets are told by phone/WeChat, so the
desk records ``manual`` sending; the buyer-message outbox in ``fahuo.notify`` is not for carriers)."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from fahuo.carriers.models import Carrier
from fahuo.inventory.models import Warehouse
from fahuo.kit.errors import NotFound
from fahuo.kit.exports import append_row
from fahuo.kit.pdf import MM, TextWriter, binary_streams, register_cjk_font
from fahuo.livestream.models import LiveSession, PeakNotice
from fahuo.livestream.planning import Plan, Slot, plan_session
from fahuo.livestream.sla_terms import sla_for

TZ = ZoneInfo("Asia/Shanghai")
SEND_CHANNELS = ("manual", "wechat", "phone", "email")
# Faux-bold strokes as a fraction of the font size (the embedded font instance is Thin; see kit/pdf).
REGULAR, BOLD = 0.045, 0.085


def _local(moment: datetime) -> datetime:
    return moment.astimezone(TZ)


def _day_groups(slots: Sequence[dict[str, Any]]) -> list[tuple[str, str, str, int, int]]:
    """(day, first hour, last hour, parcels, busiest hour's parcels) per local day."""
    days: dict[str, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    for s in slots:
        start, end = datetime.fromisoformat(s["from"]), datetime.fromisoformat(s["to"])
        days[f"{_local(start):%m月%d日}"].append((start, end, int(s["parcels"])))
    out = []
    for day, rows in days.items():
        out.append(
            (
                day,
                f"{_local(rows[0][0]):%H:%M}",
                f"{_local(rows[-1][1]):%H:%M}",
                sum(r[2] for r in rows),
                max(r[2] for r in rows),
            )
        )
    return out


def notice_text(
    *,
    session: LiveSession,
    carrier: Carrier,
    parcels: int,
    slots: Sequence[dict[str, Any]],
    peak_parcels: int | None = None,
) -> str:
    """The ready-to-send 【预警通知】 message for one carrier outlet."""
    start, end = _local(session.starts_at), _local(session.ends_at)
    sla = sla_for(carrier.pk, timezone.localdate(session.starts_at))
    pickup = "；".join(
        f"{day} {a}–{b} 共约{n}单（每小时最多{peak}单）" for day, a, b, n, peak in _day_groups(slots)
    )
    if parcels:
        high = f"，单量冲高时最多约{peak_parcels}单" if peak_parcels and peak_parcels > parcels else ""
        volume = f"预计交给贵司约{parcels}单{high}"
    else:  # only needed if the stream runs to the high end of the forecast: a standby notice
        volume = f"贵司为本场备用快递：单量冲高时最多约{peak_parcels or 0}单"
    return (
        f"【预警通知】{carrier.name}网点您好：{session.shop.name}定于{start:%m月%d日 %H:%M}–{end:%H:%M}"
        f"开播（{session.title}），{volume}。"
        f"揽收地址：{session.pickup_address or '—'}。"
        f"请按以下时段安排揽收：{pickup or '待定'}。"
        f"按合作约定：{sla.promise()}；请于开播前{sla.crew_confirm_days_before}天确认揽收人员，"
        f"每小时揽收不少于{sla.pickups_per_hour}单。"
        f"联系人：{session.contact or '—'}。请提前安排人手和车辆，谢谢！"
    )


def create_notices(
    *, session: LiveSession, plan: Plan | None = None, warehouse: Warehouse | None = None
) -> list[PeakNotice]:
    """One notice per carrier with parcels in the plan (updated in place when it already exists;
    sending kept; an unsent notice of a carrier the plan no longer uses is deleted): the expected
    parcels and hourly pickups at the forecast point, the high end as "at most". The plan is kept on
    the session for the review (``services.store_plan``)."""
    from fahuo.livestream.services import store_plan

    plan = plan or plan_session(session=session)
    store_plan(session=session, plan=plan)
    existing = {n.carrier_id: n for n in session.notices.select_related("carrier")}
    carriers = {c.pk: c for c in Carrier.objects.filter(pk__in=[line.carrier_id for line in plan.carriers])}
    warehouse = warehouse or Warehouse.objects.filter(name=plan.warehouse).first()
    out = []
    for line in plan.carriers:
        if not line.parcels and not line.peak_parcels:
            continue
        carrier = carriers[line.carrier_id]
        # A standby carrier (nothing at the forecast point) is told its pickups at the high end.
        slots = [s.as_dict() for s in (plan.slots_for if line.parcels else plan.peak_slots_for)(line.code)]
        notice = existing.get(carrier.pk) or PeakNotice(session=session, carrier=carrier)
        notice.warehouse = warehouse
        notice.expected_parcels = line.parcels
        notice.pickup_slots = slots
        notice.text = notice_text(
            session=session,
            carrier=carrier,
            parcels=line.parcels,
            slots=slots,
            peak_parcels=line.peak_parcels,
        )
        notice.save()
        out.append(notice)
    # A carrier the new plan gives nothing: its unsent notice goes (a sent one stays on record).
    kept = {n.carrier_id for n in out}
    session.notices.exclude(carrier_id__in=kept).filter(sent_at__isnull=True).delete()
    return out


def notice_for(*, session: LiveSession, code: str) -> PeakNotice:
    found = (
        session.notices.select_related("carrier", "session__shop").filter(carrier__code__iexact=code).first()
    )
    if found is None:
        raise NotFound(
            f"该场次没有给 {code} 的预警通知 (no notice for this carrier; create the notices first)"
        )
    return found


def notices_for(*, session: LiveSession, code: str) -> list[PeakNotice]:
    """``all`` (every carrier's notice) or the one carrier's."""
    if code.lower() == "all":
        found = list(session.notices.select_related("carrier", "session__shop").order_by("carrier__code"))
        if not found:
            raise NotFound("该场次还没有预警通知 (no notices yet; create them first)")
        return found
    return [notice_for(session=session, code=code)]


def mark_sent(
    *, notice: PeakNotice, user: Any = None, via: str = "manual", now: datetime | None = None
) -> PeakNotice:
    """Record that the notice went out (who, when, how)."""
    notice.sent_at = now or timezone.now()
    notice.sent_via = via if via in SEND_CHANNELS else "manual"
    notice.sent_by = user if getattr(user, "is_authenticated", False) else None
    notice.save(update_fields=["sent_at", "sent_via", "sent_by"])
    return notice


# --- documents -----------------------------------------------------------------------------------


def _volume(notice: PeakNotice) -> str:
    """ "600 单", or for a standby carrier "0 单（备用，冲高时最多 300 单）"."""
    slotted = sum(int(s["parcels"]) for s in notice.pickup_slots)
    if not notice.expected_parcels and slotted:
        return f"0 单（备用，冲高时最多 {slotted} 单）"
    return f"{notice.expected_parcels} 单"


def _slot_rows(notice: PeakNotice) -> list[tuple[str, int]]:
    rows = []
    for s in notice.pickup_slots:
        a, b = _local(datetime.fromisoformat(s["from"])), _local(datetime.fromisoformat(s["to"]))
        rows.append((f"{a:%m-%d %H:%M}–{b:%H:%M}", int(s["parcels"])))
    return rows


def render_pdf(notices: Sequence[PeakNotice]) -> bytes:
    """One A4 page per notice (continued on further pages when the slot list is long)."""
    font = register_cjk_font()
    buffer = io.BytesIO()
    width, height = A4
    with binary_streams():
        canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
        canvas.setTitle("预警通知 peak notice")
        for notice in notices:
            _draw_notice(canvas, font, notice, width, height)
        canvas.save()
    return buffer.getvalue()


def _draw_notice(canvas: Canvas, font: str, notice: PeakNotice, width: float, height: float) -> None:
    session = notice.session
    writer = TextWriter(canvas, font)
    left, y = 20 * MM, height - 25 * MM
    writer.draw(left, y, f"预警通知 · {notice.carrier.name}", 20, weight=BOLD)
    y -= 12 * MM
    start, end = _local(session.starts_at), _local(session.ends_at)
    facts = [
        ("商家", session.shop.name),
        ("直播", session.title),
        ("直播时间", f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"),
        ("预计单量", _volume(notice)),
        ("揽收地址", session.pickup_address or "—"),
        ("联系人", session.contact or "—"),
        ("约定", sla_for(notice.carrier_id, timezone.localdate(session.starts_at)).promise()),
    ]
    for label, value in facts:
        writer.draw(left, y, label, 11, weight=BOLD)
        writer.draw(left + 28 * MM, y, value, 11, weight=REGULAR)
        y -= 7.5 * MM
    y -= 4 * MM
    writer.draw(left, y, "揽收时段", 13, weight=BOLD)
    writer.draw(left + 80 * MM, y, "单量", 13, weight=BOLD, align="right")
    y -= 8 * MM
    for slot, parcels in _slot_rows(notice):
        if y < 20 * MM:
            writer.flush()
            canvas.showPage()
            writer = TextWriter(canvas, font)
            y = height - 25 * MM
        writer.draw(left, y, slot, 11, weight=REGULAR)
        writer.draw(left + 80 * MM, y, str(parcels), 11, weight=REGULAR, align="right")
        y -= 6 * MM
    writer.flush()
    canvas.showPage()


def render_xlsx(notices: Sequence[PeakNotice]) -> bytes:
    """One sheet per carrier: the facts, then the hourly pickup slots."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for notice in notices:
        session = notice.session
        sheet = book.create_sheet(notice.carrier.code[:31])
        start, end = _local(session.starts_at), _local(session.ends_at)
        rows: list[tuple[Any, Any]] = [
            ("预警通知", notice.carrier.name),
            ("商家", session.shop.name),
            ("直播", session.title),
            ("直播时间", f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"),
            ("预计单量", notice.expected_parcels),
            ("揽收地址", session.pickup_address),
            ("联系人", session.contact),
            ("", ""),
            ("揽收时段", "单量"),
        ]
        rows += _slot_rows(notice)
        for row in rows:
            append_row(sheet, row)
        for cell in ("A1", "A9", "B9"):
            sheet[cell].font = bold
        sheet.column_dimensions["A"].width = 22
        sheet.column_dimensions["B"].width = 48
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


__all__ = [
    "SEND_CHANNELS",
    "Slot",
    "create_notices",
    "mark_sent",
    "notice_for",
    "notice_text",
    "notices_for",
    "render_pdf",
    "render_xlsx",
]
