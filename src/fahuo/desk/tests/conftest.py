"""Desk test helpers: orders in a known state, logged-in clients per role."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from fahuo.carriers.models import Carrier
from fahuo.kit.testing import client_for as login
from fahuo.orders.models import Order, OrderLine, OrderStatus
from fahuo.orders.services import apply_verification, verify_recipient

PASSWORD = "fahuo-test-pw"
FULL_PHONE = "13812345678"
_seq = itertools.count(1)


def sample_csv() -> Path:
    """The shared 抖店 sample beside the repo (as CI checks it out), else the copy kept with the tests."""
    repo_root = Path(__file__).resolve().parents[4]
    shared = repo_root.parent / "shared" / "samples" / "douyin_order_export.csv"
    return shared if shared.is_file() else Path(__file__).parent / "data" / "douyin_order_export.csv"


def make_order(
    shop: Any, *, phone: str = FULL_PHONE, name: str = "张三丰", detail: str = "南苑街道88号"
) -> Order:
    """A verified order; it needs review when the phone or address does not verify."""
    n = next(_seq)
    # Printing needs a carrier (no silent sandbox): a test carrier, as an owner adds one on purpose.
    carrier, _ = Carrier.objects.get_or_create(
        code="SANDBOX", defaults={"name": "沙箱快递", "provider": "sandbox", "test_mode": True}
    )
    order = Order(
        shop=shop, platform_order_id=f"DT{n:08d}", status=OrderStatus.READY, total_fen=5990, carrier=carrier
    )
    verification = verify_recipient(
        name=name, phone=phone, province="浙江省", city="杭州市", district="临平区", detail=detail
    )
    apply_verification(order=order, verification=verification)
    order.save()
    OrderLine.objects.create(
        order=order, platform_line_id=f"{n}-1", title="玻尿酸面膜", spec="10片装", quantity=2
    )
    return order


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # PBKDF2 takes ~1 s per hash here; users are created and logged in by almost every test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def ready_order(shop: Any) -> Order:
    order = make_order(shop)
    assert order.status == OrderStatus.READY
    return order


@pytest.fixture
def flagged_order(shop: Any) -> Order:
    order = make_order(shop, phone="177148540")  # nine digits: not a mobile number
    assert order.status == OrderStatus.NEEDS_REVIEW
    return order


@pytest.fixture
def owner_client(owner: Any) -> Client:
    return login(owner)


@pytest.fixture
def operator_client(operator: Any) -> Client:
    return login(operator)


@pytest.fixture
def packer_client(packer: Any) -> Client:
    return login(packer)
