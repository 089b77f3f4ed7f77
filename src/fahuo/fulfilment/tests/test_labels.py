"""Privacy e-waybill rendering: barcodes scan, privacy holds, CJK is embedded, nothing overflows.

Pure tests — no Django settings needed (run with ``-p no:django`` until settings exist).
"""

from __future__ import annotations

import io
import re
import string

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportlab.graphics.barcode import qrencoder

from fahuo.fulfilment.labels.render import (
    SIZES,
    LabelData,
    _mask_phone_field,
    render_labels,
    render_labels_to,
    scrub_phones,
)
from fahuo.kit.pdf import MM, FontMetrics, code128_bars, font_metrics, qr_matrix, register_cjk_font

PHONE = "13812345678"
SENDER_PHONE = "15900001111"
PAGE_MM = {"100x180": (100, 180), "76x130": (76, 130)}


def make_label(**over: object) -> LabelData:
    base: dict[str, object] = {
        "tracking_no": "73100012345678",
        "carrier_name": "中通快递",
        "service_name": "标准快递",
        "sort_code": "310-A12 07",
        "mark_destination": "杭州转 临平",
        "recipient_name": "张三",
        "recipient_phone": PHONE,
        "recipient_region": "浙江省 杭州市 临平区",
        "recipient_detail": "南苑街道 人民大道 1号 世纪大厦 A座 1203室",
        "sender_name": "小鹿严选旗舰店",
        "sender_phone": SENDER_PHONE,
        "sender_address": "广东省 广州市 白云区 太和镇 大源北路 88号",
        "order_no": "4012345678901234567",
        "sku_summary": "面膜10片装×2; 牛轧糖×1",
        "parcel_index": 1,
        "parcel_count": 2,
        "weight_g": 1250,
        "printed_at": "2025-06-18 14:32",
    }
    base.update(over)
    return LabelData(**base)  # type: ignore[arg-type]


def pages(pdf: bytes) -> pdfium.PdfDocument:
    return pdfium.PdfDocument(pdf)


def page_text(pdf: bytes, index: int = 0) -> str:
    doc = pages(pdf)
    try:
        page = doc[index]
        return page.get_textpage().get_text_range()
    finally:
        doc.close()


def decode(pdf: bytes, index: int = 0, scale: float = 3) -> list[tuple[str, str]]:
    doc = pages(pdf)
    try:
        image = doc[index].render(scale=scale, grayscale=True).to_pil()
    finally:
        doc.close()
    found = zxingcpp.read_barcodes(image)
    return [(r.format.name if hasattr(r.format, "name") else str(r.format), r.text) for r in found]


def code128_texts(pdf: bytes, index: int = 0, scale: float = 3) -> list[str]:
    doc = pages(pdf)
    try:
        image = doc[index].render(scale=scale, grayscale=True).to_pil()
    finally:
        doc.close()
    return [
        r.text
        for r in zxingcpp.read_barcodes(
            image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.Code128)
        )
    ]


def qr_texts(pdf: bytes, index: int = 0, scale: float = 3) -> list[str]:
    doc = pages(pdf)
    try:
        image = doc[index].render(scale=scale, grayscale=True).to_pil()
    finally:
        doc.close()
    return [
        r.text
        for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    ]


# --- barcodes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_both_code128_and_qr_scan(size: str) -> None:
    pdf = render_labels([make_label()], size=size)
    texts = code128_texts(pdf, scale=3)
    assert texts.count("73100012345678") == 2  # main barcode and stub barcode
    assert qr_texts(pdf) == ["73100012345678"]  # qr_payload falls back to the tracking number


def test_qr_payload_used_when_given() -> None:
    pdf = render_labels([make_label(qr_payload="https://example.cn/t/73100012345678")])
    assert qr_texts(pdf) == ["https://example.cn/t/73100012345678"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tracking=st.text(alphabet=string.ascii_letters + string.digits, min_size=10, max_size=20),
    size=st.sampled_from(SIZES),
)
def test_code128_roundtrip_random_numbers(tracking: str, size: str) -> None:
    pdf = render_labels([make_label(tracking_no=tracking)], size=size)
    texts = code128_texts(pdf, scale=3)
    assert tracking in texts
    assert set(texts) == {tracking}


def test_multi_page_each_page_has_its_own_number() -> None:
    numbers = ["YT7512345678901", "SF1400012345678", "JT0001234567890"]
    pdf = render_labels([make_label(tracking_no=n) for n in numbers], size="76x130")
    for i, n in enumerate(numbers):
        assert n in code128_texts(pdf, i)


