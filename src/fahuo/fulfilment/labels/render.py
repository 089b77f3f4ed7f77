"""Privacy e-waybill labels (隐私面单): one PDF, one page per parcel, 100×180 or 76×130 mm.

Pure rendering — no Django models, no settings. The layout follows a Chinese one-part thermal
e-waybill: header (carrier, service, privacy badge), 大头笔 big, the waybill Code 128 with its
number, the 三段码 sort code, recipient (收) and sender (寄) blocks; below a perforation the stub
with a small barcode, goods summary, order number, parcel i/n, weight, print time and a QR code.

Privacy: the recipient's name and phone and the sender's phone are always masked (the renderer
masks again, whatever it is given); the street address is printed in full because the courier
delivers to it. Every human-readable string except the waybill number itself goes through
:func:`scrub_phones` before it is drawn, so no full 11-digit mobile number can reach the PDF even
when one hides in the goods summary or an address.
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import IO, Any

from reportlab.pdfgen.canvas import Canvas

from fahuo.kit.pdf import (
    DOT_203,
    MM,
    FontMetrics,
    TextWriter,
    baseline_for_middle,
    binary_streams,
    draw_code128,
    draw_qr,
    fmt,
    font_metrics,
    register_cjk_font,
)
from fahuo.kit.privacy import FULLWIDTH, mask_name, mask_phone, scrub

__all__ = ["SIZES", "LabelData", "render_labels", "render_labels_to", "scrub_phones"]


@dataclass(frozen=True, slots=True)
class LabelData:
    tracking_no: str  # waybill number (Code 128)
    carrier_name: str  # e.g. 中通快递
    service_name: str  # e.g. 标准快递
    sort_code: str  # 三段码, e.g. "310-A12 07"
    mark_destination: str  # 大头笔 text, e.g. "杭州转 临平"
    recipient_name: str  # raw or masked — always masked again
    recipient_phone: str
    recipient_region: str  # "浙江省 杭州市 临平区"
    recipient_detail: str  # street detail, printed in full (the courier delivers to it)
    sender_name: str
    sender_phone: str
    sender_address: str
    order_no: str
    sku_summary: str  # e.g. "面膜10片装×2; 牛轧糖×1"
    parcel_index: int = 1
    parcel_count: int = 1
    weight_g: int | None = None
    printed_at: str = ""  # already formatted, Asia/Shanghai
    privacy: bool = True  # prints the 隐私面单 badge; phones are masked either way
    qr_payload: str = ""  # optional; falls back to tracking_no


# --- privacy guard --------------------------------------------------------------------------------

_MASKED_MOBILE = re.compile(r"1[3-9][0-9]\*{4}[0-9]{4}")
_PHONE_EXT = re.compile(
    r"^\s*(?:\+?86[\s.\-]?)?(1[3-9][0-9][\s.\-]?[0-9]{4}[\s.\-]?[0-9]{4})\s*(?:[-—_,，#转]|ext\.?)\s*([0-9]{1,6})\s*$",
    re.I,
)


# The last guard before any string is drawn on a label: kit.privacy's one phone scrubber.
scrub_phones = scrub


def _mask_phone_field(phone: str) -> str:
    """A phone field for the label: already-masked numbers stay as they are, a virtual number
    with an extension (隐私号 13800138000-1234) keeps its extension, anything else is masked."""
    phone = (phone or "").translate(FULLWIDTH).strip()
    if not phone:
        return ""
    if _MASKED_MOBILE.fullmatch(phone):
        return phone
    ext = _PHONE_EXT.match(phone)
    if ext:
        return f"{mask_phone(ext[1])}转{ext[2]}"
    return mask_phone(phone)


def _mask_name_field(name: str) -> str:
    """张三 -> 张*; kit.privacy caps the stars, so the mask hints at nothing and fits the line."""
    return mask_name(scrub(name or ""))


# --- geometry -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Spec:
    """One label size: millimetres for geometry, points for fonts (scaled by ``k``)."""

    width: float
    height: float
    inset: float  # frame distance from the paper edge
    pad: float  # inner padding of text in a cell
    rows: tuple[float, float, float, float, float, float]  # header, mark, barcode, sort, recv, send
    gap: float  # between main part and stub (the perforation sits in the middle)
    bar_h: float  # main barcode bar height
    stub_row: float  # stub top row: the small barcode across the full width
    stub_bar_h: float
    qr: float  # QR square incl. its quiet zone
    right_col: float  # stub right column (QR, parcels, weight)
    tag: float  # side of the black 收 square
    k: float  # font scale


_SPECS = {
    "100x180": _Spec(100, 180, 1.5, 2.0, (12, 17, 26, 12, 29, 17), 3.0, 18, 16, 9, 26, 30, 7.5, 1.0),
    "76x130": _Spec(76, 130, 1.0, 1.5, (9, 12.5, 19.5, 9, 22, 13), 2.4, 13, 11.5, 6.5, 18, 21, 5.5, 0.74),
}
SIZES = tuple(_SPECS)

# Faux-bold stroke, as a fraction of the font size (the embedded default instance is Thin).
_REGULAR = 0.045
_MEDIUM = 0.06
_BOLD = 0.085


@dataclass(frozen=True, slots=True)
class _Party:
    """Style of a 收/寄 block (points)."""

    tag_side: float  # black square with the white 收/寄
    tag_font: float
    head: float  # name + phone line: max / min size
    head_min: float
    addr: float  # wrapped address: max / min size
    addr_min: float
    addr_weight: float


@dataclass(frozen=True, slots=True)
class _Geo:
    """Everything position-related for one size, in points (origin bottom-left)."""

    w: float
    h: float
    x0: float  # frame left / right
    x1: float
    pad: float
    ys: tuple[float, ...]  # section borders from the top: top, after header, mark, ... send
    cut_y: float
    stub_top: float
    stub_mid: float  # bottom of the stub's barcode row
    stub_bottom: float
    bar_h: float
    stub_bar_h: float
    qr: float
    right_col: float
    # fonts (pt)
    f_carrier: float
    f_service: float
    f_badge: float
    f_mark: float
    f_mark_min: float
    f_track: float
    f_sort: float
    f_sort_min: float
    recv: _Party
    send: _Party
    f_stub_track: float
    f_stub: float
    f_stub_min: float
    f_goods: float
    f_parcel: float
    # static widths (cached per size)
    badge_w: float
    frame_ops: str  # frame and section rules: one stroked path
    cut_ops: str  # dashed perforation


@lru_cache(maxsize=4)
def _geometry(size: str) -> _Geo:
    try:
        s = _SPECS[size]
    except KeyError:
        raise ValueError(f"unsupported label size {size!r}; use one of {', '.join(SIZES)}") from None
    metrics = font_metrics(register_cjk_font())
    w, h = s.width * MM, s.height * MM
    x0, x1 = s.inset * MM, (s.width - s.inset) * MM
    ys = [h - s.inset * MM]
    for row in s.rows:
        ys.append(ys[-1] - row * MM)
    main_bottom = ys[-1]
    stub_top = main_bottom - s.gap * MM
    stub_bottom = s.inset * MM
    cut_y = main_bottom - s.gap * MM / 2
    k = s.k
    f_badge = 10 * k
    badge_w = metrics.width("隐私面单", f_badge) + 2 * 1.6 * MM * k
    frame = [
        f"{fmt(x0)} {fmt(main_bottom)} {fmt(x1 - x0)} {fmt(ys[0] - main_bottom)} re",
        f"{fmt(x0)} {fmt(stub_bottom)} {fmt(x1 - x0)} {fmt(stub_top - stub_bottom)} re",
    ]
    for y in ys[1:-1]:
        frame.append(f"{fmt(x0)} {fmt(y)} m {fmt(x1)} {fmt(y)} l")
    # stub: rule under the barcode row, vertical rule left of the QR column
    stub_mid = stub_top - s.stub_row * MM
    xr = x1 - s.right_col * MM
    frame.append(f"{fmt(x0)} {fmt(stub_mid)} m {fmt(x1)} {fmt(stub_mid)} l")
    frame.append(f"{fmt(xr)} {fmt(stub_bottom)} m {fmt(xr)} {fmt(stub_mid)} l")
    frame_ops = "q 0 G 0.8 w " + " ".join(frame) + " S Q"
    cut_ops = f"q 0 G 0.5 w [2.5 2] 0 d 0 {fmt(cut_y)} m {fmt(w)} {fmt(cut_y)} l S Q"
    return _Geo(
        w=w,
        h=h,
        x0=x0,
        x1=x1,
        pad=s.pad * MM,
        ys=tuple(ys),
        cut_y=cut_y,
        stub_top=stub_top,
        stub_mid=stub_mid,
        stub_bottom=stub_bottom,
        bar_h=s.bar_h * MM,
        stub_bar_h=s.stub_bar_h * MM,
        qr=s.qr * MM,
        right_col=s.right_col * MM,
        f_carrier=18 * k,
        f_service=10.5 * k,
        f_badge=f_badge,
        f_mark=30 * k,
        f_mark_min=12 * k,
        f_track=12 * k,
        f_sort=26 * k,
        f_sort_min=12 * k,
        recv=_Party(s.tag * MM, 15 * k, 13.5 * k, 8 * k, 12 * k, 6.5 * k, _MEDIUM),
        send=_Party(s.tag * 0.75 * MM, 11 * k, 9 * k, 6 * k, 8.5 * k, 5.5 * k, _MEDIUM),
        f_stub_track=8 * k,
        f_stub=8.5 * k,
        f_stub_min=5.5 * k,
        f_goods=10 * k,
        f_parcel=12 * k,
        badge_w=badge_w,
        frame_ops=frame_ops,
        cut_ops=cut_ops,
    )


# --- drawing --------------------------------------------------------------------------------------


def _weight_text(weight_g: int | None) -> str:
    if weight_g is None or weight_g <= 0:
        return ""
    return f"{weight_g / 1000:.2f}kg"


def _check_tracking(tracking_no: str) -> str:
    value = (tracking_no or "").strip()
    if not value or any(not (32 < ord(ch) < 127) for ch in value):
        raise ValueError(f"tracking_no must be printable ASCII without spaces, got {tracking_no!r}")
    return value


def _line(
    tw: TextWriter,
    m: FontMetrics,
    text: str,
    x: float,
    mid_y: float,
    width: float,
    size: float,
    min_size: float,
    *,
    weight: float = _REGULAR,
    align: str = "left",
    white: bool = False,
) -> float:
    """Fit one line into ``width`` (shrink, then truncate) and draw it centred on ``mid_y``."""
    text = scrub_phones(text)  # guard before measuring, so what is fitted is what is drawn
    fitted, s = m.fit_line(text, width, size, min_size)
    tw.draw(x, baseline_for_middle(mid_y, s), fitted, s, weight=weight, align=align, white=white)
    return s


_CJK = re.compile(r"[\u3400-\u9fff]")


def _big_line(
    tw: TextWriter,
    m: FontMetrics,
    text: str,
    x: float,
    mid_y: float,
    width: float,
    size: float,
    min_size: float,
) -> float:
    """The big sort line, centred: faux-bold glyphs grow by their stroke, so every character gets
    the stroke as spacing and the fit counts it (else "(鲁-4)" runs together when shrunk); dense
    Chinese glyphs get a lighter stroke so they do not fill in."""
    text = scrub_phones(text)
    weight = _MEDIUM if _CJK.search(text) else _BOLD
    n = len(text)
    per_point = m.units(text) / 1000.0 + n * weight  # width per point of font size, with spacing
    s = min(size, width / per_point) if per_point else size
    if s < min_size:
        s = min_size
        text = m.truncate(text, s, width - n * weight * s)
        n = len(text)
    else:
        s = math.floor(s * 4) / 4
    tw.draw(x, baseline_for_middle(mid_y, s), text, s, weight=weight, align="center", spacing=weight * s)
    return s


def _block(
    tw: TextWriter,
    m: FontMetrics,
    text: str,
    x: float,
    top: float,
    width: float,
    height: float,
    size: float,
    min_size: float,
    *,
    weight: float = _REGULAR,
    leading: float = 1.22,
) -> float:
    """Wrap ``text`` into the box whose top-left is (x, top); returns the y below the text."""
    text = scrub_phones(text)
    lines, s = m.fit_block(text, width, height, size, min_size, leading=leading)
    step = s * leading
    y = top - step + (step - s) / 2 + 0.12 * s  # baseline of line 1: descent inside the box
    for line in lines:
        tw.draw(x, y, line, s, weight=weight)
        y -= step
    return top - step * len(lines)


def _draw_label(canvas: Any, tw: TextWriter, g: _Geo, lab: LabelData) -> None:
    tracking = _check_tracking(lab.tracking_no)
    fills: list[str] = []  # black boxes, one filled path

    canvas.addLiteral(g.frame_ops)
    canvas.addLiteral(g.cut_ops)
    _draw_header(canvas, tw, g, lab, fills)
    _draw_body(canvas, tw, g, lab, fills, tracking)
    _draw_stub(canvas, tw, g, lab, tracking)
    if fills:
        canvas.addLiteral("q 0 g " + " ".join(fills) + " f Q")
    tw.flush()


def _draw_header(canvas: Any, tw: TextWriter, g: _Geo, lab: LabelData, fills: list[str]) -> None:
    m, ys, x0, x1, pad = tw.metrics, g.ys, g.x0, g.x1, g.pad
    # header: carrier | service | 隐私面单
    mid = (ys[0] + ys[1]) / 2
    right = x1 - pad
    if lab.privacy:
        bh = g.f_badge * 1.7
        fills.append(f"{fmt(right - g.badge_w)} {fmt(mid - bh / 2)} {fmt(g.badge_w)} {fmt(bh)} re")
        tw.draw(
            right - g.badge_w / 2,
            baseline_for_middle(mid, g.f_badge),
            "隐私面单",
            g.f_badge,
            weight=_BOLD,
            align="center",
            white=True,
        )
        right -= g.badge_w + 1.5 * MM
    service = scrub_phones(lab.service_name.strip())
    if service:
        text, s = m.fit_line(service, (right - x0) * 0.45, g.f_service, g.f_service * 0.7)
        sw = m.width(text, s) + 2 * 1.5 * MM
        bh = g.f_service * 1.7
        canvas.addLiteral(f"q 0 G 0.8 w {fmt(right - sw)} {fmt(mid - bh / 2)} {fmt(sw)} {fmt(bh)} re S Q")
        tw.draw(right - sw / 2, baseline_for_middle(mid, s), text, s, weight=_BOLD, align="center")
        right -= sw + 1.5 * MM
    _line(
        tw, m, lab.carrier_name, x0 + pad, mid, right - x0 - pad, g.f_carrier, g.f_carrier * 0.6, weight=_BOLD
    )


def _draw_body(canvas: Any, tw: TextWriter, g: _Geo, lab: LabelData, fills: list[str], tracking: str) -> None:
    """大头笔, the waybill barcode and number, 三段码, and the 收 / 寄 blocks."""
    m, ys, x0, x1, pad = tw.metrics, g.ys, g.x0, g.x1, g.pad
    inner_w = x1 - x0 - 2 * pad
    # 大头笔
    mid = (ys[1] + ys[2]) / 2
    _line(
        tw,
        m,
        lab.mark_destination,
        (x0 + x1) / 2,
        mid,
        inner_w,
        g.f_mark,
        g.f_mark_min,
        weight=_BOLD,
        align="center",
    )

    # waybill barcode + number
    top, bottom = ys[2], ys[3]
    text_h = g.f_track * 1.25
    free = top - bottom - g.bar_h - text_h
    bar_y = bottom + text_h + free * 0.55
    draw_code128(canvas, tracking, x0 + pad, bar_y, inner_w, g.bar_h)
    fitted, s = m.fit_line(tracking, inner_w, g.f_track, g.f_track * 0.6)
    tw.draw((x0 + x1) / 2, bar_y - 0.95 * s, fitted, s, weight=_REGULAR, align="center", raw=True)

    # 三段码
    mid = (ys[3] + ys[4]) / 2
    parcels = f"{lab.parcel_index}/{lab.parcel_count}" if lab.parcel_count > 1 else ""
    pw = m.width(parcels, g.f_parcel) + pad if parcels else 0.0
    if parcels:
        tw.draw(
            x1 - pad, baseline_for_middle(mid, g.f_parcel), parcels, g.f_parcel, weight=_BOLD, align="right"
        )
    _big_line(tw, m, lab.sort_code, (x0 + x1) / 2, mid, inner_w - 2 * pw, g.f_sort, g.f_sort_min)

    # 收 / 寄 blocks
    recipient = f"{_mask_name_field(lab.recipient_name)}  {_mask_phone_field(lab.recipient_phone)}"
    address = f"{lab.recipient_region.strip()} {lab.recipient_detail.strip()}".strip()
    _party(tw, g, fills, g.recv, "收", ys[4], ys[5], recipient, address)
    sender = f"{lab.sender_name.strip()}  {_mask_phone_field(lab.sender_phone)}"
    _party(tw, g, fills, g.send, "寄", ys[5], ys[6], sender, lab.sender_address.strip())


def _draw_stub(canvas: Any, tw: TextWriter, g: _Geo, lab: LabelData, tracking: str) -> None:
    """The tear-off stub: small barcode, QR, parcels and weight, goods, order number, print time."""
    m, x0, x1, pad = tw.metrics, g.x0, g.x1, g.pad
    inner_w = x1 - x0 - 2 * pad
    # --- stub ---
    # top row: small barcode across the full width (long alphanumeric numbers stay >= 2 dots)
    top, mid_y, bottom = g.stub_top, g.stub_mid, g.stub_bottom
    lx = x0 + pad
    fitted, s = m.fit_line(tracking, inner_w, g.f_stub_track, g.f_stub_track * 0.7)
    text_h = 1.25 * s
    bar_y = mid_y + text_h + (top - mid_y - g.stub_bar_h - text_h) * 0.55
    draw_code128(canvas, tracking, lx, bar_y, inner_w, g.stub_bar_h, quiet=6, max_module=3 * DOT_203)
    tw.draw((x0 + x1) / 2, bar_y - 0.95 * s, fitted, s, weight=_REGULAR, align="center", raw=True)

    # right column: QR, parcels, weight
    xr = x1 - g.right_col
    qr_side = min(g.qr, g.right_col - pad)
    qx = xr + (g.right_col - qr_side) / 2
    qy = mid_y - pad * 0.5 - qr_side
    payload = lab.qr_payload.strip()
    payload = scrub_phones(payload) if payload and payload != tracking else tracking
    draw_qr(canvas, payload, qx, qy, qr_side)
    cx = (xr + x1) / 2
    y = qy - g.f_parcel * 1.1
    tw.draw(cx, y, f"{lab.parcel_index}/{lab.parcel_count} 件", g.f_parcel, weight=_BOLD, align="center")
    weight = _weight_text(lab.weight_g)
    if weight:
        y -= g.f_stub * 1.45
        tw.draw(cx, y, weight, g.f_stub, weight=_REGULAR, align="center")

    # left column: goods, order no, print time
    left_w = xr - x0 - 2 * pad
    goods_top = mid_y - pad * 0.6
    info = [f"订单号：{lab.order_no.strip()}"]
    if lab.printed_at:
        info.append(f"打印：{lab.printed_at.strip()}")
    step = g.f_stub * 1.3
    info_top = bottom + pad * 0.6 + step * len(info)
    _block(
        tw,
        m,
        f"物品：{lab.sku_summary.strip()}",
        lx,
        goods_top,
        left_w,
        goods_top - info_top,
        g.f_goods,
        g.f_stub_min,
    )
    y = info_top
    for text in info:
        y -= step
        _line(tw, m, text, lx, y + step / 2, left_w, g.f_stub, g.f_stub_min)


def _party(
    tw: TextWriter,
    g: _Geo,
    fills: list[str],
    style: _Party,
    tag: str,
    top: float,
    bottom: float,
    headline: str,
    address: str,
) -> None:
    """A 收/寄 block between ``top`` and ``bottom``: black tag square, name + phone line, and the
    address wrapped into the rest."""
    m = tw.metrics
    pad = g.pad
    side = style.tag_side
    tx = g.x0 + pad * 0.75
    ty = top - pad * 0.75 - side
    fills.append(f"{fmt(tx)} {fmt(ty)} {fmt(side)} {fmt(side)} re")
    tw.draw(
        tx + side / 2,
        baseline_for_middle(ty + side / 2, style.tag_font),
        tag,
        style.tag_font,
        weight=_BOLD,
        align="center",
        white=True,
    )
    x = tx + side + pad * 0.9
    width = g.x1 - pad - x
    head_mid = top - pad * 0.75 - side / 2
    s = _line(tw, m, headline, x, head_mid, width, style.head, style.head_min, weight=_BOLD)
    addr_top = head_mid - 0.62 * s - pad * 0.35
    height = addr_top - bottom - pad * 0.5
    _block(tw, m, address, x, addr_top, width, height, style.addr, style.addr_min, weight=style.addr_weight)


# --- public API -----------------------------------------------------------------------------------


def _render(target: Any, labels: Sequence[LabelData], size: str) -> int:
    g = _geometry(size)  # ValueError for an unknown size, before anything is written
    if not labels:
        raise ValueError("no labels to render")
    for lab in labels:  # fail before drawing (or creating the file) rather than halfway
        _check_tracking(lab.tracking_no)
    font = register_cjk_font()
    canvas = Canvas(
        target,
        pagesize=(g.w, g.h),
        pageCompression=1,
        invariant=1,
        initialFontName=font,
        initialFontSize=10,
    )
    canvas.setTitle("fahuo e-waybills")
    canvas.setCreator("fahuo")
    tw = TextWriter(canvas, font, guard=scrub_phones)
    with binary_streams():
        count = 0
        for lab in labels:
            _draw_label(canvas, tw, g, lab)
            canvas.showPage()
            count += 1
        canvas.save()
    return count


def render_labels(labels: Sequence[LabelData], *, size: str = "100x180") -> bytes:
    """One PDF with one page per label; ``size`` is "100x180" or "76x130" (mm)."""
    buf = io.BytesIO()
    _render(buf, labels, size)
    return buf.getvalue()


def render_labels_to(
    path_or_file: str | os.PathLike[str] | IO[bytes], labels: Sequence[LabelData], *, size: str = "100x180"
) -> int:
    """Write the PDF to a path or a binary file object; returns the page count."""
    target: Any = os.fspath(path_or_file) if isinstance(path_or_file, str | os.PathLike) else path_or_file
    return _render(target, labels, size)
