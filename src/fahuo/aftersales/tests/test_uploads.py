"""Kept evidence: packing video/photos from the scan station, the buyer's unboxing upload behind the
tracking link, content-addressed storage, limits, retention and the dispute pack."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.test import Client
from django.utils import timezone
from PIL import Image

from fahuo.aftersales import uploads
from fahuo.aftersales.models import Evidence, EvidenceKind, Rma, RmaKind, RmaSource
from fahuo.fulfilment.models import Parcel
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.django_db

# The first bytes of a WebM file (EBML header) followed by filler: what the station's recorder sends.
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01" + b"webm-cluster-bytes" * 200


def jpeg(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def _parcel(shop: Any) -> Parcel:
    waybill = f.waybill(f.order(shop))
    return waybill.parcel


def _desk(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, parcel: Parcel, data: bytes, name: str = "packing.webm") -> Any:
    return client.post(
        f"/aftersales/evidence/parcels/{parcel.pk}/",
        {"file": SimpleUploadedFile(name, data, content_type="application/octet-stream")},
    )


def test_a_packing_video_is_kept_under_its_sha256(packer: Any, shop: Any, tmp_path: Path) -> None:
    parcel = _parcel(shop)
    response = _post(_desk(packer), parcel, WEBM)
    assert response.status_code == 201, response.content
    body = response.json()
    sha = hashlib.sha256(WEBM).hexdigest()
    assert body["sha256"] == sha and body["kind"] == EvidenceKind.PACKING_VIDEO and body["size"] == len(WEBM)
    stored = tmp_path / "evidence" / sha[:2] / sha
    assert stored.read_bytes() == WEBM
    kept = Evidence.objects.get()
    assert kept.parcel_id == parcel.pk and kept.order_id == parcel.order_id and kept.uploaded_by == packer
    assert kept.content_type == "video/webm" and kept.expires_at is not None


def test_the_same_file_twice_is_one_record_and_one_file(packer: Any, shop: Any, tmp_path: Path) -> None:
    parcel = _parcel(shop)
    desk = _desk(packer)
    assert _post(desk, parcel, jpeg(), "a.jpg").status_code == 201
    assert _post(desk, parcel, jpeg(), "b.jpg").status_code == 201
    assert Evidence.objects.count() == 1
    assert Evidence.objects.get().kind == EvidenceKind.PACKING_PHOTO
    assert len([p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]) == 1


def test_a_video_over_the_limit_is_refused_and_nothing_is_kept(
    packer: Any, shop: Any, settings: Any, tmp_path: Path
) -> None:
    settings.FAHUO_EVIDENCE_VIDEO_MB = 1
    big = WEBM + b"\0" * (1024 * 1024)
    response = _post(_desk(packer), _parcel(shop), big)
    assert response.status_code == 413
    assert "1 MB" in response.json()["error"]
    assert not Evidence.objects.exists()
    assert not [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]


def test_a_file_that_is_neither_video_nor_photo_is_refused(packer: Any, shop: Any) -> None:
    response = _post(_desk(packer), _parcel(shop), b"<html>not a video</html>", "packing.webm")
    assert response.status_code == 422
    assert "只能上传视频" in response.json()["error"]
    assert not Evidence.objects.exists()


def test_another_shops_parcel_answers_404(shop: Any) -> None:
    from django.contrib.auth.models import User

    from fahuo.accounts.services import add_member
    from fahuo.orders.models import Shop

    other = Shop.objects.create(code="tea", name="茶", platform="private")
    user = User.objects.create_user(username="tea", password="fahuo-test-pw")
    add_member(user=user, shop=other, role="packer")
    response = _post(_desk(User.objects.get(pk=user.pk)), _parcel(shop), WEBM)
    assert response.status_code == 404
    assert not Evidence.objects.exists()


def test_the_dispute_pack_lists_and_carries_the_files(packer: Any, operator: Any, shop: Any) -> None:
    parcel = _parcel(shop)
    _post(_desk(packer), parcel, WEBM)
    response = _desk(operator).get(f"/aftersales/orders/{parcel.order_id}/dispute-pack/")
    pack = zipfile.ZipFile(io.BytesIO(response.content))
    payload = json.loads(pack.read("timeline.json"))
    sha = hashlib.sha256(WEBM).hexdigest()
    [listed] = payload["evidence"]
    assert listed["sha256"] == sha and listed["file"] == f"evidence/{sha}.webm"
    assert hashlib.sha256(pack.read(listed["file"])).hexdigest() == sha
    rows = [r["text"] for r in payload["rows"] if r["kind"] == "证据"]
    assert rows and sha in rows[0] and "打包录像" in rows[0]


def test_the_rma_page_lists_the_orders_evidence(packer: Any, operator: Any, shop: Any) -> None:
    parcel = _parcel(shop)
    _post(_desk(packer), parcel, jpeg())
    rma = Rma.objects.create(shop=shop, order=parcel.order, platform_order_id=parcel.order.platform_order_id,
                             source=RmaSource.MANUAL, kind=RmaKind.RETURN_REFUND)  # fmt: skip
    desk = _desk(operator)
    page = desk.get(f"/aftersales/{rma.pk}/").content.decode()
    kept = Evidence.objects.get()
    assert "打包照片" in page and f"/aftersales/evidence/{kept.pk}/" in page
    download = desk.get(f"/aftersales/evidence/{kept.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"
    assert isinstance(download, StreamingHttpResponse)
    assert b"".join(download.streaming_content) == jpeg()


# --- the buyer's unboxing upload ------------------------------------------------------------------


def _track(shop: Any, token: str = "tok-unbox-1") -> Any:
    order = f.order(shop)
    waybill = f.waybill(order)
    return f.track(shop, order_obj=order, waybill=waybill, tracking_no=waybill.tracking_no, token=token)


def test_the_tracking_page_offers_the_unboxing_upload(shop: Any) -> None:
    track = _track(shop)
    page = Client().get(f"/t/{track.token}").content.decode()
    assert f"/t/{track.token}/unboxing" in page


def test_the_buyer_uploads_an_unboxing_photo_without_personal_data_shown(shop: Any) -> None:
    track = _track(shop)
    buyer = Client()
    form = buyer.get(f"/t/{track.token}/unboxing")
    text = form.content.decode()
    assert form.status_code == 200 and shop.name in text and track.tracking_no in text
    assert "张三丰" not in text and "13812345678" not in text and "南苑街道" not in text
    done = buyer.post(f"/t/{track.token}/unboxing", {"file": SimpleUploadedFile("x.jpg", jpeg())})
    assert done.status_code == 200 and "已收到" in done.content.decode()
    kept = Evidence.objects.get()
    assert kept.kind == EvidenceKind.UNBOXING_PHOTO and kept.source == "buyer" and kept.uploaded_by is None
    assert kept.order_id == track.order_id and kept.parcel_id == track.waybill.parcel_id


def test_unboxing_uploads_are_rate_limited_per_order(shop: Any) -> None:
    track = _track(shop)
    buyer = Client()
    colours = ["red", "blue", "green", "white", "black", "yellow", "purple"]
    codes = [
        buyer.post(f"/t/{track.token}/unboxing", {"file": SimpleUploadedFile("x.jpg", jpeg(c))}).status_code
        for c in colours
    ]
    assert codes[: uploads.BUYER_PER_ORDER_PER_DAY] == [200] * uploads.BUYER_PER_ORDER_PER_DAY
    assert codes[-1] == 429
    assert Evidence.objects.count() == uploads.BUYER_PER_ORDER_PER_DAY


def test_an_unknown_token_has_no_upload_page() -> None:
    response = Client().post("/t/nope/unboxing", {"file": SimpleUploadedFile("x.jpg", jpeg())})
    assert response.status_code == 404
    assert not Evidence.objects.exists()


# --- retention ------------------------------------------------------------------------------------


def test_expired_evidence_is_purged_unless_the_order_has_an_open_return(
    packer: Any, shop: Any, tmp_path: Path
) -> None:
    kept_parcel, gone_parcel = _parcel(shop), _parcel(shop)
    _post(_desk(packer), kept_parcel, jpeg("red"))
    _post(_desk(packer), gone_parcel, jpeg("blue"))
    Rma.objects.create(shop=shop, order=kept_parcel.order, platform_order_id="x", source=RmaSource.MANUAL,
                       kind=RmaKind.RETURN_REFUND)  # fmt: skip
    later = timezone.now() + dt.timedelta(days=400)
    assert uploads.purge_expired(now=later) == 1
    [left] = Evidence.objects.all()
    assert left.parcel_id == kept_parcel.pk
    files = [p.name for p in (tmp_path / "evidence").rglob("*") if p.is_file()]
    assert files == [left.sha256]