def test_barcodes_are_single_paths() -> None:
    bars, modules = code128_bars("73100012345678")
    assert modules == 11 * 10 + 2  # start + 7 code-C pairs + check + stop (13-module stop)
    assert 20 < len(bars) < modules
    doc = pages(render_labels([make_label()]))
    try:
        kinds = [obj.type for obj in doc[0].get_objects()]
    finally:
        doc.close()
    # frame, perforation, service box, 2 x Code 128, QR, black boxes: a handful of paths, not
    # one per bar or module
    assert kinds.count(pdfium_c.FPDF_PAGEOBJ_PATH) <= 8


@pytest.mark.parametrize("payload", ["73100012345678", "HELLO WORLD 123", "https://例子.cn/a?b=1", "x" * 90])
def test_qr_matrix_matches_reportlab_encoder(payload: str) -> None:
    ecl = qrencoder.QRErrorCorrectLevel.M
    for mask in range(8):
        ref = qrencoder.QRCode(None, ecl)
        ref.addData(payload)
        ref.version = ref.calculate_version()
        ref.makeImpl(False, mask)
        assert qr_matrix(payload, "M", mask) == tuple(tuple(r) for r in ref.modules)


# --- privacy --------------------------------------------------------------------------------------


def _digits(text: str) -> str:
    return re.sub(r"[^0-9*]", "", text.translate(str.maketrans("０１２３４５６７８９", "0123456789")))


@pytest.mark.parametrize("size", SIZES)
def test_name_and_phones_masked(size: str) -> None:
    pdf = render_labels([make_label()], size=size)
    text = page_text(pdf)
    assert "张*" in text and "张三" not in text
    assert "138****5678" in text
    assert "159****1111" in text
    assert PHONE not in _digits(text) and SENDER_PHONE not in _digits(text)
    assert PHONE.encode() not in pdf and SENDER_PHONE.encode() not in pdf
    # the street address is printed in full: the courier delivers to it
    flat = text.replace("\r", "").replace("\n", "")
    assert "世纪大厦" in flat and "1203室" in flat


@pytest.mark.parametrize(
    "spelling",
    [
        PHONE,
        "138 1234 5678",
        "138-1234-5678",
        "+86 13812345678",
        "8613812345678",
        "+86-138.1234.5678",
        "１３８１２３４５６７８",
    ],
)
def test_phone_injected_anywhere_is_masked(spelling: str) -> None:
    lab = make_label(
        recipient_name=f"张三{spelling}",
        recipient_phone=f"+86 {PHONE}",
        recipient_detail=f"人民大道1号 电话{spelling}",
        recipient_region=f"浙江省{spelling}",
        sku_summary=f"面膜×2 备注:{spelling}",
        sender_name=f"小鹿{spelling}",
        sender_phone=spelling,
        sender_address=f"广州市 {spelling}",
        mark_destination=f"杭州{spelling}",
        sort_code=spelling,
        carrier_name=f"中通{spelling}",
        service_name=f"标快{spelling}",
        order_no=spelling,
        printed_at=spelling,
        qr_payload=f"tel:{spelling}",
    )
    for size in SIZES:
        pdf = render_labels([lab], size=size)
        text = page_text(pdf)
        assert PHONE not in _digits(text), text
        assert "138****5678" in text
        for payload in qr_texts(pdf):
            assert PHONE not in _digits(payload)


def test_privacy_badge_and_privacy_false_still_masks() -> None:
    assert "隐私面单" in page_text(render_labels([make_label()]))
    text = page_text(render_labels([make_label(privacy=False)]))
    assert "隐私面单" not in text
    assert "138****5678" in text and PHONE not in _digits(text)


def test_masked_input_is_not_masked_twice() -> None:
    text = page_text(render_labels([make_label(recipient_name="张*", recipient_phone="138****5678")]))
    assert "138****5678" in text and "张*" in text


def test_phone_field_masking() -> None:
    assert _mask_phone_field(PHONE) == "138****5678"
    assert _mask_phone_field("138****5678") == "138****5678"
    assert _mask_phone_field("+86 138-1234-5678") == "138****5678"
    assert _mask_phone_field("13812345678-1234") == "138****5678转1234"
    assert _mask_phone_field("13812345678转1234") == "138****5678转1234"
    assert _mask_phone_field("0571-88886666") == "********6666"
    assert _mask_phone_field("") == ""


@given(st.text(alphabet="0123456789 -+.８１３abc收", max_size=40))
def test_scrub_leaves_no_mobile(text: str) -> None:
    out = scrub_phones(text)
    assert not re.search(r"(?<![0-9])(?:86)?1[3-9][0-9]{9}(?![0-9])", out)
    assert not re.search(r"(?<![0-9])1[3-9][0-9][ .\-]?[0-9]{4}[ .\-]?[0-9]{4}(?![0-9])", out)


# --- document -----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_pages_and_page_size(size: str) -> None:
    labels = [make_label(tracking_no=f"7310001234567{i}") for i in range(3)]
    pdf = render_labels(labels, size=size)
    doc = pages(pdf)
    try:
        assert len(doc) == 3
        w_mm, h_mm = PAGE_MM[size]
        for page in doc:
            w, h = page.get_size()
            assert abs(w - w_mm * MM) <= 1 and abs(h - h_mm * MM) <= 1
    finally:
        doc.close()


