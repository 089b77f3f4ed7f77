"""Packing documents: the pick list (拣货单, A4) and the packing slip (装箱单, 100×150 mm).

Data is gathered with a fixed number of queries per document, then drawn with the shared PDF kit
(:mod:`fahuo.kit.pdf`): embedded Noto Sans SC, text collected per page by a ``TextWriter``, each
Code 128 one filled path. Every string passes through :func:`~fahuo.fulfilment.labels.render.scrub_phones`
and the recipient is masked (张* 138****5678), so no full mobile number reaches a document even when
a buyer writes one into the note.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db.models import QuerySet
from reportlab.pdfgen.canvas import Canvas

from fahuo.fulfilment.labels.render import scrub_phones
from fahuo.fulfilment.models import PrintBatch
from fahuo.fulfilment.packing.document_data import (
    PicklistData,
    PickRow,
    PickSection,
    SlipData,
    carton_text,
    picklist_data,
    slip_data,
)
from fahuo.kit.pdf import (
    MM,
    TextWriter,
    baseline_for_middle,
    binary_streams,
    draw_code128,
    fmt,
    register_cjk_font,
)
from fahuo.kit.privacy import mask_name, mask_phone
from fahuo.orders.models import Order

__all__ = [
    "PickRow",
    "PickSection",
    "PicklistData",
    "SlipData",
    "carton_text",
    "draw_packing_slips",
    "draw_picklist",
    "picklist_data",
    "render_packing_slips",
    "render_picklist",
    "slip_data",
]

_REGULAR = 0.045  # faux-bold strokes (fraction of the font size); the embedded instance is Thin
_MEDIUM = 0.06
_BOLD = 0.085

_MASKED = re.compile(r"[^*]*\*+[^*]*")


def _masked_name(name: str) -> str:
    return name if _MASKED.fullmatch(name or "") else mask_name(name)


def _masked_phone(phone: str) -> str:
    """Masks a phone number; one already masked (138****5678) is kept as it is."""
    return phone if "*" in (phone or "") else mask_phone(phone)


def _ascii(value: str) -> bool:
    return bool(value) and all(32 < ord(ch) < 127 for ch in value)


# --- drawing helpers -----------------------------------------------------------------------------


class _Page:
    """Shapes and text of the current page; ``finish`` writes them and starts the next page."""

    def __init__(self, canvas: Canvas, font: str) -> None:
        self.canvas = canvas
        self.tw = TextWriter(canvas, font, guard=scrub_phones)
        self.m = self.tw.metrics
        self.strokes: list[str] = []  # rules and boxes, one stroked path
        self.fills: list[str] = []  # grey bands, one filled path

    def rule(self, x0: float, x1: float, y: float) -> None:
        self.strokes.append(f"{fmt(x0)} {fmt(y)} m {fmt(x1)} {fmt(y)} l")

    def box(self, x: float, y: float, w: float, h: float) -> None:
        self.strokes.append(f"{fmt(x)} {fmt(y)} {fmt(w)} {fmt(h)} re")

    def band(self, x: float, y: float, w: float, h: float) -> None:
        self.fills.append(f"{fmt(x)} {fmt(y)} {fmt(w)} {fmt(h)} re")

    def line(
        self,
        x: float,
        mid: float,
        text: str,
        size: float,
        width: float,
        *,
        weight: float = _REGULAR,
        align: str = "left",
        min_size: float | None = None,
    ) -> None:
        """One line fitted into ``width`` (shrunk, then truncated), centred on ``mid``."""
        text = scrub_phones(text)
        fitted, s = self.m.fit_line(text, width, size, min_size or size * 0.75)
        self.tw.draw(x, baseline_for_middle(mid, s), fitted, s, weight=weight, align=align)

    def finish(self) -> None:
        if self.fills:
            self.canvas.addLiteral("q 0.93 g " + " ".join(self.fills) + " f Q")
        if self.strokes:
            self.canvas.addLiteral("q 0 G 0.7 w " + " ".join(self.strokes) + " S Q")
        self.tw.flush()
        self.canvas.showPage()
        self.fills, self.strokes = [], []


def _canvas(buf: io.BytesIO, size: tuple[float, float], title: str) -> tuple[Canvas, str]:
    font = register_cjk_font()
    canvas = Canvas(buf, pagesize=size, pageCompression=1, invariant=1, initialFontName=font)
    canvas.setTitle(title)
    canvas.setCreator("fahuo")
    return canvas, font


# --- pick list -----------------------------------------------------------------------------------

_A4 = (210 * MM, 297 * MM)
_PL_MARGIN = 12 * MM
_PL_ROW = 8 * MM
_PL_HEAD = 34 * MM  # page header height
_PL_SECTION = 9 * MM  # warehouse heading
# columns: check box, location, SKU code, name / spec, quantity, orders (fractions of the width)
_PL_COLS = (0.06, 0.14, 0.18, 0.44, 0.09, 0.09)


def _picklist_pages(data: PicklistData) -> list[list[tuple[str, Any]]]:
    """Lay the rows out on pages: ("section", section, continued) / ("head",) / ("row", row, i)."""
    usable = _A4[1] - 2 * _PL_MARGIN - _PL_HEAD - 8 * MM  # 8 mm footer
    pages: list[list[tuple[str, Any]]] = [[]]
    room = usable

    def need(height: float) -> None:
        nonlocal room
        if height > room:
            pages.append([])
            room = usable
        room -= height

    for section in data.sections:
        need(_PL_SECTION + 2 * _PL_ROW)  # heading, table head, at least one row together
        room += 2 * _PL_ROW
        pages[-1].append(("section", (section, False)))
        need(_PL_ROW)
        pages[-1].append(("head", None))
        for i, row in enumerate(section.rows):
            before = len(pages)
            need(_PL_ROW)
            if len(pages) != before:  # continued on a new page: repeat heading and table head
                room -= _PL_SECTION + _PL_ROW
                pages[-1].append(("section", (section, True)))
                pages[-1].append(("head", None))
            pages[-1].append(("row", (row, i)))
    return pages


def draw_picklist(data: PicklistData) -> bytes:
    """The pick list PDF (A4 portrait): per warehouse a table sorted by shelf location."""
    buf = io.BytesIO()
    canvas, font = _canvas(buf, _A4, "fahuo pick list")
    pages = _picklist_pages(data)
    w, h = _A4
    x0, x1 = _PL_MARGIN, w - _PL_MARGIN
    width = x1 - x0
    edges = [x0]
    for frac in _PL_COLS:
        edges.append(edges[-1] + frac * width)
    orders = sum(s.orders for s in data.sections)
    units = sum(s.units for s in data.sections)
    skus = sum(len(s.rows) for s in data.sections)
    with binary_streams():
        page = _Page(canvas, font)
        for number, items in enumerate(pages, 1):
            top = h - _PL_MARGIN
            page.line(x0, top - 6 * MM, data.title, 20, width * 0.5, weight=_BOLD)
            page.line(x0, top - 14 * MM, data.subtitle, 11, width * 0.6, weight=_MEDIUM)
            summary = f"订单 {orders} 单 · SKU {skus} 种 · 共 {units} 件 · 打印 {data.printed_at}"
            page.line(x0, top - 21 * MM, summary, 10, width * 0.62)
            if data.barcode:
                draw_code128(canvas, data.barcode, x1 - 60 * MM, top - 18 * MM, 60 * MM, 14 * MM, quiet=4)
                page.line(x1 - 30 * MM, top - 22 * MM, data.barcode, 8, 60 * MM, align="center")
            y = top - _PL_HEAD + 4 * MM
            page.rule(x0, x1, y)
            for kind, value in items:
                if kind == "section":
                    section, continued = value
                    y -= _PL_SECTION
                    label = f"{section.warehouse}{'（续）' if continued else ''}"
                    stats = f"订单 {section.orders} 单 · SKU {len(section.rows)} 种 · {section.units} 件"
                    page.line(x0, y + _PL_SECTION / 2, label, 13, width * 0.6, weight=_BOLD)
                    page.line(x1, y + _PL_SECTION / 2, stats, 10, width * 0.38, align="right")
                elif kind == "head":
                    y -= _PL_ROW
                    page.band(x0, y, width, _PL_ROW)
                    mid = y + _PL_ROW / 2
                    for i, text in enumerate(("", "库位", "商家编码", "商品 / 规格", "数量", "订单数")):
                        right = i >= 4
                        x = edges[i + 1] - 2 * MM if right else edges[i] + 2 * MM
                        page.line(
                            x,
                            mid,
                            text,
                            9,
                            edges[i + 1] - edges[i] - 3 * MM,
                            weight=_MEDIUM,
                            align="right" if right else "left",
                        )
                else:
                    row, index = value
                    y -= _PL_ROW
                    mid = y + _PL_ROW / 2
                    if index % 2:
                        page.band(x0, y, width, _PL_ROW)
                    side = 4.2 * MM
                    page.box(edges[0] + 2 * MM, mid - side / 2, side, side)
                    cell = [edges[i + 1] - edges[i] - 3 * MM for i in range(6)]
                    page.line(edges[1] + 2 * MM, mid, row.location or "—", 12, cell[1], weight=_BOLD)
                    page.line(edges[2] + 2 * MM, mid, row.sku_code, 10, cell[2], weight=_MEDIUM)
                    page.line(
                        edges[3] + 2 * MM, mid, f"{row.name}  {row.spec}".strip(), 10, cell[3], min_size=7
                    )
                    page.line(
                        edges[5] - 2 * MM, mid, str(row.quantity), 14, cell[4], weight=_BOLD, align="right"
                    )
                    page.line(edges[6] - 2 * MM, mid, str(row.orders), 10, cell[5], align="right")
                    page.rule(x0, x1, y)
            page.line(
                x1, _PL_MARGIN - 4 * MM + 4 * MM, f"第 {number}/{len(pages)} 页", 9, 40 * MM, align="right"
            )
            if not items:
                page.line(x0, top - _PL_HEAD - 6 * MM, "没有要拣的商品", 12, width)
            page.finish()
        canvas.save()
    return buf.getvalue()


def render_picklist(
    *, orders: QuerySet[Order] | Iterable[Order] | None = None, batch: PrintBatch | None = None
) -> bytes:
    """The pick list of a print batch or of a set of orders, as PDF bytes."""
    return draw_picklist(picklist_data(orders=orders, batch=batch))


# --- packing slip --------------------------------------------------------------------------------

_SLIP = (100 * MM, 150 * MM)
_SL_MARGIN = 4 * MM


class _Flow:
    """Top-to-bottom flow on slip pages; a new page (with a short header) when one is full."""

    def __init__(self, page: _Page, header: Callable[[_Flow, bool], None]) -> None:
        self.canvas = page.canvas
        self.page = page  # one per document: its TextWriter caches encoded strings
        self.header = header
        self.x0, self.x1 = _SL_MARGIN, _SLIP[0] - _SL_MARGIN
        self.bottom = _SL_MARGIN
        self.y = _SLIP[1] - _SL_MARGIN
        self.pages = 1
        header(self, False)

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    def need(self, height: float) -> None:
        if self.y - height < self.bottom:
            self.page.finish()
            self.pages += 1
            self.y = _SLIP[1] - _SL_MARGIN
            self.header(self, True)

    def line(
        self, text: str, size: float, *, weight: float = _REGULAR, indent: float = 0.0, lead: float = 1.35
    ) -> None:
        step = size * lead
        self.need(step)
        self.page.line(self.x0 + indent, self.y - step / 2, text, size, self.width - indent, weight=weight)
        self.y -= step

    def para(
        self,
        text: str,
        size: float,
        *,
        weight: float = _REGULAR,
        indent: float = 0.0,
        first: str = "",
        lead: float = 1.3,
    ) -> None:
        """Wrapped text; ``first`` (a bullet or a label) hangs in the indent of the first line."""
        m = self.page.m
        step = size * lead
        for i, part in enumerate(m.wrap(scrub_phones(text), size, self.width - indent) or [""]):
            self.need(step)
            base = baseline_for_middle(self.y - step / 2, size)
            if i == 0 and first:
                self.page.tw.draw(self.x0, base, first, size, weight=weight)
            self.page.tw.draw(self.x0 + indent, base, part, size, weight=weight)
            self.y -= step

    def heading(self, text: str) -> None:
        self.need(12 * MM)  # a heading never ends a page
        self.y -= 1.2 * MM
        self.page.rule(self.x0, self.x1, self.y)
        self.y -= 0.8 * MM
        self.line(text, 9.5, weight=_BOLD)

    def finish(self) -> None:
        self.page.finish()


def _slip_header(slip: SlipData) -> Callable[[_Flow, bool], None]:
    def header(flow: _Flow, continued: bool) -> None:
        page, x0, x1 = flow.page, flow.x0, flow.x1
        top = flow.y
        if continued:
            page.line(
                x0, top - 3 * MM, f"装箱单（续）  订单号 {slip.order_no}", 9, flow.width, weight=_MEDIUM
            )
            flow.y = top - 7 * MM
            return
        page.line(x0, top - 4 * MM, "装箱单", 15, flow.width * 0.4, weight=_BOLD)
        page.line(x1, top - 4 * MM, slip.shop_name, 9, flow.width * 0.58, align="right", weight=_MEDIUM)
        y = top - 9.5 * MM
        if _ascii(slip.order_no):
            draw_code128(flow.canvas, slip.order_no, x0, y - 11 * MM, flow.width, 11 * MM, quiet=6)
            y -= 11 * MM
        page.tw.draw(
            (x0 + x1) / 2, y - 3.4 * MM, f"订单号 {slip.order_no}", 9, weight=_MEDIUM, align="center"
        )
        flow.y = y - 5 * MM
        if slip.tracking_no:
            flow.line(f"面单号 {slip.tracking_no}  {slip.carrier_name}".strip(), 8.5)
        recipient = (
            f"收件人 {_masked_name(slip.recipient_name)} {_masked_phone(slip.recipient_phone)}  {slip.region}"
        )
        flow.line(recipient.strip(), 8.5)
        where = f"仓库 {slip.warehouse} · " if slip.warehouse else ""
        flow.line(f"{where}打印 {slip.printed_at}", 7.5)

    return header


def _draw_slip(page: _Page, slip: SlipData) -> None:
    flow = _Flow(page, _slip_header(slip))
    units = sum(q for q, _n, _c in slip.items)
    flow.heading(f"商品（{len(slip.items)} 种，共 {units} 件）")
    side = 3.2 * MM
    for qty, name, code in slip.items:
        size = 9.5
        flow.need(size * 1.4)
        mid = flow.y - size * 1.4 / 2
        flow.page.box(flow.x0, mid - side / 2, side, side)
        flow.page.line(flow.x0 + side + 1.5 * MM, mid, f"×{qty}", 10.5, 10 * MM, weight=_BOLD)
        code_w = min(flow.page.m.width(code, 7.5), flow.width * 0.3) if code else 0.0
        name_x = flow.x0 + side + 12 * MM
        flow.page.line(
            name_x, mid, name, size, flow.x1 - name_x - code_w - 2 * MM, weight=_MEDIUM, min_size=7
        )
        if code:
            flow.page.line(flow.x1, mid, code, 7.5, code_w, align="right")
        flow.y -= size * 1.4
    if slip.instructions:
        flow.heading("包装要求")
        for text in slip.instructions:
            flow.para(text, 8.5, indent=3 * MM, first="•")
    if slip.carton:
        flow.heading("纸箱")
        flow.para(slip.carton, 8.5)
    if slip.inserts:
        flow.heading("随箱物品")
        for kind, text in slip.inserts:
            flow.para(f"{kind}：{text}", 8.5, indent=3 * MM, first="•")
    note = (slip.buyer_note or "").strip()
    if note:
        flow.heading("买家留言")
        flow.para(note, 8.5)
    flow.finish()


def draw_packing_slips(slips: Sequence[SlipData]) -> bytes:
    """Packing slips, 100×150 mm, one or more pages per order."""
    if not slips:
        raise ValueError("no packing slips to render")
    buf = io.BytesIO()
    canvas, font = _canvas(buf, _SLIP, "fahuo packing slips")
    page = _Page(canvas, font)
    with binary_streams():
        for slip in slips:
            _draw_slip(page, slip)
        canvas.save()
    return buf.getvalue()


def render_packing_slips(
    *, orders: QuerySet[Order] | Iterable[Order] | None = None, batch: PrintBatch | None = None
) -> bytes:
    """Packing slips for orders (or a print batch's orders), as PDF bytes."""
    return draw_packing_slips(slip_data(orders=orders, batch=batch))
