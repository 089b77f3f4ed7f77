"""A desk to import into while other writers keep writing, run as ``python -m fahuo.orders.tests.import_world ROLE``.

Used by the background-import tests (``test_import_concurrency.py``) and by ``bench/bench_ingest.py``.

``setup``: the 抖店 shop ``live`` with its 抖店 app, a Kdniao account the push hooks verify with, an owner and an API
token (printed as JSON); ``stage FILE``: the desk's upload path — the file checked, stored and
queued for the worker (prints the run's id).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fahuo.settings")

KDNIAO_EBID, KDNIAO_KEY = "1237100", "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17"
DOUYIN_APP_KEY, DOUYIN_SECRET, DOUYIN_SHOP_ID = (
    "world-app-key-7000000000000000001",
    "world-app-secret",
    "4463798",
)
SHOP = "live"


def kdniao_push_form(tracking_no: str, when: str = "2026-12-07 10:00:00") -> dict[str, str]:
    """A signed Kdniao push (RequestType 101) moving one parcel: what a carrier sends the hook."""
    from fahuo.integrations.kdniao.client import sign

    data = {
        "EBusinessID": KDNIAO_EBID,
        "PushTime": when,
        "Count": "1",
        "Data": [
            {
                "EBusinessID": KDNIAO_EBID,
                "ShipperCode": "ZTO",
                "LogisticCode": tracking_no,
                "Success": True,
                "State": "2",
                "StateEx": "201",
                "Traces": [
                    {"AcceptTime": when, "AcceptStation": "【杭州市】快件已到达 杭州转运中心", "Action": "2"}
                ],
            }
        ],
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return {"RequestData": text, "RequestType": "101", "DataSign": sign(text, KDNIAO_KEY)}


def api_order(platform_order_id: str) -> dict[str, object]:
    """One order for ``POST /api/orders`` (a 私域 order keyed in elsewhere while the import runs)."""
    return {
        "platform_order_id": platform_order_id,
        "recipient": {
            "name": "林小雨",
            "phone": "13800138000",
            "address": "浙江省杭州市余杭区文一西路1000号",
        },
        "lines": [
            {"line_id": "1", "sku_code": "SKU-API", "title": "补水面膜", "quantity": 1, "unit_price": "39.90"}
        ],
    }


def douyin_paid_messages(first: int, n: int) -> list[dict[str, object]]:
    """``n`` 抖店 paid messages (tag 101) carrying receiver and items, as one push body's list."""
    out: list[dict[str, object]] = []
    for i in range(first, first + n):
        data = {
            "p_id": 4781320000000000000 + i,
            "shop_id": int(DOUYIN_SHOP_ID),
            "pay_time": 1765000000 + i,
            "receiver_msg": {
                "name": "李四",
                "tel": f"139{i % 100_000_000:08d}",
                "addr": {
                    "province": {"name": "浙江省"},
                    "city": {"name": "杭州市"},
                    "town": {"name": "余杭区"},
                    "street": {"name": "仓前街道"},
                    "detail": f"文一西路{i % 2000 + 1}号",
                },
            },
            "sku_order_list": [
                {
                    "order_id": str(4781330000000000000 + i),
                    "product_name": "面膜",
                    "item_num": 1,
                    "out_sku_id": "MASK-10",
                    "origin_amount": 5990,
                }
            ],
        }
        out.append({"tag": "101", "msg_id": f"world-{i}", "data": json.dumps(data, separators=(",", ":"))})
    return out


def douyin_push(messages: list[dict[str, object]]) -> tuple[bytes, dict[str, str]]:
    """A signed 抖店 push body and its headers."""
    from fahuo.integrations.douyin.push import event_sign

    body = json.dumps(messages, ensure_ascii=False, separators=(",", ":")).encode()
    sign = event_sign(body, app_key=DOUYIN_APP_KEY, app_secret=DOUYIN_SECRET)
    return body, {"app-id": DOUYIN_APP_KEY, "event-sign": sign, "content-type": "application/json"}


def main(role: str, *args: str) -> int:
    import django

    django.setup()
    from django.contrib.auth.models import User

    from fahuo.accounts.models import ApiToken
    from fahuo.accounts.services import assign_role
    from fahuo.carriers.models import ProviderAccount
    from fahuo.orders.import_runs import stage_import
    from fahuo.orders.models import Shop

    if role == "setup":
        shop = Shop.objects.create(code=SHOP, name="小雨直播间", platform="douyin")
        douyin = {
            "app_key": DOUYIN_APP_KEY,
            "app_secret": DOUYIN_SECRET,
            "access_token": "t",
            "shop_id": DOUYIN_SHOP_ID,
        }
        ProviderAccount.objects.create(
            provider="douyin", name="抖店", shop=shop, credentials=json.dumps(douyin)
        )
        ProviderAccount.objects.create(
            provider="kdniao",
            name="快递鸟",
            credentials=json.dumps({"ebusiness_id": KDNIAO_EBID, "app_key": KDNIAO_KEY}),
        )
        user = User.objects.create_user(username="importer", password="fahuo-world-pw-0192")
        assign_role(user=user, role="owner")
        _, raw = ApiToken.issue(user=User.objects.get(pk=user.pk), name="world")
        print(json.dumps({"token": raw}))
        return 0
    if role == "stage":
        path = Path(args[0])
        with path.open("rb") as fileobj:
            batch = stage_import(fileobj=fileobj, filename=path.name, shop=Shop.objects.get(code=SHOP))
        print(json.dumps({"run": batch.pk}))
        return 0
    raise SystemExit(f"unknown role {role}")


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
