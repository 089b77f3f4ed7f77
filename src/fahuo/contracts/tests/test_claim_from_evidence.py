"""发起理赔 from an order's kept evidence: the after-sale page offers it under the packing video/photos
and under the buyer's unboxing upload (after-sales' extension point: it does not import contracts),
the claim form comes filled in from the parcel, and the evidence files are attached to the claim."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from PIL import Image

from fahuo.accounts.services import add_member
from fahuo.aftersales import uploads
from fahuo.aftersales.models import Rma, RmaKind, RmaSource
from fahuo.contracts import settlement as st
from fahuo.contracts.models import Claim
from fahuo.contracts.tests.factories import contracted_carrier, parcel
from fahuo.kit.testing import client_for
from fahuo.orders.models import Order, Shop
from fahuo.tracking.models import Track

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 9, tzinfo=st.SHANGHAI)


@pytest.fixture(autouse=True)
def _files(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.DATA_DIR = tmp_path / "data"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def clip(seconds: int) -> bytes:
    ftyp = struct.pack(">I4s4sI4s", 20, b"ftyp", b"isom", 512, b"isom")
    body = struct.pack(">B3xIIII", 0, 0, 0, 1000, seconds * 1000) + b"\0" * 80
    mvhd = struct.pack(">I4s", 8 + len(body), b"mvhd") + body
    return ftyp + struct.pack(">I4s", 8 + len(mvhd), b"moov") + mvhd


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def track(shop: Any) -> Track:
    carrier, _, _ = contracted_carrier()
    found = parcel(
        shop, carrier, ready_at=START, picked_up_at=START + dt.timedelta(hours=2), tracking_no="YTEVD01"
    )
    Order.objects.filter(pk=found.order_id or 0).update(total_fen=8800)
    return found


def rma_of(track: Track) -> Rma:
    order = Order.objects.get(pk=track.order_id or 0)
    return Rma.objects.create(
        shop=order.shop, order=order, platform_order_id=order.platform_order_id, source=RmaSource.MANUAL,
        kind=RmaKind.RETURN_REFUND,
    )  # fmt: skip


def test_a_claim_opened_from_the_packing_video_carries_the_video_and_photo(owner: Any, track: Track) -> None:
    assert track.waybill is not None
    video, still = clip(20), photo()
    uploads.add_packing(parcel=track.waybill.parcel, chunks=[video])
    uploads.add_packing(parcel=track.waybill.parcel, chunks=[still])
    client = client_for(owner)
    page = client.get(reverse("aftersales:detail", args=[rma_of(track).pk])).content.decode()
    link = f"/contracts/claims/?order={track.order_id}&amp;evidence=packing"
    assert link in page and "buyer" not in page.split("rma-evidence")[1].split("</section>")[0]
    form = client.get(link.replace("&amp;", "&")).context["form"]
    assert (form["carrier"].value(), form["tracking_no"].value()) == ("YTO", "YTEVD01")
    assert (form["kind"].value(), form["source"].value(), form["amount_yuan"].value()) == (
        "damage",
        "packing",
        "88.00",
    )
    posted = {
        k: form[k].value()
        for k in ("carrier", "tracking_no", "kind", "source", "amount_yuan", "note", "evidence")
    }
    assert client.post(link.replace("&amp;", "&"), posted).status_code == 302
    claim = Claim.objects.get()
    files = {a.sha256: a for a in claim.attachments.all()}
    assert set(files) == {hashlib.sha256(video).hexdigest(), hashlib.sha256(still).hexdigest()}
    assert files[hashlib.sha256(video).hexdigest()].duration_ms == 20_000 and claim.source == "packing"


def test_a_claim_opened_from_the_buyers_unboxing_upload_attaches_it(owner: Any, track: Track) -> None:
    Track.objects.filter(pk=track.pk).update(token="tok-evd-1")
    video = clip(9)
    uploads.add_unboxing(token="tok-evd-1", chunks=[video], client_ip="10.0.0.9")
    client = client_for(owner)
    link = f"/contracts/claims/?order={track.order_id}&evidence=buyer"
    assert (
        link.replace("&", "&amp;")
        in client.get(reverse("aftersales:detail", args=[rma_of(track).pk])).content.decode()
    )
    page = client.get(link)
    assert "从留存证据带入" in page.content.decode()
    form = page.context["form"]
    posted = {
        k: form[k].value()
        for k in ("carrier", "tracking_no", "kind", "source", "amount_yuan", "note", "evidence")
    }
    client.post(link, posted)
    claim = Claim.objects.get()
    assert claim.source == "buyer" and claim.tracking_no == "YTEVD01"
    assert [a.sha256 for a in claim.attachments.all()] == [hashlib.sha256(video).hexdigest()]


def test_another_shops_evidence_neither_fills_nor_joins_a_claim(shop: Any, track: Track) -> None:
    assert track.waybill is not None
    mine = uploads.add_packing(parcel=track.waybill.parcel, chunks=[clip(5)])
    other = Shop.objects.create(code="tea", name="茶", platform="private")
    user = User.objects.create_user(username="tea-owner", password="fahuo-test-pw")
    add_member(user=user, shop=other, role="owner")
    client = client_for(user)
    response = client.get(f"/contracts/claims/?order={track.order_id}&evidence=packing")
    assert response.status_code == 404 and "YTEVD01" not in response.content.decode()
    other_carrier = contracted_carrier(code="ZTO")[0]
    own = parcel(other, other_carrier, ready_at=START, tracking_no="ZTOWN01")
    client.post("/contracts/claims/", {"carrier": "ZTO", "tracking_no": own.tracking_no, "kind": "damage",
                                       "source": "packing", "amount_yuan": "5.00", "evidence": str(mine.pk)})  # fmt: skip
    claim = Claim.objects.get()
    assert claim.tracking_no == "ZTOWN01" and not claim.attachments.exists()
