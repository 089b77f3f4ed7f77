"""Approve/reject of a 抖店 RMA goes to the platform (afterSale.operate on the simulator, real HTTP)
before it is recorded; a refusal leaves the RMA as it was."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from fahuo.accounts.models import ApiToken
from fahuo.aftersales.models import Rma, RmaKind, RmaSource, RmaStatus
from fahuo.carriers.models import ProviderAccount
from fahuo.integrations.douyin.simulator import DouyinSimulator
from fahuo.integrations.simserver import serve
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.django_db
APP_KEY, SECRET, TOKEN = "7000000000000000001", "sim-secret", "sim-token"


@pytest.fixture
def sim() -> DouyinSimulator:
    return DouyinSimulator.with_app(APP_KEY, SECRET, TOKEN)


@pytest.fixture
def account(sim: DouyinSimulator, shop: Any) -> Iterator[ProviderAccount]:
    with serve(sim) as url:
        creds = {"app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN, "shop_id": "4463798"}
        yield ProviderAccount.objects.create(
            provider="douyin", name="抖店", shop=shop, base_url=url, credentials=json.dumps(creds)
        )


def api(user: Any) -> Client:
    _, raw = ApiToken.issue(user=user, name="t")
    return Client(headers={"authorization": f"Bearer {raw}"})


def rma(shop: Any, kind: str = RmaKind.RETURN_REFUND, aftersale_id: str = "7040458102513434891") -> Rma:
    order = f.order(shop, platform_order_id="4781320682406083640")
    return Rma.objects.create(
        shop=shop,
        order=order,
        platform_order_id=order.platform_order_id,
        source=RmaSource.DOUYIN,
        aftersale_id=aftersale_id,
        kind=kind,
    )


def test_approving_a_return_sends_type_111_to_douyin(
    owner: Any, shop: Any, sim: DouyinSimulator, account: Any
) -> None:
    r = rma(shop)
    sim.aftersale.cases[r.aftersale_id] = "pending"
    out = api(owner).post(
        f"/api/aftersales/{r.pk}/decision", {"approve": True}, content_type="application/json"
    )
    assert out.status_code == 200, out.content
    assert sim.aftersale.received == [{"type": 111, "items": [{"aftersale_id": 7040458102513434891}]}]
    assert sim.aftersale.cases[r.aftersale_id] == "return_agreed"
    r.refresh_from_db()
    assert r.status == RmaStatus.APPROVED and r.pickup_due_at is not None


def test_rejecting_a_refund_sends_the_reason(
    owner: Any, shop: Any, sim: DouyinSimulator, account: Any
) -> None:
    r = rma(shop, kind=RmaKind.REFUND_ONLY)
    sim.aftersale.cases[r.aftersale_id] = "pending"
    body = {"approve": False, "note": "商品已签收且已使用"}
    out = api(owner).post(f"/api/aftersales/{r.pk}/decision", body, content_type="application/json")
    assert out.status_code == 200, out.content
    sent = sim.aftersale.received[0]
    assert sent["type"] == 202 and sent["items"][0]["remark"] == "商品已签收且已使用"
    assert sim.aftersale.cases[r.aftersale_id] == "refund_refused"


def test_a_platform_refusal_leaves_the_rma_untouched(
    owner: Any, shop: Any, sim: DouyinSimulator, account: Any
) -> None:
    r = rma(shop)  # the simulator has never heard of this after-sale
    out = api(owner).post(
        f"/api/aftersales/{r.pk}/decision", {"approve": True}, content_type="application/json"
    )
    assert out.status_code in (424, 502)
    assert "售后单不存在" in out.json()["message"]
    r.refresh_from_db()
    assert (r.status, r.pickup_due_at, r.steps.count()) == (RmaStatus.REQUESTED, None, 0)


def test_without_a_douyin_account_the_decision_is_refused_clearly(owner: Any, shop: Any) -> None:
    r = rma(shop)
    out = api(owner).post(
        f"/api/aftersales/{r.pk}/decision", {"approve": True}, content_type="application/json"
    )
    assert 400 <= out.status_code < 500 and "抖店" in out.json()["message"]
    r.refresh_from_db()
    assert r.status == RmaStatus.REQUESTED
