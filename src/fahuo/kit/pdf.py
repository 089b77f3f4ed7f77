"""PDF building blocks shared by everything fahuo prints: the embedded CJK font, text fitting and
fast barcodes.

* Font: Noto Sans SC (SIL Open Font License 1.1) from the ``justmytype-intl-cjk`` package, embedded
  as a TrueType subset (``/FontFile2``) so a label prints the same on any machine. Never use
  reportlab's CID fonts (STSong-Light): they are not embedded and render differently per viewer.
  The package ships the *variable* font; reportlab reads its default instance, which is the Thin
  weight, so :class:`TextWriter` thickens glyphs with a fill+stroke text render mode (faux bold).
* Text: :class:`FontMetrics` measures, wraps, shrinks and truncates text without platypus.
* Barcodes: Code 128 and QR are each drawn as ONE filled path written with ``canvas.addLiteral``;
  drawing a path object per bar (or reportlab's barcode widgets) is an order of magnitude slower.

Everything here is pure (no Django).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import numpy as np
from reportlab import rl_config
from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.rl_accel import escapePDF
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

MM = 72.0 / 25.4
"""Points per millimetre."""
DOT_203 = 72.0 / 203.0
"""One dot of a 203 dpi thermal printer (the common label printer), in points."""

FONT_NAME = "NotoSansSC"
FONT_PACKAGE = "justmytype_intl_cjk"
FONT_RESOURCE = ("fonts", "ofl", "notosanssc", "NotoSansSC[wght].ttf")
FONT_LICENCE = "SIL Open Font License 1.1 (OFL.txt next to the font file)"

# Ideographs span -0.12 .. 0.88 em around the baseline in Noto Sans SC; the visual middle of a
# line of CJK or digits sits ~0.37 em above the baseline.
_MIDLINE_EM = 0.37


def fmt(value: float) -> str:
    """Compact number for PDF operators: 2 decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


# --- font ---------------------------------------------------------------------------------------


@contextmanager
def cjk_font_path() -> Iterator[Path]:
    """The Noto Sans SC file inside the installed font package (a real file for the block)."""
    resource = files(FONT_PACKAGE).joinpath(*FONT_RESOURCE)
    with as_file(resource) as path:
        yield Path(path)


@lru_cache(maxsize=1)
def register_cjk_font() -> str:
    """Register Noto Sans SC with reportlab once per process; returns the font name to use."""
    try:
        pdfmetrics.getFont(FONT_NAME)
    except KeyError:
        with cjk_font_path() as path:
            # TTFont reads the whole file here, so the path may vanish after the block.
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(path)))
    return FONT_NAME


@contextmanager
def binary_streams() -> Iterator[None]:
    """Build PDFs with plain Flate streams instead of reportlab's default ASCII85+Flate.

    ASCII85 only makes the file 25 % bigger and costs a pure-Python pass over every page
    (about a third of the render time of a label run). ``rl_config.useA85`` is process-global
    and read when the document is written, so wrap both drawing and ``canvas.save()``; a
    concurrent render that overlaps merely gets A85 streams, which are equally valid."""
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = previous


# --- text metrics ---------------------------------------------------------------------------------

# Wrap units: a run of printable ASCII stays together (numbers, latin words, "3-2-1201"); every
# other character (CJK) may break anywhere; whitespace collapses to one space.
_TOKEN = re.compile(r"[!-~]+|\s+|.", re.S)
ELLIPSIS = "…"
_SPACE_BREAK = 0.3  # a line may end early at a space if the moved tail is <= 30 % of the line


