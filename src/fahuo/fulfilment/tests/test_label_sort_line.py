"""The big sort line keeps its glyphs apart however much it is shrunk (issue #15, item 11).

Faux-bold glyphs grow by their stroke on every side; the gap between two neighbours' outlines
must leave room for both halves of the stroke, or "(鲁-4)" runs together on the label.
"""

from __future__ import annotations

import itertools

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from fahuo.fulfilment.labels.render import SIZES, render_labels
from fahuo.fulfilment.tests.test_labels import make_label

BOLD_STROKE = 0.085  # the heaviest faux-bold stroke on a label, as a fraction of the font size


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("sort_code", ["371-B08 12 (鲁-4)", "乌鲁木齐市天山区 830-C33-07 (新-12)"])
def test_sort_line_glyphs_do_not_touch(size: str, sort_code: str) -> None:
    doc = pdfium.PdfDocument(render_labels([make_label(sort_code=sort_code)], size=size))
    try:
        page = doc[0]
        text = page.get_textpage()
        whole = text.get_text_range()
        start = whole.index(sort_code.split(" ")[0])
        boxes = []
        for i in range(start, start + len(sort_code)):
            if whole[i].isspace():
                continue
            left, _bottom, right, _top = text.get_charbox(i)
            boxes.append((whole[i], left, right, pdfium_c.FPDFText_GetFontSize(text.raw, i)))
        for (a, _l, a_right, font), (b, b_left, _r, _f) in itertools.pairwise(boxes):
            gap = b_left - a_right
            assert gap >= BOLD_STROKE * font, (a, b, round(gap, 2), round(font, 2))
    finally:
        doc.close()
