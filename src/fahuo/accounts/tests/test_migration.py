"""Upgrading a desk: existing operators and packers keep seeing every shop, as explicit memberships."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0001_initial"), ("orders", "0003_order_pickup_at")]
AFTER = [("accounts", "0002_memberships_token_shops")]


@pytest.mark.django_db(transaction=True)
def test_existing_staff_become_members_of_every_shop_and_owners_stay_global(transactional_db: Any) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Group, User = old.get_model("auth", "Group"), old.get_model("auth", "User")
    Shop = old.get_model("orders", "Shop")
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ("owner", "operator", "packer")}
    shops = [Shop.objects.create(code=c, name=c) for c in ("a", "b")]
    for name in ("boss", "op", "pk"):
        user = User.objects.create(username=name)
        user.groups.add(groups[{"boss": "owner", "op": "operator", "pk": "packer"}[name]])

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Membership = new.get_model("accounts", "Membership")
    rows = sorted(Membership.objects.values_list("user__username", "shop__code", "role"))
    assert rows == [
        ("op", "a", "operator"),
        ("op", "b", "operator"),
        ("pk", "a", "packer"),
        ("pk", "b", "packer"),
    ]
    assert len(shops) == 2

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the database as the other tests expect