class FontMetrics:
    """Widths of one TTF font from its glyph table (1/1000 em), plus fitting helpers.

    reportlab applies no kerning, so a string's width is exactly the sum of its characters'.
    """

    __slots__ = ("_cw", "_dw", "_tok", "font_name")

    def __init__(self, font_name: str) -> None:
        face = pdfmetrics.getFont(font_name).face
        self.font_name = font_name
        self._cw: dict[int, float] = dict(face.charWidths)
        self._dw: float = float(face.defaultWidth or 1000)
        self._tok: dict[str, float] = {}

    def units(self, text: str) -> float:
        """Width in 1/1000 em (multiply by size / 1000 for points)."""
        cw, dw = self._cw, self._dw
        return sum([cw.get(ord(ch), dw) for ch in text])

    def width(self, text: str, size: float) -> float:
        return self.units(text) * size / 1000.0

    def _token_units(self, tok: str) -> float:
        w = self._tok.get(tok)
        if w is None:
            w = self.units(tok)
            if len(self._tok) < 50_000:
                self._tok[tok] = w
        return w

    def truncate(self, text: str, size: float, max_width: float) -> str:
        """``text`` if it fits, else the longest prefix that fits followed by an ellipsis."""
        limit = max_width * 1000.0 / size
        if self.units(text) <= limit:
            return text
        cw, dw = self._cw, self._dw
        limit -= cw.get(ord(ELLIPSIS), dw)
        acc = 0.0
        for i, ch in enumerate(text):
            acc += cw.get(ord(ch), dw)
            if acc > limit:
                return text[:i].rstrip() + ELLIPSIS
        return text  # pragma: no cover - unreachable (the whole text did not fit)

    def fit_line(self, text: str, max_width: float, size: float, min_size: float) -> tuple[str, float]:
        """One line: shrink from ``size`` down to ``min_size`` to fit, then truncate."""
        units = self.units(text)
        if units * size <= max_width * 1000.0:
            return text, size
        fitted = max_width * 1000.0 / units if units else size
        if fitted >= min_size:
            return text, max(_floor_quarter(fitted), min_size)
        return self.truncate(text, min_size, max_width), min_size

    def wrap(self, text: str, size: float, max_width: float) -> list[str]:
        """Greedy line breaking: CJK anywhere, ASCII runs kept whole unless longer than a line."""
        limit = max_width * 1000.0 / size
        lines: list[str] = []
        line = ""
        lw = 0.0
        space_w = self._token_units(" ")
        cut = -1  # index of the last space in ``line``; the width up to it is ``cut_w``
        cut_w = 0.0
        for tok in _TOKEN.findall(text):
            if tok.isspace():
                if not line:
                    continue
                tok = " "
            tw = self._token_units(tok)
            if lw + tw <= limit:
                if tok == " ":
                    cut, cut_w = len(line), lw
                line += tok
                lw += tw
                continue
            if tok == " ":
                lines.append(line)
                line, lw, cut = "", 0.0, -1
                continue
            if line and tw <= limit:
                tail = lw - cut_w - space_w
                if cut > 0 and tail <= _SPACE_BREAK * limit and tail + tw <= limit:
                    # break at the last space when that moves only a short tail (keeps
                    # "世纪大厦" together instead of splitting after "世")
                    lines.append(line[:cut])
                    line = line[cut + 1 :] + tok
                    lw = tail + tw
                else:
                    lines.append(line.rstrip())
                    line, lw = tok, tw
                cut = -1
                continue
            cut = -1
            cw, dw = self._cw, self._dw
            for ch in tok:  # a token longer than the line: break it per character
                w = cw.get(ord(ch), dw)
                if line and lw + w > limit:
                    lines.append(line.rstrip())
                    line, lw = "", 0.0
                line += ch
                lw += w
        if line.strip():
            lines.append(line.rstrip())
        return lines

    def fit_block(
        self,
        text: str,
        max_width: float,
        max_height: float,
        size: float,
        min_size: float,
        *,
        leading: float = 1.2,
        max_lines: int = 99,
    ) -> tuple[list[str], float]:
        """Wrap ``text`` into a box: the largest size (step 0.5 pt) whose lines fit, else the
        minimum size with the last line truncated. Returns (lines, size)."""
        s = size
        while True:
            n = max(1, min(max_lines, int(max_height / (s * leading) + 1e-6)))
            lines = self.wrap(text, s, max_width)
            if len(lines) <= n:
                return lines, s
            if s <= min_size:
                break
            # jump close to the size at which the text's area fits, then walk down
            ratio = (n / len(lines)) ** 0.5
            s = max(min_size, min(s - 0.5, _floor_quarter(s * ratio + 0.5)))
        kept = lines[:n]
        # the last kept line plus the start of what did not fit, cut with an ellipsis
        joiner = "" if kept[-1] and ord(kept[-1][-1]) > 0x7F else " "
        kept[-1] = self.truncate(kept[-1] + joiner + lines[n] + ELLIPSIS, s, max_width)
        return kept, s


