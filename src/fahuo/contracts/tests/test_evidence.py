"""Several photos and videos per claim: checked uploads, stored once under their SHA-256, shown on the claim page
and put into the claim's evidence PDF."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from fahuo.contracts import evidence, services
from fahuo.contracts import settlement as st
from fahuo.contracts.models import Claim, ClaimAttachment
from fahuo.contracts.tests.factories import contracted_carrier, parcel
from fahuo.kit.testing import client_for

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 9, tzinfo=st.SHANGHAI)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def mp4(seconds: float, pad: int = 0) -> bytes:
    """A minimal MP4: ftyp, then moov with an mvhd saying the length (timescale 1000)."""
    ftyp = struct.pack(">I4s4sI4s", 20, b"ftyp", b"isom", 512, b"isom")
    body = struct.pack(">B3xIIII", 0, 0, 0, 1000, round(seconds * 1000)) + b"\0" * 80
    mvhd = struct.pack(">I4s", 8 + len(body), b"mvhd") + body
    moov = struct.pack(">I4s", 8 + len(mvhd), b"moov") + mvhd
    free = struct.pack(">I4s", 8 + pad, b"free") + b"\0" * pad
    return ftyp + moov + free


def webm(duration_ms: float | None) -> bytes:
    """A minimal WebM header: EBML, then a Segment whose Info has TimecodeScale 1 ms and a Duration."""
    info = b"\x2a\xd7\xb1\x83\x0f\x42\x40"
    if duration_ms is not None:
        info += b"\x44\x89\x88" + struct.pack(">d", duration_ms)
    segment = b"\x15\x49\xa9\x66" + bytes([0x80 | len(info)]) + info
    return (
        b"\x1a\x45\xdf\xa3\x84\x42\x82\x84webm"
        + b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff"
        + segment
    )


def image(fmt: str = "JPEG", color: str = "red", size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def claim(shop: Any) -> Claim:
    carrier, _, _ = contracted_carrier()
    parcel(shop, carrier, ready_at=START, picked_up_at=START + dt.timedelta(hours=2), tracking_no="YTPHOTO1")
    return services.open_claim(carrier=carrier, tracking_no="YTPHOTO1", kind="damage", amount_fen=5990)


def test_two_photos_uploaded_together_are_shown_on_the_claim_page(owner: Any, claim: Claim) -> None:
    client = client_for(owner)
    red, blue = image(color="red"), image("PNG", color="blue")
    response = client.post(
        reverse("contracts:claim", args=[claim.pk]),
        {"photos": [SimpleUploadedFile("箱子压扁.jpg", red, "image/jpeg"),
                    SimpleUploadedFile("内件.png", blue, "image/png")]},
    )  # fmt: skip
    assert response.status_code == 302
    photos = list(claim.attachments.order_by("pk"))
    assert [p.sha256 for p in photos] == [hashlib.sha256(red).hexdigest(), hashlib.sha256(blue).hexdigest()]
    assert [p.content_type for p in photos] == ["image/jpeg", "image/png"]
    assert photos[0].file.name == f"claims/{photos[0].sha256[:2]}/{photos[0].sha256}.jpg"
    page = client.get(reverse("contracts:claim", args=[claim.pk])).content.decode()
    assert "箱子压扁.jpg" in page and photos[1].sha256 in page
    served = client.get(reverse("contracts:claim_photo", args=[claim.pk, photos[1].pk]))
    assert served["Content-Type"] == "image/png" and served.content == blue


def test_a_file_that_is_not_an_image_keeps_none_of_the_batch(owner: Any, claim: Claim) -> None:
    response = client_for(owner).post(
        reverse("contracts:claim", args=[claim.pk]),
        {"photos": [SimpleUploadedFile("ok.jpg", image(), "image/jpeg"),
                    SimpleUploadedFile("fake.jpg", b"%PDF-1.4 not a photo", "image/jpeg")]},
    )  # fmt: skip
    assert response.status_code == 400
    assert (
        "fake.jpg" in response.content.decode() and "不是 JPEG、PNG、WebP 照片" in response.content.decode()
    )
    assert not ClaimAttachment.objects.exists()


def test_a_gif_and_an_oversized_photo_are_refused_with_their_names(
    claim: Claim, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(Exception, match=r"anim\.gif：不接受 GIF 图片"):
        evidence.add_files(claim=claim, files=[("anim.gif", image("GIF"))])
    monkeypatch.setattr(evidence.storage, "photo_limit", lambda: 1000)
    big = image(size=(400, 400)) + b"\0" * 2000
    with pytest.raises(Exception, match=r"big\.jpg：.*超过"):
        evidence.add_files(claim=claim, files=[("big.jpg", big)])
    assert not ClaimAttachment.objects.exists()


def test_the_same_picture_twice_is_stored_once_and_the_limit_counts_photos(
    claim: Claim, monkeypatch: pytest.MonkeyPatch
) -> None:
    same = image(color="green")
    evidence.add_files(claim=claim, files=[("a.jpg", same), ("b.jpg", same)])
    evidence.add_files(claim=claim, files=[("c.jpg", same)])
    assert claim.attachments.count() == 1
    monkeypatch.setattr(evidence, "MAX_PHOTOS", 2)
    with pytest.raises(Exception, match="最多保存 2 个照片和视频"):
        evidence.add_files(
            claim=claim, files=[("x.jpg", image(color="white")), ("y.jpg", image(color="black"))]
        )
    assert claim.attachments.count() == 1


def test_the_evidence_pdf_has_the_claim_then_one_page_per_photo_with_its_digest(
    owner: Any, claim: Claim
) -> None:
    photos = evidence.add_files(claim=claim, files=[("a.jpg", image(color="red")), ("b.png", image("PNG"))])
    response = client_for(owner).get(reverse("contracts:claim_pdf", args=[claim.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = pdfium.PdfDocument(response.content)
    assert len(pdf) == 3
    first = pdf[0].get_textpage().get_text_range()
    assert claim.claim_id in first and "YTPHOTO1" in first and "¥59.90" in first
    for n, photo in enumerate(photos, 1):
        assert photo.sha256 in pdf[n].get_textpage().get_text_range()
        assert len(list(pdf[n].get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE]))) == 1


def test_a_claim_opened_with_photos_keeps_them(owner: Any, claim: Claim) -> None:
    response = client_for(owner).post(
        reverse("contracts:claims"),
        {"carrier": "YTO", "tracking_no": "YTPHOTO1", "kind": "loss", "source": "buyer", "amount_yuan": "12.00",
         "photos": [SimpleUploadedFile("p1.webp", image("WEBP"), "image/webp"),
                    SimpleUploadedFile("p2.jpg", image(color="blue"), "image/jpeg")]},
    )  # fmt: skip
    assert response.status_code == 302
    opened = Claim.objects.exclude(pk=claim.pk).get()
    assert sorted(opened.attachments.values_list("content_type", flat=True)) == ["image/jpeg", "image/webp"]


def test_a_video_is_kept_with_its_length_and_played_on_the_claim_page(owner: Any, claim: Claim) -> None:
    clip = mp4(12.5, pad=4000)
    client = client_for(owner)
    response = client.post(
        reverse("contracts:claim", args=[claim.pk]),
        {"photos": [SimpleUploadedFile("开箱.mp4", clip, "application/octet-stream")]},
    )
    assert response.status_code == 302
    video = claim.attachments.get()
    assert (video.content_type, video.size, video.duration_ms) == ("video/mp4", len(clip), 12500)
    assert video.sha256 == hashlib.sha256(clip).hexdigest() and str(video.file.name).endswith(".mp4")
    page = client.get(reverse("contracts:claim", args=[claim.pk])).content.decode()
    assert "<video" in page and "开箱.mp4" in page and video.sha256 in page
    served = client.get(reverse("contracts:claim_photo", args=[claim.pk, video.pk]))
    assert served["Content-Type"] == "video/mp4" and b"".join(served.streaming_content) == clip


def test_a_webm_says_its_length_and_one_without_a_duration_is_kept_as_unknown(claim: Claim) -> None:
    long, live = evidence.add_files(claim=claim, files=[("a.webm", webm(61_000.0)), ("b.webm", webm(None))])
    assert (long.content_type, long.duration_ms) == ("video/webm", 61_000)
    assert (live.content_type, live.duration_ms) == ("video/webm", None)


def test_a_video_over_the_video_limit_and_a_fake_video_are_refused(claim: Claim, settings: Any) -> None:
    settings.FAHUO_EVIDENCE_VIDEO_MB = 1
    with pytest.raises(Exception, match=r"big\.mp4：1\.5 MB，超过 1 MB 上限"):
        evidence.add_files(claim=claim, files=[("big.mp4", mp4(3, pad=1_600_000))])
    with pytest.raises(Exception, match=r"fake\.mp4：不是 JPEG、PNG、WebP 照片，也不是 WebM、MP4 视频"):
        evidence.add_files(claim=claim, files=[("fake.mp4", b"\0" * 64)])
    assert not ClaimAttachment.objects.exists()


def test_the_evidence_pdf_lists_each_video_with_size_length_and_digest(owner: Any, claim: Claim) -> None:
    evidence.add_files(
        claim=claim, files=[("p.jpg", image()), ("开箱.mp4", mp4(8.0)), ("live.webm", webm(None))]
    )
    pdf = pdfium.PdfDocument(client_for(owner).get(reverse("contracts:claim_pdf", args=[claim.pk])).content)
    assert len(pdf) == 2  # the facts with the videos, then the one photo
    first = pdf[0].get_textpage().get_text_range()
    for video in claim.attachments.filter(content_type__startswith="video/"):
        assert video.sha256 in first
    assert "开箱.mp4" in first and "8.0" in first and "live.webm" in first and "时长未知" in first
