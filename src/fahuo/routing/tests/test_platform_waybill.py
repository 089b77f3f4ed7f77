"""Allocation offers an order whose receiver is platform ciphertext only carriers whose waybill
provider can print it (抖音电子面单), and says why when none can."""

from __future__ import annotations

from django.test import Client

from fahuo.accounts.models import ApiToken
from fahuo.orders.platform_waybill import PLATFORM_WAYBILL, PLATFORM_WAYBILL_MESSAGE


def _api(user) -> Client:
    _, raw = ApiToken.issue(user=user, name="test")
    return Client(headers={"authorization": f"Bearer {raw}"})


def _encrypted(order):
    order.review_reasons = [{"code": PLATFORM_WAYBILL, "message": PLATFORM_WAYBILL_MESSAGE}]
    order.save(update_fields=["review_reasons"])
    return order


def _decisions(api: Client) -> dict[int, dict]:
    run = api.post("/api/allocation/runs", {}, content_type="application/json").json()
    page = api.get(f"/api/allocation/runs/{run['id']}", {"explain": "true"}).json()["decisions"]
    return {d["order_id"]: d for d in page["items"]}


def test_an_encrypted_order_goes_to_the_carrier_that_prints_it_not_the_cheapest(world, operator):
    sf = world.carriers["SF"]
    sf.provider = "douyin_waybill"
    sf.save(update_fields=["provider"])
    plain, secret = world.order("北京市"), _encrypted(world.order("北京市"))
    got = _decisions(_api(operator))
    assert got[plain.pk]["carrier"] == "ZTO"  # the cheapest, as before
    assert got[secret.pk]["carrier"] == "SF"
    refused = {o["carrier"]: o["rule"] for o in got[secret.pk]["explanation"]["options"] if not o["allowed"]}
    assert refused.get("ZTO") == "encrypted" and refused.get("EMS") == "encrypted"


def test_without_such_a_carrier_the_encrypted_order_is_left_out_with_that_reason(world, operator):
    plain, secret = world.order("北京市"), _encrypted(world.order("北京市"))
    got = _decisions(_api(operator))
    assert got[plain.pk]["carrier"] == "ZTO"
    assert got[secret.pk]["carrier"] in (None, "") and got[secret.pk]["reason"] == "encrypted"