def _floor_quarter(value: float) -> float:
    return int(value * 4) / 4.0


@lru_cache(maxsize=8)
def font_metrics(font_name: str) -> FontMetrics:
    return FontMetrics(font_name)


def baseline_for_middle(middle_y: float, size: float) -> float:
    """Baseline that centres one line of CJK/digits vertically on ``middle_y``."""
    return middle_y - _MIDLINE_EM * size


# --- text output ----------------------------------------------------------------------------------


class TextWriter:
    """Collects the text of one page and writes it as a few PDF text objects.

    Text is encoded with the TrueType font's own subset API (``splitString`` /
    ``getSubsetInternalName``, the documented route for dynamic fonts), which is several times
    faster than a ``PDFTextObject`` per string; encodings are cached per document.

    Every string passes through ``guard`` (e.g. a privacy scrubber) unless ``raw=True``.
    ``weight`` thickens glyphs: fill+stroke render mode with a stroke of ``weight * size`` points
    (0 = the font's own weight). Call :meth:`flush` once per page after its shapes, so that white
    text lands on top of black boxes.
    """

    __slots__ = ("_canvas", "_doc", "_enc", "_font", "_groups", "guard", "metrics")

    def __init__(self, canvas: Any, font_name: str, guard: Callable[[str], str] | None = None) -> None:
        self._canvas = canvas
        self._font = pdfmetrics.getFont(font_name)
        if not getattr(self._font, "_dynamicFont", False):
            raise TypeError(f"{font_name} is not a TrueType font")
        # The subset state of a TTFont is keyed by the canvas's PDFDocument.
        self._doc = canvas._doc
        self.metrics = font_metrics(font_name)
        self.guard = guard
        self._enc: dict[str, list[tuple[str, str]]] = {}
        # (stroke width, white) -> [operators, current Tf]
        self._groups: dict[tuple[float, bool], tuple[list[str], list[Any]]] = {}

    def _encode(self, text: str) -> list[tuple[str, str]]:
        enc = self._enc.get(text)
        if enc is None:
            font, doc = self._font, self._doc
            enc = [
                (font.getSubsetInternalName(subset, doc), escapePDF(chunk))
                for subset, chunk in font.splitString(text, doc)
            ]
            if len(self._enc) < 100_000:
                self._enc[text] = enc
        return enc

    def draw(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        *,
        weight: float = 0.0,
        align: str = "left",
        white: bool = False,
        raw: bool = False,
        spacing: float = 0.0,
    ) -> float:
        """Draw one line at baseline ``y``; ``x`` is the left, centre or right edge per ``align``.
        ``spacing``: extra points after every character (PDF ``Tc``), room for a faux-bold stroke.
        Returns the drawn width."""
        if not raw and self.guard is not None:
            text = self.guard(text)
        if not text:
            return 0.0
        width = self.metrics.width(text, size) + spacing * len(text) if align != "left" else 0.0
        if align == "center":
            x -= width / 2.0
        elif align == "right":
            x -= width
        key = (round(weight * size, 2), white)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = ([], [None, 0.0])
        ops, current = group
        ops.append(f"1 0 0 1 {fmt(x)} {fmt(y)} Tm")
        if current[1] != spacing:
            ops.append(f"{fmt(spacing)} Tc")
            current[1] = spacing
        size_s = fmt(size)
        for name, chunk in self._encode(text):
            tf = (name, size_s)
            if current[0] != tf:
                ops.append(f"{name} {size_s} Tf")
                current[0] = tf
            ops.append(f"({chunk}) Tj")
        return width

    def flush(self) -> None:
        """Write the collected text: one text object per (stroke, colour), each inside q/Q so
        colour, line width and render mode do not leak."""
        add = self._canvas.addLiteral
        for (stroke, white), (ops, _current) in self._groups.items():
            colour = "1 g 1 G" if white else "0 g 0 G"
            mode = f"{fmt(stroke)} w 2 Tr" if stroke > 0 else "0 Tr"
            add(f"q {colour} {mode} BT {' '.join(ops)} ET Q")
        self._groups.clear()


