"""After-sales API and desk pages: manual requests for 私域 orders, approve/reject, shop separation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fahuo.accounts.models import ApiToken
from fahuo.aftersales.models import Rma, RmaKind, RmaSource, RmaStatus
from fahuo.orders.models import Shop
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    _, raw = ApiToken.issue(user=user, name="test")
    return Client(headers={"authorization": f"Bearer {raw}"})


@pytest.fixture
def private_shop(db: Any) -> Shop:
    return Shop.objects.create(code="tea", name="云南茶叶私域", platform="private")


def test_a_manual_request_for_a_private_order_is_listed(owner: Any, private_shop: Shop) -> None:
    order = f.order(private_shop, platform_order_id="WX-1001", channel="private", total_fen=12800)
    api = client_for(owner)
    body = {
        "order_id": "WX-1001",
        "kind": "return_refund",
        "reason": "七天无理由",
        "refund_amount_fen": 12800,
    }
    created = api.post("/api/aftersales", body, content_type="application/json")
    assert created.status_code == 200, created.content
    rows = api.get("/api/aftersales").json()
    assert [(r["order_id"], r["kind"], r["status"]) for r in rows] == [
        ("WX-1001", RmaKind.RETURN_REFUND, RmaStatus.REQUESTED)
    ]
    assert Rma.objects.get().order_id == order.pk


def test_a_manual_refund_above_the_order_total_is_refused(owner: Any, private_shop: Shop) -> None:
    f.order(private_shop, platform_order_id="WX-1002", channel="private", total_fen=1000)
    body = {"order_id": "WX-1002", "kind": "refund_only", "reason": "质量问题", "refund_amount_fen": 5000}
    response = client_for(owner).post("/api/aftersales", body, content_type="application/json")
    assert response.status_code == 422 or response.status_code == 400
    assert "退款金额" in response.json()["message"]
    assert not Rma.objects.exists()


def test_a_douyin_order_cannot_be_entered_by_hand(owner: Any, shop: Shop) -> None:
    f.order(shop, platform_order_id="DY-1")
    body = {"order_id": "DY-1", "kind": "refund_only", "reason": "质量问题"}
    response = client_for(owner).post("/api/aftersales", body, content_type="application/json")
    assert response.status_code in (400, 422) and "抖店" in response.json()["message"]


def _rma(shop: Shop, kind: str = RmaKind.RETURN_REFUND) -> Rma:
    order = f.order(shop, platform_order_id="DY-9")
    return Rma.objects.create(
        shop=shop,
        order=order,
        platform_order_id="DY-9",
        source=RmaSource.MANUAL,
        kind=kind,
    )


def test_approving_a_return_starts_the_24h_pickup_clock(owner: Any, shop: Shop) -> None:
    rma = _rma(shop)
    before = timezone.now()
    out = client_for(owner).post(
        f"/api/aftersales/{rma.pk}/decision", {"approve": True}, content_type="application/json"
    )
    assert out.status_code == 200, out.content
    rma.refresh_from_db()
    assert rma.status == RmaStatus.APPROVED and rma.pickup_due_at is not None
    assert (
        dt.timedelta(hours=23, minutes=59) < rma.pickup_due_at - before <= dt.timedelta(hours=24, minutes=1)
    )
    again = client_for(owner).post(
        f"/api/aftersales/{rma.pk}/decision", {"approve": False, "note": "x"}, content_type="application/json"
    )
    assert again.status_code == 409


def test_rejecting_needs_a_reason(owner: Any, shop: Shop) -> None:
    rma = _rma(shop)
    api = client_for(owner)
    url = f"/api/aftersales/{rma.pk}/decision"
    assert api.post(url, {"approve": False}, content_type="application/json").status_code in (400, 422)
    ok = api.post(url, {"approve": False, "note": "商品已使用，不支持退货"}, content_type="application/json")
    assert ok.json()["status"] == RmaStatus.REJECTED
    assert ok.json()["steps"][-1]["note"] == "商品已使用，不支持退货"


def test_another_shops_rma_answers_404(shop: Shop, private_shop: Shop) -> None:
    rma = _rma(shop)
    from django.contrib.auth.models import User

    from fahuo.accounts.services import add_member

    stranger = User.objects.create_user(username="tea-op", password="fahuo-test-pw")
    add_member(user=stranger, shop=private_shop, role="operator")
    stranger = User.objects.get(pk=stranger.pk)
    assert client_for(stranger).get(f"/api/aftersales/{rma.pk}").status_code == 404
    assert client_for(stranger).get("/api/aftersales").json() == []
    desk = Client()
    desk.force_login(stranger)
    assert desk.get(f"/aftersales/{rma.pk}/").status_code == 404


def test_the_desk_page_lists_and_decides(operator: Any, shop: Shop) -> None:
    rma = _rma(shop)
    desk = Client()
    desk.force_login(operator)
    page = desk.get("/aftersales/")
    assert page.status_code == 200 and "DY-9" in page.content.decode()
    response = desk.post(f"/aftersales/{rma.pk}/decision/", {"decision": "approve"}, follow=True)
    html = response.content.decode()
    assert "已同意售后" in html and "上门取件截止" in html
    rma.refresh_from_db()
    assert rma.status == RmaStatus.APPROVED
