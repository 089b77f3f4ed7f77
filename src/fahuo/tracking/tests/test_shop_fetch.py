"""抖店 orders a push only named are fetched (order.orderDetail + batchDecrypt, simulator over real
HTTP) and imported through the intake core, right after the hook commits and on retry rounds."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from fahuo.carriers.models import ProviderAccount
from fahuo.integrations.douyin import sim_orders
from fahuo.integrations.douyin.push import event_sign
from fahuo.integrations.douyin.simulator import DouyinSimulator, SimOrder
from fahuo.integrations.simserver import serve
from fahuo.kit.privacy import mask_name, mask_phone
from fahuo.orders.models import Order, OrderStatus
from fahuo.tracking import tasks
from fahuo.tracking.models import MessageStatus, PlatformMessage
from fahuo.tracking.shop_fetch import MAX_ATTEMPTS, backoff, fetch_pending_orders
from fahuo.tracking.tests import factories as f
from fahuo.tracking.tests.conftest import DOUYIN_APP_KEY, DOUYIN_SECRET, DOUYIN_SHOP_ID

pytestmark = pytest.mark.django_db
TOKEN = "token"
ORDER = "6920000000000000501"


@pytest.fixture
def sim() -> DouyinSimulator:
    return DouyinSimulator.with_app(DOUYIN_APP_KEY, DOUYIN_SECRET, TOKEN)


@pytest.fixture
def sim_url(sim: DouyinSimulator) -> Iterator[str]:
    with serve(sim) as url:
        yield url


@pytest.fixture
def account(shop: Any, sim_url: str) -> ProviderAccount:
    creds = {
        "app_key": DOUYIN_APP_KEY,
        "app_secret": DOUYIN_SECRET,
        "access_token": TOKEN,
        "shop_id": DOUYIN_SHOP_ID,
        "max_attempts": 1,
    }
    return ProviderAccount.objects.create(
        provider="douyin", name="抖店", shop=shop, base_url=sim_url, credentials=json.dumps(creds)
    )


def seed(sim: DouyinSimulator, order_id: str = ORDER, **kw: Any) -> SimOrder:
    return sim.add_synthetic_order(order_id, shop_id=DOUYIN_SHOP_ID, **kw)


def push(messages: list[dict[str, Any]], *, commit: Any) -> Any:
    """POST a signed 抖店 push to the hook; on-commit callbacks (the fetch task) run after it."""
    body = json.dumps(messages, ensure_ascii=False, separators=(",", ":")).encode()
    sign = event_sign(body, app_key=DOUYIN_APP_KEY, app_secret=DOUYIN_SECRET)
    with commit(execute=True):
        response = Client().post(
            "/hooks/douyin",
            data=body,
            content_type="application/json",
            headers={"app-id": DOUYIN_APP_KEY, "event-sign": sign},
        )
    assert response.status_code == 200
    return response


def paid(order: SimOrder, msg_id: str = "7100000000000000001") -> dict[str, Any]:
    return sim_orders.paid_message(order.order_id, order.line_ids, order.data, msg_id=msg_id)


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_a_paid_push_becomes_an_order_with_lines_and_an_encrypted_recipient(
    sim: DouyinSimulator, account: Any, shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    seeded = seed(sim, lines=2)
    push([paid(seeded)], commit=django_capture_on_commit_callbacks)
    order = Order.objects.get(shop=shop, platform_order_id=ORDER)
    person = seeded.data.recipient
    assert (order.status, order.source) == (OrderStatus.READY, "push")
    assert (order.recipient_name, order.recipient_phone) == (person["name"], person["phone"])
    assert (order.province, order.city, order.district) == (
        person["province"],
        person["city"],
        person["town"],
    )
    assert order.ship_by == dt.datetime.fromtimestamp(seeded.data.exp_ship_time, tz=dt.UTC)
    assert sorted(order.lines.values_list("platform_line_id", flat=True)) == sorted(seeded.line_ids)
    line = order.lines.get(platform_line_id=ORDER)
    assert (line.sku_code, line.unit_price_fen) == (
        seeded.data.items[0]["code"],
        seeded.data.items[0]["origin_amount"],
    )
    with connection.cursor() as cursor:  # at rest: ciphertext, never the name or phone
        cursor.execute(
            f"SELECT recipient_name, recipient_phone FROM {Order._meta.db_table} WHERE id = %s", [order.pk]
        )
        stored = cursor.fetchone()
    assert person["name"] not in stored[0] and person["phone"] not in stored[1]
    assert mask_name(order.recipient_name).startswith(person["name"][0]) and "*" in mask_name(
        order.recipient_name
    )
    assert mask_phone(order.recipient_phone) == f"{person['phone'][:3]}****{person['phone'][-4:]}"
    message = PlatformMessage.objects.get()
    assert (message.status, message.attempts) == (MessageStatus.DONE, 0)
    assert [c.method for c in sim.calls] == ["order.orderDetail", "order.batchDecrypt"]


def test_an_ambiguous_address_is_imported_for_review(
    sim: DouyinSimulator, account: Any, shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    seeded = seed(
        sim,
        recipient={"province": "江苏省", "city": "", "town": "鼓楼区", "street": "", "detail": "中山路1号"},
    )
    push([paid(seeded)], commit=django_capture_on_commit_callbacks)
    order = Order.objects.get(shop=shop, platform_order_id=ORDER)
    assert order.status == OrderStatus.NEEDS_REVIEW
    assert [r["code"] for r in order.review_reasons] == ["address"]
    assert "南京市" in order.review_reasons[0]["message"]


def test_an_after_sale_on_a_line_puts_the_order_on_review(
    sim: DouyinSimulator, account: Any, shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    seeded = seed(sim)
    seeded.data.items[0]["after_sale_status"] = 6  # 售后申请
    push([paid(seeded)], commit=django_capture_on_commit_callbacks)
    order = Order.objects.get(shop=shop, platform_order_id=ORDER)
    assert order.status == OrderStatus.NEEDS_REVIEW
    assert [r["code"] for r in order.review_reasons] == ["after_sale"]


def test_the_same_push_again_creates_nothing_more(
    sim: DouyinSimulator, account: Any, shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    seeded = seed(sim)
    push([paid(seeded)], commit=django_capture_on_commit_callbacks)
    push([paid(seeded)], commit=django_capture_on_commit_callbacks)  # re-delivered: same msg_id
    push([paid(seeded, msg_id="7100000000000000002")], commit=django_capture_on_commit_callbacks)
    assert Order.objects.filter(shop=shop, platform_order_id=ORDER).count() == 1
    assert PlatformMessage.objects.count() == 2
    assert set(PlatformMessage.objects.values_list("status", flat=True)) == {MessageStatus.DONE}
    assert len(sim.calls_to("order.orderDetail")) == 1


def test_a_pending_message_whose_order_arrived_meanwhile_is_done_without_a_call(
    sim: DouyinSimulator, account: Any, shop: Any
) -> None:
    f.order(shop, platform_order_id=ORDER, status=OrderStatus.READY)
    message = PlatformMessage.objects.create(
        provider="douyin", msg_id="m-1", tag="101", shop=shop, platform_order_id=ORDER, status="pending_fetch"
    )
    assert fetch_pending_orders().fetched == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.DONE and sim.calls == []


def test_while_the_platform_is_down_the_message_stays_pending_and_is_fetched_next_round(
    sim: DouyinSimulator, sim_url: str, account: Any, shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    seeded = seed(sim)
    account.base_url = closed_port_url()  # nothing listens there
    account.save()
    push([paid(seeded)], commit=django_capture_on_commit_callbacks)
    message = PlatformMessage.objects.get()
    assert (message.status, message.attempts) == (MessageStatus.PENDING_FETCH, 1)
    assert "无法连接抖店开放平台" in message.note
    assert message.next_attempt_at is not None and message.next_attempt_at > timezone.now()
    assert not Order.objects.exists()

    assert fetch_pending_orders().retrying == 0  # not due yet: nothing is tried
    account.base_url = sim_url  # the platform is back
    account.save()
    result = fetch_pending_orders(now=message.next_attempt_at + dt.timedelta(seconds=1))
    assert (result.created, result.fetched) == (1, 1)
    message.refresh_from_db()
    assert message.status == MessageStatus.DONE
    assert Order.objects.filter(platform_order_id=ORDER).exists()


def test_the_periodic_task_fetches_what_is_due(sim: DouyinSimulator, account: Any, shop: Any) -> None:
    seed(sim)
    PlatformMessage.objects.create(
        provider="douyin", msg_id="m-2", tag="110", shop=shop, platform_order_id=ORDER, status="pending_fetch"
    )
    assert tasks.fetch_pending_orders_task.call_local()["created"] == 1


def test_an_order_unknown_to_the_platform_fails_for_good(
    sim: DouyinSimulator, account: Any, shop: Any
) -> None:
    message = PlatformMessage.objects.create(
        provider="douyin", msg_id="m-3", tag="101", shop=shop, platform_order_id=ORDER, status="pending_fetch"
    )
    assert fetch_pending_orders().failed == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert "订单不存在" in message.note


def test_a_cancelled_order_is_not_imported(sim: DouyinSimulator, account: Any, shop: Any) -> None:
    seed(sim)
    sim.cancel_order(ORDER)
    message = PlatformMessage.objects.create(
        provider="douyin", msg_id="m-4", tag="101", shop=shop, platform_order_id=ORDER, status="pending_fetch"
    )
    assert fetch_pending_orders().ignored == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.IGNORED and "已取消" in message.note
    assert not Order.objects.exists()


def test_the_last_attempt_fails_the_message(sim: DouyinSimulator, account: Any, shop: Any) -> None:
    seed(sim)
    sim.fail_next(1, status=503)
    message = PlatformMessage.objects.create(
        provider="douyin",
        msg_id="m-5",
        tag="101",
        shop=shop,
        platform_order_id=ORDER,
        status="pending_fetch",
        attempts=MAX_ATTEMPTS - 1,
    )
    assert fetch_pending_orders().failed == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, MAX_ATTEMPTS)


def test_an_encrypted_address_change_is_fetched_and_verified_onto_the_order(
    sim: DouyinSimulator, account: Any, shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    order = f.order(shop, platform_order_id=ORDER, status=OrderStatus.READY)
    seeded = seed(sim)
    data = {
        "p_id": int(ORDER),
        "shop_id": int(DOUYIN_SHOP_ID),
        "receiver_msg": {"name": "王*", "tel": "138****0000", "addr": json.dumps({"detail": "#EncDetail#"})},
    }
    message = {"tag": "105", "msg_id": "7100000000000000105", "data": json.dumps(data)}
    push([message], commit=django_capture_on_commit_callbacks)
    order.refresh_from_db()
    person = seeded.data.recipient
    assert (order.status, order.district, order.address_detail) == (
        OrderStatus.READY,
        person["town"],
        person["detail"],
    )
    assert PlatformMessage.objects.get().status == MessageStatus.DONE


def test_after_printing_the_intercept_alert_names_the_fetched_address(
    sim: DouyinSimulator, account: Any, shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from fahuo.tracking.models import Alert, AlertKind

    f.order(shop, platform_order_id=ORDER, status=OrderStatus.PRINTED)
    seeded = seed(sim)
    data = {
        "p_id": int(ORDER),
        "shop_id": int(DOUYIN_SHOP_ID),
        "receiver_msg": {"name": "王*", "tel": "138****0000", "addr": json.dumps({"detail": "#EncDetail#"})},
    }
    message = {"tag": "105", "msg_id": "7100000000000000106", "data": json.dumps(data)}
    push([message], commit=django_capture_on_commit_callbacks)
    alert = Alert.objects.get(kind=AlertKind.ADDRESS_CHANGED)
    assert alert.detail.startswith("已打单，请拦截")
    assert "待从抖店获取" not in alert.detail
    assert seeded.data.recipient["town"] in alert.detail


def test_an_unexpected_error_on_one_message_does_not_stop_the_others(
    sim: DouyinSimulator, account: Any, shop: Any, monkeypatch: Any
) -> None:
    from fahuo.tracking import shop_fetch

    seed(sim)
    seed(sim, "6920000000000000601")
    real = shop_fetch.order_draft

    def flaky(platform_order: Any) -> Any:
        if platform_order.order_id == ORDER:
            raise RuntimeError("boom")
        return real(platform_order)

    monkeypatch.setattr(shop_fetch, "order_draft", flaky)
    for n, order_id in enumerate((ORDER, "6920000000000000601")):
        PlatformMessage.objects.create(
            provider="douyin",
            msg_id=f"m-{n}",
            tag="101",
            shop=shop,
            platform_order_id=order_id,
            status="pending_fetch",
        )
    result = fetch_pending_orders()
    assert (result.created, result.retrying) == (1, 1)
    broken = PlatformMessage.objects.get(platform_order_id=ORDER)
    assert (broken.status, broken.attempts, broken.note) == (
        MessageStatus.PENDING_FETCH,
        1,
        "内部错误：RuntimeError",
    )


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [dt.timedelta(minutes=m) for m in (1, 2, 4)]
    assert backoff(12) == dt.timedelta(hours=1)


def _desk(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password="fahuo-test-pw")
    return client


def test_the_seller_sees_a_given_up_fetch_and_retrying_it_imports_the_order(
    sim: DouyinSimulator, account: Any, shop: Any, operator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    seed(sim)
    message = PlatformMessage.objects.create(
        provider="douyin",
        msg_id="m-failed",
        tag="101",
        shop=shop,
        platform_order_id=ORDER,
        status=MessageStatus.FAILED,
        attempts=MAX_ATTEMPTS,
        note="抖店接口超时",
    )
    client = _desk(operator)
    assert "1 个抖店订单尚未拉取" in client.get("/tracking/alerts/").content.decode()
    page = client.get("/tracking/shop-messages/").content.decode()
    assert ORDER in page and "抖店接口超时" in page and "处理失败" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/tracking/shop-messages/retry/", {"message": [message.pk]})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == MessageStatus.DONE
    assert Order.objects.filter(shop=shop, platform_order_id=ORDER).exists()
    assert "每个抖店订单都已读取" in client.get("/tracking/shop-messages/").content.decode()


def test_a_packer_cannot_retry_fetches(shop: Any, packer: Any) -> None:
    PlatformMessage.objects.create(
        provider="douyin",
        msg_id="m-x",
        tag="101",
        shop=shop,
        platform_order_id=ORDER,
        status=MessageStatus.FAILED,
    )
    client = _desk(packer)
    assert client.get("/tracking/shop-messages/").status_code == 200
    assert client.post("/tracking/shop-messages/retry/").status_code == 403
    assert PlatformMessage.objects.get().status == MessageStatus.FAILED


def test_with_order_fetch_turned_off_a_paid_push_imports_nothing_and_calls_nobody(
    sim: DouyinSimulator, account: Any, shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from fahuo.orders.platform_auth import set_switches

    set_switches(shop=shop, fetch_orders=False)
    push([paid(seed(sim))], commit=django_capture_on_commit_callbacks)
    assert not Order.objects.filter(shop=shop).exists()
    message = PlatformMessage.objects.get()
    assert (message.status, message.note) == (MessageStatus.IGNORED, "本店已关闭抖店自动取单")
    assert sim.calls == []
