"""The alert's "assign to" list offers only people who may work alerts in the alert's shop (its owners
and operators, and the owners of every shop); assigning to anyone else is refused (desk and API)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from fahuo.accounts.models import ApiToken
from fahuo.accounts.services import add_member
from fahuo.orders.models import Shop
from fahuo.tracking.models import Alert, TrackStatus
from fahuo.tracking.sweep import sweep
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def _user(username: str, shop: Any, role: str) -> Any:
    from django.contrib.auth.models import User

    user = User.objects.create_user(username=username, password="fahuo-test-pw")
    add_member(user=user, shop=shop, role=role)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def two_shops(shop: Any, operator: Any, owner: Any) -> dict[str, Any]:
    """Shop A (``shop``: operator ``operator``, packer ``a_packer``) and shop B (operator ``bob``,
    owner ``b_boss``), one stalled parcel's alert in each; ``owner`` runs every shop."""
    b = Shop.objects.create(code="tea", name="茶叶私域", platform="wechat")
    people = {
        "a_op": operator,
        "a_packer": _user("a_packer", shop, "packer"),
        "bob": _user("bob", b, "operator"),
        "b_boss": _user("b_boss", b, "owner"),
        "owner": owner,
    }
    f.carrier("ZTO", "中通快递")
    old = f.now() - dt.timedelta(hours=60)
    track_a = f.track(shop, status=TrackStatus.IN_TRANSIT, last_event_at=old)
    track_b = f.track(b, status=TrackStatus.IN_TRANSIT, last_event_at=old)
    sweep()
    return {
        **people,
        "alert_a": Alert.objects.get(track=track_a),
        "alert_b": Alert.objects.get(track=track_b),
    }


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _options(html: str, alert: Alert) -> set[str]:
    row = html.split(f'id="alert-{alert.pk}"', 1)[1].split("</tr>", 1)[0]
    select = row.split('name="assignee"', 1)[1].split("</select>", 1)[0]
    return {name for name in re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", select)}


def test_each_rows_list_names_only_people_of_that_alerts_shop(two_shops: dict[str, Any]) -> None:
    html = _login(two_shops["owner"]).get("/tracking/alerts/").content.decode()
    assert _options(html, two_shops["alert_a"]) == {"operator", "owner"}
    assert _options(html, two_shops["alert_b"]) == {"bob", "b_boss", "owner"}


def test_the_row_after_an_action_keeps_its_shops_list(two_shops: dict[str, Any]) -> None:
    a = two_shops["alert_a"]
    response = _login(two_shops["a_op"]).post(f"/tracking/alerts/{a.pk}/assign/", {"me": "1"}, headers=HX)
    assert response.status_code == 200
    assert _options(response.content.decode(), a) == {"operator", "owner"}


def test_assigning_a_member_of_another_shop_is_refused_on_the_desk(two_shops: dict[str, Any]) -> None:
    a = two_shops["alert_a"]
    client = _login(two_shops["owner"])
    for outsider in ("bob", "b_boss", "a_packer"):
        response = client.post(
            f"/tracking/alerts/{a.pk}/assign/", {"assignee": two_shops[outsider].pk}, headers=HX
        )
        assert 400 <= response.status_code < 500, outsider
        a.refresh_from_db()
        assert a.assignee_id is None, outsider
    ok = client.post(f"/tracking/alerts/{a.pk}/assign/", {"assignee": two_shops["a_op"].pk}, headers=HX)
    assert ok.status_code == 200
    a.refresh_from_db()
    assert a.assignee_id == two_shops["a_op"].pk


def test_assigning_a_member_of_another_shop_is_refused_by_the_api(two_shops: dict[str, Any]) -> None:
    b = two_shops["alert_b"]
    _, token = ApiToken.issue(user=two_shops["owner"], name="t")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    refused = client.post(
        f"/api/tracking/alerts/{b.pk}/assign", {"username": "operator"}, content_type="application/json"
    )
    assert refused.status_code == 422, refused.content
    b.refresh_from_db()
    assert b.assignee_id is None
    done = client.post(
        f"/api/tracking/alerts/{b.pk}/assign", {"username": "bob"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["assignee"] == "bob"


def test_a_shop_member_cannot_even_see_another_shops_alert_to_assign_it(two_shops: dict[str, Any]) -> None:
    b = two_shops["alert_b"]
    response = _login(two_shops["a_op"]).post(
        f"/tracking/alerts/{b.pk}/assign/", {"assignee": two_shops["a_op"].pk}, headers=HX
    )
    assert response.status_code == 404
    b.refresh_from_db()
    assert b.assignee_id is None
