"""Desk pages ask the accounts rule (a role in a shop), installed into kit.web at start-up."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission, User
from django.test import Client

from fahuo.kit import web


def test_the_desk_asks_the_accounts_rule_not_only_django_permissions(db: Any, shop: Any) -> None:
    from fahuo.accounts.selectors import can

    assert web._permission_check[0] is can
    outsider = User.objects.create_user(username="outsider", password="fahuo-test-pw")
    outsider.user_permissions.add(
        Permission.objects.get(codename="view_order", content_type__app_label="orders")
    )
    outsider = User.objects.get(pk=outsider.pk)
    assert outsider.has_perm("orders.view_order")  # Django alone would let this user in
    client = Client()
    client.force_login(outsider)
    response = client.get("/carriers/")
    assert response.status_code == 403  # no role in any shop
