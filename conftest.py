"""Fixtures shared by every domain's tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def shop(db: Any) -> Any:
    from fahuo.orders.models import Shop

    return Shop.objects.create(
        code="demo",
        name="小雨直播间",
        platform="douyin",
        sender_name="小雨仓",
        sender_phone="0571-88880000",
        sender_address="浙江省杭州市余杭区仓前街道文一西路1000号",
    )


def _user(username: str, role: str) -> Any:
    from django.contrib.auth.models import User

    from fahuo.accounts.services import assign_role

    user = User.objects.create_user(username=username, password="fahuo-test-pw")
    assign_role(user=user, role=role)
    return User.objects.get(pk=user.pk)  # fresh instance: no stale permission cache


@pytest.fixture
def owner(db: Any) -> Any:
    return _user("owner", "owner")


@pytest.fixture
def operator(db: Any) -> Any:
    return _user("operator", "operator")


@pytest.fixture
def packer(db: Any) -> Any:
    return _user("packer", "packer")


@pytest.fixture
def warehouse(db: Any) -> Any:
    from fahuo.inventory.models import Warehouse

    return Warehouse.objects.create(
        code="HZ",
        name="杭州仓",
        province="浙江省",
        city="杭州市",
        district="余杭区",
        address="文一西路1000号",
    )


@pytest.fixture
def sandbox_carrier(db: Any) -> Any:
    from fahuo.carriers.models import Carrier

    return Carrier.objects.create(code="SANDBOX", name="沙箱快递", provider="sandbox")


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Redis tests need the Redis-backed Huey settings; `make test-redis` runs them with those."""
    import os

    if os.environ.get("FAHUO_REDIS_URL"):
        return
    skip = pytest.mark.skip(reason="needs FAHUO_REDIS_URL (run by `make test-redis`)")
    for item in items:
        if "redis" in item.keywords:
            item.add_marker(skip)
