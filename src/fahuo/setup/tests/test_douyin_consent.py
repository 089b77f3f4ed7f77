"""抖店 consent link (issue #13): fahuo sends the owner to the platform's consent page with the app's
service id and a signed state; the page sends them back with a code, which fahuo exchanges with
token.create. Against the simulator over real HTTP; the pasted code stays as a fallback."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.contrib.auth.models import User
from django.test import Client

from fahuo.accounts.services import add_member
from fahuo.integrations.douyin import auth
from fahuo.integrations.douyin.simulator import DouyinSimulator, SimApp
from fahuo.integrations.simserver import serve
from fahuo.orders.models import Shop
from fahuo.orders.platform_auth import connection_status

pytestmark = pytest.mark.django_db
APP_KEY, APP_SECRET = "7100000000000000077", "secret-of-the-consent-test"


@pytest.fixture
def sim() -> DouyinSimulator:
    sim = DouyinSimulator()
    sim.apps[APP_KEY] = SimApp(app_secret=APP_SECRET)
    sim.tokens.merchant = ("4463798", "小雨的抖店")
    return sim


@pytest.fixture
def sim_url(sim: DouyinSimulator) -> Iterator[str]:
    with serve(sim) as url:
        yield url


def start(client: Client, sim_url: str, **extra: str) -> Any:
    form = {"action": "consent", "app_key": APP_KEY, "app_secret": APP_SECRET, "base_url": sim_url}
    return client.post("/setup/shops/demo/douyin/", form | {"service_id": "12345"} | extra)


def consent_link(page: Any) -> str:
    found = re.search(r'id="douyin-consent-link" href="([^"]+)"', page.content.decode())
    assert found, "no consent link on the page"
    return html.unescape(found.group(1))


def agree(link: str) -> str:
    """The owner clicks 授权 on the platform's page: where it sends the browser back."""
    page = httpx.get(link)
    assert page.status_code == 200 and "小雨的抖店" in page.text
    fields = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    back = httpx.post(link.split("?")[0], data=fields, follow_redirects=False)
    assert back.status_code == 302
    return back.headers["location"]


def test_the_official_link_goes_to_the_service_market_with_service_id_and_state() -> None:
    link = auth.authorize_url(service_id="19", state="s1", app_key=APP_KEY, redirect_uri="https://x/cb/")
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://fuwu.jinritemai.com/authorize"
    assert parse_qs(parts.query)["service_id"] == ["19"] and parse_qs(parts.query)["state"] == ["s1"]


def test_the_owner_agrees_on_the_consent_page_and_comes_back_connected(
    client: Client, owner: Any, shop: Shop, sim: DouyinSimulator, sim_url: str
) -> None:
    client.force_login(owner)
    link = consent_link(start(client, sim_url))
    assert link.startswith(sim_url + "/authorize?")
    assert connection_status(shop)["state"] == "not_connected"  # nothing connected before the owner agrees
    back = urlsplit(agree(link))
    assert back.path == "/setup/douyin/callback/"
    assert sim.tokens.consents[0]["service_id"] == "12345"
    done = client.get(back.path + "?" + back.query, follow=True).content.decode()
    assert "店铺已完成抖店授权" in done and "已授权" in done and "小雨的抖店" in done
    status = connection_status(shop)
    assert (status["state"], status["douyin_shop_id"]) == ("connected", "4463798")
    assert APP_SECRET not in done
    # The state is good for one code: replaying the callback is refused, the shop stays connected.
    again = client.get(back.path + "?" + back.query, follow=True).content.decode()
    assert "这次授权已完成" in again and connection_status(shop)["state"] == "connected"


def test_a_forged_state_is_refused(client: Client, owner: Any, shop: Shop) -> None:
    client.force_login(owner)
    page = client.get("/setup/douyin/callback/?code=abc&state=forged", follow=True).content.decode()
    assert "授权链接无效或已过期" in page


def test_the_service_id_is_asked_for_on_its_field(
    client: Client, owner: Any, shop: Shop, sim_url: str
) -> None:
    client.force_login(owner)
    page = start(client, sim_url, service_id="")
    assert page.status_code == 422 and "请填写服务ID" in page.content.decode()


def test_another_owners_callback_cannot_connect_a_shop_they_do_not_manage(
    client: Client, owner: Any, shop: Shop, sim_url: str
) -> None:
    client.force_login(owner)
    back = urlsplit(agree(consent_link(start(client, sim_url))))
    other = Shop.objects.create(code="other", name="别家店", platform="douyin")
    solo = User.objects.create_user(username="solo", password="x-pw-12345")
    add_member(user=solo, shop=other, role="owner")
    intruder = Client()
    intruder.force_login(solo)
    page = intruder.get(back.path + "?" + back.query, follow=True).content.decode()
    assert "不归你管理" in page and connection_status(shop)["state"] == "not_connected"
