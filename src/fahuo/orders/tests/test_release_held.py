"""Held encrypted/masked 抖店 orders are released from the command line and the API, not only from
the desk: to 抖音电子面单 (no decryption), or completed from 抖店 (decrypt)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from fahuo.accounts.models import ApiToken, AuditLog
from fahuo.carriers.models import ProviderAccount
from fahuo.integrations.douyin.simulator import DouyinSimulator
from fahuo.integrations.simserver import serve
from fahuo.orders.importing import import_orders_file
from fahuo.orders.models import Order, OrderStatus, Shop
from fahuo.orders.platform_waybill import MASKED_ONLY, PLATFORM_WAYBILL
from fahuo.orders.tests import douyin_files as df

SECRET, MASKED = "6926000000000000301", "6926000000000000302"
CIPHER = {"name": df.ENCRYPTED_NAME, "phone": df.ENCRYPTED_PHONE, "detail": df.ENCRYPTED_DETAIL}
MASK = {"name": "测**", "phone": "1********35", "detail": "文一西路****"}


def _export() -> bytes:
    return df.to_csv(df.export_rows([df.order(SECRET, **CIPHER), df.order(MASKED, **MASK)]))


def test_the_command_releases_encrypted_orders_and_says_why_not_the_masked_one(tmp_path: Path) -> None:
    env = {**os.environ, "FAHUO_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("FAHUO_DATABASE_URL", None)

    def fahuo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "fahuo.cli", *args], env=env, capture_output=True, text=True, timeout=240
        )

    assert fahuo("manage", "migrate", "-v", "0").returncode == 0
    made = fahuo(
        "manage",
        "shell",
        "-c",
        "from fahuo.orders.models import Shop; Shop.objects.create(code='xiaoyu', name='小鱼', platform='douyin')",
    )
    assert made.returncode == 0, made.stderr[-2000:]
    path = tmp_path / "1762776334_订单导出.csv"
    path.write_bytes(_export())
    assert fahuo("import", "orders", str(path), "--shop", "xiaoyu").returncode == 0

    done = fahuo("orders", "release", "--shop", "xiaoyu", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == {
        "released": [SECRET],
        "refused": [{"order_id": MASKED, "reason": MASKED_ONLY}],
    }

    again = fahuo("orders", "release", "--shop", "xiaoyu", "--order", SECRET)
    assert again.returncode == 1
    assert "不在待审核状态" in again.stdout

    listed = fahuo("orders", "list", "--shop", "xiaoyu", "--json")
    rows = {r["order_id"]: r for r in json.loads(listed.stdout)}
    assert (rows[SECRET]["status"], rows[SECRET]["flags"]) == (OrderStatus.READY, [PLATFORM_WAYBILL])
    assert rows[MASKED]["status"] == OrderStatus.NEEDS_REVIEW

    missing = fahuo("orders", "release", "--shop", "nosuch")
    assert missing.returncode == 2 and "nosuch" in missing.stderr


@pytest.fixture
def api(operator: Any) -> Client:
    _, raw = ApiToken.issue(user=operator, name="release")
    return Client(headers={"authorization": f"Bearer {raw}"})


def test_the_api_releases_a_held_encrypted_order_once_and_audits_it(api: Client, shop: Shop) -> None:
    import_orders_file(fileobj=io.BytesIO(_export()), filename="1762776334_订单导出.csv", shop=shop)
    order = Order.objects.get(platform_order_id=SECRET)

    got = api.post(f"/api/orders/{order.pk}/platform-waybill")
    assert got.status_code == 200, got.content
    assert got.json()["status"] == OrderStatus.READY
    assert [r["code"] for r in got.json()["review_reasons"]] == [PLATFORM_WAYBILL]
    assert AuditLog.objects.filter(action="order.platform_waybill", object_id=str(order.pk)).exists()

    assert api.post(f"/api/orders/{order.pk}/platform-waybill").status_code == 409
    masked = Order.objects.get(platform_order_id=MASKED)
    refused = api.post(f"/api/orders/{masked.pk}/platform-waybill")
    assert refused.status_code == 409 and "平台密文" in refused.json()["message"]


def test_another_shops_order_is_not_found(api: Client) -> None:
    other = Shop.objects.create(code="other", name="别家", platform="douyin")
    import_orders_file(fileobj=io.BytesIO(_export()), filename="1762776334_订单导出.csv", shop=other)
    order = Order.objects.get(platform_order_id=SECRET)
    assert api.post(f"/api/orders/{order.pk}/platform-waybill").status_code == 404
    assert api.post(f"/api/orders/{order.pk}/decrypt").status_code == 404
    assert Order.objects.get(pk=order.pk).status == OrderStatus.NEEDS_REVIEW


def test_the_api_completes_a_masked_receiver_from_douyin_without_returning_it(
    api: Client, shop: Shop
) -> None:
    app_key, secret, token, shop_id = (
        "test-app-key-7000000000000000001",
        "test-app-secret-abcdef",
        "token",
        "4463798",
    )
    sim = DouyinSimulator.with_app(app_key, secret, token)
    person = {
        "name": "林小雨",
        "phone": "13812345678",
        "province": "浙江省",
        "city": "杭州市",
        "town": "西湖区",
        "street": "文新街道",
        "detail": "文一西路100号",
    }
    sim.add_synthetic_order(MASKED, shop_id=shop_id, recipient=person)
    import_orders_file(fileobj=io.BytesIO(_export()), filename="1762776334_订单导出.csv", shop=shop)
    order = Order.objects.get(platform_order_id=MASKED)
    with serve(sim) as url:
        creds = {
            "app_key": app_key,
            "app_secret": secret,
            "access_token": token,
            "shop_id": shop_id,
            "max_attempts": 1,
        }
        ProviderAccount.objects.create(
            provider="douyin", name="抖店", shop=shop, base_url=url, credentials=json.dumps(creds)
        )
        got = api.post(f"/api/orders/{order.pk}/decrypt")
    assert got.status_code == 200, got.content
    assert got.json()["completed"] == [{"order_id": MASKED, "ok": True, "reasons": []}]
    assert "13812345678" not in got.content.decode()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY
