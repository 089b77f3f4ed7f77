"""Print batches with encrypted 抖店 orders, end to end on the simulators: the batch draws the numbers
through 抖音电子面单 (newCreateOrder, no decryption), its labels go to the print component as tasks
(the desk's browser sends them; here the test plays the browser over a real websocket), the
component's notifyPrintResult is recorded per label, and printed orders ship back. Ordinary orders
in the same selection get their batch PDF as before. A crash between the platform's answer and
fahuo's write is resumed without a second number."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from fahuo.accounts.models import ApiToken
from fahuo.carriers.models import ProviderAccount
from fahuo.fulfilment.batches.services import create_batch, resume_batch, run_batch
from fahuo.fulfilment.labels import platform_print
from fahuo.fulfilment.models import BatchStatus, PlatformPrint, PlatformPrintStatus, Waybill
from fahuo.integrations.douyin import print_component, sim_orders
from fahuo.integrations.douyin.simulator import DouyinSimulator
from fahuo.integrations.simserver import serve
from fahuo.orders.importing import import_orders_file
from fahuo.orders.models import Order, OrderStatus
from fahuo.orders.platform_waybill import release_to_platform_waybill
from fahuo.orders.tests import douyin_files as df

APP_KEY, APP_SECRET, TOKEN = "6839207088506275336", "sim-secret-1", "sim-token-1"
SECRET_A, SECRET_B, PLAIN = "6926000000000000801", "6926000000000000802", "6926000000000000803"
PEOPLE = {
    SECRET_A: {"name": "欧阳明月", "phone": "13712345678", "detail": "天河北路 233 号中信广场 5208"},
    SECRET_B: {"name": "司马青云", "phone": "13987654321", "detail": "体育东路 8 号天河城 1702"},
}
REGION = {"province": "广东省", "city": "广州市", "town": "天河区", "street": "林和街道"}


@pytest.fixture
def sim() -> DouyinSimulator:
    s = DouyinSimulator.with_app(APP_KEY, APP_SECRET, TOKEN)
    s.add_netsite("shunfeng", amount=10)
    for oid, person in PEOPLE.items():
        s.add_synthetic_order(oid, recipient={**REGION, **person})
    return s


@pytest.fixture
def component() -> print_component.PrintComponentSimulator:
    return print_component.PrintComponentSimulator()


def _desk(world: Any, sim: DouyinSimulator, component: Any, **printing: str) -> Iterator[str]:
    with serve(sim) as base_url, print_component.serve_component(component) as ws_url:
        creds = {"app_key": APP_KEY, "app_secret": APP_SECRET, "access_token": TOKEN, "backoff_s": 0.01}
        ProviderAccount.objects.create(
            provider="douyin", name="抖店", shop=world.shop, base_url=base_url, credentials=json.dumps(creds)
        )
        ProviderAccount.objects.create(
            provider="douyin_waybill",
            name="抖音电子面单",
            shop=world.shop,
            base_url=base_url,
            credentials=json.dumps({**creds, "print_component_url": ws_url, **printing}),
        )
        yield ws_url


@pytest.fixture
def desk(world, sim, component, settings, tmp_path: Path) -> Iterator[str]:
    settings.FAHUO_OUTPUT_DIR = tmp_path / "output"
    yield from _desk(world, sim, component)


def _export(sim: DouyinSimulator) -> bytes:
    rows = []
    for oid, person in PEOPLE.items():
        cipher = {
            "name": sim_orders.cipher(oid, person["name"], sim_orders.DATA_NAME),
            "phone": sim_orders.cipher(oid, person["phone"], sim_orders.DATA_PHONE),
            "detail": sim_orders.cipher(oid, person["detail"], sim_orders.DATA_ADDRESS),
        }
        line = df.Line(sim.orders[oid].line_ids[0], title="龙井", sku="TEA")
        rows.append(
            df.order(
                oid, line, **cipher, province="广东省", city="广州市", district="天河区", street="林和街道"
            )
        )
    rows.append(
        df.order(
            PLAIN,
            df.Line("6926000000000000903", title="龙井", sku="TEA"),
            name="王小二",
            phone="13800001111",
            province="广东省",
            city="广州市",
            district="越秀区",
            street="北京街道",
            detail="北京路 99 号",
        )
    )
    return df.to_csv(df.export_rows(rows))


def _ready(world: Any, operator: Any, sim: DouyinSimulator) -> list[Order]:
    """Import the export, release the encrypted orders to 抖音电子面单, allocate everything."""
    sf = world.carriers["SF"]
    sf.provider = "douyin_waybill"
    sf.save(update_fields=["provider"])
    if hasattr(world.shop, "shipback_at"):  # ship back when the label is printed
        world.shop.shipback_at = "print"
        world.shop.save(update_fields=["shipback_at"])
    import_orders_file(fileobj=io.BytesIO(_export(sim)), filename="1762776334_订单导出.csv", shop=world.shop)
    for oid in PEOPLE:
        release_to_platform_waybill(order=Order.objects.get(platform_order_id=oid), user=operator)
    _, raw = ApiToken.issue(user=operator, name="e2e")
    api = Client(headers={"authorization": f"Bearer {raw}"})
    run = api.post("/api/allocation/runs", {}, content_type="application/json").json()
    applied = api.post(f"/api/allocation/runs/{run['id']}/apply", {}, content_type="application/json")
    assert applied.status_code == 200, applied.content
    orders = list(Order.objects.filter(platform_order_id__in=[*PEOPLE, PLAIN]).order_by("platform_order_id"))
    assert [o.status for o in orders] == [OrderStatus.READY] * 3
    return orders


def _play_browser(ws_url: str, batch_id: int) -> list[platform_print.Recorded]:
    """What the desk page's script does: fetch the tasks, send each to the component, report back."""
    ids = list(PlatformPrint.objects.filter(batch_id=batch_id).values_list("pk", flat=True))
    out = []
    for prepared in platform_print.prepare(print_ids=ids, server=False):
        assert prepared.url == ws_url
        outcome = print_component.send_task(url=prepared.url, task=prepared.task)
        out.append(
            platform_print.record(task_id=outcome.task_id, results=outcome.results, printer=outcome.printer)
        )
    return out


