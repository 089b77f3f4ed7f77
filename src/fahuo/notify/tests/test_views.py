"""Message pages (library, editor, preview, outbox, an order's messages) and the buyer's tracking page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from fahuo.notify import services
from fahuo.notify.models import MessageTemplate, OutboxMessage, OutboxStatus
from fahuo.notify.tests import factories as f
from fahuo.notify.tests.conftest import login
from fahuo.tracking.models import TrackStatus


@pytest.fixture
def owner_client(owner: Any) -> Client:
    return login(owner)


@pytest.fixture
def packer_client(packer: Any) -> Client:
    return login(packer)


def shipped_template() -> MessageTemplate:
    return MessageTemplate.objects.get(shop=None, key="shipped", channel="")


# --- library and editor ------------------------------------------------------------------------


def test_pages_need_a_login(client: Client, library: None) -> None:
    for url in ("/messages/", "/messages/outbox/", f"/messages/templates/{shipped_template().pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_library_lists_every_message(owner_client: Client, library: None) -> None:
    response = owner_client.get("/messages/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-key="') >= 11
    assert 'class="var">{单号}</span>' in html
    assert "/messages/templates/new/" in html


def test_a_packer_reads_but_cannot_edit(packer_client: Client, library: None) -> None:
    html = packer_client.get("/messages/").content.decode()
    assert "/messages/templates/new/" not in html
    t = shipped_template()
    response = packer_client.post(
        f"/messages/templates/{t.pk}/", {"title": "x", "body": "{买家}", "active": "on"}
    )
    assert response.status_code == 403
    assert packer_client.post("/messages/outbox/retry/").status_code == 403


def test_editing_saves_a_valid_text(owner_client: Client, library: None) -> None:
    t = shipped_template()
    data = {"title": "发货通知", "channel": "", "body": "{买家}，{快递}{单号}已发出", "active": "on"}
    response = owner_client.post(f"/messages/templates/{t.pk}/", data)
    assert response.status_code == 302
    t.refresh_from_db()
    assert (t.title, t.body, t.active) == ("发货通知", "{买家}，{快递}{单号}已发出", True)


def test_an_unknown_variable_is_refused_with_a_message(owner_client: Client, library: None) -> None:
    t = shipped_template()
    before = t.body
    response = owner_client.post(
        f"/messages/templates/{t.pk}/", {"title": "x", "body": "{买家} {手机号}", "active": "on"}
    )
    assert response.status_code == 400
    assert "{手机号}" in response.content.decode()
    t.refresh_from_db()
    assert t.body == before


def test_preview_renders_with_a_sample_order_or_shows_the_error(
    owner_client: Client, sms_shop: Any, library: None
) -> None:
    track = f.track(f.order(sms_shop))
    ok = owner_client.post(
        "/messages/templates/preview/", {"body": "{买家}：{快递} {单号}", "shop": sms_shop.pk}
    )
    html = ok.content.decode()
    assert f"张**：中通快递 {track.tracking_no}" in html and f.FULL_NAME not in html
    bad = owner_client.post("/messages/templates/preview/", {"body": "{单号码}"})
    assert "{单号码}" in bad.content.decode() and 'role="alert"' in bad.content.decode()


def test_a_shop_gets_its_own_version(owner_client: Client, sms_shop: Any, library: None) -> None:
    response = owner_client.post(
        "/messages/templates/new/", {"key": "delivered", "shop": sms_shop.pk, "channel": "sms"}
    )
    own = MessageTemplate.objects.get(shop=sms_shop, key="delivered", channel="sms")
    assert response["Location"] == f"/messages/templates/{own.pk}/"
    assert own.body == MessageTemplate.objects.get(shop=None, key="delivered").body
    again = owner_client.post(
        "/messages/templates/new/", {"key": "delivered", "shop": sms_shop.pk, "channel": "sms"}
    )
    assert again["Location"] == f"/messages/templates/{own.pk}/"


# --- outbox ------------------------------------------------------------------------------------


def make_messages(shop: Any) -> tuple[OutboxMessage, OutboxMessage]:
    a = services.enqueue(order=f.shipped(shop), key="shipped", now=f.NOW)
    b = services.enqueue(order=f.shipped(shop), key="delivered", now=f.NOW)
    assert a is not None and b is not None
    OutboxMessage.objects.filter(pk=b.pk).update(
        status=OutboxStatus.FAILED, attempts=1, last_error="号码已退订（黑名单），不再发送"
    )
    return a, b


def test_the_outbox_lists_filters_and_counts(owner_client: Client, sms_shop: Any, library: None) -> None:
    a, b = make_messages(sms_shop)
    html = owner_client.get("/messages/outbox/").content.decode()
    assert f'data-message="{a.pk}"' in html and f'data-message="{b.pk}"' in html
    assert "号码已退订" in html
    assert f.FULL_PHONE not in html
    failed = owner_client.get(
        "/messages/outbox/?status=failed", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="outbox-results"
    )
    body = failed.content.decode()
    assert "<html" not in body and f'data-message="{b.pk}"' in body and f'data-message="{a.pk}"' not in body
    assert re.search(r'data-count="failed"[^>]*><b>1</b>', body)
    by_order = owner_client.get(f"/messages/outbox/?q={a.order.platform_order_id}").content.decode()
    assert f'data-message="{a.pk}"' in by_order and f'data-message="{b.pk}"' not in by_order


def test_retrying_failed_messages(owner_client: Client, sms_shop: Any, library: None) -> None:
    _, b = make_messages(sms_shop)
    response = owner_client.post("/messages/outbox/retry/", {"next": "/messages/outbox/?status=failed"})
    assert response.status_code == 302 and response["Location"] == "/messages/outbox/?status=failed"
    b.refresh_from_db()
    assert b.status == OutboxStatus.QUEUED


# --- an order's messages -------------------------------------------------------------------------


def test_an_orders_messages_and_sending_one_by_hand(
    owner_client: Client, sms_shop: Any, library: None
) -> None:
    order = f.order(sms_shop)
    f.track(order)
    services.enqueue(order=order, key="shipped", now=f.NOW)
    html = owner_client.get(f"/messages/orders/{order.pk}/").content.decode()
    assert 'data-key="shipped"' in html and "<html" not in html
    sent = owner_client.post(
        f"/messages/orders/{order.pk}/send/", {"key": "delayed", "channel": ""}, HTTP_HX_REQUEST="true"
    )
    assert sent.status_code == 200 and 'data-key="delayed"' in sent.content.decode()
    assert OutboxMessage.objects.filter(order=order).count() == 2


def test_the_partial_loads_itself_when_included_with_just_the_order(sms_shop: Any) -> None:
    from django.template.loader import render_to_string

    order = f.order(sms_shop)
    html = render_to_string("notify/order_messages.html", {"order": order})
    assert f'hx-get="/messages/orders/{order.pk}/"' in html


# --- the buyer's tracking page -----------------------------------------------------------------


def test_the_tracking_page_shows_the_trace_without_personal_data(client: Client, sms_shop: Any) -> None:
    sms_shop.brand_note = "谢谢支持，有问题找小花"
    sms_shop.save()
    order = f.order(sms_shop)
    track = f.track(order, status=TrackStatus.OUT_FOR_DELIVERY)
    f.event(
        track,
        at=dt.datetime(2025, 6, 17, 22, 5, tzinfo=dt.UTC),
        status="picked_up",
        description="【杭州市】快件已揽收",
        location="杭州",
    )
    f.event(
        track,
        at=dt.datetime(2025, 6, 18, 1, 30, tzinfo=dt.UTC),
        status="out_for_delivery",
        description="【临平区】快递员正在派送",
        location="临平",
    )
    token = services.ensure_token(track)
    response = client.get(f"/t/{token}")
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and response["X-Robots-Tag"].startswith("noindex")
    for secret in (f.FULL_NAME, f.FULL_PHONE, f.STREET, "南苑", "5678", "临平区 "):
        assert secret not in html, secret
    assert "张**" in html and "浙江省 杭州市" in html
    assert track.tracking_no in html and "中通快递" in html and sms_shop.name in html
    assert html.index("快递员正在派送") < html.index("快件已揽收")  # newest first
    assert "2025-06-18 09:30" in html and "2025-06-18 06:05" in html  # Beijing time
    assert "谢谢支持" in html


def test_an_unknown_token_is_a_404_page(client: Client, db: Any) -> None:
    response = client.get("/t/not-a-real-token")
    assert response.status_code == 404
    assert "<html" in response.content.decode()


def test_the_link_in_a_message_opens_the_page(client: Client, sms_shop: Any, library: None) -> None:
    order = f.order(sms_shop)
    track = f.track(order)
    message = services.enqueue(order=order, key="shipped", now=f.NOW)
    assert message is not None
    link = message.params["链接"]
    assert link.startswith("https://fahuo.example.com/t/") and link in message.body
    track.refresh_from_db()
    assert client.get(link.removeprefix("https://fahuo.example.com")).status_code == 200


# --- API ---------------------------------------------------------------------------------------


def test_api_lists_queues_and_hides_recipients(owner: Any, sms_shop: Any, library: None) -> None:
    from fahuo.accounts.models import ApiToken

    _, raw = ApiToken.issue(user=owner, name="tests")
    client = Client()
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    order = f.shipped(sms_shop)
    r = client.post(
        "/api/messages/enqueue",
        {"order_id": order.pk, "key": "delivered"},
        content_type="application/json",
        **headers,
    )
    assert r.status_code == 200 and r.json()["template_key"] == "delivered"
    listing = client.get("/api/messages/outbox", **headers)
    assert listing.status_code == 200 and listing.json()["count"] == 1
    assert f.FULL_PHONE not in listing.content.decode() and '"to"' not in listing.content.decode()
    bad = client.put(
        f"/api/messages/templates/{shipped_template().pk}",
        {"title": "x", "body": "{单号码}"},
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 422
    contact = client.post(
        "/api/messages/contacts",
        {"shop": sms_shop.code, "phone": f.FULL_PHONE, "openid": "o-1"},
        content_type="application/json",
        **headers,
    )
    assert contact.status_code == 200
