"""Applying or overriding an allocation changes orders, so the user's role is checked in each shop
whose orders it touches: an operator of shop A only gets 404 for a run holding shop B's orders (it
is hidden whole); an operator of A who only packs for B sees the run but gets 403 — through the API
and the desk alike — and nothing changes. Planning takes only the shops where they may allocate."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from fahuo.accounts.models import ApiToken
from fahuo.accounts.services import add_member
from fahuo.orders.models import Order, Shop
from fahuo.routing.models import AllocationRun

pytestmark = pytest.mark.django_db


def _member(username: str, *roles: tuple[Shop, str]) -> User:
    user = User.objects.create_user(username=username, password="fahuo-test-pw")
    for shop, role in roles:
        add_member(user=user, shop=shop, role=role)
    return User.objects.get(pk=user.pk)


def _api(user: User) -> Client:
    _, raw = ApiToken.issue(user=user, name="test")
    return Client(headers={"authorization": f"Bearer {raw}"})


def _desk(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


@pytest.fixture
def setup(world: Any, owner: User) -> dict[str, Any]:
    """Shop A (``world.shop``) and B, one ready order each in one run planned by the owner of every
    shop; ``a_only`` operates A; ``mixed`` operates A and packs for B."""
    b = Shop.objects.create(code="tea", name="茶叶私域", platform="wechat")
    order_a = world.order("北京市")
    order_b = world.order("北京市", shop=b)
    run = _post(_api(owner), "/api/allocation/runs").json()
    assert run["orders"] == 2
    return {
        "run": run["id"],
        "a": order_a,
        "b": order_b,
        "a_only": _member("a_only", (world.shop, "operator")),
        "mixed": _member("mixed", (world.shop, "operator"), (b, "packer")),
        "owner": owner,
    }


def _unchanged(setup: dict[str, Any]) -> None:
    for key in ("a", "b"):
        assert Order.objects.get(pk=setup[key].pk).carrier_id is None, key
    assert AllocationRun.objects.get(pk=setup["run"]).status == "preview"


def test_an_operator_of_one_shop_gets_404_for_a_run_with_another_shops_orders(setup: dict[str, Any]) -> None:
    run, api, desk = setup["run"], _api(setup["a_only"]), _desk(setup["a_only"])
    assert _post(api, f"/api/allocation/runs/{run}/apply").status_code == 404
    override = {"order_ids": [setup["a"].pk], "carrier": "SF", "warehouse": "HZ"}
    assert _post(api, f"/api/allocation/runs/{run}/override", override).status_code == 404
    assert desk.post(f"/allocation/runs/{run}/apply/").status_code == 404
    assert (
        desk.post(f"/allocation/runs/{run}/override/", {"order": setup["a"].pk, "lane": "SF@HZ"}).status_code
        == 404
    )
    _unchanged(setup)


def test_a_packer_in_the_other_shop_cannot_apply_or_override_its_orders_by_api(setup: dict[str, Any]) -> None:
    run, api = setup["run"], _api(setup["mixed"])
    assert api.get(f"/api/allocation/runs/{run}").status_code == 200  # both shops are theirs to read
    refused = _post(api, f"/api/allocation/runs/{run}/apply")
    assert refused.status_code == 403 and refused.json()["message"]
    for body in (
        {"order_ids": [setup["b"].pk], "carrier": "SF", "warehouse": "HZ"},
        {"order_ids": [setup["a"].pk, setup["b"].pk], "carrier": "SF", "warehouse": "HZ"},
        {"province": "北京市", "carrier": "SF", "warehouse": "HZ"},  # the province holds B's order too
    ):
        assert _post(api, f"/api/allocation/runs/{run}/override", body).status_code == 403, body
    _unchanged(setup)
    # their own shop's order alone: allowed
    mine = {"order_ids": [setup["a"].pk], "carrier": "SF", "warehouse": "HZ"}
    ok = _post(api, f"/api/allocation/runs/{run}/override", mine)
    assert ok.status_code == 200 and ok.json()["updated"] == 1


def test_a_packer_in_the_other_shop_cannot_apply_or_override_its_orders_on_the_desk(
    setup: dict[str, Any],
) -> None:
    run, desk = setup["run"], _desk(setup["mixed"])
    assert desk.get(f"/allocation/runs/{run}/").status_code == 200
    assert desk.post(f"/allocation/runs/{run}/apply/").status_code == 403
    assert (
        desk.post(f"/allocation/runs/{run}/override/", {"order": setup["b"].pk, "lane": "SF@HZ"}).status_code
        == 403
    )
    group = {"province": "北京市", "carrier": "SF", "warehouse": "HZ", "skip_infeasible": "on"}
    assert desk.post(f"/allocation/runs/{run}/override-group/", group).status_code == 403
    _unchanged(setup)
    assert (
        desk.post(f"/allocation/runs/{run}/override/", {"order": setup["a"].pk, "lane": "SF@HZ"}).status_code
        == 302
    )
    # the owner of every shop applies the whole run
    assert _desk(setup["owner"]).post(f"/allocation/runs/{run}/apply/").status_code == 302
    assert Order.objects.get(pk=setup["b"].pk).carrier is not None


def test_planning_takes_only_the_shops_where_the_role_may_allocate(setup: dict[str, Any]) -> None:
    api = _api(setup["mixed"])
    assert _desk(setup["mixed"]).get("/allocation/").context["ready"] == 1  # the plan button's count
    planned = _post(api, "/api/allocation/runs")
    assert planned.status_code == 200 and planned.json()["orders"] == 1  # A's order, not B's
    applied = _post(api, f"/api/allocation/runs/{planned.json()['id']}/apply")
    assert applied.status_code == 200 and applied.json()["applied"] == 1
    assert Order.objects.get(pk=setup["a"].pk).carrier is not None
    assert Order.objects.get(pk=setup["b"].pk).carrier is None
