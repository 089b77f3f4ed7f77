"""Allocation pages: plan, preview with filters and explanations (htmx), overrides, apply; rules; roles."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fahuo.desk.tests.conftest import login
from fahuo.orders.models import Order
from fahuo.routing.models import AllocationRun, Rule, RuleKind

HX = {"HX-Request": "true"}


@pytest.fixture
def owner_client(owner: Any) -> Client:
    return login(owner)


@pytest.fixture
def packer_client(packer: Any) -> Client:
    return login(packer)


def plan(client: Client) -> AllocationRun:
    r = client.post("/allocation/plan/")
    assert r.status_code == 302
    run = AllocationRun.objects.latest("id")
    assert r["Location"] == f"/allocation/runs/{run.pk}/"
    return run


def test_the_page_offers_to_plan_the_ready_orders(world, owner_client):
    world.order("北京市")
    world.order("广东省")
    r = owner_client.get("/allocation/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="ready-count">2<' in html and 'id="plan-button"' in html
    assert 'aria-current="page"' in html  # the nav marks 分配


def test_login_is_required(world, client):
    r = client.get("/allocation/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_plan_then_preview_totals_tables_and_decisions(world, owner_client):
    world.cap("ZTO", world.hz, 1)
    a, _ = world.order("北京市"), world.order("北京市")
    world.order("北京市", [("NOWEIGHT", 1)])
    run = plan(owner_client)
    r = owner_client.get(f"/allocation/runs/{run.pk}/")
    assert r.status_code == 200
    html = r.content.decode()
    for snippet in (
        'data-count="orders"><b>3<',
        'data-count="unassigned" class="warn"><b>1<',
        "¥11.00",
        'id="by-carrier"',
        'id="by-warehouse"',
        'data-reason="sku_weight"',
        'id="apply-button"',
        a.platform_order_id,
        'class="num cap cap-full">1<span class="muted">/1<',
    ):
        assert snippet in html, snippet
    # the filtered table alone, for htmx
    r = owner_client.get(
        f"/allocation/runs/{run.pk}/", {"reason": "capacity"}, headers={**HX, "HX-Target": "decision-results"}
    )
    assert r.status_code == 200 and "<html" not in r.content.decode()
    assert r.content.decode().count("data-order=") == 1


def test_an_order_explanation_lists_every_option_and_why(world, owner_client):
    fish = world.order("北京市", [("FISH", 1)])
    run = plan(owner_client)
    r = owner_client.get(f"/allocation/runs/{run.pk}/orders/{fish.pk}/", headers=HX)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="explain-panel"' in html and html.count("data-lane=") == 6
    assert (
        '<tr class="removed" data-lane="ZTO@HZ">' in html and '<tr class="chosen" data-lane="SF@HZ">' in html
    )
    assert 'id="override-form"' in html
    # without htmx the page opens with the panel shown
    r = owner_client.get(f"/allocation/runs/{run.pk}/orders/{fish.pk}/")
    assert r.status_code == 302 and r["Location"].endswith(f"?show={fish.pk}")
    assert 'id="explain-panel"' in owner_client.get(r["Location"]).content.decode()


def test_override_one_order_from_the_panel(world, owner_client):
    order = world.order("北京市")
    run = plan(owner_client)
    r = owner_client.post(f"/allocation/runs/{run.pk}/override/", {"order": order.pk, "lane": "SF@GZ"})
    assert r.status_code == 302 and r["Location"].endswith(f"?show={order.pk}")
    d = run.decisions.get(order=order)
    assert d.carrier is not None and d.warehouse is not None
    assert (d.carrier.code, d.warehouse.code, d.overridden) == ("SF", "GZ", True)
    page = owner_client.get(r["Location"]).content.decode()
    assert "msg-success" in page and "¥15.00" in page


def test_an_infeasible_override_is_explained_not_applied(world, owner_client):
    fish = world.order("北京市", [("FISH", 1)])
    run = plan(owner_client)
    r = owner_client.post(
        f"/allocation/runs/{run.pk}/override/", {"order": fish.pk, "lane": "ZTO@HZ"}, follow=True
    )
    assert "cold_chain" in r.content.decode() and "msg-error" in r.content.decode()
    assert run.decisions.filter(order=fish).values_list("carrier__code", flat=True).get() == "SF"


def test_group_override_by_province(world, owner_client):
    tea, fish = world.order("北京市"), world.order("北京市", [("FISH", 1)])
    run = plan(owner_client)
    r = owner_client.post(
        f"/allocation/runs/{run.pk}/override-group/",
        {"province": "北京市", "carrier": "EMS", "warehouse": "GZ", "skip_infeasible": "on"},
        follow=True,
    )
    assert r.status_code == 200 and "msg-success" in r.content.decode()
    assert run.decisions.filter(order=tea).values_list("carrier__code", flat=True).get() == "EMS"
    assert run.decisions.filter(order=fish).values_list("carrier__code", flat=True).get() == "SF"


def test_apply_gives_the_orders_their_carrier(world, owner_client):
    order = world.order("北京市")
    run = plan(owner_client)
    r = owner_client.post(f"/allocation/runs/{run.pk}/apply/", follow=True)
    html = r.content.decode()
    assert 'id="applied-note"' in html and 'id="apply-button"' not in html
    assert Order.objects.filter(pk=order.pk).values_list("carrier__code", flat=True).get() == "ZTO"
    detail = owner_client.get(f"/orders/{order.pk}/").content.decode()
    assert "中通快递" in detail


def test_packers_read_but_cannot_change(world, owner_client, packer_client):
    order = world.order("北京市")
    run = plan(owner_client)
    page = packer_client.get(f"/allocation/runs/{run.pk}/").content.decode()
    assert 'id="apply-button"' not in page and 'id="group-override"' not in page
    panel = packer_client.get(f"/allocation/runs/{run.pk}/orders/{order.pk}/", headers=HX).content.decode()
    assert 'id="override-form"' not in panel
    assert 'id="plan-button"' not in packer_client.get("/allocation/").content.decode()
    assert packer_client.post("/allocation/plan/").status_code == 403
    assert packer_client.post(f"/allocation/runs/{run.pk}/apply/").status_code == 403
    assert (
        packer_client.post(
            f"/allocation/runs/{run.pk}/override/", {"order": order.pk, "lane": "SF@HZ"}
        ).status_code
        == 403
    )
    assert packer_client.post("/allocation/rules/new/", {"kind": "prefer_carriers"}).status_code == 403
    assert Order.objects.get(pk=order.pk).carrier is None


def test_unknown_run_is_404(world, owner_client):
    assert owner_client.get("/allocation/runs/999/").status_code == 404


# --- rules -----------------------------------------------------------------------------------------


def test_add_a_rule_with_the_form_of_its_kind(world, owner_client):
    r = owner_client.get("/allocation/rules/new/", {"kind": RuleKind.PROVINCE_CARRIERS})
    html = r.content.decode()
    assert r.status_code == 200 and 'name="provinces"' in html and 'name="trait"' not in html
    r = owner_client.post(
        "/allocation/rules/new/",
        {
            "kind": RuleKind.PROVINCE_CARRIERS,
            "name": "西部只走EMS",
            "priority": "10",
            "active": "on",
            "provinces": ["新疆维吾尔自治区", "西藏自治区"],
            "carriers": ["EMS"],
        },
    )
    assert r.status_code == 302
    rule = Rule.objects.get()
    assert (
        rule.params == {"provinces": ["新疆维吾尔自治区", "西藏自治区"], "carriers": ["EMS"]} and rule.active
    )
    page = owner_client.get("/allocation/rules/").content.decode()
    assert "西部只走EMS" in page and "新疆维吾尔自治区、西藏自治区 · EMS" in page


def test_an_invalid_rule_is_shown_again_with_its_errors(world, owner_client):
    r = owner_client.post(
        "/allocation/rules/new/",
        {"kind": RuleKind.PREFER_DOOR_DELIVERY, "name": "x", "priority": "1", "penalty": "-3"},
    )
    assert r.status_code == 400 and "errorlist" in r.content.decode()
    assert not Rule.objects.exists()


def test_edit_toggle_and_delete_a_rule(world, owner_client):
    rule = Rule.objects.create(
        kind=RuleKind.PREFER_DOOR_DELIVERY, name="私域上门", params={"channel": "private", "penalty_fen": 300}
    )
    form = owner_client.get(f"/allocation/rules/{rule.pk}/").content.decode()
    assert 'value="3.00"' in form and 'value="private" selected' in form
    r = owner_client.post(
        f"/allocation/rules/{rule.pk}/",
        {"name": "私域上门", "priority": "5", "active": "on", "channel": "", "penalty": "4.5"},
    )
    assert r.status_code == 302
    rule.refresh_from_db()
    assert rule.params == {"penalty_fen": 450} and rule.priority == 5
    owner_client.post(f"/allocation/rules/{rule.pk}/toggle/")
    rule.refresh_from_db()
    assert not rule.active
    owner_client.post(f"/allocation/rules/{rule.pk}/delete/")
    assert not Rule.objects.exists()


def test_every_rule_kind_has_a_working_form(world, owner_client):
    for kind in RuleKind.values:
        r = owner_client.get("/allocation/rules/new/", {"kind": kind})
        assert r.status_code == 200, kind
    assert owner_client.get("/allocation/rules/new/", {"kind": "nope"}).status_code == 302
