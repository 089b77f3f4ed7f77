"""A damaged parcel's alert → 发起理赔 → the filled-in claim form with two photos → the claim page and
its evidence PDF, in a real browser (Playwright + Debian chromium). Screenshots:
test-results/contracts-claim-*.png."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.utils import timezone
from PIL import Image, ImageDraw

from fahuo.contracts import settlement as st
from fahuo.contracts.models import Claim
from fahuo.contracts.tests.factories import contracted_carrier, parcel
from fahuo.desk.tests.test_browser import SHOTS, browser, desk, log_in  # noqa: F401  (fixtures)
from fahuo.orders.models import Order
from fahuo.tracking.models import Alert

pytestmark = pytest.mark.browser
START = dt.datetime(2026, 11, 9, tzinfo=st.SHANGHAI)


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"contracts-claim-{name}.png"), full_page=True)


def photo(path: Path, color: str, text: str) -> Path:
    image = Image.new("RGB", (640, 480), color)
    ImageDraw.Draw(image).rectangle((120, 100, 520, 380), outline="black", width=8)
    ImageDraw.Draw(image).text((140, 120), text, fill="black")
    image.save(path, format="JPEG")
    return path


def test_claim_from_a_damaged_parcels_alert_with_photos(
    browser: Any,  # noqa: F811
    desk: str,  # noqa: F811
    owner: Any,
    shop: Any,
    tmp_path: Path,
    settings: Any,
) -> None:
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path / "files"
    carrier, _, _ = contracted_carrier()
    track = parcel(
        shop, carrier, ready_at=START, picked_up_at=START + dt.timedelta(hours=2), tracking_no="YTDMG77"
    )
    assert track.order is not None
    Order.objects.filter(pk=track.order.pk).update(total_fen=8800)
    alert = Alert.objects.create(kind="problem", order_id=track.order_id, track=track, tracking_no="YTDMG77",
                                 since=timezone.now(), detail="网点反馈：外包装破损")  # fmt: skip
    box, inside = (
        photo(tmp_path / "外箱.jpg", "#f4d03f", "box"),
        photo(tmp_path / "内件.jpg", "#aed6f1", "inside"),
    )
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    try:
        log_in(page, desk, "owner")
        page.goto(f"{desk}/tracking/alerts/")
        row = page.locator(f"#alert-{alert.pk}")
        expect(row).to_contain_text("YTDMG77")
        shot(page, "01-alert-queue")
        row.get_by_role("link", name="发起理赔").click()
        expect(page.locator("#from-alert")).to_be_visible()
        form = page.locator("#claim-form")
        expect(form.get_by_label("运单号")).to_have_value("YTDMG77")
        expect(form.get_by_label("索赔金额（元）")).to_have_value("88.00")
        expect(page.locator("#claim-form select[name=kind]")).to_have_value("damage")
        page.locator("#claim-form input[name=photos]").set_input_files([str(box), str(inside)])
        shot(page, "02-form-filled")
        form.get_by_role("button", name="登记").click()
        expect(page.locator(".messages")).to_contain_text("已登记理赔")
        claim = Claim.objects.get()
        expect(page.locator("#claim")).to_contain_text("YTDMG77")
        expect(page.locator("#photos figure")).to_have_count(2)
        for img in page.locator("#photos img").all():  # the pictures really load
            assert img.evaluate("i => i.naturalWidth") == 640
        first = claim.attachments.first()
        assert first is not None
        expect(page.locator("#photos")).to_contain_text(first.sha256)
        shot(page, "03-claim-with-photos")
        with page.expect_download() as info:
            page.locator("#claim-pdf").click()
        pdf = pdfium.PdfDocument(io.BytesIO(Path(info.value.path()).read_bytes()))
        assert len(pdf) == 3 and "YTDMG77" in pdf[0].get_textpage().get_text_range()
        assert claim.source == "tracking" and claim.amount_fen == 8800
    finally:
        context.close()