# --- Code 128 ------------------------------------------------------------------------------------

_C128_UNITS = {c: i + 1 for i, c in enumerate("ABCD")} | {c: i + 1 for i, c in enumerate("abcd")}


@lru_cache(maxsize=4096)
def code128_bars(value: str) -> tuple[tuple[tuple[int, int], ...], int]:
    """Bars of the Code 128 symbol for ``value`` (reportlab's encoder, which switches to code
    set C for digit runs) as ((offset, width) in modules, ...) and the symbol width in modules
    without quiet zones. ValueError for characters outside ASCII 0-127."""
    if not value or any(ord(ch) > 127 for ch in value):
        raise ValueError(f"Code 128 needs non-empty ASCII, got {value!r}")
    symbol = Code128(value)
    symbol.validate()
    symbol.encode()
    pattern = symbol.decompose()  # upper case = bar, lower case = space; A/a = 1 module ... D = 4
    bars: list[tuple[int, int]] = []
    pos = 0
    for ch in pattern:
        units = _C128_UNITS[ch]
        if ch.isupper():
            bars.append((pos, units))
        pos += units
    return tuple(bars), pos


def draw_code128(
    canvas: Any,
    value: str,
    x: float,
    y: float,
    width: float,
    height: float,
    *,
    quiet: int = 10,
    snap: float = DOT_203,
    min_module: float = 2 * DOT_203,
    max_module: float | None = None,
) -> tuple[float, float]:
    """Draw a Code 128 symbol centred in the box (x, y, width, height), bars as one filled path.

    The module width is the largest that fits the box with ``quiet`` modules of quiet zone each
    side, rounded down to whole printer dots (``snap``) when that keeps it >= ``min_module``, so
    every bar prints with the same number of dots; ``max_module`` caps it (short numbers would
    otherwise get very wide bars). Returns (left x of the bars, module width)."""
    bars, modules = code128_bars(value)
    module = width / (modules + 2 * quiet)
    if max_module is not None:
        module = min(module, max_module)
    if snap > 0:
        snapped = int(module / snap + 1e-6) * snap
        if snapped >= min_module:
            module = snapped
    left = x + (width - modules * module) / 2.0
    if snap > 0:
        left = round(left / snap) * snap
    # Bars in module units inside a scaled coordinate system: one path, one fill.
    ops = " ".join([f"{o} 0 {w} 1 re" for o, w in bars])
    canvas.addLiteral(f"q 0 g {fmt(module)} 0 0 {fmt(height)} {fmt(left)} {fmt(y)} cm {ops} f Q")
    return left, module


# --- QR code -------------------------------------------------------------------------------------

_ECL = {
    "L": qrencoder.QRErrorCorrectLevel.L,
    "M": qrencoder.QRErrorCorrectLevel.M,
    "Q": qrencoder.QRErrorCorrectLevel.Q,
    "H": qrencoder.QRErrorCorrectLevel.H,
}
_EXP = qrencoder.EXP_TABLE
_LOG = qrencoder.LOG_TABLE


