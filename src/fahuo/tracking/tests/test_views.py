"""The alert queue, the trace page, the dashboard counts and the tracking API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fahuo.accounts.models import ApiToken
from fahuo.accounts.services import add_member
from fahuo.orders.models import OrderStatus, Shop
from fahuo.tracking.ingest import ingest_events
from fahuo.tracking.models import Alert, AlertKind, AlertStatus, TrackStatus
from fahuo.tracking.sweep import sweep
from fahuo.tracking.tests import factories as f

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password="fahuo-test-pw")
    return client


@pytest.fixture
def alerts(shop: Any, operator: Any) -> dict[str, Alert]:
    """A stalled ZTO parcel, a YTO problem parcel (another shop), an overdue order; the operator
    works both shops."""
    other = Shop.objects.create(code="tea", name="茶叶私域", platform="wechat")
    add_member(user=operator, shop=other, role="operator")
    f.carrier("ZTO", "中通快递")
    f.carrier("YTO", "圆通速递")
    now = f.now()
    stalled = f.track(shop, status=TrackStatus.IN_TRANSIT, last_event_at=now - dt.timedelta(hours=60))
    problem = f.track(other, carrier_code="YTO", status=TrackStatus.EXCEPTION, last_event_at=now)
    f.order(shop, status=OrderStatus.READY, ship_by=now - dt.timedelta(hours=2))
    sweep()
    return {
        "stalled": Alert.objects.get(track=stalled),
        "problem": Alert.objects.get(track=problem),
        "overdue": Alert.objects.get(kind=AlertKind.SHIP_BY_OVERDUE),
    }


def rows(response: Any) -> set[str]:
    html = response.content.decode()
    return {kind for kind in AlertKind.values if f'data-kind="{kind}"' in html and "<tr" in html}


def test_the_queue_lists_unresolved_alerts_with_counts(operator: Any, alerts: dict[str, Alert]) -> None:
    response = login(operator).get("/tracking/alerts/")
    html = response.content.decode()
    assert response.status_code == 200
    for a in alerts.values():
        assert f'id="alert-{a.pk}"' in html
    assert 'data-kind="all"' in html and "<b>3</b>" in html
    assert alerts["stalled"].tracking_no in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=stalled", {"stalled"}),
        ("carrier=YTO", {"problem"}),
        ("status=resolved", set()),
        ("q=", {"stalled", "problem", "overdue"}),
    ],
)
def test_the_queue_filters(operator: Any, alerts: dict[str, Alert], query: str, expected: set[str]) -> None:
    response = login(operator).get(f"/tracking/alerts/?{query}", headers={**HX, "HX-Target": "alert-results"})
    html = response.content.decode()
    assert "<html" not in html  # a fragment
    shown = {name for name, a in alerts.items() if f'id="alert-{a.pk}"' in html}
    assert shown == expected


def test_the_queue_filters_by_shop(operator: Any, alerts: dict[str, Alert]) -> None:
    order = alerts["problem"].order
    assert order is not None
    shop_id = order.shop_id
    html = login(operator).get(f"/tracking/alerts/?shop={shop_id}").content.decode()
    assert f'id="alert-{alerts["problem"].pk}"' in html
    assert f'id="alert-{alerts["stalled"].pk}"' not in html


def test_the_queue_makes_a_fixed_number_of_queries(
    operator: Any, shop: Any, alerts: dict[str, Alert]
) -> None:
    client = login(operator)
    client.get("/tracking/alerts/")
    with CaptureQueriesContext(connection) as few:
        client.get("/tracking/alerts/")
    for _ in range(10):
        f.track(shop, status=TrackStatus.EXCEPTION, last_event_at=f.now())
    sweep()
    with CaptureQueriesContext(connection) as many:
        client.get("/tracking/alerts/")
    assert len(many) == len(few)


def test_assign_to_me_returns_the_row(operator: Any, alerts: dict[str, Alert]) -> None:
    a = alerts["stalled"]
    response = login(operator).post(f"/tracking/alerts/{a.pk}/assign/", {"me": "1"}, headers=HX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "alerts-changed"
    assert f'id="alert-{a.pk}"' in response.content.decode()
    a.refresh_from_db()
    assert (a.status, a.assignee_id) == (AlertStatus.ASSIGNED, operator.pk)


def test_assign_to_someone_and_back(owner: Any, operator: Any, alerts: dict[str, Alert]) -> None:
    a = alerts["problem"]
    client = login(owner)
    client.post(f"/tracking/alerts/{a.pk}/assign/", {"assignee": operator.pk}, headers=HX)
    a.refresh_from_db()
    assert a.assignee_id == operator.pk
    client.post(f"/tracking/alerts/{a.pk}/assign/", {"assignee": ""}, headers=HX)
    a.refresh_from_db()
    assert (a.status, a.assignee_id) == (AlertStatus.OPEN, None)


def test_a_packer_cannot_be_assigned(owner: Any, packer: Any, alerts: dict[str, Alert]) -> None:
    a = alerts["problem"]
    response = login(owner).post(f"/tracking/alerts/{a.pk}/assign/", {"assignee": packer.pk}, headers=HX)
    assert response.status_code == 422
    a.refresh_from_db()
    assert a.assignee_id is None


def test_note_and_resolve(operator: Any, alerts: dict[str, Alert]) -> None:
    a = alerts["problem"]
    client = login(operator)
    client.post(f"/tracking/alerts/{a.pk}/note/", {"note": "已联系网点"}, headers=HX)
    response = client.post(f"/tracking/alerts/{a.pk}/resolve/", {"note": "网点已改派"}, headers=HX)
    assert response.status_code == 200
    a.refresh_from_db()
    assert (a.status, a.note, a.resolved_by_id) == (AlertStatus.RESOLVED, "网点已改派", operator.pk)
    assert 'class="resolved"' in response.content.decode()


def test_reopen(operator: Any, alerts: dict[str, Alert]) -> None:
    a = alerts["overdue"]
    client = login(operator)
    client.post(f"/tracking/alerts/{a.pk}/resolve/")
    response = client.post(f"/tracking/alerts/{a.pk}/reopen/", {"next": "/tracking/alerts/?status=all"})
    assert response.status_code == 302
    assert response["Location"] == "/tracking/alerts/?status=all"
    a.refresh_from_db()
    assert a.status == AlertStatus.OPEN


def test_packers_read_but_do_not_act(packer: Any, alerts: dict[str, Alert]) -> None:
    a = alerts["stalled"]
    client = login(packer)
    html = client.get("/tracking/alerts/").content.decode()
    assert f'id="alert-{a.pk}"' in html
    assert "/resolve/" not in html and "/assign/" not in html
    assert client.post(f"/tracking/alerts/{a.pk}/resolve/").status_code == 403
    a.refresh_from_db()
    assert a.status == AlertStatus.OPEN


def test_the_trace_page_shows_every_event_in_beijing_time(operator: Any, shop: Any) -> None:
    t = f.track(shop)
    at = dt.datetime(2025, 6, 17, 16, 5, 9, tzinfo=dt.UTC)  # 2025-06-18 00:05:09 in Beijing
    ingest_events(
        [
            f.event(t, "picked_up", at, "【杭州市】已揽收", location="杭州市"),
            f.event(t, "exception", at + dt.timedelta(hours=20), "派件异常：地址不详", location="苏州市"),
        ]
    )
    html = login(operator).get(f"/tracking/parcels/{t.pk}/").content.decode()
    assert "2025-06-18 00:05:09" in html
    assert "派件异常：地址不详" in html and "苏州市" in html
    trace = html[html.index('id="trace"') :]
    assert trace.index("派件异常") < trace.index("【杭州市】已揽收")  # newest first
    assert 'data-status="exception"' in html and 'data-status="picked_up"' in html


def test_the_trace_lookup_by_number(operator: Any, shop: Any) -> None:
    t = f.track(shop)
    client = login(operator)
    assert client.get(f"/tracking/parcels/?no={t.tracking_no}")["Location"] == f"/tracking/parcels/{t.pk}/"
    assert client.get("/tracking/parcels/?no=nope")["Location"] == "/tracking/alerts/"


def test_the_dashboard_shows_alert_counts(operator: Any, alerts: dict[str, Alert]) -> None:
    html = login(operator).get("/").content.decode()
    assert 'id="dashboard-alerts"' in html
    assert 'data-alert-kind="stalled"' in html and 'data-alert-kind="ship_by_overdue"' in html


def test_the_api_lists_and_resolves_alerts(owner: Any, alerts: dict[str, Alert]) -> None:
    _, token = ApiToken.issue(user=owner, name="t")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    body = client.get("/api/tracking/alerts?kind=problem").json()
    assert body["count"] == 1
    assert body["counts"] == {"stalled": 1, "problem": 1, "ship_by_overdue": 1}
    [item] = body["items"]
    assert (item["kind"], item["tracking_no"]) == ("problem", alerts["problem"].tracking_no)
    resolved = client.post(
        f"/api/tracking/alerts/{item['id']}/resolve", {"note": "ok"}, content_type="application/json"
    )
    assert resolved.json()["status"] == "resolved"
    trace = client.get(f"/api/tracking/parcels/{alerts['stalled'].tracking_no}").json()
    assert trace["status"] == "in_transit"
