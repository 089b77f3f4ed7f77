"""The shop's shipping page and API: default warehouse, ship-back moment, unpacked alert; shop-separated."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from fahuo.accounts.models import ApiToken
from fahuo.accounts.services import add_member
from fahuo.inventory.models import Warehouse
from fahuo.orders.models import Shop

pytestmark = pytest.mark.django_db


def api_for(user: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user=user, name='t')[1]}")


@pytest.fixture
def hz(db: Any) -> Warehouse:
    return Warehouse.objects.create(code="HZ", name="杭州仓", province="浙江省", city="杭州市")


def test_the_owner_picks_the_warehouse_and_the_moment_in_chinese(
    client: Client, owner: Any, shop: Shop, hz: Warehouse
) -> None:
    client.force_login(owner)
    assert "/setup/shops/demo/shipping/" in client.get("/setup/shops/").content.decode()
    page = client.get("/setup/shops/demo/shipping/").content.decode()
    assert "默认发货仓" in page and "验货打包后回传" in page and "杭州仓" in page
    form = {"default_warehouse": "HZ", "ship_back_at": "print", "unpacked_alert_hours": "6"}
    done = client.post("/setup/shops/demo/shipping/", form, follow=True).content.decode()
    assert "发货设置已保存" in done
    shop.refresh_from_db()
    assert (shop.default_warehouse_id, shop.shipback_at, shop.unpacked_alert_hours) == (hz.pk, "print", 6)


def test_hours_out_of_range_are_refused_in_chinese_and_nothing_changes(
    client: Client, owner: Any, shop: Shop
) -> None:
    client.force_login(owner)
    page = client.post(
        "/setup/shops/demo/shipping/",
        {"default_warehouse": "", "ship_back_at": "issue", "unpacked_alert_hours": "999"},
    )
    assert page.status_code == 422
    assert "确保该值小于或等于168" in page.content.decode()
    assert Shop.objects.get(pk=shop.pk).shipback_at == "pack"


def test_the_api_reads_and_changes_the_settings_and_refuses_an_unknown_warehouse(
    owner: Any, shop: Shop, hz: Warehouse
) -> None:
    client = api_for(owner)
    url = "/api/setup/shops/demo/shipping"
    assert client.get(url).json() == {
        "shop": "demo",
        "default_warehouse": None,
        "ship_back_at": "pack",
        "unpacked_alert_hours": 4,
    }
    changed = client.put(
        url, json.dumps({"default_warehouse": "HZ", "ship_back_at": "issue"}), "application/json"
    )
    assert changed.json()["default_warehouse"] == "HZ" and changed.json()["ship_back_at"] == "issue"
    bad = client.put(url, json.dumps({"default_warehouse": "NOPE"}), "application/json")
    assert bad.status_code == 422 and "仓库不存在或已停用" in bad.json()["message"]


def test_another_shops_shipping_page_and_api_are_404(client: Client, shop: Shop) -> None:
    Shop.objects.create(code="other", name="别家店", platform="douyin")
    solo = User.objects.create_user(username="solo", password="x-pw-12345")
    add_member(user=solo, shop=shop, role="owner")
    client.force_login(User.objects.get(pk=solo.pk))
    assert client.get("/setup/shops/demo/shipping/").status_code == 200
    other = client.get("/setup/shops/other/shipping/")
    assert other.status_code == 404 and "别家店" not in other.content.decode()
    api = api_for(solo)
    assert api.get("/api/setup/shops/other/shipping").status_code == 404
    put = api.put(
        "/api/setup/shops/other/shipping", json.dumps({"ship_back_at": "issue"}), "application/json"
    )
    assert put.status_code == 404
    assert Shop.objects.get(code="other").shipback_at == "pack"