def test_a_batch_with_encrypted_orders_prints_them_on_the_component_and_the_rest_as_pdf(
    world, operator, sim, component, desk, django_capture_on_commit_callbacks
) -> None:
    orders = _ready(world, operator, sim)
    secret_a, secret_b, plain = orders
    assert {o.carrier.code for o in (secret_a, secret_b) if o.carrier} == {"SF"}
    assert secret_a.carrier and secret_b.carrier and plain.carrier and plain.carrier.code != "SF"

    made = create_batch(orders=[o.pk for o in orders], user=operator, enqueue=False)
    assert made.skipped == []
    platform = next(b for b in made if b.carrier_id == world.carriers["SF"].pk)
    pdf = next(b for b in made if b.pk != platform.pk)
    with django_capture_on_commit_callbacks(execute=True):
        done = run_batch(batch_id=platform.pk)
        pdf_done = run_batch(batch_id=pdf.pk)

    # numbers drawn from the ciphertext, no PDF, labels waiting for the desk's print component
    assert done is not None and (done.status, done.issued, done.failed, done.pdf_path) == (
        BatchStatus.DONE,
        2,
        0,
        "",
    )
    numbers = {
        w.parcel.order.platform_order_id: w.tracking_no
        for w in Waybill.objects.select_related("parcel__order").filter(provider="douyin_waybill")
    }
    assert set(numbers) == set(PEOPLE)
    assert [s.status for s in PlatformPrint.objects.filter(batch=platform)] == [
        PlatformPrintStatus.PENDING
    ] * 2
    assert "order.batchDecrypt" not in {c.method for c in sim.calls}
    assert component.tasks == []  # nothing printed until the desk sends it
    assert Order.objects.get(pk=secret_a.pk).status == OrderStatus.READY
    # the ordinary order printed in its own batch's PDF
    assert (
        pdf_done is not None
        and pdf_done.pdf_path
        and Order.objects.get(pk=plain.pk).status == OrderStatus.PRINTED
    )

    component.jams[numbers[SECRET_B]] = "打印机缺纸"
    with django_capture_on_commit_callbacks(execute=True):
        (got,) = _play_browser(desk, platform.pk)
    assert got.printed == [secret_a.pk] and got.failed == [(secret_b.pk, "打印机缺纸")]
    assert Order.objects.get(pk=secret_a.pk).status == OrderStatus.PRINTED
    assert Order.objects.get(pk=secret_b.pk).status == OrderStatus.READY
    failed = PlatformPrint.objects.get(waybill__tracking_no=numbers[SECRET_B])
    assert (failed.status, failed.error) == (PlatformPrintStatus.FAILED, "打印机缺纸")
    assert sim.shipped(SECRET_A) == [(numbers[SECRET_A], "shunfeng", sim.orders[SECRET_A].line_ids)]
    assert sim.shipped(SECRET_B) == []

    # paper in again: the failed label prints with the same number; nothing new is drawn
    component.jams.clear()
    with django_capture_on_commit_callbacks(execute=True):
        (again,) = _play_browser(desk, platform.pk)
    assert again.printed == [secret_b.pk]
    assert Order.objects.get(pk=secret_b.pk).status == OrderStatus.PRINTED
    assert sim.shipped(SECRET_B) == [(numbers[SECRET_B], "shunfeng", sim.orders[SECRET_B].line_ids)]
    assert sim.waybill.seq == 2
    assert Waybill.objects.get(tracking_no=numbers[SECRET_B]).print_count == 1

    frames = "".join(component.frames)
    for person in PEOPLE.values():
        for text in person.values():
            assert text not in frames


