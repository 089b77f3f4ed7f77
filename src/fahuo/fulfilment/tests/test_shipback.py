"""Ship-back (发货回传) end to end: queue on printed orders, send to the 抖店 simulator over real HTTP,
retry with backoff, never drop a number; the ship-back page and its retry buttons."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fahuo.accounts.models import AuditLog
from fahuo.carriers.models import Carrier, ProviderAccount
from fahuo.fulfilment.models import Parcel, ParcelStatus, ShipBack, ShipBackStatus, Waybill
from fahuo.fulfilment.services import print_orders
from fahuo.fulfilment.shipback import services as shipback
from fahuo.integrations.douyin.simulator import DouyinSimulator
from fahuo.integrations.simserver import serve
from fahuo.kit.testing import client_for as login
from fahuo.orders.models import Order, OrderLine, OrderStatus, Shop
from fahuo.orders.services import apply_verification, verify_recipient

APP_KEY, APP_SECRET, TOKEN = "6839207088506275336", "shop-secret", "shop-token"
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.get_fixed_timezone(480))
_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# -- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def zto(db: Any) -> Carrier:
    return Carrier.objects.create(code="ZTO", name="中通快递", provider="sandbox")


@pytest.fixture
def sim() -> DouyinSimulator:
    return DouyinSimulator.with_app(APP_KEY, APP_SECRET, TOKEN)


@pytest.fixture
def sim_url(sim: DouyinSimulator) -> Iterator[str]:
    with serve(sim) as url:
        yield url


def douyin_account(shop: Shop, base_url: str, **creds: Any) -> ProviderAccount:
    values = {"app_key": APP_KEY, "app_secret": APP_SECRET, "access_token": TOKEN, "backoff_s": "0.01"}
    values.update(creds)
    return ProviderAccount.objects.create(
        provider="douyin", name="抖店", shop=shop, base_url=base_url, credentials=json.dumps(values)
    )


@pytest.fixture
def account(shop: Shop, sim_url: str) -> ProviderAccount:
    return douyin_account(shop, sim_url)


def printed_order(
    shop: Shop, carrier: Carrier, *, lines: int = 1, parcels: int = 1, status: str = OrderStatus.PRINTED
) -> Order:
    """A printed order with ``lines`` sub-orders and ``parcels`` labelled parcels (one waybill each)."""
    n = next(_seq)
    order = Order.objects.create(shop=shop, platform_order_id=f"69190000000{n:08d}", status=status)
    for i in range(lines):
        OrderLine.objects.create(
            order=order, platform_line_id=f"{order.platform_order_id}{i}", title="面膜", quantity=1
        )
    for seq in range(1, parcels + 1):
        parcel = Parcel.objects.create(order=order, seq=seq, carrier=carrier, status=ParcelStatus.LABELLED)
        Waybill.objects.create(
            parcel=parcel,
            carrier=carrier,
            provider="sandbox",
            tracking_no=f"7{n:07d}{seq:04d}",
            request_id=f"{order.platform_order_id}-{seq}",
        )
    return order


def numbers(order: Order) -> list[str]:
    return list(
        Waybill.objects.filter(parcel__order=order)
        .order_by("parcel__seq")
        .values_list("tracking_no", flat=True)
    )


def row(order: Order) -> ShipBack:
    return ShipBack.objects.get(order=order)


# -- queueing ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_printed_douyin_orders_get_one_pending_row_per_waybill_once(shop: Shop, zto: Carrier) -> None:
    orders = [printed_order(shop, zto) for _ in range(3)]
    first = shipback.queue_shipbacks(orders=orders, now=T0, send=False)
    again = shipback.queue_shipbacks(orders=orders, now=T0, send=False)
    assert (first.created, first.failed, again.created) == (3, 0, 0)
    rows = ShipBack.objects.order_by("pk")
    assert [r.waybill_no for r in rows] == [numbers(o)[0] for o in orders]
    assert {(r.status, r.company_code, r.next_attempt_at, tuple(r.line_ids)) for r in rows} == {
        (ShipBackStatus.PENDING, "zhongtong", T0, ())
    }


@pytest.mark.django_db
def test_orders_not_printed_of_other_platforms_or_without_waybill_are_not_queued(
    shop: Shop, zto: Carrier
) -> None:
    ready = printed_order(shop, zto, status=OrderStatus.READY)
    wechat = Shop.objects.create(code="wx", name="私域", platform="wechat")
    private = printed_order(wechat, zto)
    no_label = printed_order(shop, zto)
    Waybill.objects.filter(parcel__order=no_label).delete()
    assert shipback.queue_shipbacks(orders=[ready, private, no_label], send=False).created == 0
    assert not ShipBack.objects.exists()


@pytest.mark.django_db
def test_a_carrier_without_a_douyin_company_code_is_queued_as_failed_with_the_reason(
    shop: Shop, sandbox_carrier: Carrier
) -> None:
    order = printed_order(shop, sandbox_carrier)
    result = shipback.queue_shipbacks(orders=[order], send=False)
    assert (result.created, result.failed) == (0, 1)
    failed = row(order)
    assert failed.status == ShipBackStatus.FAILED and failed.next_attempt_at is None
    assert "SANDBOX" in failed.last_error and "抖店账号设置" in failed.last_error


@pytest.mark.django_db
def test_queueing_a_batch_takes_a_fixed_number_of_queries(shop: Shop, zto: Carrier) -> None:
    small = [printed_order(shop, zto) for _ in range(2)]
    large = [printed_order(shop, zto) for _ in range(20)]
    with CaptureQueriesContext(connection) as few:
        shipback.queue_shipbacks(orders=small, send=False)
    with CaptureQueriesContext(connection) as many:
        shipback.queue_shipbacks(orders=large, send=False)
    assert len(many) == len(few) <= 8


# -- sending over HTTP ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_queue_then_send_marks_the_row_sent_and_the_platform_has_the_number(
    shop: Shop, zto: Carrier, account: ProviderAccount, sim: DouyinSimulator
) -> None:
    order = printed_order(shop, zto)
    sim.add_order(order.platform_order_id)
    shipback.queue_shipbacks(orders=[order], now=T0, send=False)
    result = shipback.send_due_shipbacks(now=T0)
    assert (result.sent, result.retrying, result.failed) == (1, 0, 0)
    sent = row(order)
    assert (sent.status, sent.attempts, sent.sent_at, sent.last_error) == (ShipBackStatus.SENT, 1, T0, "")
    assert sim.shipped(order.platform_order_id) == [
        (numbers(order)[0], "zhongtong", (order.platform_order_id,))
    ]


@pytest.mark.django_db
def test_printing_queues_and_the_commit_sends_it_through_the_worker(
    shop: Shop,
    zto: Carrier,
    account: ProviderAccount,
    sim: DouyinSimulator,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    Shop.objects.filter(pk=shop.pk).update(shipback_at="print")  # this shop ships back at print
    order = Order(shop=shop, platform_order_id="6919000000000077777", carrier=zto, total_fen=5990)
    apply_verification(
        order=order,
        verification=verify_recipient(
            name="张三丰",
            phone="13812345678",
            province="浙江省",
            city="杭州市",
            district="临平区",
            detail="南苑街道1号",
        ),
    )
    order.save()
    OrderLine.objects.create(order=order, platform_line_id="69190000000777771", title="面膜", quantity=1)
    sim.add_order(order.platform_order_id)
    # Printing itself queues the ship-back; the commit hands it to the worker.
    with django_capture_on_commit_callbacks(execute=True):
        print_orders(orders=Order.objects.filter(pk=order.pk), out=tmp_path / "l.pdf")
    assert row(order).status == ShipBackStatus.SENT  # Huey runs tasks inline under pytest
    assert sim.shipped(order.platform_order_id)[0][0] == Waybill.objects.get().tracking_no


@pytest.mark.django_db
def test_bad_secret_keeps_the_row_pending_with_the_platform_message(
    shop: Shop, zto: Carrier, sim_url: str, sim: DouyinSimulator
) -> None:
    douyin_account(shop, sim_url, app_secret="not-the-secret")
    order = printed_order(shop, zto)
    sim.add_order(order.platform_order_id)
    shipback.queue_shipbacks(orders=[order], now=T0, send=False)
    assert shipback.send_due_shipbacks(now=T0).retrying == 1
    kept = row(order)
    assert (kept.status, kept.attempts, kept.last_error) == (ShipBackStatus.PENDING, 1, "签名校验失败")
    assert kept.next_attempt_at == T0 + timedelta(minutes=1)


@pytest.mark.django_db
def test_rate_limit_is_retried_later_with_growing_backoff_then_sent(
    shop: Shop, zto: Carrier, account: ProviderAccount, sim: DouyinSimulator
) -> None:
    order = printed_order(shop, zto)
    sim.add_order(order.platform_order_id)
    sim.rate_limit_next(2)
    shipback.queue_shipbacks(orders=[order], now=T0, send=False)

    assert shipback.send_due_shipbacks(now=T0).retrying == 1
    assert (row(order).next_attempt_at, row(order).last_error) == (
        T0 + timedelta(minutes=1),
        "请求太频繁，请稍后重试",
    )
    assert shipback.send_due_shipbacks(now=T0 + timedelta(seconds=59)).retrying == 0  # not due yet

    t1 = T0 + timedelta(minutes=1)
    assert shipback.send_due_shipbacks(now=t1).retrying == 1
    assert (row(order).attempts, row(order).next_attempt_at) == (2, t1 + timedelta(minutes=2))

    t2 = t1 + timedelta(minutes=2)
    assert shipback.send_due_shipbacks(now=t2).sent == 1
    assert (row(order).status, row(order).attempts) == (ShipBackStatus.SENT, 3)


def test_backoff_doubles_from_a_minute_and_stops_at_an_hour() -> None:
    waits = [shipback.backoff(n) for n in range(1, 10)]
    assert waits[:7] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60)]
    assert waits[8] == timedelta(hours=1)


@pytest.mark.django_db
def test_http_5xx_is_retried_by_the_client_within_one_send(
    shop: Shop, zto: Carrier, account: ProviderAccount, sim: DouyinSimulator
) -> None:
    order = printed_order(shop, zto)
    sim.add_order(order.platform_order_id)
    sim.fail_next(2, status=502)
    shipback.queue_shipbacks(orders=[order], now=T0, send=False)
    assert shipback.send_due_shipbacks(now=T0).sent == 1
    assert row(order).attempts == 1


@pytest.mark.django_db
def test_unknown_order_fails_for_good_and_is_shown_with_the_platform_message(
    shop: Shop, zto: Carrier, account: ProviderAccount
) -> None:
    order = printed_order(shop, zto)  # the simulator never heard of it
    shipback.queue_shipbacks(orders=[order], now=T0, send=False)
    assert shipback.send_due_shipbacks(now=T0).failed == 1
    failed = row(order)
    assert (failed.status, failed.next_attempt_at) == (ShipBackStatus.FAILED, None)
    assert failed.last_error == "订单不存在，请仔细检查后重试。"
    assert shipback.problem_shipbacks() == [failed]
    assert shipback.send_due_shipbacks(now=T0 + timedelta(days=1)).failed == 0  # not retried by itself


@pytest.mark.django_db
def test_order_cancelled_on_the_platform_fails_for_good(
    shop: Shop, zto: Carrier, account: ProviderAccount, sim: DouyinSimulator
) -> None:
    order = printed_order(shop, zto)
    sim.add_order(order.platform_order_id)
    sim.cancel_order(order.platform_order_id)
    shipback.queue_shipbacks(orders=[order], now=T0, send=False)
    shipback.send_due_shipbacks(now=T0)
    assert (row(order).status, row(order).last_error) == (ShipBackStatus.FAILED, "订单已取消，禁止发货。")


@pytest.mark.django_db
def test_sending_the_same_number_again_counts_as_sent(
    shop: Shop, zto: Carrier, account: ProviderAccount, sim: DouyinSimulator
) -> None:
    order = printed_order(shop, zto)
    sim.add_order(order.platform_order_id)
    shipback.queue_shipbacks(orders=[order], now=T0, send=False)
    shipback.send_due_shipbacks(now=T0)
    # The answer was lost (say): the row is sent again and the platform says "已发货".
    ShipBack.objects.filter(order=order).update(status=ShipBackStatus.PENDING, next_attempt_at=T0)
    assert shipback.send_due_shipbacks(now=T0).sent == 1
    assert row(order).status == ShipBackStatus.SENT
    assert len(sim.shipped(order.platform_order_id)) == 1


@pytest.mark.django_db
def test_a_second_number_for_a_whole_order_already_shipped_fails_and_names_the_shipped_one(
    shop: Shop, zto: Carrier, account: ProviderAccount, sim: DouyinSimulator
) -> None:
    order = printed_order(shop, zto)
    sim.add_order(order.platform_order_id)
    shipback.queue_shipbacks(orders=[order], now=T0, send=False)
    shipback.send_due_shipbacks(now=T0)
    ShipBack.objects.create(
        order=order, waybill_no="75499999999999", company_code="zhongtong", next_attempt_at=T0
    )
    Waybill.objects.create(
        parcel=Parcel.objects.create(order=order, seq=2, carrier=zto),
        carrier=zto,
        provider="sandbox",
        tracking_no="75499999999999",
        request_id="second",
    )
    assert shipback.send_due_shipbacks(now=T0).failed == 1
    second = ShipBack.objects.get(waybill_no="75499999999999")
    assert (
        second.last_error.startswith("订单已发货，不允许再次执行发货。")
        and numbers(order)[0] in second.last_error
    )


@pytest.mark.django_db
def test_an_order_split_over_parcels_sends_each_waybill_with_its_sub_orders(
    shop: Shop, zto: Carrier, account: ProviderAccount, sim: DouyinSimulator
) -> None:
    order = printed_order(shop, zto, lines=3, parcels=2)
    line_ids = list(order.lines.values_list("platform_line_id", flat=True))
    sim.add_order(order.platform_order_id, line_ids)
    first, second = Parcel.objects.filter(order=order).order_by("seq")
    shipback.queue_shipbacks(
        orders=[order], parcel_lines={first.pk: line_ids[:2], second.pk: line_ids[2:]}, now=T0, send=False
    )
    assert shipback.send_due_shipbacks(now=T0).sent == 2
    one, two = numbers(order)
    assert sim.shipped(order.platform_order_id) == [
        (one, "zhongtong", tuple(line_ids[:2])),
        (two, "zhongtong", tuple(line_ids[2:])),
    ]
    calls = sim.calls_to("order.logisticsAddMultiPack")
    assert [
        [i["shipped_order_id"] for i in c.params["pack_list"][0]["shipped_order_info"]] for c in calls
    ] == [
        line_ids[:2],
        line_ids[2:],
    ]


@pytest.mark.django_db
def test_several_parcels_without_their_sub_orders_ship_the_whole_order_with_the_first_number(
    shop: Shop, zto: Carrier
) -> None:
    order = printed_order(shop, zto, lines=2, parcels=2)
    result = shipback.queue_shipbacks(orders=[order], now=T0, send=False)
    assert (result.created, result.failed) == (1, 1)
    first, rest = ShipBack.objects.filter(order=order).order_by("pk")
    assert (first.waybill_no, first.status, first.line_ids) == (numbers(order)[0], ShipBackStatus.PENDING, [])
    assert rest.status == ShipBackStatus.FAILED and rest.last_error == shipback.MULTI_PARCEL_REST


@pytest.mark.django_db
def test_sub_order_ids_of_another_order_are_refused_when_queueing(shop: Shop, zto: Carrier) -> None:
    order = printed_order(shop, zto)
    parcel = Parcel.objects.get(order=order)
    shipback.queue_shipbacks(orders=[order], parcel_lines={parcel.pk: ["nope"]}, send=False)
    assert row(order).status == ShipBackStatus.FAILED and "nope" in row(order).last_error


@pytest.mark.django_db
def test_nothing_is_lost_while_the_platform_is_down(shop: Shop, zto: Carrier) -> None:
    sim = DouyinSimulator.with_app(APP_KEY, APP_SECRET, TOKEN)
    with serve(sim) as url:
        pass  # nothing listens there any more
    account = douyin_account(shop, url, max_attempts="1")
    orders = [printed_order(shop, zto) for _ in range(3)]
    shipback.queue_shipbacks(orders=orders, now=T0, send=False)
    for minutes in (0, 1, 3):
        shipback.send_due_shipbacks(now=T0 + timedelta(minutes=minutes))
    rows = list(ShipBack.objects.all())
    assert {(r.status, r.attempts) for r in rows} == {(ShipBackStatus.PENDING, 3)}
    assert all(r.next_attempt_at == T0 + timedelta(minutes=7) and "无法连接" in r.last_error for r in rows)

    with serve(sim) as url:  # back up, on another port
        account.base_url = url
        account.save()
        for order in orders:
            sim.add_order(order.platform_order_id)
        assert shipback.send_due_shipbacks(now=T0 + timedelta(minutes=7)).sent == 3


@pytest.mark.django_db
def test_a_shop_without_a_douyin_account_keeps_its_rows_waiting_with_the_reason(
    shop: Shop, zto: Carrier
) -> None:
    order = printed_order(shop, zto)
    shipback.queue_shipbacks(orders=[order], now=T0, send=False)
    assert shipback.send_due_shipbacks(now=T0).retrying == 1
    assert row(order).status == ShipBackStatus.PENDING and "抖店开放平台账号" in row(order).last_error


@pytest.mark.django_db
def test_a_voided_waybill_is_not_sent(
    shop: Shop, zto: Carrier, account: ProviderAccount, sim: DouyinSimulator
) -> None:
    order = printed_order(shop, zto)
    shipback.queue_shipbacks(orders=[order], now=T0, send=False)
    Waybill.objects.filter(parcel__order=order).delete()
    assert shipback.send_due_shipbacks(now=T0).failed == 1
    assert "已作废" in row(order).last_error and row(order).attempts == 0
    assert sim.calls == []


@pytest.mark.django_db
def test_a_row_being_sent_is_not_taken_by_a_second_worker(shop: Shop, zto: Carrier) -> None:
    order = printed_order(shop, zto)
    shipback.queue_shipbacks(orders=[order], now=T0, send=False)
    candidate = row(order)
    assert shipback._claim([candidate], until=T0 + shipback.LEASE) == [candidate]
    stale_copy = ShipBack.objects.get(pk=candidate.pk)
    stale_copy.next_attempt_at = T0
    assert shipback._claim([stale_copy], until=T0 + shipback.LEASE) == []


# -- retry by hand -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_retry_makes_a_failed_row_due_and_looks_up_a_company_code_added_since(
    shop: Shop, sandbox_carrier: Carrier, sim_url: str, sim: DouyinSimulator
) -> None:
    order = printed_order(shop, sandbox_carrier)
    sim.add_order(order.platform_order_id)
    shipback.queue_shipbacks(orders=[order], send=False)
    assert shipback.retry_failed_shipbacks(now=T0) == 0  # still unknown: stays failed
    douyin_account(shop, sim_url, company_codes={"SANDBOX": "zhongtong"})
    assert shipback.retry_shipbacks(ids=[row(order).pk], now=T0) == 1
    assert (row(order).status, row(order).company_code, row(order).next_attempt_at) == (
        ShipBackStatus.PENDING,
        "zhongtong",
        T0,
    )
    assert shipback.send_due_shipbacks(now=T0).sent == 1


@pytest.mark.django_db
def test_counts_split_waiting_from_retrying(shop: Shop, zto: Carrier) -> None:
    orders = [printed_order(shop, zto) for _ in range(4)]
    shipback.queue_shipbacks(orders=orders, now=T0, send=False)
    ShipBack.objects.filter(order=orders[0]).update(attempts=2)
    ShipBack.objects.filter(order=orders[1]).update(status=ShipBackStatus.SENT, attempts=1)
    ShipBack.objects.filter(order=orders[2]).update(status=ShipBackStatus.FAILED, attempts=1)
    assert shipback.shipback_counts() == {"waiting": 1, "retrying": 1, "sent": 1, "failed": 1}
    assert [r.order_id for r in shipback.problem_shipbacks()] == [orders[2].pk, orders[0].pk]


# -- the page ------------------------------------------------------------------------------------


@pytest.fixture
def failed_row(shop: Shop, zto: Carrier) -> ShipBack:
    order = printed_order(shop, zto)
    return ShipBack.objects.create(
        order=order,
        waybill_no=numbers(order)[0],
        company_code="zhongtong",
        status=ShipBackStatus.FAILED,
        attempts=1,
        last_error="订单已取消，禁止发货。",
    )


@pytest.mark.django_db
def test_page_shows_counts_and_the_failed_row_with_the_platform_message(
    operator: User, failed_row: ShipBack
) -> None:
    html = login(operator).get(reverse("fulfilment:shipback_list")).content.decode()
    assert 'data-count="failed" class="err"><b>1</b>' in html
    assert f'data-shipback="{failed_row.pk}"' in html and "订单已取消，禁止发货。" in html
    assert failed_row.order.platform_order_id in html and failed_row.waybill_no in html
    assert reverse("fulfilment:shipback_retry", args=[failed_row.pk]) in html
    assert 'id="retry-all-failed"' in html
    assert reverse("fulfilment:shipback_list") in html  # the nav link


@pytest.mark.django_db
def test_packers_see_the_page_without_retry_buttons_and_cannot_retry(
    packer: User, failed_row: ShipBack
) -> None:
    client = login(packer)
    html = client.get(reverse("fulfilment:shipback_list")).content.decode()
    assert "订单已取消，禁止发货。" in html
    assert "retry-now" not in html and "retry-all-failed" not in html
    assert client.post(reverse("fulfilment:shipback_retry", args=[failed_row.pk])).status_code == 403
    assert client.post(reverse("fulfilment:shipback_retry_failed")).status_code == 403
    failed_row.refresh_from_db()
    assert failed_row.status == ShipBackStatus.FAILED


@pytest.mark.django_db
def test_operator_retries_one_row_now_and_it_is_audited(operator: User, failed_row: ShipBack) -> None:
    response = login(operator).post(reverse("fulfilment:shipback_retry", args=[failed_row.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("fulfilment:shipback_list")
    failed_row.refresh_from_db()
    assert failed_row.status == ShipBackStatus.PENDING
    assert failed_row.next_attempt_at is not None and failed_row.next_attempt_at <= timezone.now()
    assert AuditLog.objects.filter(action="shipback.retry", object_id=str(failed_row.pk)).exists()


@pytest.mark.django_db
def test_owner_retries_all_failed_rows(owner: User, failed_row: ShipBack, shop: Shop, zto: Carrier) -> None:
    other = printed_order(shop, zto)
    ShipBack.objects.create(
        order=other, waybill_no=numbers(other)[0], company_code="zhongtong", status=ShipBackStatus.FAILED
    )
    login(owner).post(reverse("fulfilment:shipback_retry_failed"))
    assert set(ShipBack.objects.values_list("status", flat=True)) == {ShipBackStatus.PENDING}


@pytest.mark.django_db
def test_retrying_a_sent_row_changes_nothing(operator: User, failed_row: ShipBack) -> None:
    ShipBack.objects.filter(pk=failed_row.pk).update(status=ShipBackStatus.SENT)
    login(operator).post(reverse("fulfilment:shipback_retry", args=[failed_row.pk]))
    failed_row.refresh_from_db()
    assert failed_row.status == ShipBackStatus.SENT


@pytest.mark.django_db
def test_anonymous_visitors_go_to_the_login_page(client: Client) -> None:
    response = client.get(reverse("fulfilment:shipback_list"))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.django_db
def test_order_partial_shows_each_number_and_its_state(failed_row: ShipBack) -> None:
    html = render_to_string(
        "fulfilment/shipback_order_status.html",
        {"shipbacks": shipback.shipbacks_for_order(order=failed_row.order)},
    )
    assert failed_row.waybill_no in html and 'data-state="failed"' in html and "订单已取消" in html
    empty = render_to_string("fulfilment/shipback_order_status.html", {"shipbacks": []})
    assert 'id="shipback-status"' in empty
