"""Tracking test fixtures: provider accounts the hooks verify pushes with, golden payloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fahuo.kit.testing import golden  # noqa: F401  (re-exported for this folder's tests)

INTEGRATIONS = Path(__file__).resolve().parents[2] / "integrations"
KDNIAO_EBID, KDNIAO_KEY = "1237100", "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17"
K100_KEY, K100_SALT = "k100-key", "k100-salt-for-tests"
DOUYIN_APP_KEY, DOUYIN_SECRET, DOUYIN_SHOP_ID = (
    "test-app-key-7000000000000000001",
    "test-app-secret-abcdef",
    "4463798",
)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def kdniao_account(db: Any) -> Any:
    from fahuo.carriers.models import ProviderAccount

    creds = {"ebusiness_id": KDNIAO_EBID, "app_key": KDNIAO_KEY}
    return ProviderAccount.objects.create(provider="kdniao", name="快递鸟", credentials=json.dumps(creds))


@pytest.fixture
def kuaidi100_account(db: Any) -> Any:
    from fahuo.carriers.models import ProviderAccount

    creds = {"key": K100_KEY, "secret": "k100-secret", "salt": K100_SALT}
    return ProviderAccount.objects.create(provider="kuaidi100", name="快递100", credentials=json.dumps(creds))


@pytest.fixture
def douyin_account(shop: Any) -> Any:
    from fahuo.carriers.models import ProviderAccount

    creds = {
        "app_key": DOUYIN_APP_KEY,
        "app_secret": DOUYIN_SECRET,
        "access_token": "token",
        "shop_id": DOUYIN_SHOP_ID,
    }
    return ProviderAccount.objects.create(
        provider="douyin", name="抖店", shop=shop, credentials=json.dumps(creds)
    )