def test_a_platform_batch_resumed_after_a_crash_draws_no_second_number(
    world, operator, sim, component, desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fahuo.fulfilment import services

    orders = _ready(world, operator, sim)
    (batch,) = [b for b in create_batch(orders=[o.pk for o in orders[:2]], user=operator, enqueue=False)]
    real = services._record

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("worker killed after the platform answered")

    monkeypatch.setattr(services, "_record", crash)
    with pytest.raises(RuntimeError):
        run_batch(batch_id=batch.pk)
    assert sim.waybill.seq == 2  # the platform drew both numbers; fahuo recorded none
    assert not Waybill.objects.exists()
    monkeypatch.setattr(services, "_record", real)

    resume_batch(batch_id=batch.pk, user=operator)
    done = run_batch(batch_id=batch.pk)
    assert done is not None and (done.status, done.issued) == (BatchStatus.DONE, 2)
    assert sim.waybill.seq == 2  # asked again with the same pack_id: the same numbers
    assert sorted(Waybill.objects.values_list("tracking_no", flat=True)) == sorted(sim.waybill.waybills)
    assert PlatformPrint.objects.filter(batch=batch, status=PlatformPrintStatus.PENDING).count() == 2


def test_an_account_printing_from_the_server_prints_the_batch_at_once(
    world, operator, sim, component, settings, tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    settings.FAHUO_OUTPUT_DIR = tmp_path / "output"
    for _url in _desk(world, sim, component, print_from="server"):
        orders = _ready(world, operator, sim)
        (batch,) = create_batch(orders=[o.pk for o in orders[:2]], user=operator, enqueue=False)
        with django_capture_on_commit_callbacks(execute=True):
            run_batch(batch_id=batch.pk)
        assert sorted(component.printed()) == sorted(Waybill.objects.values_list("tracking_no", flat=True))
        assert {o.status for o in Order.objects.filter(pk__in=[o.pk for o in orders[:2]])} == {
            OrderStatus.PRINTED
        }
        assert all(sim.shipped(oid) for oid in PEOPLE)
