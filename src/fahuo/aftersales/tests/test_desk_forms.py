"""Desk forms: the shop's after-sale policy, a manual 私域 request, inspection photos at receive; the
same through the API."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from fahuo.aftersales.models import (
    AfterSalePolicy,
    Evidence,
    EvidenceKind,
    Rma,
    RmaKind,
    RmaSource,
    RmaStatus,
)
from fahuo.aftersales.tests.test_api_views import client_for
from fahuo.orders.models import OrderLine, Shop
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path


def jpeg(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(out, "JPEG")
    return out.getvalue()


def desk(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_owner_edits_the_shop_policy(owner: Any, shop: Any) -> None:
    page = desk(owner).post(
        "/aftersales/policy/",
        {
            "shop": shop.code,
            "no_reason_days": "15",
            "reasons": "七天无理由\n  尺码不合适 \n\n质量问题\n尺码不合适",
            "freight_payer": "seller",
            "restock": "always",
            "return_address": "浙江省杭州市余杭区文一西路1000号 售后组",
        },
        follow=True,
    )
    assert "已保存" in page.content.decode()
    policy = AfterSalePolicy.objects.get(shop=shop)
    assert policy.no_reason_days == 15 and policy.reasons == ["七天无理由", "尺码不合适", "质量问题"]
    assert policy.freight_payer == "seller" and policy.restock == "always"
    assert "尺码不合适" in desk(owner).get("/aftersales/policy/").content.decode()


def test_a_policy_with_a_bad_window_is_refused_and_kept(owner: Any, shop: Any) -> None:
    page = desk(owner).post(
        "/aftersales/policy/",
        {
            "shop": shop.code,
            "no_reason_days": "90",
            "reasons": "其他",
            "freight_payer": "buyer",
            "restock": "inspect",
        },
        follow=True,
    )
    assert "0–30" in page.content.decode()
    assert AfterSalePolicy.objects.get(shop=shop).no_reason_days == 7


def test_a_packer_sees_the_policy_but_cannot_change_it(packer: Any, shop: Any) -> None:
    client = desk(packer)
    assert "disabled" in client.get("/aftersales/policy/").content.decode()
    response = client.post("/aftersales/policy/", {"shop": shop.code, "no_reason_days": "0", "reasons": "x",
                                                   "freight_payer": "buyer", "restock": "never"})  # fmt: skip
    assert response.status_code == 403
    assert AfterSalePolicy.objects.get(shop=shop).restock == "inspect"


def test_a_manual_private_request_from_the_desk(operator: Any) -> None:
    from fahuo.accounts.services import add_member

    private = Shop.objects.create(code="wx", name="微信私域", platform="private")
    add_member(user=operator, shop=private, role="operator")
    order = f.order(private, total_fen=12800)
    page = desk(operator).post(
        "/aftersales/new/",
        {
            "order_id": order.platform_order_id,
            "kind": "return_refund",
            "reason": "质量问题",
            "refund_yuan": "59.90",
        },
        follow=True,
    )
    rma = Rma.objects.get()
    assert f"已登记售后单 #{rma.pk}" in page.content.decode()
    assert rma.source == RmaSource.MANUAL and rma.refund_amount_fen == 5990 and rma.reason == "质量问题"
    too_much = desk(operator).post(
        "/aftersales/new/",
        {"order_id": order.platform_order_id, "kind": "refund_only", "reason": "其他", "refund_yuan": "200"},
    )
    assert "不能超过订单金额" in too_much.content.decode() and Rma.objects.count() == 1


def test_a_douyin_order_is_not_registered_by_hand(operator: Any, shop: Any) -> None:
    order = f.order(shop)
    page = desk(operator).post(
        "/aftersales/new/", {"order_id": order.platform_order_id, "kind": "refund_only", "reason": "其他"}
    )
    assert "请在抖店发起" in page.content.decode() and not Rma.objects.exists()


def _approved_return(shop: Any, warehouse: Any) -> Rma:
    from fahuo.catalog.models import Sku

    order = f.order(shop, warehouse=warehouse)
    sku = Sku.objects.create(code="MASK-10", name="补水面膜")
    OrderLine.objects.create(order=order, sku=sku, sku_code="MASK-10", title="补水面膜", quantity=1)
    return Rma.objects.create(shop=shop, order=order, platform_order_id=order.platform_order_id,
                              source=RmaSource.MANUAL, kind=RmaKind.RETURN_REFUND, status=RmaStatus.APPROVED)  # fmt: skip


def test_receiving_keeps_the_inspection_photos(operator: Any, shop: Any, warehouse: Any) -> None:
    rma = _approved_return(shop, warehouse)
    page = desk(operator).post(
        f"/aftersales/{rma.pk}/receive/",
        {
            "condition": "damaged",
            "restock": "no",
            "note": "外盒压坏",
            "photos": [SimpleUploadedFile("a.jpg", jpeg("red")), SimpleUploadedFile("b.jpg", jpeg("blue"))],
        },
        follow=True,
    )
    assert "保存验货照片 2 张" in page.content.decode()
    kept = list(Evidence.objects.filter(rma=rma))
    assert len(kept) == 2 and {e.kind for e in kept} == {EvidenceKind.INSPECTION_PHOTO}
    assert hashlib.sha256(jpeg("red")).hexdigest() in {e.sha256 for e in kept}
    rma.refresh_from_db()
    assert rma.status == RmaStatus.RECEIVED


def test_a_bad_inspection_photo_leaves_the_return_unreceived(
    operator: Any, shop: Any, warehouse: Any
) -> None:
    rma = _approved_return(shop, warehouse)
    page = desk(operator).post(
        f"/aftersales/{rma.pk}/receive/",
        {"condition": "good", "photos": [SimpleUploadedFile("a.jpg", b"not an image at all")]},
        follow=True,
    )
    assert "只能上传视频" in page.content.decode()
    rma.refresh_from_db()
    assert rma.status == RmaStatus.APPROVED and not Evidence.objects.exists()


def test_a_failed_receive_leaves_no_photo_file_on_disk(
    operator: Any, shop: Any, warehouse: Any, tmp_path: Path
) -> None:
    rma = _approved_return(shop, warehouse)
    page = desk(operator).post(
        f"/aftersales/{rma.pk}/receive/",
        {
            "condition": "good",
            "photos": [
                SimpleUploadedFile("a.jpg", jpeg("green")),
                SimpleUploadedFile("b.jpg", b"not an image"),
            ],
        },
        follow=True,
    )
    assert "只能上传视频" in page.content.decode()
    assert not Evidence.objects.exists()
    assert not [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]


def test_a_failed_upload_keeps_a_file_another_row_still_uses(
    operator: Any, shop: Any, warehouse: Any, tmp_path: Path
) -> None:
    from fahuo.aftersales import storage, uploads

    rma = _approved_return(shop, warehouse)
    with uploads.atomic_upload():
        kept = uploads.add_inspection(rma=rma, chunks=[jpeg("red")])
    with pytest.raises(RuntimeError), uploads.atomic_upload():
        uploads.add_inspection(rma=rma, chunks=[jpeg("red")])  # the same bytes: already on disk
        uploads.add_inspection(rma=rma, chunks=[jpeg("blue")])
        raise RuntimeError("the transaction fails after the files were written")
    assert storage.exists(kept.sha256)
    assert not storage.exists(hashlib.sha256(jpeg("blue")).hexdigest())
    assert list(Evidence.objects.values_list("sha256", flat=True)) == [kept.sha256]


def test_the_api_reads_and_writes_the_policy_and_takes_photos(owner: Any, shop: Any, warehouse: Any) -> None:
    api = client_for(owner)
    assert api.get(f"/api/aftersales/policy/{shop.code}").json()["no_reason_days"] == 7
    put = api.put(
        f"/api/aftersales/policy/{shop.code}",
        {"no_reason_days": 0, "reasons": ["质量问题"], "freight_payer": "insurance", "restock": "never"},
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["freight_payer"] == "insurance"
    assert api.get("/api/aftersales/policy/nope").status_code == 404
    rma = _approved_return(shop, warehouse)
    sent = api.post(f"/api/aftersales/{rma.pk}/photos", {"photo": SimpleUploadedFile("p.jpg", jpeg())})
    assert sent.status_code == 200, sent.content
    assert sent.json()["sha256"] == hashlib.sha256(jpeg()).hexdigest()
    assert Evidence.objects.get().rma == rma
