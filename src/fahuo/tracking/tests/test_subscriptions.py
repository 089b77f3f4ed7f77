"""From print to trace: a new parcel is subscribed at Kdniao (simulator over HTTP) and its push lands."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from fahuo.carriers.models import ProviderAccount
from fahuo.integrations.kdniao.simulator import KdniaoSimulator, build_push_form
from fahuo.integrations.simserver import serve
from fahuo.tracking.ingest import ensure_tracks
from fahuo.tracking.models import Track, TrackStatus
from fahuo.tracking.subscriptions import subscribe_tracks
from fahuo.tracking.tests import factories as f
from fahuo.tracking.tests.conftest import KDNIAO_EBID, KDNIAO_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def sim() -> KdniaoSimulator:
    return KdniaoSimulator.with_accounts({KDNIAO_EBID: KDNIAO_KEY})


@pytest.fixture
def kdniao_url(sim: KdniaoSimulator, kdniao_account: ProviderAccount) -> Iterator[str]:
    with serve(sim) as url:
        kdniao_account.base_url = url
        kdniao_account.save()
        yield url


def test_a_printed_parcel_is_subscribed_after_commit(
    shop: Any, sim: KdniaoSimulator, kdniao_url: str, django_capture_on_commit_callbacks: Any
) -> None:
    w = f.waybill(f.order(shop), number="73100000000001")
    with django_capture_on_commit_callbacks(execute=True):
        [t] = ensure_tracks([w])
    assert ("ZTO", "73100000000001") in sim.subscriptions
    t.refresh_from_db()
    assert t.subscribed_provider == "kdniao" and t.subscribed_at is not None
    assert sim.calls[-1].request_type == "1008"


def test_no_tracking_account_means_no_subscription(
    shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ensure_tracks([f.waybill(f.order(shop))])
    assert callbacks == []


def test_a_refusal_is_reported_and_the_rest_go_on(shop: Any, sim: KdniaoSimulator, kdniao_url: str) -> None:
    sf = f.track(
        shop, carrier_code="SF", tracking_no="SF1234567890123", order_obj=f.order(shop, recipient_phone="")
    )
    zto = f.track(shop, carrier_code="ZTO", tracking_no="73100000000002")
    result = subscribe_tracks(tracks=list(Track.objects.select_related("order", "waybill").order_by("pk")))
    assert result.subscribed == 1
    assert [no for no, _ in result.failed] == [sf.tracking_no]
    assert "后四位" in result.failed[0][1]
    zto.refresh_from_db()
    assert zto.subscribed_provider == "kdniao"


def test_the_simulators_push_moves_the_parcel(shop: Any, sim: KdniaoSimulator, kdniao_account: Any) -> None:
    t = f.track(shop, carrier_code="ZTO", tracking_no="73100000000003")
    sim.add_trace(
        "ZTO",
        t.tracking_no,
        at="2025-06-18 09:00:00",
        station="【杭州市】已揽收",
        action="1",
        location="杭州市",
    )
    sim.add_trace(
        "ZTO", t.tracking_no, at="2025-06-19 15:30:00", station="【苏州市】已签收，本人签收", action="301"
    )
    form = build_push_form(
        ebusiness_id=KDNIAO_EBID, app_key=KDNIAO_KEY, items=[sim.push_item("ZTO", t.tracking_no)]
    )
    response = Client().post("/hooks/kdniao", form)
    assert response.status_code == 200
    assert json.loads(response.content)["Success"] is True
    t.refresh_from_db()
    assert (t.status, t.active, t.last_location) == (TrackStatus.DELIVERED, False, "杭州市")
