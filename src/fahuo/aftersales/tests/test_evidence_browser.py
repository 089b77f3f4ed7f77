"""Packing evidence in a real browser with Chromium's fake camera: the packer records a video and takes a
photo at the scan station, confirms the parcel while the recorder still runs (the video is uploaded
first), and the files are kept under their SHA-256; the buyer sends an unboxing photo from the
tracking link.

Screenshots: test-results/evidence-*.png. Run: ``.venv/bin/pytest -m browser src/fahuo/aftersales``.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from fahuo.aftersales import storage
from fahuo.aftersales.models import Evidence, EvidenceKind
from fahuo.fulfilment.models import Parcel
from fahuo.fulfilment.tests.packing_helpers import make_order, make_parcel, make_sku
from fahuo.kit.testing import log_in
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[4] / "test-results"
CAMERA_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",  # a generated test pattern instead of a real camera
    "--use-fake-ui-for-media-stream",  # no permission prompt
]


@pytest.fixture(scope="module")
def camera_browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    from fahuo.kit.pdf import cjk_font_path

    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with tempfile.TemporaryDirectory() as folder, sync_playwright() as pw, cjk_font_path() as font:
            conf = Path(folder) / "fonts.conf"
            conf.write_text(
                '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
                f"<dir>{font.parent}</dir><cachedir>{Path(folder) / 'cache'}</cachedir></fontconfig>",
                encoding="utf-8",
            )
            launched = pw.chromium.launch(
                executable_path=str(CHROMIUM),
                args=CAMERA_ARGS,
                headless=True,
                env={**os.environ, "FONTCONFIG_FILE": str(conf)},
            )
            yield launched
            launched.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def site(live_server: Any, transactional_db: Any, settings: Any, tmp_path: Path) -> str:
    settings.DATA_DIR = tmp_path
    SHOTS.mkdir(exist_ok=True)
    return str(live_server.url)


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"evidence-{name}.png"), full_page=True)


def _kept(sha: str) -> bytes:
    return storage.path_of(sha).read_bytes()


def test_packer_records_video_and_photo_at_the_scan_station(
    camera_browser: Any, site: str, packer: Any, shop: Any
) -> None:
    from playwright.sync_api import expect

    sku = make_sku("MASK-10", name="补水面膜")
    order = make_order(shop, [(sku, 1)])
    parcel = make_parcel(order, f.carrier(), tracking="YT9000000001")
    context = camera_browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.grant_permissions(["camera"], origin=site)
    page = context.new_page()
    try:
        log_in(page, site, "packer")
        page.goto(site + "/fulfilment/packing/scan/")
        scan = page.locator("#scan-code")
        scan.fill("YT9000000001")
        scan.press("Enter")
        card = page.locator("[data-scan-state='found']")
        expect(card).to_be_visible()
        panel = page.locator("#scan-evidence")
        expect(panel.get_by_role("heading", name="打包留证")).to_be_visible()

        panel.get_by_role("button", name="拍照").click()
        expect(panel.locator("[data-evidence-list] li")).to_have_count(1, timeout=15000)
        expect(panel.locator("[data-evidence-list] li").first).to_contain_text("打包照片")

        panel.get_by_role("button", name="录制打包视频").click()
        expect(panel.locator("[data-evidence-status]")).to_contain_text("录像中", timeout=10000)
        page.wait_for_timeout(2500)  # a little film of the fake camera's test pattern
        shot(page, "01-recording")

        # The packer scans the item and confirms while the recorder runs: the video goes up first.
        scan.fill("MASK-10")
        scan.press("Enter")
        page.get_by_role("button", name="确认已打包").click()
        expect(page.locator("[data-scan-state='done']")).to_be_visible(timeout=20000)
        shot(page, "02-packed")
    finally:
        context.close()

    parcel = Parcel.objects.get(pk=parcel.pk)
    assert parcel.packed_at is not None
    video = Evidence.objects.get(parcel=parcel, kind=EvidenceKind.PACKING_VIDEO)
    photo = Evidence.objects.get(parcel=parcel, kind=EvidenceKind.PACKING_PHOTO)
    assert video.content_type == "video/webm" and video.size_bytes > 2000
    assert video.uploaded_by_id == packer.pk and video.created_at <= parcel.packed_at
    data = _kept(video.sha256)
    assert data[:4] == b"\x1a\x45\xdf\xa3" and hashlib.sha256(data).hexdigest() == video.sha256
    with Image.open(io.BytesIO(_kept(photo.sha256))) as image:
        assert image.format == "JPEG" and image.width >= 320


def test_buyer_sends_an_unboxing_photo_from_the_tracking_link(
    camera_browser: Any, site: str, shop: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    order = f.order(shop)
    waybill = f.waybill(order)
    track = f.track(shop, order_obj=order, waybill=waybill, tracking_no=waybill.tracking_no, token="unbox-b1")
    photo = tmp_path / "unboxing.jpg"
    Image.new("RGB", (640, 480), "orange").save(photo, "JPEG")
    context = camera_browser.new_context(locale="zh-CN", viewport={"width": 400, "height": 800})
    page = context.new_page()
    try:
        page.goto(site + "/t/unbox-b1")
        page.get_by_role("link", name="上传开箱视频").click()
        expect(page.get_by_text(track.tracking_no)).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("张三丰")
        page.get_by_label("视频或照片").set_input_files(str(photo))
        page.get_by_role("button", name="上传").click()
        expect(page.locator("#unboxing-done")).to_contain_text("已收到")
        shot(page, "03-unboxing")
    finally:
        context.close()
    kept = Evidence.objects.get(order=order)
    assert kept.kind == EvidenceKind.UNBOXING_PHOTO and kept.source == "buyer"
    assert _kept(kept.sha256) == photo.read_bytes()
