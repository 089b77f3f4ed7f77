"""Message test fixtures: quiet hours off, the public URL, provider simulators served over HTTP with
the accounts that point at them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from fahuo.integrations.messaging.douyin_im.simulator import DouyinImSimulator
from fahuo.integrations.messaging.sms_kdniao.simulator import KdniaoSmsSimulator
from fahuo.integrations.messaging.wechat.client import forget_tokens
from fahuo.integrations.messaging.wechat.simulator import DEMO_TEMPLATE_ID, WechatSimulator
from fahuo.integrations.simserver import serve
from fahuo.kit.testing import client_for as login  # noqa: F401  (imported from here by notify's tests)

PASSWORD = "fahuo-test-pw"
SMS_EBID, SMS_KEY = "1237100", "sms-app-key-for-tests"
DY_KEY, DY_SECRET, DY_TOKEN = "7000000000000000009", "dy-secret-for-tests", "dy-token-for-tests"
WX_APPID, WX_SECRET = "wxtests000000001", "wx-secret-for-tests"


@pytest.fixture(autouse=True)
def _message_settings(settings: Any) -> Iterator[None]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.FAHUO_MESSAGE_QUIET_HOURS = None
    settings.FAHUO_PUBLIC_URL = "https://fahuo.example.com"
    settings.FAHUO_MESSAGE_RATES = {"sms": "1000/s", "douyin_im": "1000/s", "wechat": "1000/s"}
    forget_tokens()
    yield
    forget_tokens()


def _account(provider: str, base_url: str, creds: dict[str, Any], shop: Any = None) -> Any:
    from fahuo.carriers.models import ProviderAccount

    return ProviderAccount.objects.create(
        provider=provider, name=provider, shop=shop, base_url=base_url, credentials=json.dumps(creds)
    )


@pytest.fixture
def sms_sim(db: Any) -> Iterator[KdniaoSmsSimulator]:
    sim = KdniaoSmsSimulator.with_account(SMS_EBID, SMS_KEY)
    with serve(sim) as url:
        _account("kdniao_sms", url, {"ebusiness_id": SMS_EBID, "app_key": SMS_KEY})
        yield sim


@pytest.fixture
def im_sim(shop: Any) -> Iterator[DouyinImSimulator]:
    sim = DouyinImSimulator.with_app(DY_KEY, DY_SECRET, DY_TOKEN, accept_unknown_orders=True)
    with serve(sim) as url:
        _account(
            "douyin", url, {"app_key": DY_KEY, "app_secret": DY_SECRET, "access_token": DY_TOKEN}, shop=shop
        )
        yield sim


@pytest.fixture
def wechat_sim(db: Any) -> Iterator[WechatSimulator]:
    sim = WechatSimulator.with_app(WX_APPID, WX_SECRET)
    with serve(sim) as url:
        _account(
            "wechat", url, {"appid": WX_APPID, "secret": WX_SECRET, "templates": {"*": DEMO_TEMPLATE_ID}}
        )
        yield sim


@pytest.fixture
def sms_shop(db: Any) -> Any:
    """A shop whose buyers are reached by SMS (no 抖店 account)."""
    from fahuo.orders.models import Shop

    return Shop.objects.create(code="sms", name="阿花的小店", platform="manual")


@pytest.fixture
def library(db: Any) -> None:
    from fahuo.notify.services import ensure_default_templates

    ensure_default_templates()
