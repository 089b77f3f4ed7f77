"""The orders API: token auth, batch create (idempotent, verified, masked), list and detail, selectors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fahuo.accounts.models import ApiToken
from fahuo.cli import main
from fahuo.orders.importing import import_orders_file
from fahuo.orders.models import Order, OrderLine, OrderStatus, Shop
from fahuo.orders.selectors import dashboard_counts, order_list

SAMPLE = Path(__file__).parent / "data" / "douyin_order_export.csv"


@pytest.fixture
def api(operator) -> Client:
    _, raw = ApiToken.issue(user=operator, name="test")
    return Client(headers={"authorization": f"Bearer {raw}"})


def order_payload(order_id: str = "WX-1", **changes: Any) -> dict[str, Any]:
    order: dict[str, Any] = {
        "platform_order_id": order_id,
        "recipient": {
            "name": "王小明",
            "phone": "13900001111",
            "address": "浙江省杭州市西湖区文一西路588号2幢301",
        },
        "lines": [
            {
                "line_id": "1",
                "sku_code": "SKU-3510",
                "title": "手工牛轧糖",
                "spec": "原味 500g",
                "quantity": 2,
                "unit_price": "39.90",
            },
        ],
        "paid_at": "2026-11-10T20:05:34",
        "buyer_note": "到了打电话 13900001111",
    }
    order.update(changes)
    return order


def post(client: Client, orders: list[dict[str, Any]], shop: str = "demo"):
    return client.post("/api/orders", {"shop": shop, "orders": orders}, content_type="application/json")


def import_sample(shop):
    return import_orders_file(fileobj=SAMPLE.open("rb"), filename=SAMPLE.name, shop=shop)


# --- auth ----------------------------------------------------------------------------------------


def test_requests_without_a_token_get_401(shop):
    assert Client().get("/api/orders").status_code == 401
    assert post(Client(), [order_payload()]).status_code == 401


def test_a_revoked_token_gets_401(shop, operator):
    token, raw = ApiToken.issue(user=operator, name="old")
    token.revoked = True
    token.save()

    response = Client(headers={"authorization": f"Bearer {raw}"}).get("/api/orders")

    assert response.status_code == 401


def test_a_packer_may_read_but_not_create(shop, packer):
    _, raw = ApiToken.issue(user=packer, name="packing-station")
    client = Client(headers={"authorization": f"Bearer {raw}"})

    assert client.get("/api/orders").status_code == 200
    response = post(client, [order_payload()])
    assert response.status_code == 403
    assert not Order.objects.exists()


def test_token_cli_prints_a_raw_token_that_authenticates(shop, operator, capsys):
    code = main(["token", "create", "operator", "--name", "erp"])

    captured = capsys.readouterr()
    raw = captured.out.strip()
    assert code == 0
    assert raw.startswith("fh_")
    assert raw not in captured.err
    token = ApiToken.objects.get(name="erp")
    assert token.key_hash != raw
    assert Client(headers={"authorization": f"Bearer {raw}"}).get("/api/orders").status_code == 200


def test_token_cli_unknown_user_exits_2(db, capsys):
    assert main(["token", "create", "nobody", "--name", "x"]) == 2
    assert "用户不存在" in capsys.readouterr().err


# --- create --------------------------------------------------------------------------------------


def test_create_orders_returns_ids_and_statuses(shop, api):
    response = post(api, [order_payload("WX-1"), order_payload("WX-2")])

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["duplicates"], body["needs_review"]) == (2, 0, 0)
    first = body["orders"][0]
    order = Order.objects.get(platform_order_id="WX-1")
    assert first == {
        "id": order.pk,
        "platform_order_id": "WX-1",
        "status": "created",
        "order_status": "ready",
        "needs_review": [],
    }
    assert order.source == "api"
    assert order.total_fen == 7980
    assert order.paid_at == dt.datetime(
        2026, 11, 10, 12, 5, 34, tzinfo=dt.UTC
    )  # naive times are Beijing time
    assert order.customer is not None
    line = order.lines.get()
    assert line.sku is not None
    assert (line.quantity, line.unit_price_fen, line.sku.code) == (2, 3990, "SKU-3510")


def test_create_is_idempotent_on_shop_and_platform_order_id(shop, api):
    first = post(api, [order_payload("WX-1")]).json()
    second = post(api, [order_payload("WX-1"), order_payload("WX-2")]).json()

    assert (second["created"], second["duplicates"]) == (1, 1)
    assert second["orders"][0]["status"] == "duplicate"
    assert second["orders"][0]["id"] == first["orders"][0]["id"]
    assert Order.objects.count() == 2
    assert OrderLine.objects.count() == 2


def test_created_orders_are_verified_like_imports(shop, api):
    bad_phone = order_payload(
        "WX-1", recipient={"name": "王小明", "phone": "1390000", "address": "浙江省杭州市西湖区文一西路588号"}
    )
    no_region = order_payload(
        "WX-2", recipient={"name": "李娜", "phone": "13700002222", "address": "中山北路100号"}
    )
    split = order_payload(
        "WX-3",
        recipient={"name": "张伟", "phone": "13600003333", "province": "上海市", "city": "上海市",
                   "district": "徐汇区", "address": "漕溪北路1号"},
    )  # fmt: skip

    body = post(api, [bad_phone, no_region, split]).json()

    reasons = {o["platform_order_id"]: [r["code"] for r in o["needs_review"]] for o in body["orders"]}
    assert reasons == {"WX-1": ["phone"], "WX-2": ["address"], "WX-3": []}
    assert body["needs_review"] == 2
    assert Order.objects.get(platform_order_id="WX-3").district == "徐汇区"
    assert Order.objects.get(platform_order_id="WX-1").status == OrderStatus.NEEDS_REVIEW


def test_the_response_never_contains_the_full_name_or_phone(shop, api):
    response = post(api, [order_payload("WX-1")])
    order_id = response.json()["orders"][0]["id"]

    texts = [response.content.decode(), api.get("/api/orders").content.decode()]
    texts.append(api.get(f"/api/orders/{order_id}").content.decode())
    for text in texts:
        assert "13900001111" not in text
        assert "王小明" not in text
        assert "2幢301" not in text
    recipient = api.get(f"/api/orders/{order_id}").json()["recipient"]
    assert recipient == {
        "name": "王**",
        "phone": "139****1111",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "detail": "文一西路****",
    }


@pytest.mark.parametrize(
    "change",
    [
        {"lines": []},
        {"lines": [{"line_id": "1", "title": "面膜", "quantity": 0, "unit_price": "1"}]},
        {"lines": [{"line_id": "1", "title": "面膜", "quantity": 1, "unit_price": "abc"}]},
        {"lines": [{"line_id": "1", "title": "面膜", "quantity": 1, "unit_price": "1.999"}]},
        {"lines": [{"line_id": "1", "title": "面膜", "quantity": 1, "unit_price": "-1"}]},
        {"recipient": {"name": "王小明", "phone": "13900001111", "address": ""}},
        {"platform_order_id": ""},
        {"channel": "tv"},
        {"paid_at": "yesterday"},
    ],
)
def test_an_invalid_body_gets_422_with_messages(shop, api, change):
    response = post(api, [order_payload(**change)])

    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"]
    assert not Order.objects.exists()


def test_a_body_that_is_not_json_gets_4xx(shop, api):
    response = api.post("/api/orders", "not json", content_type="application/json")

    assert 400 <= response.status_code < 500


def test_more_than_1000_orders_gets_422_with_a_message(shop, api):
    orders = [order_payload(f"WX-{i}") for i in range(1001)]

    response = post(api, orders)

    assert response.status_code == 422
    assert "1000" in json.dumps(response.json(), ensure_ascii=False)
    assert not Order.objects.exists()


def test_exactly_1000_orders_are_accepted(shop, api):
    response = post(api, [order_payload(f"WX-{i}") for i in range(1000)])

    assert response.status_code == 200
    assert response.json()["created"] == 1000


def test_repeated_order_ids_in_one_batch_get_422(shop, api):
    response = post(api, [order_payload("WX-1"), order_payload("WX-1")])

    assert response.status_code == 422
    assert "重复" in response.json()["detail"][0]["msg"]


def test_an_unknown_shop_gets_404(shop, api):
    response = post(api, [order_payload()], shop="nope")

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


# --- read ----------------------------------------------------------------------------------------


def test_list_orders_pages_and_filters(shop, api):
    import_sample(shop)

    page = api.get("/api/orders", {"limit": 10, "offset": 20}).json()
    assert (page["count"], len(page["items"])) == (25, 5)
    flagged = api.get("/api/orders", {"status": "needs_review"}).json()
    assert flagged["count"] == 6
    assert api.get("/api/orders", {"reason": "address"}).json()["count"] == 2
    assert api.get("/api/orders", {"reason": "phone", "shop": "demo"}).json()["count"] == 4
    assert api.get("/api/orders", {"shop": "nope"}).json()["count"] == 0
    by_day = api.get("/api/orders", {"paid_from": "2026-11-20", "paid_to": "2026-11-20"}).json()
    assert {o["platform_order_id"] for o in by_day["items"]} == {"6930000000001100042", "6930000000001100049"}


def test_list_items_are_masked_and_in_beijing_time(shop, api):
    import_sample(shop)

    item = api.get("/api/orders", {"q": "6930000000001100133"}).json()["items"][0]
    assert item["recipient"]["name"] == "朱*"
    assert item["recipient"]["phone"] == "135****5272"
    assert item["paid_at"].startswith("2026-11-17T22:56:31")
    assert item["total"] == "29.90"
    assert item["shop"] == "demo"


def test_order_detail_has_lines(shop, api):
    import_sample(shop)
    order = Order.objects.get(platform_order_id="6930000000001100098")

    body = api.get(f"/api/orders/{order.pk}").json()

    assert body["platform_order_id"] == "6930000000001100098"
    assert sorted((line["line_id"], line["quantity"], line["unit_price"]) for line in body["lines"]) == [
        ("69300000000011000981", 2, "39.90"),
        ("69300000000011000982", 1, "99.90"),
        ("69300000000011000983", 1, "42.90"),
    ]
    assert body["buyer_note"] == "请尽快发货；不要放快递柜"  # in file order


def test_buyer_notes_have_phone_numbers_masked(shop, api):
    order_id = post(api, [order_payload("WX-1")]).json()["orders"][0]["id"]

    assert api.get(f"/api/orders/{order_id}").json()["buyer_note"] == "到了打电话 139****1111"


def test_an_unknown_order_gets_404(shop, api):
    assert api.get("/api/orders/999999").status_code == 404


def test_openapi_schema_lists_the_endpoints(db):
    schema = Client().get("/api/openapi.json").json()

    assert {"get", "post"} <= set(schema["paths"]["/api/orders"])
    assert "get" in schema["paths"]["/api/orders/{order_id}"]
    assert "OrdersIn" in schema["components"]["schemas"]


# --- selectors -----------------------------------------------------------------------------------


def test_order_list_searches_by_sku_title_and_phone(shop):
    import_sample(shop)

    assert order_list(q="SKU-3620").count() == 8
    assert order_list(q="冻干草莓").count() == 3
    assert [o.platform_order_id for o in order_list(q="135 6028 5272")] == ["6930000000001100133"]


def test_order_list_accepts_a_shop_instance_and_prefetches_lines(shop, django_assert_num_queries):
    import_sample(shop)
    Shop.objects.create(code="other", name="二号店")

    with django_assert_num_queries(2):
        orders = list(order_list(shop=shop, status="ready"))
        lines = sum(len(o.lines.all()) for o in orders)
        _ = [o.shop.code for o in orders]

    assert len(orders) == 19
    assert lines > 19


def test_dashboard_counts(shop):
    import_sample(shop)
    Order.objects.filter(platform_order_id="6930000000001100133").update(status=OrderStatus.PRINTED)

    today = timezone.localdate()
    assert dashboard_counts(day=today, shop=shop) == {
        "new_today": 25,
        "needs_review": 6,
        "ready": 18,
        "printed": 1,
    }
    assert dashboard_counts(day=today - dt.timedelta(days=1))["new_today"] == 0
    assert dashboard_counts(day=today, shop="other")["ready"] == 0


def test_a_masked_receiver_sent_to_the_api_is_held_not_stored_as_a_wrong_phone(api, shop):
    order = {
        "platform_order_id": "API-MASKED-1",
        "recipient": {
            "name": "王*",
            "phone": "138****5678",
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "address": "文一西路****",
        },
        "lines": [
            {"line_id": "1", "sku_code": "SKU-1", "title": "牛轧糖", "quantity": 1, "unit_price": "39.90"}
        ],
    }

    response = post(api, [order])

    assert response.status_code == 200, response.content
    got = Order.objects.get(platform_order_id="API-MASKED-1")
    assert got.status == OrderStatus.NEEDS_REVIEW and [r["code"] for r in got.review_reasons] == ["masked"]
    assert (got.recipient_name, got.recipient_phone, got.address_detail) == ("", "", "")
