"""Memberships: who sees which shop, with which role, and how an API token narrows it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from fahuo.accounts.models import ApiToken, Membership
from fahuo.accounts.selectors import can, role_in, shops_for, visible
from fahuo.accounts.services import add_member, remove_member
from fahuo.kit.errors import Conflict
from fahuo.orders.models import Order, Shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def tea(db: Any) -> Shop:
    return Shop.objects.create(code="tea", name="茶叶私域", platform="wechat")


def _fresh(user: Any) -> Any:
    return User.objects.get(pk=user.pk)


def test_owner_without_memberships_sees_every_shop(owner: Any, shop: Shop, tea: Shop) -> None:
    assert set(shops_for(owner)) == {shop, tea}
    assert role_in(owner, tea) == "owner"


def test_packer_sees_only_their_shop(packer: Any, shop: Shop, tea: Shop) -> None:
    assert list(shops_for(packer)) == [shop]
    assert role_in(packer, shop) == "packer"
    assert role_in(packer, tea) == ""
    assert can(packer, "orders.view_order", shop)
    assert not can(packer, "orders.view_order", tea)
    assert not can(packer, "orders.change_order", shop)


def test_role_is_per_shop(shop: Shop, tea: Shop) -> None:
    user = User.objects.create_user(username="mei", password="x")
    add_member(user=user, shop=shop, role="operator")
    add_member(user=user, shop=tea, role="packer")
    user = _fresh(user)
    assert can(user, "orders.change_order", shop)
    assert not can(user, "orders.change_order", tea)
    assert user.has_perm("orders.change_order")  # the group is the highest role


def test_removing_the_last_membership_leaves_no_role(shop: Shop, tea: Shop) -> None:
    user = User.objects.create_user(username="mei", password="x")
    add_member(user=user, shop=shop, role="owner")
    remove_member(user=user, shop=shop)
    user = _fresh(user)
    # Not an "owner of every shop" just because the membership list became empty.
    assert list(shops_for(user)) == []
    assert not can(user, "orders.view_order")


def test_changing_a_role_updates_the_one_row(packer: Any, shop: Shop) -> None:
    add_member(user=packer, shop=shop, role="operator")
    assert Membership.objects.get(user=packer).role == "operator"
    assert can(_fresh(packer), "orders.change_order", shop)


def test_an_owner_of_every_shop_is_not_shrunk_to_one(owner: Any, shop: Shop) -> None:
    with pytest.raises(Conflict):
        add_member(user=owner, shop=shop, role="operator")


def test_token_shops_and_role_cap_the_user(owner: Any, shop: Shop, tea: Shop) -> None:
    token, _ = ApiToken.issue(user=owner, name="erp", shops=[tea], role="packer")
    owner.fahuo_token_shop_ids = [tea.pk]
    owner.fahuo_token_role = token.role
    assert list(shops_for(owner)) == [tea]
    assert role_in(owner, shop) == ""
    assert role_in(owner, tea) == "packer"
    assert not can(owner, "orders.reveal_customer", tea)


def test_visible_filters_a_queryset_by_shop(packer: Any, shop: Shop, tea: Shop) -> None:
    Order.objects.create(shop=shop, platform_order_id="A1")
    Order.objects.create(shop=tea, platform_order_id="B1")
    assert list(visible(Order.objects.all(), packer).values_list("platform_order_id", flat=True)) == ["A1"]


def test_the_role_that_counts_is_the_one_in_the_records_shop(shop: Shop, tea: Shop) -> None:
    """An operator of one shop who only packs for another cannot edit or void the other's orders."""
    from django.test import Client

    user = User.objects.create_user(username="mei", password="x")
    add_member(user=user, shop=shop, role="operator")
    add_member(user=user, shop=tea, role="packer")
    theirs = Order.objects.create(shop=tea, platform_order_id="T-1", status="ready")
    client = Client()
    client.force_login(user)
    assert client.get(f"/orders/{theirs.pk}/").status_code == 200  # a packer reads it
    edit = client.post(f"/orders/{theirs.pk}/recipient/", {"name": "x", "province": "浙江省"})
    assert edit.status_code == 403
    _, raw = ApiToken.issue(user=user, name="t")
    api = Client(headers={"authorization": f"Bearer {raw}"})
    void = api.post(
        f"/api/fulfilment/orders/{theirs.pk}/void", {"reason": "other"}, content_type="application/json"
    )
    assert void.status_code == 403


def test_orders_cannot_be_pushed_into_another_shop(operator: Any, tea: Shop) -> None:
    from django.test import Client

    _, raw = ApiToken.issue(user=operator, name="erp")
    api = Client(headers={"authorization": f"Bearer {raw}"})
    order = {
        "platform_order_id": "X-1",
        "recipient": {"name": "王小明", "phone": "13900001111", "address": "浙江省杭州市西湖区文一西路588号"},
        "lines": [{"line_id": "1", "sku_code": "S", "title": "糖", "quantity": 1, "unit_price": "1.00"}],
    }
    response = api.post("/api/orders", {"shop": "tea", "orders": [order]}, content_type="application/json")
    assert response.status_code == 404
    assert not Order.objects.filter(platform_order_id="X-1").exists()
