"""The first-run wizard and the owner set-up pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fahuo.accounts.services import role_of
from fahuo.carriers.models import Capacity, Carrier
from fahuo.catalog.models import Sku
from fahuo.inventory.models import Stock, Warehouse
from fahuo.orders.models import Shop
from fahuo.setup.models import Company


@pytest.mark.django_db
def test_an_empty_install_opens_the_wizard_instead_of_a_login(client: Client) -> None:
    assert client.get("/login/").url == "/setup/welcome/"  # type: ignore[attr-defined]
    page = client.get("/setup/welcome/")
    assert "创建店主账号" in page.content.decode()
    bad = client.post(
        "/setup/welcome/",
        {"company": "小雨", "username": "boss", "password": "a-long-pass-1", "password2": "x"},
    )
    assert bad.status_code == 422 and not User.objects.exists()
    done = client.post(
        "/setup/welcome/",
        {
            "company": "小雨电商",
            "username": "boss",
            "password": "a-long-pass-1",
            "password2": "a-long-pass-1",
        },
    )
    assert done.url == "/setup/"  # type: ignore[attr-defined]
    user = User.objects.get(username="boss")
    assert role_of(user) == "owner" and Company.objects.get().name == "小雨电商"
    assert "小雨电商" in client.get("/setup/").content.decode()  # logged in
    # once there is a user: the wizard is closed, the login page is a login page
    client.logout()
    assert client.get("/setup/welcome/").url == "/login/"  # type: ignore[attr-defined]
    assert client.get("/login/").status_code == 200


@pytest.mark.django_db
def test_an_owner_sets_up_shop_warehouse_carrier_products_and_stock(client: Client, owner: Any) -> None:
    client.force_login(owner)
    r = client.post("/setup/shops/", {"code": "xy", "name": "小雨直播间", "platform": "douyin"})
    assert r.status_code == 302 and Shop.objects.get(code="xy").name == "小雨直播间"
    r = client.post(
        "/setup/warehouses/",
        {
            "code": "HZ",
            "name": "杭州仓",
            "province": "浙江",
            "city": "杭州",
            "district": "余杭区",
            "packers": 3,
            "packing_rate": 60,
        },
    )
    assert r.status_code == 302 and Warehouse.objects.get(code="HZ").province == "浙江省"
    r = client.post("/setup/carriers/", {"action": "add", "code": "ZTO", "provider": "sandbox"})
    assert not Carrier.objects.exists()  # the sandbox only as a test carrier
    assert "测试" in r.content.decode()
    client.post("/setup/carriers/", {"action": "add", "code": "ZTO", "provider": "sandbox", "test": "on"})
    assert Carrier.objects.get(code="ZTO").test_mode
    client.post(
        "/setup/carriers/", {"action": "capacity", "carrier": "ZTO", "warehouse": "HZ", "max_parcels": 300}
    )
    assert Capacity.objects.get().max_parcels == 300
    skus = SimpleUploadedFile("s.csv", "sku_code,name,weight_g\nA,面膜,1.2kg\nB,茶,abc\n".encode())
    r = client.post("/setup/products/", {"file": skus})
    assert "abc" in r.content.decode() and not Sku.objects.exists()
    skus = SimpleUploadedFile("s.csv", "sku_code,name,weight_g\nA,面膜,1.2kg\n".encode())
    client.post("/setup/products/", {"file": skus})
    assert Sku.objects.get(code="A").weight_g == 1200
    r = client.post(
        "/setup/products/A/",
        {"name": "面膜", "weight_g": 350, "traits": ["fragile"], "declared_value_fen": 990},
    )
    assert r.status_code == 302 and Sku.objects.get(code="A").traits == ["fragile"]
    stock = SimpleUploadedFile("st.csv", b"sku_code,quantity\nA,20\n")
    client.post("/setup/stock/", {"action": "import", "warehouse": "HZ", "file": stock})
    assert Stock.objects.get().on_hand == 20
    client.post(
        "/setup/stock/",
        {
            "action": "adjust",
            "adjust-warehouse": "HZ",
            "adjust-sku_code": "A",
            "adjust-delta": -2,
            "adjust-reason": "破损",
        },
    )
    page = client.get("/setup/stock/").content.decode()
    assert "破损" in page and "库存调整" in page and "期初库存" in page
    export = client.get("/setup/stock/export.xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"


@pytest.mark.django_db
def test_only_owners_change_settings(client: Client, operator: Any) -> None:
    client.force_login(operator)
    assert client.get("/setup/shops/").status_code == 403


@pytest.mark.django_db
def test_the_set_up_api_speaks_the_cli_shapes(owner: Any, operator: Any) -> None:
    from fahuo.accounts.models import ApiToken

    def client_for(user: Any) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user=user, name='t')[1]}")

    api = client_for(owner)
    r = api.post(
        "/api/setup/shops",
        {"code": "xy", "name": "小雨", "platform": "private"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json() == {"code": "xy", "name": "小雨", "platform": "private"}
    r = api.post(
        "/api/setup/shops",
        {"code": "xy", "name": "小雨", "platform": "private"},
        content_type="application/json",
    )
    assert r.status_code == 409
    r = api.post(
        "/api/setup/warehouses",
        {"code": "HZ", "name": "杭州仓", "province": "浙江", "city": "杭州"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["province"] == "浙江省"
    bad = SimpleUploadedFile("s.csv", "sku_code,name,weight_g\nA,甲,abc\n".encode())
    r = api.post("/api/setup/skus/import", {"file": bad})
    assert r.status_code == 422 and r.json()["errors"][0]["row"] == 2
    good = SimpleUploadedFile("s.csv", "sku_code,name,weight_g\nA,甲,1.2kg\n".encode())
    assert api.post("/api/setup/skus/import", {"file": good}).json()["created"] == 1
    stock = SimpleUploadedFile("st.csv", b"sku_code,quantity\nA,7\n")
    r = api.post("/api/setup/stock/import?warehouse=HZ", {"file": stock})
    assert r.json() == {"rows": 1, "changed": 1, "errors": []}
    assert api.get("/api/setup/stock").json() == [
        {"warehouse": "HZ", "sku_code": "A", "on_hand": 7, "reserved": 0, "available": 7}
    ]
    r = api.post(
        "/api/setup/carriers", {"code": "SB", "provider": "sandbox"}, content_type="application/json"
    )
    assert r.status_code == 422
    r = api.post(
        "/api/setup/carriers", {"code": "ZTO", "provider": "kdniao"}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["name"] == "中通快递"
    r = api.put(
        "/api/setup/capacity",
        {"carrier": "ZTO", "warehouse": "NOPE", "max_parcels": 5},
        content_type="application/json",
    )
    assert r.status_code == 404
    r = client_for(operator).post(
        "/api/setup/shops", {"code": "z", "name": "z", "platform": "douyin"}, content_type="application/json"
    )
    assert r.status_code in (401, 403)


@pytest.mark.django_db
def test_the_wizard_speaks_chinese(client: Client) -> None:
    bad = client.post(
        "/setup/welcome/",
        {"company": "小雨", "username": "boss", "password": "a-long-pass-1", "password2": "x"},
    ).content.decode()
    assert "两次输入的密码不一致" in bad and "再次输入密码" in bad and "欢迎使用发货 fahuo" in bad


@pytest.mark.django_db
def test_the_set_up_pages_speak_chinese(client: Client, owner: Any) -> None:
    """The wording moved behind English msgids: a user still reads the same Chinese."""
    client.force_login(owner)
    wh = {"code": "HZ", "name": "杭州仓", "province": "浙江", "city": "杭州", "district": "余杭区"}
    added = client.post("/setup/warehouses/", {**wh, "packers": 3, "packing_rate": 60}, follow=True)
    assert "已添加仓库 杭州仓" in added.content.decode()
    client.post("/setup/carriers/", {"action": "add", "code": "ZTO", "provider": "sandbox", "test": "on"})
    page = client.post(
        "/setup/carriers/",
        {"action": "capacity", "carrier": "ZTO", "warehouse": "HZ", "max_parcels": 300},
        follow=True,
    ).content.decode()
    assert "已设置运力：" in page and "@ 杭州仓 300 件" in page
    assert "添加快递" in page and "电子面单账号" in page and "揽收运力" in page and "还没有账号" in page
    assert "每次最多揽收（件）" in page and "沙箱（仅测试）" in page
    home = client.get("/setup/").content.decode()
    assert "测试快递启用中" in home and "<strong>测试面单</strong>，不是真实运单，不可发货。" in home
    assert "概览" in home and "步骤" in home and "快递" in home and "管理" in home
    missing = client.post("/setup/carriers/", {"action": "test", "account": "999"}, follow=True)
    assert "账号不存在" in missing.content.decode()
