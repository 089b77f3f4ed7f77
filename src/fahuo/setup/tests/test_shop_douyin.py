"""The shop's 抖店 page: authorise against the simulator, see the state, switch, renew; shop-separated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from fahuo.accounts.services import add_member
from fahuo.integrations.douyin.simulator import DouyinSimulator, SimApp
from fahuo.integrations.simserver import serve
from fahuo.orders.models import Shop
from fahuo.orders.platform_auth import connection_status

APP_KEY, APP_SECRET = "7100000000000000009", "secret-of-the-page-test"


@pytest.fixture
def sim() -> DouyinSimulator:
    sim = DouyinSimulator()
    sim.apps[APP_KEY] = SimApp(app_secret=APP_SECRET)
    return sim


@pytest.fixture
def sim_url(sim: DouyinSimulator) -> Iterator[str]:
    with serve(sim) as url:
        yield url


@pytest.mark.django_db
def test_the_owner_authorises_the_shop_and_switches_ship_back_off(
    client: Client, owner: Any, shop: Shop, sim: DouyinSimulator, sim_url: str
) -> None:
    client.force_login(owner)
    assert "抖店授权" in client.get("/setup/shops/").content.decode()
    page = client.get("/setup/shops/demo/douyin/").content.decode()
    assert "未授权" in page
    code = sim.authorize(APP_KEY, shop_id="4463798", shop_name="小雨的抖店")
    form = {
        "action": "connect",
        "app_key": APP_KEY,
        "app_secret": APP_SECRET,
        "code": code,
        "base_url": sim_url,
    }
    done = client.post("/setup/shops/demo/douyin/", form, follow=True).content.decode()
    assert "已授权" in done and "小雨的抖店" in done and "店铺已完成抖店授权" in done
    assert APP_SECRET not in done
    # Both switches start on; unticking ship-back turns only it off.
    client.post("/setup/shops/demo/douyin/", {"action": "switches", "fetch_orders": "on"})
    status = connection_status(shop)
    assert (status["fetch_orders"], status["ship_back"]) == (True, False)
    renewed = client.post("/setup/shops/demo/douyin/", {"action": "refresh"}, follow=True).content.decode()
    assert "已刷新 access_token" in renewed and len(sim.calls_to("token.refresh")) == 1


@pytest.mark.django_db
def test_a_refused_code_shows_the_platforms_message(
    client: Client, owner: Any, shop: Shop, sim_url: str
) -> None:
    client.force_login(owner)
    form = {
        "action": "connect",
        "app_key": APP_KEY,
        "app_secret": APP_SECRET,
        "code": "nope",
        "base_url": sim_url,
    }
    page = client.post("/setup/shops/demo/douyin/", form).content.decode()
    assert "授权码无效或已使用" in page and "未授权" in page


@pytest.mark.django_db
def test_another_shops_page_is_a_404(client: Client, shop: Shop) -> None:
    Shop.objects.create(code="other", name="别家店", platform="douyin")
    solo = User.objects.create_user(username="solo", password="x-pw-12345")
    add_member(user=solo, shop=shop, role="owner")
    client.force_login(User.objects.get(pk=solo.pk))
    assert client.get("/setup/shops/demo/douyin/").status_code == 200
    other = client.get("/setup/shops/other/douyin/")
    assert other.status_code == 404 and "别家店" not in other.content.decode()
