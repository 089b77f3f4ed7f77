"""A 抖店 shop authorised against the simulator over HTTP: code → tokens, renewal before expiry and on
an expired-token answer, switches, status; the API and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import timezone

from fahuo.accounts.models import ApiToken
from fahuo.accounts.services import add_member
from fahuo.carriers.models import ProviderAccount
from fahuo.integrations.douyin.client import DouyinShopPlatform
from fahuo.integrations.douyin.settings import DouyinSettings
from fahuo.integrations.douyin.simulator import DouyinSimulator, SimApp
from fahuo.integrations.simserver import serve
from fahuo.inventory.tests.test_day_one_cli import _env, fahuo
from fahuo.kit.errors import InvalidInput, ProviderError
from fahuo.kit.testing import detail
from fahuo.orders import platform_auth
from fahuo.orders.models import Shop

APP_KEY, APP_SECRET = "7100000000000000001", "app-secret-for-tests"
DOUYIN_SHOP_ID = "4463798"


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now().timestamp()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sim(clock: Clock) -> DouyinSimulator:
    sim = DouyinSimulator(clock=clock, max_skew_s=10**8)  # the desk's own clock does not move
    sim.apps[APP_KEY] = SimApp(app_secret=APP_SECRET)
    sim.add_order("6920000000000000001")
    return sim


@pytest.fixture
def sim_url(sim: DouyinSimulator) -> Iterator[str]:
    with serve(sim) as url:
        yield url


def _connect(shop: Shop, sim: DouyinSimulator, url: str) -> ProviderAccount:
    code = sim.authorize(APP_KEY, shop_id=DOUYIN_SHOP_ID, shop_name="小雨的抖店")
    return platform_auth.connect_douyin(
        shop=shop, app_key=APP_KEY, app_secret=APP_SECRET, code=code, base_url=url
    )


def _stored(account: ProviderAccount) -> dict[str, Any]:
    account.refresh_from_db()
    return json.loads(account.credentials)


def _expires(account: ProviderAccount) -> dt.datetime:
    assert account.token_expires_at is not None
    return account.token_expires_at


@pytest.mark.django_db
def test_connecting_exchanges_the_code_for_a_token_pair_stored_encrypted(
    shop: Shop, sim: DouyinSimulator, sim_url: str
) -> None:
    account = _connect(shop, sim, sim_url)
    creds = _stored(account)
    assert creds["access_token"].startswith("act.") and creds["refresh_token"].startswith("rft.")
    assert (creds["shop_id"], creds["shop_name"]) == (DOUYIN_SHOP_ID, "小雨的抖店")
    left = _expires(account) - timezone.now()
    assert dt.timedelta(days=6, hours=23) < left <= dt.timedelta(days=7)
    with connection.cursor() as cursor:  # no token readable in the table itself
        cursor.execute("SELECT credentials FROM carriers_provideraccount WHERE id = %s", [account.pk])
        raw = cursor.fetchone()[0]
    assert creds["access_token"] not in raw and creds["refresh_token"] not in raw and APP_SECRET not in raw
    status = platform_auth.connection_status(shop)
    assert status["state"] == "connected" and status["fetch_orders"] and status["ship_back"]
    assert status["douyin_shop_name"] == "小雨的抖店"
    # The token works: a ship-back goes through with it.
    with DouyinShopPlatform(DouyinSettings.from_account(account)) as platform:
        platform.ship(order_id="6920000000000000001", company_code="zhongtong", logistics_code="ZT1")
    assert sim.shipped("6920000000000000001") == [("ZT1", "zhongtong", ("6920000000000000001",))]


@pytest.mark.django_db
def test_a_used_or_wrong_code_is_refused_with_the_platforms_message(
    shop: Shop, sim: DouyinSimulator, sim_url: str
) -> None:
    code = sim.authorize(APP_KEY, shop_id=DOUYIN_SHOP_ID)
    platform_auth.connect_douyin(
        shop=shop, app_key=APP_KEY, app_secret=APP_SECRET, code=code, base_url=sim_url
    )
    with pytest.raises(ProviderError, match="授权码无效或已使用"):
        platform_auth.connect_douyin(
            shop=shop, app_key=APP_KEY, app_secret=APP_SECRET, code=code, base_url=sim_url
        )
    private = Shop.objects.create(code="wx", name="私域", platform="private")
    with pytest.raises(InvalidInput, match="不是抖店店铺"):
        platform_auth.connect_douyin(shop=private, app_key=APP_KEY, app_secret=APP_SECRET, code="x")


@pytest.mark.django_db
def test_the_periodic_renewal_replaces_the_pair_in_the_last_hour_and_leaves_others(
    shop: Shop, sim: DouyinSimulator, sim_url: str, clock: Clock
) -> None:
    account = _connect(shop, sim, sim_url)
    first = _stored(account)
    # Days before expiry nothing is due.
    assert platform_auth.renew_due().as_dict() == {"renewed": [], "failed": []}
    # 50 minutes before expiry (simulator and desk clocks agree).
    later = _expires(account) - dt.timedelta(minutes=50)
    clock.now = later.timestamp()
    assert platform_auth.renew_due(now=later).as_dict() == {"renewed": ["demo"], "failed": []}
    second = _stored(account)
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    # A full new life (the desk's own clock stayed put in this test, the platform's moved).
    assert _expires(account) - timezone.now() > dt.timedelta(days=6, hours=23)
    assert account.last_error == ""


@pytest.mark.django_db
def test_an_expired_token_answer_renews_once_and_the_call_goes_through(
    shop: Shop, sim: DouyinSimulator, sim_url: str, clock: Clock
) -> None:
    account = _connect(shop, sim, sim_url)
    old = _stored(account)["access_token"]
    # The desk was off: the access token expired a day ago, the refresh token still holds.
    clock.now = (_expires(account) + dt.timedelta(days=1)).timestamp()
    settings = DouyinSettings.from_account(account)
    with DouyinShopPlatform(settings) as platform:
        platform.ship(order_id="6920000000000000001", company_code="zhongtong", logistics_code="ZT2")
    # The first attempt was refused at the gateway (isv.access-token-expired, not recorded as a
    # call); one renewal, then the upload went through with the new token.
    assert len(sim.calls_to("token.refresh")) == 1
    assert [c.code for c in sim.calls_to("order.logisticsAdd")] == [10000]
    new = _stored(account)["access_token"]
    assert new != old
    assert sim.shipped("6920000000000000001")[0][0] == "ZT2"


@pytest.mark.django_db
def test_a_refresh_token_past_its_life_is_shown_on_the_status_and_not_retried_forever(
    shop: Shop, sim: DouyinSimulator, sim_url: str, clock: Clock
) -> None:
    account = _connect(shop, sim, sim_url)
    clock.now = (timezone.now() + dt.timedelta(days=15)).timestamp()
    settings = DouyinSettings.from_account(account)
    with pytest.raises(ProviderError, match="refresh_token已过期"):
        with DouyinShopPlatform(settings) as platform:
            platform.ship(order_id="6920000000000000001", company_code="zhongtong", logistics_code="ZT3")
    assert len(sim.calls_to("token.refresh")) == 1  # once, not in a loop
    status = platform_auth.connection_status(shop, now=timezone.now() + dt.timedelta(days=15))
    assert status["state"] == "expired" and "refresh_token已过期" in status["last_error"]


@pytest.mark.django_db
def test_ship_back_off_refuses_to_upload_with_a_sentence(
    shop: Shop, sim: DouyinSimulator, sim_url: str
) -> None:
    _connect(shop, sim, sim_url)
    account = platform_auth.set_switches(shop=shop, ship_back=False, fetch_orders=False)
    assert platform_auth.connection_status(shop)["ship_back"] is False
    assert platform_auth.fetch_enabled(shop) is False
    with pytest.raises(ProviderError, match="本店已关闭发货回传") as refused:
        with DouyinShopPlatform(DouyinSettings.from_account(account)) as platform:
            platform.ship(order_id="6920000000000000001", company_code="zhongtong", logistics_code="ZT4")
    assert detail(refused.value)["retryable"] is False
    assert sim.calls_to("order.logisticsAdd") == []


# --- API ---------------------------------------------------------------------------------------


def _api(user: Any) -> Client:
    _, raw = ApiToken.issue(user=user, name="test")
    return Client(headers={"authorization": f"Bearer {raw}"})


@pytest.mark.django_db
def test_the_api_connects_switches_and_reports_and_hides_other_shops(
    shop: Shop, owner: Any, operator: Any, sim: DouyinSimulator, sim_url: str
) -> None:
    api = _api(owner)
    code = sim.authorize(APP_KEY, shop_id=DOUYIN_SHOP_ID)
    body = {"app_key": APP_KEY, "app_secret": APP_SECRET, "code": code, "base_url": sim_url}
    done = api.post("/api/setup/shops/demo/douyin", data=body, content_type="application/json")
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "connected" and "app_secret" not in done.content.decode()
    switched = api.patch(
        "/api/setup/shops/demo/douyin", data={"fetch_orders": False}, content_type="application/json"
    )
    assert switched.json()["fetch_orders"] is False and switched.json()["ship_back"] is True
    assert api.get("/api/setup/shops/demo/douyin").json()["state"] == "connected"
    # An operator of the shop may read the status but not connect; another shop is a 404.
    assert _api(operator).get("/api/setup/shops/demo/douyin").status_code == 403
    Shop.objects.create(code="other", name="别家", platform="douyin")
    solo = User.objects.create_user(username="solo", password="x-pw-12345")
    add_member(user=solo, shop=shop, role="owner")
    solo = User.objects.get(pk=solo.pk)
    assert _api(solo).get("/api/setup/shops/other/douyin").status_code == 404


# --- CLI ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_shops_connect_douyin_from_the_cli_against_the_simulator(
    tmp_path: Path, sim: DouyinSimulator
) -> None:
    env = _env(tmp_path / "data")
    (tmp_path / "data").mkdir()
    fahuo(env, "manage", "migrate", "-v0")
    fahuo(env, "shops", "add", "xy", "--name", "小雨", "--platform", "douyin")
    secret = tmp_path / "secret.txt"
    secret.write_text(APP_SECRET + "\n", encoding="utf-8")
    with serve(sim) as url:
        code = sim.authorize(APP_KEY, shop_id=DOUYIN_SHOP_ID, shop_name="小雨的抖店")
        out = fahuo(
            env, "shops", "connect-douyin", "xy", "--app-key", APP_KEY, "--app-secret-file", str(secret),
            "--code", code, "--base-url", url, "--json",
        )  # fmt: skip
        status = json.loads(out.stdout)
        assert (status["shop"], status["state"], status["douyin_shop_name"]) == (
            "xy",
            "connected",
            "小雨的抖店",
        )
        assert APP_SECRET not in out.stdout + out.stderr
        again = fahuo(
            env, "shops", "connect-douyin", "xy", "--app-key", APP_KEY, "--app-secret-file", str(secret),
            "--code", code, "--base-url", url, ok=False,
        )  # fmt: skip
        assert (
            again.returncode == 2 and "授权码无效或已使用" in again.stderr and "Traceback" not in again.stderr
        )
        off = json.loads(fahuo(env, "shops", "douyin", "xy", "--ship-back", "off", "--json").stdout)
        assert (off["ship_back"], off["fetch_orders"]) == (False, True)
        renewed = json.loads(fahuo(env, "shops", "douyin", "xy", "--refresh", "--json").stdout)
        assert renewed["state"] == "connected"
    assert len(sim.calls_to("token.refresh")) == 1


@pytest.mark.django_db
def test_the_periodic_task_renews_what_is_due_and_retries_a_dead_one_only_hourly(
    shop: Shop, sim: DouyinSimulator, sim_url: str, clock: Clock
) -> None:
    from fahuo.orders.tasks import renew_douyin_tokens_task

    account = _connect(shop, sim, sim_url)
    before = _stored(account)["access_token"]
    # The platform's clock in the token's last half hour; the desk sees the same remaining time.
    clock.now = (_expires(account) - dt.timedelta(minutes=30)).timestamp()
    ProviderAccount.objects.filter(pk=account.pk).update(
        token_expires_at=timezone.now() + dt.timedelta(minutes=30)
    )
    assert renew_douyin_tokens_task.call_local() == {"renewed": ["demo"], "failed": []}
    assert _stored(account)["access_token"] != before
    # Past the refresh token's life: refused once, recorded, then left alone for an hour.
    clock.now += 15 * 86400
    ProviderAccount.objects.filter(pk=account.pk).update(
        token_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    failed = renew_douyin_tokens_task.call_local()["failed"]
    assert [f["shop"] for f in failed] == ["demo"] and "refresh_token已过期" in failed[0]["error"]
    assert renew_douyin_tokens_task.call_local() == {"renewed": [], "failed": []}
    assert len(sim.calls_to("token.refresh")) == 2
