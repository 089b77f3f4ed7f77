"""Statement PDF / Excel and the termination notice (解约通知书), from a stored statement's data."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from fahuo.contracts.models import WeeklyStatement
from fahuo.kit.money import format_yuan
from fahuo.kit.pdf import MM, TextWriter, binary_streams, register_cjk_font

REGULAR, BOLD = 0.045, 0.085


def _pct(value: Any) -> str:
    return f"{float(value) * 100:.2f}%"


def statement_lines(stmt: WeeklyStatement) -> list[tuple[str, str]]:
    """The statement as (label, value) lines — the same on the page, the PDF and the Excel sheet."""
    d = stmt.data
    yuan = format_yuan
    tier = (
        _("daily average ≥ %(min)s (first weight %(delta)s)")
        % {"min": d["tier_min_daily_avg"], "delta": yuan(d["tier_delta_fen"], signed=True)}
        if d.get("tier_min_daily_avg") is not None
        else _("below every tier")
    )
    late = _("%(n)d parcels (exempt streams: %(streams)s)") % {
        "n": d["late_parcels"], "streams": "、".join(d["exempt_sessions"]) or _("none"),
    }  # fmt: skip
    cumulative = _("%(n)d parcels") % {"n": d["cumulative_late"]}
    lines = [
        (_("Carrier"), f"{stmt.carrier.name}（{stmt.carrier.code}）"),
        (_("Settlement week"), _("7 days from %(day)s") % {"day": f"{stmt.week_start:%Y-%m-%d}"}),
        (_("Parcel count"), _("%(n)d parcels, %(avg)s a day") % {"n": d["parcels"], "avg": d["daily_avg"]}),
        (_("Tier"), tier),
        (_("Freight"), yuan(d["freight_fen"])),
        (_("Minimum top-up"), yuan(d["minimum_topup_fen"])),
        (_("Late parcel count"), late),
        (_("Late penalty"), f"−{yuan(d['late_penalty_fen'])}"),
        (_("Pickup rate within 24 hours"), _pct(d["pickup_rate_24h"])),
        (_("48 h shipped rate"), _pct(d["shipped_rate_48h"])),
        (_("SLA met"), _("Missed") if d["sla_breached"] else _("Met")),
        (_("Cumulative late"), cumulative + (_("(may terminate)") if d["may_terminate"] else "")),
        (_("Privacy leak fines"), f"−{yuan(d['privacy_fine_fen'])}"),
        (_("Claims credited"), f"−{yuan(d['claims_credited_fen'])}"),
        (_("Net payable"), yuan(d["net_fen"])),
        (_("Payable this week"), yuan(d["payable_fen"])),
        (_("Drawn from the deposit"), yuan(d["deposit_drawn_fen"])),
        (_("Carried to next week"), yuan(d["carried_forward_fen"])),
        (_("Deposit balance"), yuan(d["deposit_after_fen"])),
    ]
    if d.get("deposit_refund_due_on"):
        refund = {"day": d["deposit_refund_due_on"], "amount": yuan(d["deposit_refund_fen"])}
        lines.append((_("Deposit refund"), _("%(amount)s refunded by %(day)s") % refund))
    door = d.get("door_delivery") or {}
    if door.get("delivered"):
        lines.append((
            _("Door delivery rate"),
            _("%(rate)s (%(at_door)s/%(delivered)s, agreed %(target)s%%)")
            % {"rate": _pct(door["rate"]), "at_door": door["at_door"], "delivered": door["delivered"],
               "target": f"{door['target_pct']:g}"},
        ))  # fmt: skip
    bill = d.get("bill")
    if bill:
        lines.append((_("Bill disputed amount"), yuan(bill["dispute_fen"])))
    lines.append((_("Status"), stmt.get_status_display()))
    return lines


def _pdf(title: str, blocks: Sequence[tuple[str, str]], footer: Sequence[str] = ()) -> bytes:
    font = register_cjk_font()
    buffer = io.BytesIO()
    _width, height = A4
    with binary_streams():
        canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
        canvas.setTitle(title)
        writer = TextWriter(canvas, font)
        left, y = 20 * MM, height - 25 * MM
        writer.draw(left, y, title, 18, weight=BOLD)
        y -= 12 * MM
        for label, value in blocks:
            writer.draw(left, y, label, 11, weight=BOLD)
            writer.draw(left + 36 * MM, y, value, 11, weight=REGULAR)
            y -= 7 * MM
        y -= 4 * MM
        for line in footer:
            writer.draw(left, y, line, 11, weight=REGULAR)
            y -= 7 * MM
        writer.flush()
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()


def statement_pdf(stmt: WeeklyStatement) -> bytes:
    return _pdf(_("Weekly statement · %(carrier)s") % {"carrier": stmt.carrier.name}, statement_lines(stmt))


def statement_xlsx(stmt: WeeklyStatement) -> bytes:
    from fahuo.kit.exports import append_row

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Statement")
    for row in statement_lines(stmt):
        append_row(sheet, row)
    append_row(sheet, [])
    append_row(sheet, [_("Late waybills")])
    for number in stmt.data.get("late_tracking_nos", []):
        append_row(sheet, ["", number])
    for cell in sheet["A"]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 48
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def termination_pdf(stmt: WeeklyStatement, *, threshold: int) -> bytes:
    """解约通知书: the running late count passed the contract's threshold."""
    d = stmt.data
    name = stmt.carrier.name
    return _pdf(
        f"解除合作通知书 · {name}",
        [
            ("致", f"{name}网点"),
            ("合同", str(stmt.contract or "—")),
            ("累计超时件数", f"{d['cumulative_late']} 件（合同约定超过 {threshold} 件可解除）"),
            ("截至", f"{stmt.week_start:%Y-%m-%d} 当周对账"),
            ("本周超时", f"{d['late_parcels']} 件"),
        ],
        [
            "根据双方合作协议中关于揽收及发出时效的约定，贵司累计超时件数已超过约定上限，",
            "我方依约通知解除合作。请于收到本通知后结清未结费用，保证金按合同约定在无争议后退还。",
            "（本通知由发货系统根据周结对账数据生成，发送前请核对。）",
        ],
    )
