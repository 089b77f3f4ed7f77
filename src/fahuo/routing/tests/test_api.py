"""The allocation API: plan, read (paged, filtered, explained), override, apply; roles and errors."""

from __future__ import annotations

import pytest
from django.test import Client

from fahuo.accounts.models import ApiToken
from fahuo.orders.models import Order, OrderStatus


def client_for(user) -> Client:
    _, raw = ApiToken.issue(user=user, name="test")
    return Client(headers={"authorization": f"Bearer {raw}"})


@pytest.fixture
def api(operator) -> Client:
    return client_for(operator)


def post(client: Client, url: str, body: dict | None = None):
    return client.post(url, body or {}, content_type="application/json")


def test_plan_every_ready_order_then_read_the_run(world, api):
    a, b = world.order("北京市"), world.order("广东省", [("FISH", 1)])
    world.order("北京市", status=OrderStatus.PRINTED)
    r = post(api, "/api/allocation/runs")
    assert r.status_code == 200, r.content
    run = r.json()
    assert (run["status"], run["orders"], run["assigned"], run["total_fen"]) == ("preview", 2, 2, 1700)
    assert run["by_carrier"] == [
        {"code": "SF", "orders": 1, "freight_fen": 1200},
        {"code": "ZTO", "orders": 1, "freight_fen": 500},
    ]
    assert run["lp_bound_fen"] == 1700 and run["saving_fen"] == 0

    r = api.get(f"/api/allocation/runs/{run['id']}")
    assert r.status_code == 200
    page = r.json()["decisions"]
    assert page["count"] == 2 and [d["platform_order_id"] for d in page["items"]] == [
        a.platform_order_id,
        b.platform_order_id,
    ]
    assert page["items"][0] == {
        "order_id": a.pk,
        "platform_order_id": a.platform_order_id,
        "province": "北京市",
        "carrier": "ZTO",
        "warehouse": "HZ",
        "freight_fen": 500,
        "reason": "cheapest",
        "overridden": False,
        "pickup_at": None,
        "explanation": None,
    }
    r = api.get(f"/api/allocation/runs/{run['id']}", {"carrier": "SF", "explain": "true", "limit": 1})
    item = r.json()["decisions"]["items"][0]
    assert r.json()["decisions"]["count"] == 1 and item["order_id"] == b.pk
    assert {o["rule"] for o in item["explanation"]["options"] if not o["allowed"]} == {"cold_chain"}


def test_plan_a_list_of_orders(world, api):
    a = world.order("北京市")
    world.order("北京市")
    r = post(api, "/api/allocation/runs", {"order_ids": [a.pk]})
    assert r.status_code == 200 and r.json()["orders"] == 1
    r = post(api, "/api/allocation/runs", {"order_ids": [a.pk, 999999]})
    assert r.status_code == 404 and r.json()["detail"] == {"order_ids": [999999]}
    assert post(api, "/api/allocation/runs", {"order_ids": []}).status_code == 422


def test_filter_unassigned_orders_by_reason(world, api):
    world.order("北京市")
    lost = world.order("北京市", [("NOWEIGHT", 1)])
    run_id = post(api, "/api/allocation/runs").json()["id"]
    items = api.get(f"/api/allocation/runs/{run_id}", {"reason": "un:sku_weight"}).json()["decisions"][
        "items"
    ]
    assert [d["order_id"] for d in items] == [lost.pk]
    assert api.get(f"/api/allocation/runs/{run_id}", {"reason": "un:"}).json()["decisions"]["count"] == 1
    assert api.get(f"/api/allocation/runs/{run_id}", {"reason": "cheapest"}).json()["decisions"]["count"] == 1


def test_override_one_order_and_a_province(world, api):
    a, b = world.order("北京市"), world.order("北京市", [("FISH", 1)])
    run_id = post(api, "/api/allocation/runs").json()["id"]
    r = post(
        api,
        f"/api/allocation/runs/{run_id}/override",
        {"order_ids": [a.pk], "carrier": "EMS", "warehouse": "GZ"},
    )
    assert r.status_code == 200, r.content
    assert r.json()["updated"] == 1 and r.json()["run"]["total_fen"] == 1100 + 1400

    r = post(
        api,
        f"/api/allocation/runs/{run_id}/override",
        {"province": "北京市", "carrier": "ZTO", "warehouse": "HZ"},
    )
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "infeasible_override" and "1 of 2 orders" in body["message"]
    assert body["detail"]["orders"] == [
        {"order_id": b.pk, "order": b.platform_order_id, "reason": "cold_chain"}
    ]

    r = post(
        api,
        f"/api/allocation/runs/{run_id}/override",
        {"province": "北京市", "carrier": "ZTO", "warehouse": "HZ", "skip_infeasible": True},
    )
    assert r.status_code == 200 and r.json()["updated"] == 1 and len(r.json()["skipped"]) == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"carrier": "ZTO", "warehouse": "HZ"}, 422),  # neither orders nor province
        ({"province": "火星", "carrier": "ZTO", "warehouse": "HZ"}, 404),
        ({"province": "北京市", "carrier": "DHL", "warehouse": "HZ"}, 404),
    ],
)
def test_override_errors_are_4xx_with_a_message(world, api, body, status):
    world.order("北京市")
    run_id = post(api, "/api/allocation/runs").json()["id"]
    r = post(api, f"/api/allocation/runs/{run_id}/override", body)
    assert r.status_code == status and r.json()["message"]


def test_apply_then_apply_again(world, api):
    order = world.order("北京市")
    run_id = post(api, "/api/allocation/runs").json()["id"]
    r = post(api, f"/api/allocation/runs/{run_id}/apply")
    assert r.status_code == 200
    assert (
        r.json()["applied"] == 1
        and not r.json()["already_applied"]
        and r.json()["run"]["status"] == "applied"
    )
    assert Order.objects.filter(pk=order.pk).values_list("carrier__code", flat=True).get() == "ZTO"
    again = post(api, f"/api/allocation/runs/{run_id}/apply").json()
    assert again["already_applied"] and again["applied"] == 1
    r = post(
        api,
        f"/api/allocation/runs/{run_id}/override",
        {"order_ids": [order.pk], "carrier": "SF", "warehouse": "HZ"},
    )
    assert r.status_code == 409 and r.json()["error"] == "run_not_editable"


def test_packers_read_but_cannot_plan_override_or_apply(world, api, packer):
    world.order("北京市")
    run_id = post(api, "/api/allocation/runs").json()["id"]
    ro = client_for(packer)
    assert ro.get(f"/api/allocation/runs/{run_id}").status_code == 200
    assert post(ro, "/api/allocation/runs").status_code == 403
    assert post(ro, f"/api/allocation/runs/{run_id}/apply").status_code == 403
    r = post(
        ro,
        f"/api/allocation/runs/{run_id}/override",
        {"province": "北京市", "carrier": "SF", "warehouse": "HZ"},
    )
    assert r.status_code == 403


def test_unknown_run_and_no_token(world, api):
    assert api.get("/api/allocation/runs/424242").status_code == 404
    assert Client().post("/api/allocation/runs", {}, content_type="application/json").status_code == 401
