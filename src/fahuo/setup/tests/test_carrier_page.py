"""The carrier page: Kuaidi100 test connection against the simulator, 网点 details, rate-card upload."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from fahuo.carriers.models import ProviderAccount
from fahuo.integrations.kuaidi100.simulator import (
    DEMO_CUSTOMER,
    DEMO_KEY,
    DEMO_SECRET,
    SimulatorState,
    make_app,
)
from fahuo.integrations.simserver import serve


@pytest.fixture
def k100() -> SimulatorState:
    return SimulatorState()


@pytest.fixture
def k100_url(k100: SimulatorState) -> Iterator[str]:
    with serve(make_app(k100)) as url:
        yield url


def _save_account(client: Client, url: str, *, key: str, secret: str, customer: str) -> ProviderAccount:
    form = {
        "action": "account",
        "account-provider": "kuaidi100",
        "account-base_url": url,
        "account-user_id": customer,
        "account-api_key": key,
        "account-secret": secret,
    }
    assert client.post("/setup/carriers/", form).status_code == 302
    return ProviderAccount.objects.get(provider="kuaidi100")


def _test(client: Client, account: ProviderAccount) -> str:
    page = client.post("/setup/carriers/", {"action": "test", "account": account.pk}, follow=True)
    return page.content.decode()


@pytest.mark.django_db
def test_kuaidi100_test_connection_says_ok_with_the_right_key_secret_and_customer(
    client: Client, owner: Any, k100: SimulatorState, k100_url: str
) -> None:
    client.force_login(owner)
    account = _save_account(client, k100_url, key=DEMO_KEY, secret=DEMO_SECRET, customer=DEMO_CUSTOMER)
    assert "连接成功：快递100 接受了 key、secret 和 customer" in _test(client, account)
    paths = [path for path, _ in k100.received]
    assert "/label/order" in paths and "/poll/query.do" in paths
    assert not any(w.cancelled for w in k100.numbers.values())  # nothing existed, nothing cancelled


@pytest.mark.django_db
def test_kuaidi100_test_connection_shows_the_refusal_of_a_wrong_secret(
    client: Client, owner: Any, k100_url: str
) -> None:
    client.force_login(owner)
    account = _save_account(client, k100_url, key=DEMO_KEY, secret="wrong", customer=DEMO_CUSTOMER)
    page = _test(client, account)
    assert "连接失败：快递100：验证签名失败（30002）" in page


@pytest.mark.django_db
def test_kuaidi100_test_connection_shows_a_wrong_customer(client: Client, owner: Any, k100_url: str) -> None:
    client.force_login(owner)
    account = _save_account(client, k100_url, key=DEMO_KEY, secret=DEMO_SECRET, customer="NOSUCHCUSTOMER")
    assert "连接失败" in _test(client, account)


@pytest.mark.django_db
def test_a_kuaidi100_account_without_a_secret_is_refused(client: Client, owner: Any) -> None:
    client.force_login(owner)
    form = {
        "action": "account",
        "account-provider": "kuaidi100",
        "account-user_id": "C",
        "account-api_key": "K",
    }
    page = client.post("/setup/carriers/", form).content.decode()
    assert "快递100 账号需要 secret" in page and not ProviderAccount.objects.exists()


# --- 网点 and rate card ---------------------------------------------------------------------------

RATES_OK = (
    "目的省份,首重(kg),首重价格(元),续重(kg),续重价格(元),时效(小时)\n"
    "浙江省,1,3.5,1,1,24\n"
    "广东省,1,5,1,2.5,48\n"
)
RATES_BAD = (
    "目的省份,首重(kg),首重价格(元),续重(kg),续重价格(元),时效(小时)\n"
    "浙江省,1,3.5,1,1,24\n"
    "火星,1,abc,1,2.5,48\n"
)


@pytest.fixture
def zto(db: Any) -> Any:
    from fahuo.carriers.models import Carrier

    return Carrier.objects.create(code="ZTO", name="中通快递", provider="kdniao")


@pytest.mark.django_db
def test_the_owner_edits_the_branch_and_its_contact_is_stored_encrypted(
    client: Client, owner: Any, zto: Any
) -> None:
    from django.db import connection

    client.force_login(owner)
    assert "网点与运价" in client.get("/setup/carriers/").content.decode()
    form = {
        "action": "branch",
        "name": "杭州余杭仓前网点",
        "code": "571001",
        "contact": "王经理 13800001111",
        "pickup_address": "浙江省杭州市余杭区仓前街道文一西路1000号",
        "pickup_hours": "16:00-18:00",
    }
    page = client.post("/setup/carriers/ZTO/", form, follow=True).content.decode()
    assert "网点信息已保存" in page and "杭州余杭仓前网点" in page and "16:00-18:00" in page
    zto.refresh_from_db()
    assert (zto.branch_code, zto.branch_contact) == ("571001", "王经理 13800001111")
    with connection.cursor() as cursor:
        cursor.execute("SELECT branch_contact FROM carriers_carrier WHERE id = %s", [zto.pk])
        assert "13800001111" not in cursor.fetchone()[0]
    # The summary masks the phone; the owner's own edit form holds it.
    summary = page.split('id="branch-form"')[0]
    assert "138****1111" in summary and "13800001111" not in summary


@pytest.mark.django_db
def test_bad_pickup_hours_are_refused_with_the_expected_format(client: Client, owner: Any, zto: Any) -> None:
    client.force_login(owner)
    page = client.post("/setup/carriers/ZTO/", {"action": "branch", "pickup_hours": "下午"}).content.decode()
    assert "揽收时间格式应为 16:00-18:00" in page


@pytest.mark.django_db
def test_a_rate_card_uploaded_from_the_carrier_page_is_in_force(client: Client, owner: Any, zto: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fahuo.carriers.models import RateLine

    client.force_login(owner)
    upload = SimpleUploadedFile("zto.csv", RATES_OK.encode("utf-8"), content_type="text/csv")
    page = client.post(
        "/setup/carriers/ZTO/", {"action": "rates", "origin": "浙江省", "file": upload}, follow=True
    ).content.decode()
    assert "已导入运价：从浙江省出发 2 行" in page
    assert sorted(RateLine.objects.filter(carrier=zto).values_list("dest_province", "first_price_fen")) == [
        ("广东省", 500),
        ("浙江省", 350),
    ]


@pytest.mark.django_db
def test_a_wrong_row_is_reported_by_row_and_column_and_nothing_is_applied(
    client: Client, owner: Any, zto: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fahuo.carriers.models import RateLine

    client.force_login(owner)
    upload = SimpleUploadedFile("zto.csv", RATES_BAD.encode("utf-8"), content_type="text/csv")
    response = client.post("/setup/carriers/ZTO/", {"action": "rates", "origin": "浙江省", "file": upload})
    page = response.content.decode()
    assert response.status_code == 422
    assert "未写入任何价格" in page and 'id="upload-errors"' in page
    rows = page.split('id="upload-errors"')[1]
    assert '<td class="num">3</td>' in rows and "火星" in rows
    assert not RateLine.objects.filter(carrier=zto).exists()


@pytest.mark.django_db
def test_the_branch_api_saves_and_masks(owner: Any, zto: Any) -> None:
    from fahuo.accounts.models import ApiToken

    _, raw = ApiToken.issue(user=owner, name="t")
    api = Client(headers={"authorization": f"Bearer {raw}"})
    body = {"name": "仓前网点", "contact": "王经理 13800001111", "pickup_hours": "16:00-18:00"}
    done = api.put("/api/setup/carriers/ZTO/branch", data=body, content_type="application/json")
    assert done.status_code == 200, done.content
    assert done.json()["contact"] == "王** 138****1111" and done.json()["pickup_hours"] == "16:00-18:00"
    assert (
        api.put("/api/setup/carriers/NOPE/branch", data=body, content_type="application/json").status_code
        == 404
    )


@pytest.mark.django_db
def test_contract_links_only_for_owners_who_see_every_shop(
    client: Client, owner: Any, zto: Any, shop: Any
) -> None:
    from django.contrib.auth.models import User

    from fahuo.accounts.services import add_member

    client.force_login(owner)
    page = client.get("/setup/carriers/ZTO/").content.decode()
    assert 'href="/contracts/ZTO/terms/"' in page and 'href="/contracts/ZTO/bill/"' in page
    from fahuo.orders.models import Shop

    Shop.objects.create(code="other", name="别家店", platform="douyin")  # not solo's
    solo = User.objects.create_user(username="solo", password="x-pw-12345")
    add_member(user=solo, shop=shop, role="owner")
    client.force_login(User.objects.get(pk=solo.pk))
    page = client.get("/setup/carriers/ZTO/").content.decode()
    assert "/contracts/ZTO/" not in page


@pytest.mark.slow
def test_carriers_branch_from_the_cli_sets_shows_masked_and_refuses_bad_hours(tmp_path: Any) -> None:
    import json

    from fahuo.inventory.tests.test_day_one_cli import _env, fahuo

    env = _env(tmp_path / "data")
    (tmp_path / "data").mkdir()
    fahuo(env, "manage", "migrate", "-v0")
    fahuo(env, "carriers", "add", "ZTO", "--name", "中通快递", "--provider", "kdniao")
    out = fahuo(
        env, "carriers", "branch", "ZTO", "--name", "仓前网点", "--contact", "王经理 13800001111",
        "--pickup-hours", "16:00-18:00", "--json",
    )  # fmt: skip
    assert json.loads(out.stdout) == {
        "carrier": "ZTO",
        "name": "仓前网点",
        "code": "",
        "contact": "王** 138****1111",
        "pickup_address": "",
        "pickup_hours": "16:00-18:00",
    }
    # Options left out keep their values; without options it only shows.
    fahuo(env, "carriers", "branch", "ZTO", "--code", "571001")
    shown = json.loads(fahuo(env, "carriers", "branch", "ZTO", "--json").stdout)
    assert (shown["name"], shown["code"], shown["pickup_hours"]) == ("仓前网点", "571001", "16:00-18:00")
    bad = fahuo(env, "carriers", "branch", "ZTO", "--pickup-hours", "下午", ok=False)
    assert bad.returncode == 2 and "揽收时间格式应为 16:00-18:00" in bad.stderr
