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