@lru_cache(maxsize=64)
def _rs_generator_logs(ec_count: int) -> tuple[int, ...]:
    poly = qrencoder.QRUtil.getErrorCorrectPolynomial(ec_count)
    coeffs = [poly.get(i) for i in range(poly.getLength())]
    return tuple(_LOG[c] for c in coeffs[1:])


def _rs_remainder(data: list[int], ec_count: int) -> list[int]:
    glog = _rs_generator_logs(ec_count)
    exp = _EXP
    log = _LOG
    rem = [0] * ec_count
    for byte in data:
        factor = byte ^ rem[0]
        del rem[0]
        rem.append(0)
        if factor:
            lf = log[factor]
            for i, g in enumerate(glog):
                rem[i] ^= exp[(lf + g) % 255]
    return rem


def _qr_codewords(version: int, ecl: int, data_list: list[Any]) -> list[int]:
    """Same bytes as ``qrencoder.QRCode.createData`` with a table-driven Reed-Solomon step
    (reportlab's polynomial objects cost ~1 ms per code)."""
    blocks = qrencoder.QRRSBlock.getRSBlocks(version, ecl)
    buffer = qrencoder.QRBitBuffer()
    for data in data_list:
        data.write(buffer, version)
    capacity = sum(b.dataCount for b in blocks) * 8
    if buffer.getLengthInBits() > capacity:
        raise ValueError("QR payload too long")
    if buffer.getLengthInBits() + 4 <= capacity:
        buffer.put(0, 4)
    while buffer.getLengthInBits() % 8:
        buffer.putBit(False)
    raw = list(buffer.buffer)
    pad = (qrencoder.QRCode.PAD0, qrencoder.QRCode.PAD1)
    i = 0
    while len(raw) * 8 < capacity:
        raw.append(pad[i % 2])
        i += 1
    dc: list[list[int]] = []
    ec: list[list[int]] = []
    offset = 0
    for block in blocks:
        chunk = raw[offset : offset + block.dataCount]
        offset += block.dataCount
        dc.append(chunk)
        ec.append(_rs_remainder(chunk, block.totalCount - block.dataCount))
    out: list[int] = []
    for group in (dc, ec):
        for i in range(max(len(g) for g in group)):
            out.extend(g[i] for g in group if i < len(g))
    return out


