"""The demo's contract pages are not empty: the stream contracts carry their clauses, there is a
deposit, claims in four states (one with photos) and weekly statements from the demo's parcels."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from fahuo.accounts.services import add_member, assign_role
from fahuo.carriers.models import Contract
from fahuo.contracts.models import Claim, ContractTerms, DepositEntry, WeeklyStatement
from fahuo.demo.generate import LIVE_SHOP, build_demo
from fahuo.kit.testing import client_for
from fahuo.orders.models import Shop

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_fills_the_contract_pages(owner: Any) -> None:
    build_demo(orders=1000, seed=7)  # ≥ 1000 orders: the earlier streams and their shipped parcels
    client = Client()
    client.force_login(User.objects.get(pk=owner.pk))  # the demo reset the demo owner's password

    home = client.get(reverse("contracts:home")).content.decode()
    for contract in Contract.objects.select_related("carrier"):
        assert contract.tiers.count() == 2 and contract.min_daily_parcels == 20
        assert ContractTerms.objects.filter(contract=contract).count() == 1
        assert contract.carrier.name in home
    assert "条款第 1 版" in home and "默认条款" not in home
    assert "核定即将到期" in home  # the claim waiting for the carrier's verification
    assert DepositEntry.objects.filter(kind="paid_in").count() == 3

    latest = WeeklyStatement.objects.filter(carrier__code="ZTO").order_by("-week_start").first()
    assert latest is not None and latest.status == "sent" and latest.data["parcels"] > 100
    assert WeeklyStatement.objects.filter(status="paid").exists()  # earlier weeks settled and paid
    page = client.get(reverse("contracts:statement", args=[latest.pk])).content.decode()
    assert "已发送" in page and "¥3,000.00" in page  # the deposit paid in
    assert latest.data["late_tracking_nos"][0] in page
    assert latest.data["claims_credited_fen"] > 0 and latest.data["privacy_fine_fen"] == 50000

    claims = client.get(reverse("contracts:claims")).content.decode()
    states = set(Claim.objects.values_list("responsibility", flat=True))
    assert states == {"handling", "undetermined", "seller_packaging", "carrier_packaging"}
    for label in ("待定", "卖家包装", "快递提供的包装", "快递已直接赔付"):
        assert label in claims
    waiting = Claim.objects.get(responsibility="undetermined")
    detail = client.get(reverse("contracts:claim", args=[waiting.pk]))
    assert detail.content.decode().count("<figure") == 2
    photo = waiting.attachments.first()
    assert photo is not None
    served = client.get(reverse("contracts:claim_photo", args=[waiting.pk, photo.pk]))
    assert served["Content-Type"] == "image/jpeg" and served.content[:2] == b"\xff\xd8"

    # A one-shop owner of the live shop sees that shop's part of the statements.
    user = User.objects.create_user(username="live-owner", password="fahuo-test-pw")
    add_member(user=user, shop=Shop.objects.get(code=LIVE_SHOP), role="owner")
    assign_role(user=user, role="owner")
    mine = client_for(User.objects.get(pk=user.pk)).get(reverse("contracts:home")).content.decode()
    assert "小雨直播间" in mine and 'id="shop-statements"' in mine and "还没有包含" not in mine


def test_a_small_demo_without_past_streams_still_has_its_claims(owner: Any) -> None:
    build_demo(orders=150, seed=5)
    assert ContractTerms.objects.count() == Contract.objects.count() > 0
    assert set(Claim.objects.values_list("responsibility", flat=True)) == {
        "handling", "undetermined", "seller_packaging", "carrier_packaging"
    }  # fmt: skip
    assert Claim.objects.filter(shop__isnull=True).count() == 0  # the shop from the parcel's waybill
    assert not WeeklyStatement.objects.exists()