def test_cjk_font_embedded_and_text_extractable() -> None:
    pdf = render_labels([make_label()])
    assert b"/FontFile2" in pdf
    base_fonts = re.findall(rb"/BaseFont\s*/([^\s/>]+)", pdf)
    assert base_fonts and all(b"NotoSansSC" in f for f in base_fonts)
    assert b"STSong" not in pdf and b"Helvetica" not in pdf
    text = page_text(pdf)
    for needle in ("收", "寄", "浙江省", "杭州转", "中通快递", "物品", "面膜"):
        assert needle in text


def test_render_to_path_and_file(tmp_path) -> None:
    labels = [make_label(), make_label(tracking_no="YT7512345678901")]
    path = tmp_path / "labels.pdf"
    assert render_labels_to(path, labels, size="76x130") == 2
    assert render_labels_to(str(path), labels, size="76x130") == 2
    buf = io.BytesIO()
    assert render_labels_to(buf, labels, size="76x130") == 2
    # invariant output: the same labels give the same bytes
    assert path.read_bytes() == buf.getvalue() == render_labels(labels, size="76x130")


@pytest.mark.parametrize("size", ["A6", "100x150", "", "180x100"])
def test_bad_size_raises(size: str) -> None:
    with pytest.raises(ValueError):
        render_labels([make_label()], size=size)


def test_bad_input_raises() -> None:
    with pytest.raises(ValueError):
        render_labels([])
    with pytest.raises(ValueError):
        render_labels([make_label(tracking_no="中通123")])
    with pytest.raises(ValueError):
        render_labels([make_label(tracking_no="  ")])


# --- fitting ------------------------------------------------------------------------------------


LONG = "很长的地址" * 40 + " Room 1203, Building A, Very Long English Name Plaza " * 3


@pytest.mark.parametrize("size", SIZES)
def test_long_texts_stay_inside_the_frame(size: str) -> None:
    lab = make_label(
        carrier_name="中通快递有限公司华东分拨中心特别长的名字" * 2,
        service_name="标准快递加急特快专递" * 2,
        mark_destination="杭州转临平再转余杭区仓前街道" * 3,
        sort_code="310-A12 07 " * 6,
        recipient_name="欧阳娜娜" * 5,
        recipient_region="浙江省 杭州市 临平区",
        recipient_detail=LONG,
        sender_name="小鹿严选旗舰店" * 6,
        sender_address=LONG,
        order_no="4012345678901234567" * 4,
        sku_summary="面膜10片装×2; 牛轧糖×1; " * 30,
        printed_at="2025-06-18 14:32:00 Asia/Shanghai " * 3,
        parcel_index=12,
        parcel_count=12,
    )
    pdf = render_labels([lab], size=size)
    w_mm, _h_mm = PAGE_MM[size]
    doc = pages(pdf)
    try:
        page = doc[0]
        tp = page.get_textpage()
        n = tp.count_chars()
        assert n > 100
        _w, h = page.get_size()
        for i in range(n):
            left, bottom, right, top = tp.get_charbox(i)
            if right - left <= 0:  # spaces and control characters
                continue
            assert left >= 1.0 * MM - 0.5, (i, tp.get_text_range(i, 1), left)
            assert right <= (w_mm - 1.0) * MM + 0.5, (i, tp.get_text_range(i, 1), right)
            assert 1.0 * MM - 0.5 <= bottom and top <= h - 1.0 * MM + 0.5
        text = tp.get_text_range()
    finally:
        doc.close()
    assert "…" in text  # something had to be truncated
    assert "73100012345678" in text  # the waybill number is never truncated at these lengths
    assert "73100012345678" in code128_texts(pdf)


@given(
    text=st.text(alphabet="收件地址浙江省杭州市 ABCabc0123-×;，。", max_size=120),
    width=st.floats(min_value=20, max_value=300),
    size=st.floats(min_value=5, max_value=20),
)
def test_wrap_never_exceeds_width(text: str, width: float, size: float) -> None:
    m: FontMetrics = font_metrics(register_cjk_font())
    lines = m.wrap(text, size, width)
    one_char = max((m.width(ch, size) for ch in text), default=0)
    for line in lines:
        assert m.width(line, size) <= max(width, one_char) + 1e-6
    assert "".join(lines).replace(" ", "") == "".join(text.split())


def test_fit_block_truncates_with_ellipsis() -> None:
    m = font_metrics(register_cjk_font())
    lines, size = m.fit_block("字" * 500, 100, 30, 12, 6)
    assert size == 6
    assert lines[-1].endswith("…")
    assert all(m.width(line, size) <= 100 + 1e-6 for line in lines)
