"""A one-shop owner reads their own shop's part of the carrier statements and the claims of their own
parcels; the company-wide totals, terms, bills and the deposit stay with users who see every shop."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from fahuo.accounts.models import ApiToken
from fahuo.accounts.services import add_member, assign_role
from fahuo.contracts import services
from fahuo.contracts import settlement as st
from fahuo.contracts.models import Claim, WeeklyStatement
from fahuo.contracts.tests.factories import contracted_carrier, parcel
from fahuo.kit.testing import client_for
from fahuo.orders.models import Shop

pytestmark = pytest.mark.django_db
WEEK = dt.date(2026, 11, 9)
START = dt.datetime(2026, 11, 9, tzinfo=st.SHANGHAI)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def other_shop(db: Any) -> Shop:
    return Shop.objects.create(code="other", name="乙店秘密旗舰", platform="douyin")


@pytest.fixture
def shop_a_owner(shop: Any, other_shop: Shop) -> Any:
    user = User.objects.create_user(username="a-owner", password="fahuo-test-pw")
    add_member(user=user, shop=shop, role="owner")  # first: an owner without memberships owns every shop
    assign_role(user=user, role="owner")
    return User.objects.get(pk=user.pk)


@pytest.fixture
def statement(shop: Any, other_shop: Shop) -> WeeklyStatement:
    """Two parcels of shop A (one picked up 30 h late), three of the other shop, a claim each credited."""
    carrier, _, _ = contracted_carrier(min_daily=0)
    for i, (who, late) in enumerate([(shop, False), (shop, True), (other_shop, False), (other_shop, True),
                                     (other_shop, True)]):  # fmt: skip
        ready = START + dt.timedelta(days=i % 3, hours=10)
        parcel(who, carrier, ready_at=ready, picked_up_at=ready + dt.timedelta(hours=30 if late else 2),
               departed_at=ready + dt.timedelta(hours=40 if late else 8), tracking_no=f"YTS{i}")  # fmt: skip
    for number, amount in (("YTS0", 1200), ("YTS2", 9900)):
        claim = services.open_claim(
            carrier=carrier, tracking_no=number, kind="damage", amount_fen=amount,
            reported_at=START + dt.timedelta(days=1),
        )  # fmt: skip
        services.verify_claim(
            claim=claim, responsibility="handling", at=START + dt.timedelta(days=1, hours=3)
        )
    return services.generate_statement(carrier_code=carrier.code, week_start=WEEK)


def test_the_statement_is_split_by_shop_and_the_parts_add_up(statement: WeeklyStatement, shop: Any) -> None:
    parts = statement.data["by_shop"]
    mine = parts[str(shop.pk)]
    assert mine["parcels"] == 2 and mine["late_parcels"] == 1
    assert mine["late_tracking_nos"] == ["YTS1"] and mine["late_penalty_fen"] == 100  # 20% of ¥5.00
    assert mine["claims_credited"] == [Claim.objects.get(tracking_no="YTS0").claim_id]
    assert mine["net_fen"] == 1000 - 100 - 1200
    d = statement.data
    assert sum(p["freight_fen"] for p in parts.values()) == d["freight_fen"]
    assert sum(p["late_penalty_fen"] for p in parts.values()) == d["late_penalty_fen"]
    assert sum(p["claims_credited_fen"] for p in parts.values()) == d["claims_credited_fen"]


def test_a_one_shop_owner_sees_their_part_and_not_the_company_totals(
    shop_a_owner: Any, statement: WeeklyStatement
) -> None:
    client = client_for(shop_a_owner)
    home = client.get("/contracts/").content.decode()
    assert "小雨直播间" in home and "乙店秘密旗舰" not in home
    page = client.get(reverse("contracts:statement", args=[statement.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "YTS1" in text and "YTS3" not in text and "YTS4" not in text  # only my late parcels
    assert "¥10.00" in text and "¥1.00" in text  # my freight, my penalty credited
    # The company-wide statement (5 parcels' freight ¥25.00) and its files stay hidden.
    assert "¥25.00" not in text and "导入本周快递账单" not in text
    for kind in ("pdf", "xlsx"):
        assert client.get(reverse("contracts:statement_file", args=[statement.pk, kind])).status_code == 403
    assert client.get(reverse("contracts:terms", args=["YTO"])).status_code == 403


def test_a_one_shop_owner_reads_their_claims_and_another_shops_claim_is_404(
    shop_a_owner: Any, statement: WeeklyStatement
) -> None:
    client = client_for(shop_a_owner)
    mine, theirs = Claim.objects.get(tracking_no="YTS0"), Claim.objects.get(tracking_no="YTS2")
    listing = client.get("/contracts/claims/").content.decode()
    assert mine.claim_id in listing and theirs.claim_id not in listing
    assert client.get(reverse("contracts:claim", args=[mine.pk])).status_code == 200
    assert client.get(reverse("contracts:claim", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("contracts:claim_pdf", args=[theirs.pk])).status_code == 404


def test_a_one_shop_owner_cannot_open_a_claim_on_another_shops_parcel(
    shop_a_owner: Any, statement: WeeklyStatement
) -> None:
    client = client_for(shop_a_owner)
    form = {"carrier": "YTO", "kind": "loss", "source": "buyer", "amount_yuan": "10"}
    refused = client.post("/contracts/claims/", {**form, "tracking_no": "YTS3"})
    assert refused.status_code == 400 and "找不到这个运单" in refused.content.decode()
    assert not Claim.objects.filter(tracking_no="YTS3").exists()
    opened = client.post("/contracts/claims/", {**form, "tracking_no": "YTS1"})
    assert opened.status_code == 302 and Claim.objects.get(tracking_no="YTS1").shop_id is not None


def test_the_api_gives_a_one_shop_token_its_part_and_404_for_another_shops_claim(
    shop_a_owner: Any, statement: WeeklyStatement, shop: Any
) -> None:
    _, raw = ApiToken.issue(user=shop_a_owner, name="a")
    api = Client(headers={"authorization": f"Bearer {raw}"})
    rows = api.get("/api/contracts/statements").json()
    assert [list(r["shops"]) for r in rows] == [["demo"]] and "statement" not in rows[0]
    assert rows[0]["shops"]["demo"]["freight_fen"] == 1000
    one = api.get(f"/api/contracts/statements/{statement.pk}").json()
    assert one["shops"]["demo"]["late_tracking_nos"] == ["YTS1"]
    claims = api.get("/api/contracts/claims").json()
    assert [c["tracking_no"] for c in claims] == ["YTS0"]
    theirs = Claim.objects.get(tracking_no="YTS2")
    assert api.get(f"/api/contracts/claims/{theirs.pk}").status_code == 404
    other_claim = api.post(
        "/api/contracts/claims",
        {"carrier": "YTO", "tracking_no": "YTS4", "kind": "loss", "amount_fen": 100},
        content_type="application/json",
    )
    assert other_claim.status_code == 404
    # Changing terms or generating statements still needs a view of every shop.
    made = api.post("/api/contracts/statements", {"carrier": "YTO", "week_start": "2026-11-09"},
                    content_type="application/json")  # fmt: skip
    assert made.status_code == 403 and "全部店铺" in made.json()["message"]


def test_a_user_who_sees_every_shop_still_gets_the_whole_statement(
    owner: Any, statement: WeeklyStatement
) -> None:
    page = client_for(owner).get(reverse("contracts:statement", args=[statement.pk])).content.decode()
    assert "¥25.00" in page and "YTS3" in page


def test_a_statement_from_before_the_split_by_shop_gets_its_part_when_read(
    shop_a_owner: Any, statement: WeeklyStatement, shop: Any
) -> None:
    split = statement.data["by_shop"]
    old = {k: v for k, v in statement.data.items() if k != "by_shop"}
    WeeklyStatement.objects.filter(pk=statement.pk).update(data=old)
    page = client_for(shop_a_owner).get(reverse("contracts:statement", args=[statement.pk]))
    assert page.status_code == 200 and "YTS1" in page.content.decode() and "¥10.00" in page.content.decode()
    statement.refresh_from_db()
    assert statement.data["by_shop"] == split and statement.data["net_fen"] == old["net_fen"]
