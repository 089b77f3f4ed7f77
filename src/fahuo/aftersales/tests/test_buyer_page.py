"""The buyer follows the return on the parcel's tracking page /t/<token> (no seller notes shown)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fahuo.aftersales import services
from fahuo.aftersales.models import Rma, RmaKind, RmaSource
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_tracking_page_shows_the_return_progress(shop: Any) -> None:
    track = f.track(shop, token="tok-return-1")
    order = track.order
    assert order is not None
    rma = Rma.objects.create(shop=shop, order=order, platform_order_id=order.platform_order_id,
                             source=RmaSource.MANUAL, kind=RmaKind.RETURN_REFUND, reason="质量问题")  # fmt: skip
    services.decide(rma=rma, approve=True, note="内部备注：老客户")
    Rma.objects.filter(pk=rma.pk).update(return_tracking_no="ZTOR0000000001")
    html = Client().get("/t/tok-return-1").content.decode()
    assert "退货退款申请 · 已同意" in html and "ZTOR0000000001" in html and "上门取件" in html
    assert "内部备注" not in html


def test_a_parcel_without_returns_shows_no_return_section(shop: Any) -> None:
    f.track(shop, token="tok-plain-1")
    html = Client().get("/t/tok-plain-1").content.decode()
    assert "退货单号" not in html and 'id="return-1"' not in html
