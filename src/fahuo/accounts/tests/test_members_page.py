"""The members page: an owner manages the people of their own shops, and only those."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from fahuo.accounts.models import AuditLog, Membership
from fahuo.accounts.services import add_member
from fahuo.orders.models import Order, Shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def tea(db: Any) -> Shop:
    return Shop.objects.create(code="tea", name="茶叶私域", platform="wechat")


@pytest.fixture
def shop_owner(shop: Shop) -> Any:
    user = User.objects.create_user(username="xiaoyu", password="fahuo-test-pw")
    add_member(user=user, shop=shop, role="owner")
    return User.objects.get(pk=user.pk)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_owner_sees_the_members_of_their_shops_only(shop_owner: Any, packer: Any, tea: Shop) -> None:
    stranger = User.objects.create_user(username="tea-packer")
    add_member(user=stranger, shop=tea, role="packer")
    page = _client(shop_owner).get("/members/").content.decode()
    assert "packer" in page and 'id="shop-demo"' in page
    assert "tea-packer" not in page and 'id="shop-tea"' not in page


def test_a_new_name_creates_the_user_with_a_one_time_password_who_then_sees_the_shop(
    shop_owner: Any, shop: Shop
) -> None:
    order = Order.objects.create(shop=shop, platform_order_id="M-1")
    response = _client(shop_owner).post(
        "/members/add/", {"shop": shop.pk, "username": "ahua", "role": "packer"}
    )
    password = re.search(r'<code class="mono">([^<]+)</code>', response.content.decode())
    assert response.status_code == 200 and password
    assert Membership.objects.get(user__username="ahua").role == "packer"
    assert AuditLog.objects.filter(action="member.add", user=shop_owner, detail__shop="demo").exists()
    ahua = Client()
    assert ahua.login(username="ahua", password=password.group(1))
    assert ahua.get(f"/orders/{order.pk}/").status_code == 200


def test_changing_a_role_and_removing_a_member_take_effect_at_once(
    shop_owner: Any, packer: Any, shop: Shop
) -> None:
    order = Order.objects.create(shop=shop, platform_order_id="M-2")
    membership = Membership.objects.get(user=packer, shop=shop)
    owner_client, packer_client = _client(shop_owner), _client(packer)
    assert owner_client.post(f"/members/{membership.pk}/role/", {"role": "operator"}).status_code == 302
    assert Membership.objects.get(pk=membership.pk).role == "operator"
    assert owner_client.post(f"/members/{membership.pk}/remove/").status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert packer_client.get(f"/orders/{order.pk}/").status_code in (403, 404)
    assert [r.action for r in AuditLog.objects.filter(object_id=str(packer.pk)).order_by("id")] == [
        "member.role",
        "member.remove",
    ]


def test_another_shops_member_cannot_be_changed_or_removed(shop_owner: Any, tea: Shop) -> None:
    stranger = User.objects.create_user(username="tea-packer")
    theirs = add_member(user=stranger, shop=tea, role="packer")
    client = _client(shop_owner)
    assert client.post(f"/members/{theirs.pk}/role/", {"role": "owner"}).status_code == 404
    assert client.post(f"/members/{theirs.pk}/remove/").status_code == 404
    assert client.post("/members/add/", {"shop": tea.pk, "username": "x", "role": "owner"}).status_code == 400
    assert Membership.objects.get(pk=theirs.pk).role == "packer"


def test_packers_and_operators_do_not_manage_members(packer: Any, operator: Any) -> None:
    for user in (packer, operator):
        assert _client(user).get("/members/").status_code == 403
        assert _client(user).post("/members/add/", {"username": "x"}).status_code == 403


def test_an_owner_cannot_lock_themselves_out(shop_owner: Any, shop: Shop) -> None:
    own = Membership.objects.get(user=shop_owner)
    client = _client(shop_owner)
    assert client.post(f"/members/{own.pk}/role/", {"role": "packer"}).status_code == 409
    assert client.post(f"/members/{own.pk}/remove/").status_code == 409
    assert Membership.objects.get(pk=own.pk).role == "owner"
