"""The dispute pack: a ZIP whose PDF timeline and JSON tell the order's story in order, masked."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.test import Client

from fahuo.aftersales.models import Rma, RmaSource, RmaStatus, RmaStep
from fahuo.fulfilment.models import Parcel
from fahuo.tracking.models import TrackEvent, TrackStatus
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_dispute_pack_holds_the_timeline_in_order(operator: Any, shop: Any) -> None:
    track = f.track(shop)
    order = track.order
    assert order is not None
    Parcel.objects.filter(order=order).update(packed_at=f.NOW - dt.timedelta(hours=20))
    TrackEvent.objects.create(
        track=track, at=f.NOW - dt.timedelta(hours=10), status=TrackStatus.IN_TRANSIT, provider="kdniao",
        description="快件已到达杭州转运中心", event_key="e1",
    )  # fmt: skip
    rma = Rma.objects.create(shop=shop, order=order, platform_order_id=order.platform_order_id,
                             source=RmaSource.MANUAL, kind="return_refund")  # fmt: skip
    RmaStep.objects.create(rma=rma, status=RmaStatus.REQUESTED, source="desk", note="商品破损", at=f.NOW)
    desk = Client()
    desk.force_login(operator)
    response = desk.get(f"/aftersales/orders/{order.pk}/dispute-pack/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    pack = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(pack.namelist()) == ["timeline.json", "timeline.pdf"]
    rows = json.loads(pack.read("timeline.json"))["rows"]
    kinds = [r["kind"] for r in rows]
    assert kinds.index("物流") < kinds.index("售后") and "校验" in kinds
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    pdf = pdfium.PdfDocument(pack.read("timeline.pdf"))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "快件已到达杭州转运中心" in text and "商品破损" in text and order.platform_order_id in text
    assert "13812345678" not in text and "13812345678" not in pack.read("timeline.json").decode()


def test_another_shops_order_has_no_pack(shop: Any) -> None:
    from django.contrib.auth.models import User

    from fahuo.accounts.services import add_member
    from fahuo.orders.models import Shop

    other = Shop.objects.create(code="tea", name="茶", platform="private")
    user = User.objects.create_user(username="tea", password="fahuo-test-pw")
    add_member(user=user, shop=other, role="operator")
    desk = Client()
    desk.force_login(User.objects.get(pk=user.pk))
    order = f.order(shop)
    assert desk.get(f"/aftersales/orders/{order.pk}/dispute-pack/").status_code == 404
