"""The return parcel is tracked like a forward parcel: its trace is queried from the tracking provider
(Kdniao simulator over HTTP), shown on the RMA and the buyer's page, and a pickup moves the RMA to
returning — without messaging the buyer or touching the forward parcel's Track."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fahuo.aftersales import returns, tasks
from fahuo.aftersales.models import Rma, RmaKind, RmaSource, RmaStatus, RmaStep
from fahuo.integrations.kdniao.simulator import KdniaoSimulator
from fahuo.tracking.models import Track, TrackEvent
from fahuo.tracking.tests import factories as f
from fahuo.tracking.tests.test_polling import kdniao, sim, trace  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _rma(shop: Any, number: str = "ZTOR0000000001") -> tuple[Rma, Track]:
    track = f.track(shop, token="ret-tok-1")
    order = track.order
    assert order is not None
    order.carrier = f.carrier("ZTO")
    order.save(update_fields=["carrier"])
    rma = Rma.objects.create(shop=shop, order=order, platform_order_id=order.platform_order_id,
                             source=RmaSource.MANUAL, kind=RmaKind.RETURN_REFUND, status=RmaStatus.APPROVED,
                             return_tracking_no=number)  # fmt: skip
    return rma, track


def test_a_picked_up_return_moves_the_rma_and_shows_its_trace(
    shop: Any,
    sim: KdniaoSimulator,  # noqa: F811
    kdniao: Any,  # noqa: F811
    operator: Any,
) -> None:
    rma, track = _rma(shop)
    now = timezone.now()
    trace(sim, rma.return_tracking_no, now - dt.timedelta(hours=2), "1", "【杭州市】快递员已揽收")
    trace(sim, rma.return_tracking_no, now - dt.timedelta(hours=1), "2", "快件已发往【上海转运中心】")
    result = returns.poll_returns(now=now)
    assert (result.checked, result.moved, result.errors) == (1, 1, [])
    rma.refresh_from_db()
    assert rma.status == RmaStatus.RETURNING and rma.return_status == "in_transit"
    assert "上海转运中心" in rma.return_event
    notes = list(RmaStep.objects.filter(rma=rma, source="trace").values_list("note", flat=True))
    assert len(notes) == 2 and "已揽收" in notes[0]
    desk = Client()
    desk.force_login(operator)
    assert "运输中" in desk.get(f"/aftersales/{rma.pk}/").content.decode()
    buyer = Client().get(f"/t/{track.token}").content.decode()
    assert "退货物流" in buyer and "运输中" in buyer
    assert not TrackEvent.objects.filter(track=track).exists()  # the forward parcel is not touched


def test_a_return_is_not_queried_again_within_half_an_hour_and_old_lines_are_not_repeated(
    shop: Any,
    sim: KdniaoSimulator,  # noqa: F811
    kdniao: Any,  # noqa: F811
) -> None:
    rma, _ = _rma(shop)
    now = timezone.now()
    trace(sim, rma.return_tracking_no, now - dt.timedelta(hours=2), "1", "【杭州市】快递员已揽收")
    returns.poll_returns(now=now)
    assert returns.poll_returns(now=now + dt.timedelta(minutes=10)).checked == 0
    again = returns.poll_returns(now=now + dt.timedelta(minutes=31))
    assert (again.checked, again.moved) == (1, 0)
    assert RmaStep.objects.filter(rma=rma, source="trace").count() == 1


def test_a_received_return_is_not_polled(shop: Any, sim: KdniaoSimulator, kdniao: Any) -> None:  # noqa: F811
    rma, _ = _rma(shop)
    Rma.objects.filter(pk=rma.pk).update(status=RmaStatus.RECEIVED)
    assert tasks.poll_return_parcels.call_local() == 0
    assert returns.poll_returns().checked == 0


@pytest.mark.django_db(transaction=True)
def test_a_trace_push_for_the_return_number_moves_the_rma(
    shop: Any,
    sim: KdniaoSimulator,  # noqa: F811
    kdniao: Any,  # noqa: F811
    live_server: Any,
    settings: Any,
) -> None:
    settings.FAHUO_PUBLIC_URL = live_server.url
    rma, track = _rma(shop, number="ZTOR0000000077")
    assert returns.subscribe_returns().checked == 1  # subscribed to Kdniao's push (1008)
    assert ("ZTO", "ZTOR0000000077") in sim.subscriptions
    rma.refresh_from_db()
    assert rma.return_subscribed_at is not None
    trace(sim, "ZTOR0000000077", timezone.now() - dt.timedelta(minutes=20), "1", "【杭州市】快递员已揽收")
    answer = sim.push_to(f"{live_server.url}/hooks/kdniao")  # over HTTP, signed like Kdniao
    assert answer.status_code == 200 and answer.json()["Success"] is True
    rma.refresh_from_db()
    assert rma.status == RmaStatus.RETURNING and rma.return_status == "picked_up"
    assert RmaStep.objects.filter(rma=rma, source="trace", note__contains="已揽收").count() == 1
    assert not TrackEvent.objects.filter(track=track).exists()
    assert returns.subscribe_returns().checked == 0  # once
