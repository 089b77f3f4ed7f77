"""A session review as an Excel workbook (openpyxl) or an A4 PDF (embedded Noto Sans SC).

Both are drawn from the same tables (:func:`review_tables`), so the two files always agree.
No personal data: the late list names tracking and platform order numbers only.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from fahuo.kit.exports import append_row
from fahuo.kit.money import MISSING, format_yuan
from fahuo.kit.pdf import MM, TextWriter, binary_streams, register_cjk_font

PDF_LATE_ROWS = 60
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""
    weights: list[float] = field(default_factory=list)  # relative PDF column widths (blank: equal)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def yuan(fen: int | None) -> str:
    return format_yuan(fen, symbol=False, grouping=False)


def signed_yuan(fen: int | None) -> str:
    return format_yuan(fen, symbol=False, grouping=False, signed=True)


def signed_pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%"


def diff_text(fen: int | None, pct_value: float | None) -> str:
    """ "+12.30 (+4.1%)": actual minus planned freight in yuan, and in % of the plan."""
    if fen is None:
        return MISSING
    return signed_yuan(fen) + ("" if pct_value is None else f" ({pct_value:+.1f}%)")


def review_tables(r24: dict[str, Any], r7: dict[str, Any] | None) -> list[Table]:
    """The review as titled tables: summary, carriers, late parcels, loss/damage by region and carrier."""
    tables = [_summary_table(r24, r7), _carrier_table(r24), _late_table(r24)]
    if r7:
        tables += _loss_damage_tables(r7)
    return tables


def _summary_table(r24: dict[str, Any], r7: dict[str, Any] | None) -> Table:
    s = r24["session"]
    o2l = r24["order_to_label_minutes"]
    summary = Table(
        "复盘概要 Summary",
        ["项目 Item", "数值 Value"],
        [
            ["场次 Session", f"#{s['id']} {s['title']}"],
            ["开播 Start", s["starts_at"]],
            ["订单 Orders", r24["orders"]],
            ["预测 Forecast", r24["forecast_orders"] if r24["forecast_orders"] is not None else "—"],
            [
                "预测误差 Forecast error",
                "—" if r24["forecast_error_pct"] is None else f"{r24['forecast_error_pct']:+.1f}%",
            ],
            ["24小时揽收率 Pickup 24 h", pct(r24["pickup_rate_24h"])],
            ["48小时发货率 Shipped 48 h", pct(r24["shipped_rate_48h"])],
            ["下单到出单 中位/P90 (分钟) Order→label median/p90 (min)", f"{o2l['median']} / {o2l['p90']}"],
            ["超时包裹 Late parcels", r24["late_count"]],
            ["计划运费 Planned freight (元)", yuan(r24.get("planned_freight_fen"))],
            ["实际运费 Actual freight (元)", yuan(r24.get("actual_freight_fen", r24["freight_fen"]))],
            ["差额 Actual − plan (元)", diff_text(r24.get("freight_diff_fen"), r24.get("freight_diff_pct"))],
        ],
    )
    if r7:
        summary.rows += [
            ["丢件率 Loss rate (7 d)", pct(r7["loss_rate"])],
            ["破损率 Damage rate (7 d)", pct(r7["damage_rate"])],
        ]
    return summary


def _carrier_table(r24: dict[str, Any]) -> Table:
    return Table(
        "快递公司 Carriers",
        [
            "快递",
            "包裹",
            "24h揽收率",
            "48h发货率",
            "超时",
            "产能",
            "产能占用",
            "计划包裹",
            "计划运费(元)",
            "实际运费(元)",
            "差额(元)",
            "差额%",
        ],
        [
            [
                c["code"],
                c["parcels"],
                pct(c["pickup_rate_24h"]),
                pct(c["shipped_rate_48h"]),
                c["late"],
                c["capacity"] or "—",
                pct(c["capacity_used"]),
                c["planned_parcels"] if c["planned_parcels"] is not None else "—",
                yuan(c.get("planned_freight_fen")),
                yuan(c.get("actual_freight_fen", c["freight_fen"])),
                signed_yuan(c.get("freight_diff_fen")),
                signed_pct(c.get("freight_diff_pct")),
            ]
            for c in r24["carriers"]
        ],
        weights=[0.7, 0.7, 1, 1, 0.6, 0.7, 1, 1, 1.3, 1.3, 1.2, 0.9],
    )


def _late_table(r24: dict[str, Any]) -> Table:
    return Table(
        "超时包裹 Late parcels (48 h)",
        ["快递", "运单号", "订单号", "省份", "付款", "揽收", "小时"],
        [
            [
                x["carrier"],
                x["tracking_no"],
                x["order"],
                x["province"],
                x["paid_at"],
                x["picked_up_at"] or "未揽收",
                x["hours"],
            ]
            for x in r24["late"]
        ],
    )


def _loss_damage_tables(r7: dict[str, Any]) -> list[Table]:
    """Loss and damage after 7 days, by region and by carrier (the same columns)."""
    head = ["包裹", "丢件", "破损", "丢件率", "破损率", "建议"]
    return [
        Table(
            title,
            [first, *head],
            [
                [
                    r[key],
                    r["parcels"],
                    r["lost"],
                    r["damaged"],
                    pct(r["loss_rate"]),
                    pct(r["damage_rate"]),
                    r["advice"],
                ]
                for r in r7[rows]
            ],
        )
        for title, first, key, rows in (
            ("地区丢件/破损 Loss & damage by region (7 d)", "省份", "province", "regions"),
            ("快递丢件/破损 Loss & damage by carrier (7 d)", "快递", "carrier", "carriers"),
        )
    ]


def review_xlsx(r24: dict[str, Any], r7: dict[str, Any] | None) -> bytes:
    """One sheet per table, bold headers."""
    wb = Workbook()
    wb.remove(wb.active)
    for i, table in enumerate(review_tables(r24, r7)):
        name = re.sub(r"[\[\]:*?/\\]", "", table.title.split(" ")[0])[:31]
        ws = wb.create_sheet(title=name or f"Sheet{i + 1}")
        append_row(ws, table.headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            append_row(ws, row)
        for col, _head in enumerate(table.headers, start=1):
            ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = 18
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def review_pdf(r24: dict[str, Any], r7: dict[str, Any] | None) -> bytes:
    """A4 portrait: title, then each table (the late list cut at ``PDF_LATE_ROWS`` rows)."""
    font = register_cjk_font()
    width, height = A4
    margin = 15 * MM
    buf = io.BytesIO()
    with binary_streams():
        canvas = Canvas(buf, pagesize=A4, pageCompression=1, invariant=1, initialFontName=font)
        tw = TextWriter(canvas, font)
        y = height - margin
        s = r24["session"]

        def new_page() -> None:
            nonlocal y
            tw.flush()
            canvas.showPage()
            y = height - margin

        def line(cells: list[Any], size: float, widths: list[float], weight: float = 0.045) -> None:
            nonlocal y
            if y < margin + size * 2:
                new_page()
            x = margin
            for cell, w in zip(cells, widths, strict=False):
                text = tw.metrics.truncate("" if cell is None else str(cell), size, w - 2 * MM)
                tw.draw(x, y, text, size, weight=weight)
                x += w
            y -= size * 1.5

        tw.draw(margin, y, f"直播复盘 Live session review · #{s['id']} {s['title']}", 15, weight=0.06)
        y -= 10 * MM
        tw.draw(margin, y, f"{s['starts_at']} → {s['ends_at']} · 计算于 computed {r24['computed_at']}", 8)
        y -= 8 * MM
        usable = width - 2 * margin
        for table in review_tables(r24, r7):
            rows = table.rows
            note = table.note
            if table.title.startswith("超时") and len(rows) > PDF_LATE_ROWS:
                note = f"… {len(rows) - PDF_LATE_ROWS} more (see the Excel export)"
                rows = rows[:PDF_LATE_ROWS]
            if y < margin + 30 * MM:
                new_page()
            y -= 2 * MM
            tw.draw(margin, y, table.title, 11, weight=0.06)
            y -= 6 * MM
            n = len(table.headers)
            widths = [usable * 0.55, usable * 0.45] if n == 2 else [usable / n] * n
            if len(table.weights) == n:
                widths = [usable * w / sum(table.weights) for w in table.weights]
            line(table.headers, 8, widths, weight=0.07)
            for row in rows or [["—"]]:
                line(row, 8, widths)
            if note:
                line([note], 7, [usable])
            y -= 4 * MM
        tw.flush()
        canvas.save()
    return buf.getvalue()


def review_file(session: Any, fmt: str) -> tuple[bytes, str, str]:
    """A session's review (24 h and 7 d, stored or computed now) as ``fmt`` ("xlsx" or "pdf"):
    (body, content type, file name). What the desk's and the API's download both send."""
    from django.db import transaction

    from fahuo.livestream import review

    with transaction.atomic():
        r24 = review.stored_or_computed(session=session, kind="24h")
        r7 = review.stored_or_computed(session=session, kind="7d")
    body = review_xlsx(r24, r7) if fmt == "xlsx" else review_pdf(r24, r7)
    return body, CONTENT_TYPES.get(fmt, CONTENT_TYPES["pdf"]), f"review-{session.pk}.{fmt}"
