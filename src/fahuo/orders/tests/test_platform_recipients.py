"""Receivers an export held back (ciphertext, masked) are completed from 抖店 — simulator over real HTTP."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from fahuo.accounts.models import AuditLog
from fahuo.carriers.models import ProviderAccount
from fahuo.integrations.douyin.simulator import DouyinSimulator
from fahuo.integrations.simserver import serve
from fahuo.orders.importing import import_orders_file
from fahuo.orders.models import Order, OrderStatus
from fahuo.orders.platform_recipients import complete_from_platform
from fahuo.orders.tests import douyin_files as df
from fahuo.orders.tests.douyin_files import order

APP_KEY, SECRET, SHOP_ID, TOKEN = (
    "test-app-key-7000000000000000001",
    "test-app-secret-abcdef",
    "4463798",
    "token",
)
PERSON = {
    "name": "林小雨",
    "phone": "13812345678",
    "province": "浙江省",
    "city": "杭州市",
    "town": "西湖区",
    "street": "文新街道",
    "detail": "文一西路100号",
}
OPEN, CANCELLED = "6926000000000000090", "6926000000000000091"


@pytest.fixture
def sim() -> DouyinSimulator:
    return DouyinSimulator.with_app(APP_KEY, SECRET, TOKEN)


@pytest.fixture
def sim_url(sim: DouyinSimulator) -> Iterator[str]:
    with serve(sim) as url:
        yield url


def _credentials() -> str:
    return json.dumps(
        {
            "app_key": APP_KEY,
            "app_secret": SECRET,
            "access_token": TOKEN,
            "shop_id": SHOP_ID,
            "max_attempts": 1,
        }
    )


@pytest.fixture
def held(shop: Any, sim: DouyinSimulator, sim_url: str) -> None:
    ProviderAccount.objects.create(
        provider="douyin", name="抖店", shop=shop, base_url=sim_url, credentials=_credentials()
    )
    for oid in (OPEN, CANCELLED):
        sim.add_synthetic_order(oid, shop_id=SHOP_ID, recipient=PERSON)
    sim.orders[CANCELLED].cancelled = True
    secret = {"name": df.ENCRYPTED_NAME, "phone": df.ENCRYPTED_PHONE, "detail": df.ENCRYPTED_DETAIL}
    data = df.to_csv(df.export_rows([order(OPEN, **secret), order(CANCELLED, **secret)]))
    import_orders_file(fileobj=io.BytesIO(data), filename="export.csv", shop=shop)
    assert Order.objects.filter(status=OrderStatus.NEEDS_REVIEW).count() == 2


def test_a_held_receiver_is_decrypted_from_the_platform_and_the_order_can_ship(shop, sim, held, owner):
    result = complete_from_platform(shop=shop, order_ids=[OPEN], user=owner)

    assert [c["order_id"] for c in result.completed] == [OPEN]
    got = Order.objects.get(platform_order_id=OPEN)
    assert (got.recipient_name, got.recipient_phone, got.address_detail) == (
        "林小雨",
        "13812345678",
        "文一西路100号",
    )
    assert got.status == OrderStatus.READY and got.review_reasons == []
    assert got.customer is not None
    assert (
        AuditLog.objects.filter(action="order.decrypt_recipient", object_id=str(got.pk), user=owner).count()
        == 1
    )
    assert len(sim.calls_to("order.batchDecrypt")) == 1


def test_a_cancelled_platform_order_is_not_decrypted(shop, sim, held):
    result = complete_from_platform(shop=shop, order_ids=[CANCELLED])

    assert result.completed == [] and result.refused[0]["order_id"] == CANCELLED
    assert "只允许为已付款、未发货的订单解密" in result.refused[0]["reason"]
    assert sim.calls_to("order.batchDecrypt") == []
    got = Order.objects.get(platform_order_id=CANCELLED)
    assert got.status == OrderStatus.NEEDS_REVIEW and got.recipient_name == ""
    assert AuditLog.objects.filter(action="order.decrypt_refused", object_id=str(got.pk)).exists()


def test_the_command_completes_held_orders_as_a_real_process(tmp_path, sim, sim_url):
    env = {**os.environ, "FAHUO_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("FAHUO_DATABASE_URL", None)

    def fahuo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "fahuo.cli", *args], env=env, capture_output=True, text=True, timeout=240
        )

    assert fahuo("manage", "migrate", "-v", "0").returncode == 0
    setup = (
        "from fahuo.orders.models import Shop; from fahuo.carriers.models import ProviderAccount; "
        "s = Shop.objects.create(code='xiaoyu', name='小鱼', platform='douyin'); "
        f"ProviderAccount.objects.create(provider='douyin', name='抖店', shop=s, base_url={sim_url!r}, "
        f"credentials={_credentials()!r})"
    )
    assert fahuo("manage", "shell", "-c", setup).returncode == 0
    sim.add_synthetic_order(OPEN, shop_id=SHOP_ID, recipient=PERSON)
    path = tmp_path / "export.csv"
    path.write_bytes(
        df.to_csv(df.export_rows([order(OPEN, name="测**", phone="1********35", detail="文一西路****")]))
    )
    assert fahuo("import", "orders", str(path), "--shop", "xiaoyu").returncode == 0

    done = fahuo("orders", "decrypt", "--shop", "xiaoyu", "--json")

    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout)
    assert got["completed"] == [{"order_id": OPEN, "ok": True, "reasons": []}]
    assert "13812345678" not in done.stdout  # decrypted data is stored, never printed
