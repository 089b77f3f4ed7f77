"""Statement PDF / Excel and the termination notice (解约通知书), from a stored statement's data."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

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
    tier = (
        f"日均≥{d['tier_min_daily_avg']}（首重 {format_yuan(d['tier_delta_fen'], signed=True)}）"
        if d.get("tier_min_daily_avg") is not None
        else "未达阶梯"
    )
    lines = [
        ("快递公司", f"{stmt.carrier.name}（{stmt.carrier.code}）"),
        ("结算周", f"{stmt.week_start:%Y-%m-%d} 起 7 天"),
        ("件数", f"{d['parcels']} 件，日均 {d['daily_avg']}"),
        ("阶梯", tier),
        ("运费", format_yuan(d["freight_fen"])),
        ("保底补差", format_yuan(d["minimum_topup_fen"])),
        ("超时件", f"{d['late_parcels']} 件（豁免场次：{'、'.join(d['exempt_sessions']) or '无'}）"),
        ("超时违约金", f"−{format_yuan(d['late_penalty_fen'])}"),
        ("24小时揽收率", _pct(d["pickup_rate_24h"])),
        ("48小时发出率", _pct(d["shipped_rate_48h"])),
        ("时效达标", "未达标" if d["sla_breached"] else "达标"),
        ("累计超时", f"{d['cumulative_late']} 件{'（可解约）' if d['may_terminate'] else ''}"),
        ("隐私泄露罚款", f"−{format_yuan(d['privacy_fine_fen'])}"),
        ("理赔抵扣", f"−{format_yuan(d['claims_credited_fen'])}"),
        ("应付净额", format_yuan(d["net_fen"])),
        ("本周应付", format_yuan(d["payable_fen"])),
        ("保证金抵扣", format_yuan(d["deposit_drawn_fen"])),
        ("结转下周", format_yuan(d["carried_forward_fen"])),
        ("保证金余额", format_yuan(d["deposit_after_fen"])),
    ]
    if d.get("deposit_refund_due_on"):
        lines.append(
            ("保证金退还", f"{d['deposit_refund_due_on']} 前退还 {format_yuan(d['deposit_refund_fen'])}")
        )
    door = d.get("door_delivery") or {}
    if door.get("delivered"):
        lines.append(
            (
                "送货上门率",
                f"{_pct(door['rate'])}（{door['at_door']}/{door['delivered']}，约定 {door['target_pct']:g}%）",
            )
        )
    bill = d.get("bill")
    if bill:
        lines.append(("账单异议金额", format_yuan(bill["dispute_fen"])))
    lines.append(("状态", stmt.get_status_display()))
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
    return _pdf(f"周结对账单 · {stmt.carrier.name}", statement_lines(stmt))


def statement_xlsx(stmt: WeeklyStatement) -> bytes:
    from fahuo.kit.exports import append_row

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "对账单"
    for row in statement_lines(stmt):
        append_row(sheet, row)
    append_row(sheet, [])
    append_row(sheet, ["超时运单"])
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
