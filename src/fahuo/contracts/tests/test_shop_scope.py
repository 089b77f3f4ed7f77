"""Contracts span every shop's parcels: a user who sees only some shops cannot open them."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from fahuo.accounts.models import ApiToken
from fahuo.accounts.services import add_member, assign_role
from fahuo.kit.testing import client_for
from fahuo.orders.models import Shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop_a_owner(shop: Any) -> Any:
    Shop.objects.create(code="other", name="乙店秘密旗舰", platform="douyin")
    user = User.objects.create_user(username="a-owner", password="fahuo-test-pw")
    add_member(user=user, shop=shop, role="owner")  # first: an owner without memberships owns every shop
    assign_role(user=user, role="owner")
    return User.objects.get(pk=user.pk)


def test_an_owner_of_one_shop_gets_403_on_the_contract_pages(shop_a_owner: Any) -> None:
    client = client_for(shop_a_owner)
    for url in ("/contracts/", "/contracts/claims/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "全部店铺" in response.content.decode()


def test_an_owner_of_one_shop_gets_403_from_the_contracts_api(shop_a_owner: Any) -> None:
    _, raw = ApiToken.issue(user=shop_a_owner, name="a")
    api = Client(headers={"authorization": f"Bearer {raw}"})
    response = api.get("/api/contracts/statements")
    assert response.status_code == 403
    assert "全部店铺" in response.json()["message"]


def test_a_member_of_every_shop_still_reads_them(operator: Any) -> None:
    assert client_for(operator).get("/contracts/").status_code == 200
