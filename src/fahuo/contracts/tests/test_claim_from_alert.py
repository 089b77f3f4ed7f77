"""发起理赔 from the tracking alert queue: the alert row offers it (through tracking's extension point,
tracking does not import contracts) and the claim form comes filled in from the parcel."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from fahuo.contracts import settlement as st
from fahuo.contracts.models import Claim
from fahuo.contracts.tests.factories import contracted_carrier, parcel
from fahuo.kit.testing import client_for
from fahuo.orders.models import Order, Shop
from fahuo.tracking.models import Alert, Track

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 9, tzinfo=st.SHANGHAI)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def alert_on(track: Track, kind: str, detail: str = "") -> Alert:
    assert track.order_id is not None
    Order.objects.filter(pk=track.order_id).update(total_fen=12900)
    return Alert.objects.create(
        kind=kind, order_id=track.order_id, track=track, tracking_no=track.tracking_no, since=timezone.now(),
        detail=detail,
    )  # fmt: skip


@pytest.fixture
def damaged(shop: Any) -> Alert:
    carrier, _, _ = contracted_carrier()
    track = parcel(
        shop, carrier, ready_at=START, picked_up_at=START + dt.timedelta(hours=2), tracking_no="YTDMG01"
    )
    return alert_on(track, "problem", "外包装破损，内件待核实")


def test_the_alert_row_offers_a_claim_and_the_form_comes_filled_in(owner: Any, damaged: Alert) -> None:
    client = client_for(owner)
    queue = client.get(reverse("tracking:alert_list")).content.decode()
    link = f"/contracts/claims/?alert={damaged.pk}"
    assert link in queue and "发起理赔" in queue
    page = client.get(link)
    form = page.context["form"]
    assert page.status_code == 200 and "从物流告警带入" in page.content.decode()
    assert form["carrier"].value() == "YTO" and form["tracking_no"].value() == "YTDMG01"
    assert form["kind"].value() == "damage" and form["source"].value() == "tracking"
    assert form["amount_yuan"].value() == "129.00" and "外包装破损" in form["note"].value()
    posted = {k: form[k].value() for k in ("carrier", "tracking_no", "kind", "source", "amount_yuan", "note")}
    assert client.post(link, posted).status_code == 302
    claim = Claim.objects.get()
    assert (claim.tracking_no, claim.kind, claim.source, claim.amount_fen) == (
        "YTDMG01",
        "damage",
        "tracking",
        12900,
    )
    assert damaged.order is not None and claim.shop_id == damaged.order.shop_id


def test_a_stalled_parcel_is_prefilled_as_lost_and_a_delivered_ship_by_alert_offers_nothing(
    owner: Any, damaged: Alert
) -> None:
    assert damaged.track is not None
    stalled = alert_on(damaged.track, "stalled")
    ship_by = Alert.objects.create(kind="ship_by_overdue", order_id=damaged.order_id, since=timezone.now())
    client = client_for(owner)
    assert client.get(f"/contracts/claims/?alert={stalled.pk}").context["form"]["kind"].value() == "loss"
    queue = client.get(reverse("tracking:alert_list")).content.decode()
    assert f"?alert={stalled.pk}" in queue and f"?alert={ship_by.pk}" not in queue


def test_an_operator_gets_no_claim_link(operator: Any, damaged: Alert) -> None:
    queue = client_for(operator).get(reverse("tracking:alert_list")).content.decode()
    assert f"alert-{damaged.pk}" in queue and "发起理赔" not in queue


def test_another_shops_alert_cannot_fill_a_claim(damaged: Alert) -> None:
    from django.contrib.auth.models import User

    from fahuo.accounts.services import add_member

    other = Shop.objects.create(code="tea", name="茶", platform="private")
    user = User.objects.create_user(username="tea-owner", password="fahuo-test-pw")
    add_member(user=user, shop=other, role="owner")
    response = client_for(user).get(f"/contracts/claims/?alert={damaged.pk}")
    assert response.status_code == 404 and "YTDMG01" not in response.content.decode()