@lru_cache(maxsize=32)
def _qr_templates(version: int, ecl: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per mask: the symbol with all-zero data (function patterns, format info, mask bits), and
    the (rows, cols) of the data modules in placement order. XOR-ing the data bits in at those
    positions gives exactly what ``QRCode.makeImpl`` builds."""
    total = sum(b.totalCount for b in qrencoder.QRRSBlock.getRSBlocks(version, ecl))
    mats = []
    q = qrencoder.QRCode(version, ecl)
    for mask in range(8):
        q = qrencoder.QRCode(version, ecl)
        q.dataCache = [0] * total
        q.makeImpl(False, mask)
        mats.append(q.modules)
    pos = q.dataPosIterator()
    cols = np.fromiter((c for c, _r in pos), dtype=np.intp, count=len(pos))
    rows = np.fromiter((r for _c, r in pos), dtype=np.intp, count=len(pos))
    return np.array(mats, dtype=bool), rows, cols


_FINDER_L = 0b00001011101  # 4 light, then dark:light:dark*3:light:dark
_FINDER_R = 0b10111010000


def _mask_penalties(mats: np.ndarray) -> list[int]:
    """ISO/IEC 18004 mask penalties N1..N4 of each candidate symbol in ``mats`` (k, n, n),
    vectorised over all candidates (the area outside the symbol counts as light for N3)."""
    k, n, _ = mats.shape
    m8 = mats.astype(np.int8)
    both = np.concatenate([m8, m8.transpose(0, 2, 1)], axis=1)  # (k, 2n, n): rows then columns
    # N1: runs of >= 5 same-coloured modules in a line score 3 + (run - 5).
    lines = np.full((k, 2 * n, n + 1), 2, dtype=np.int8)  # sentinel column ends every line
    lines[:, :, :n] = both
    flat = lines.reshape(-1)
    starts = np.concatenate(([0], np.flatnonzero(flat[1:] != flat[:-1]) + 1))
    lengths = np.diff(np.append(starts, flat.size))
    keep = (flat[starts] != 2) & (lengths >= 5)
    owner = starts[keep] // (2 * n * (n + 1))
    n1 = np.bincount(owner, weights=lengths[keep] - 2, minlength=k)
    # N2: each 2x2 block of one colour scores 3.
    a = mats[:, :-1, :-1]
    same = (a == mats[:, 1:, :-1]) & (a == mats[:, :-1, 1:]) & (a == mats[:, 1:, 1:])
    n2 = 3 * same.sum(axis=(1, 2))
    # N3: 1:1:3:1:1 finder-like pattern with 4 light modules on one side scores 40.
    padded = np.zeros((k, 2 * n, n + 8), dtype=np.int16)
    padded[:, :, 4 : n + 4] = both
    code = np.zeros((k, 2 * n, n - 2), dtype=np.int16)  # 11-module windows as 11-bit numbers
    for i in range(11):
        code <<= 1
        code |= padded[:, :, i : i + n - 2]
    n3 = 40 * ((code == _FINDER_L) | (code == _FINDER_R)).sum(axis=(1, 2))
    # N4: 10 points per 5 % of dark-module deviation from 50 %.
    dark = mats.sum(axis=(1, 2))
    n4 = 10 * (np.abs(dark * 100 / (n * n) - 50) // 5)
    return [int(v) for v in n1 + n2 + n3 + n4]


@lru_cache(maxsize=1024)
def qr_matrix(payload: str, level: str = "M", mask: int | None = None) -> tuple[tuple[bool, ...], ...]:
    """QR module matrix (rows, True = dark) for ``payload``: smallest version, reportlab's data
    encoding, and the mask with the lowest ISO penalty (or ``mask`` if given)."""
    ecl = _ECL[level]
    q = qrencoder.QRCode(None, ecl)
    q.addData(payload)
    version = q.calculate_version()
    codewords = _qr_codewords(version, ecl, q.dataList)
    templates, rows, cols = _qr_templates(version, ecl)
    bits = np.unpackbits(np.array(codewords, dtype=np.uint8)).astype(bool)
    bits = bits[: len(rows)]
    mats = templates.copy()
    mats[:, rows[: len(bits)], cols[: len(bits)]] ^= bits
    if mask is None:
        scores = _mask_penalties(mats)
        mask = scores.index(min(scores))
    return tuple(map(tuple, mats[mask].tolist()))


def qr_ops(matrix: tuple[tuple[bool, ...], ...]) -> str:
    """``re`` operators (module units, origin bottom-left) for the dark modules; horizontal runs
    merged into one rectangle each."""
    n = len(matrix)
    parts: list[str] = []
    for r, row in enumerate(matrix):
        y = n - 1 - r
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                parts.append(f"{start} {y} {c - start} 1 re")
            else:
                c += 1
    return " ".join(parts)


@lru_cache(maxsize=1024)
def _qr_ops_for(payload: str, level: str) -> tuple[str, int]:
    matrix = qr_matrix(payload, level)
    return qr_ops(matrix), len(matrix)


def draw_qr(
    canvas: Any, payload: str, x: float, y: float, size: float, *, quiet: int = 4, level: str = "M"
) -> float:
    """Draw a QR code in the square (x, y, size) including ``quiet`` modules of margin; all dark
    modules are one filled path. Returns the module size."""
    ops, n = _qr_ops_for(payload, level)
    module = size / (n + 2 * quiet)
    ox = x + quiet * module
    oy = y + quiet * module
    canvas.addLiteral(f"q 0 g {fmt(module)} 0 0 {fmt(module)} {fmt(ox)} {fmt(oy)} cm {ops} f Q")
    return module
