"""Batch pages: who may do what, create from a filter or a selection, progress polling, PDF, void."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from fahuo.accounts.models import AuditLog
from fahuo.desk.tests import test_browser
from fahuo.desk.tests.conftest import login
from fahuo.fulfilment.batches.services import create_batch, run_batch
from fahuo.fulfilment.models import BatchStatus, PrintBatch, PrintBatchItem, VoidedWaybill, Waybill
from fahuo.fulfilment.tests import batch_helpers as h
from fahuo.fulfilment.tests.batch_helpers import make_order
from fahuo.orders.models import Order, OrderStatus, Shop

pytestmark = pytest.mark.django_db

output_dir = h.output_dir  # fixture
browser, SHOTS = test_browser.browser, test_browser.SHOTS  # the desk's Playwright fixture


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def done_batch(shop: Any) -> PrintBatch:
    [batch] = create_batch(orders=[make_order(shop) for _ in range(3)], enqueue=False)
    finished = run_batch(batch_id=batch.pk)
    assert finished is not None
    return finished


def test_the_batches_page_lists_batches_with_progress_and_a_create_form(
    packer: Any, done_batch: PrintBatch
) -> None:
    page = login(packer).get("/fulfilment/batches/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-batch="{done_batch.pk}"' in html and 'aria-valuenow="100"' in html
    assert 'id="create-batch"' in html and 'hx-trigger="every' not in html  # nothing running: no polling
    assert 'href="/fulfilment/batches/"' in html  # the nav link


def test_a_running_batch_makes_the_list_poll_and_the_rows_fragment_comes_alone(
    operator: Any, shop: Any
) -> None:
    [batch] = create_batch(orders=[make_order(shop)], enqueue=False)
    client = login(operator)
    assert 'hx-trigger="every 1500ms"' in client.get("/fulfilment/batches/").content.decode()
    rows = client.get("/fulfilment/batches/", headers={"HX-Request": "true", "HX-Target": "batch-rows"})
    html = rows.content.decode()
    assert html.lstrip().startswith("<tbody") and f'data-batch="{batch.pk}"' in html and "<html" not in html


def test_the_preview_counts_the_ready_orders_the_filter_selects(operator: Any, shop: Any) -> None:
    other = Shop.objects.create(code="other", name="别的店")
    make_order(shop), make_order(shop), make_order(other)
    make_order(shop, phone="123")  # needs review: never batched
    response = login(operator).get(
        f"/fulfilment/batches/?shop={shop.pk}", headers={"HX-Request": "true", "HX-Target": "batch-preview"}
    )
    assert 'data-matching="2"' in response.content.decode()
    ready = Order.objects.filter(shop=shop, status=OrderStatus.READY).first()
    assert ready is not None
    create_batch(orders=[ready], enqueue=False)
    again = login(operator).get(
        f"/fulfilment/batches/?shop={shop.pk}", headers={"HX-Request": "true", "HX-Target": "batch-preview"}
    )
    assert 'data-matching="1"' in again.content.decode()  # the one in an unfinished batch is not counted


def test_create_from_the_filter_makes_one_batch_and_goes_to_it(operator: Any, shop: Any) -> None:
    other = Shop.objects.create(code="other", name="别的店")
    mine = [make_order(shop) for _ in range(2)]
    make_order(other)
    response = login(operator).post(
        "/fulfilment/batches/create/", {"shop": shop.pk, "name": "今晚直播", "size": "76x130"}
    )
    batch = PrintBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/fulfilment/batches/{batch.pk}/"
    assert batch.name == "今晚直播" and batch.size == "76x130" and batch.criteria["shop"] == shop.pk
    assert set(PrintBatchItem.objects.values_list("order_id", flat=True)) == {o.pk for o in mine}
    assert AuditLog.objects.filter(action="batch.create", object_id=str(batch.pk)).exists()


def test_create_from_the_order_list_selection(packer: Any, shop: Any) -> None:
    orders = [make_order(shop) for _ in range(3)]
    response = login(packer).post(
        "/fulfilment/batches/create/",
        {
            "order": [orders[0].pk, orders[2].pk],
            "size": "100x180",
            "action": "batch",
            "next": "/orders/?status=ready",
        },
    )
    assert response.status_code == 302
    assert set(PrintBatchItem.objects.values_list("order_id", flat=True)) == {orders[0].pk, orders[2].pk}


def test_the_order_list_button_with_nothing_ticked_opens_the_batches_page_with_that_filter(
    operator: Any, shop: Any
) -> None:
    response = login(operator).post(
        "/fulfilment/batches/create/", {"action": "batch", "next": f"/orders/?status=ready&shop={shop.pk}"}
    )
    assert (
        response.status_code == 302
        and response["Location"] == f"/fulfilment/batches/?status=ready&shop={shop.pk}"
    )
    assert not PrintBatch.objects.exists()


def test_the_order_list_offers_the_create_batch_button(packer: Any, shop: Any) -> None:
    make_order(shop)
    html = login(packer).get("/orders/").content.decode()
    assert 'formaction="/fulfilment/batches/create/"' in html


def test_detail_shows_items_numbers_messages_and_the_pdf_link(owner: Any, done_batch: PrintBatch) -> None:
    html = login(owner).get(f"/fulfilment/batches/{done_batch.pk}/").content.decode()
    for number in Waybill.objects.values_list("tracking_no", flat=True):
        assert number in html
    assert 'id="batch-download"' in html and "data-reprint" in html and 'class="void"' in html
    assert "13812345678" not in html


def test_the_progress_fragment_polls_while_running_and_refreshes_the_page_when_done(
    operator: Any, shop: Any
) -> None:
    [batch] = create_batch(orders=[make_order(shop) for _ in range(2)], enqueue=False)
    client = login(operator)
    url = f"/fulfilment/batches/{batch.pk}/progress/?was=active"
    running = client.get(url, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in running.content.decode() and "HX-Refresh" not in running
    assert 'data-percent="0"' in running.content.decode()
    assert 'id="batch-state" hx-swap-oob="true"' in running.content.decode()  # the badge follows
    assert 'id="batch-tabs"' in running.content.decode()
    run_batch(batch_id=batch.pk)
    finished = client.get(url, headers={"HX-Request": "true"})
    assert finished["HX-Refresh"] == "true" and 'data-percent="100"' in finished.content.decode()


def test_the_pdf_downloads(packer: Any, done_batch: PrintBatch) -> None:
    response = login(packer).get(f"/fulfilment/batches/{done_batch.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_batch_without_a_pdf_is_not_found(packer: Any, shop: Any) -> None:
    [batch] = create_batch(orders=[make_order(shop)], enqueue=False)
    assert login(packer).get(f"/fulfilment/batches/{batch.pk}/pdf/").status_code == 404


def test_a_packer_may_reprint_but_not_void(packer: Any, done_batch: PrintBatch) -> None:
    client = login(packer)
    order_id = PrintBatchItem.objects.filter(batch=done_batch).values_list("order_id", flat=True)[0]
    reprint = client.post(f"/fulfilment/batches/{done_batch.pk}/orders/{order_id}/reprint/")
    assert reprint.status_code == 200 and reprint["Content-Type"] == "application/pdf"
    assert Waybill.objects.get(parcel__order_id=order_id).print_count == 2
    assert AuditLog.objects.filter(action="labels.reprint").count() == 1
    void = client.post(f"/fulfilment/batches/{done_batch.pk}/orders/{order_id}/void/", {"reason": "damaged"})
    assert void.status_code == 403 and Waybill.objects.filter(parcel__order_id=order_id).exists()
    html = client.get(f"/fulfilment/batches/{done_batch.pk}/").content.decode()
    assert 'class="void"' not in html


def test_an_operator_voids_with_a_reason_and_the_order_is_ready_again(
    operator: Any, done_batch: PrintBatch
) -> None:
    client = login(operator)
    order_id = PrintBatchItem.objects.filter(batch=done_batch).values_list("order_id", flat=True)[0]
    response = client.post(
        f"/fulfilment/batches/{done_batch.pk}/orders/{order_id}/void/",
        {"reason": "address", "note": "改地址"},
    )
    assert response.status_code == 302
    voided = VoidedWaybill.objects.get()
    assert voided.reason == "地址错误：改地址" and voided.voided_by == operator
    assert Order.objects.get(pk=order_id).status == OrderStatus.READY
    page = client.get(f"/fulfilment/batches/{done_batch.pk}/").content.decode()
    assert voided.tracking_no in page  # the success message names it
    reprint = client.post(f"/fulfilment/batches/{done_batch.pk}/orders/{order_id}/reprint/")
    assert reprint.status_code == 200
    assert Waybill.objects.get(parcel__order_id=order_id).tracking_no != voided.tracking_no


def test_void_without_a_note_for_other_is_refused_with_a_message(
    operator: Any, done_batch: PrintBatch
) -> None:
    client = login(operator)
    order_id = PrintBatchItem.objects.filter(batch=done_batch).values_list("order_id", flat=True)[0]
    client.post(f"/fulfilment/batches/{done_batch.pk}/orders/{order_id}/void/", {"reason": "other"})
    assert not VoidedWaybill.objects.exists()
    assert "请填写作废原因" in client.get(f"/fulfilment/batches/{done_batch.pk}/").content.decode()


def test_resume_button_queues_a_failed_batch(packer: Any, shop: Any) -> None:
    [batch] = create_batch(orders=[make_order(shop)], enqueue=False)
    PrintBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED, error="快递鸟接口暂时不可用")
    client = login(packer)
    html = client.get(f"/fulfilment/batches/{batch.pk}/").content.decode()
    assert 'id="resume"' in html and "快递鸟接口暂时不可用" in html
    assert client.post(f"/fulfilment/batches/{batch.pk}/resume/").status_code == 302
    assert PrintBatch.objects.get(pk=batch.pk).status == BatchStatus.QUEUED


def test_only_operators_and_owners_cancel_a_batch(packer: Any, operator: Any, shop: Any) -> None:
    [batch] = create_batch(orders=[make_order(shop)], enqueue=False)
    assert login(packer).post(f"/fulfilment/batches/{batch.pk}/cancel/").status_code == 403
    assert login(operator).post(f"/fulfilment/batches/{batch.pk}/cancel/").status_code == 302
    assert PrintBatch.objects.get(pk=batch.pk).status == BatchStatus.CANCELLED
    # its order is free for a new batch
    assert create_batch(orders=Order.objects.all(), enqueue=False).orders == 1


def test_anonymous_users_go_to_the_login_page() -> None:
    response = Client().get("/fulfilment/batches/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_batches_page_speaks_english_too(operator: Any, done_batch: PrintBatch) -> None:
    client = login(operator)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/fulfilment/batches/").content.decode()
    assert "Print batches" in html and "Create batch" in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "建波次" in client.get("/fulfilment/batches/").content.decode()


# --- the whole night in a real browser ----------------------------------------------------------------


MAKE_USER = """
import django
django.setup()
from django.contrib.auth.models import User
from fahuo.accounts.services import add_member
from fahuo.orders.models import Shop
night = User.objects.create_user(username="night", password="night-shift-pw")
for shop in Shop.objects.all():
    add_member(user=night, shop=shop, role="operator")
# Nothing prints without a carrier (no silent sandbox): the demo's ready orders are not allocated yet,
# so they go to a test carrier added on purpose (allocation is walked in routing's browser test).
from fahuo.carriers.models import Carrier
from fahuo.orders.models import Order
test = Carrier.objects.create(code="TEST", name="测试快递", provider="sandbox", test_mode=True)
Order.objects.filter(status="ready", carrier=None).update(carrier=test)
"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.browser
@pytest.mark.slow
def test_a_batch_from_the_demo_runs_in_the_worker_while_the_browser_watches_and_downloads_it(
    browser: Any, tmp_path: Path
) -> None:
    """``fahuo serve`` + ``fahuo worker`` on a file database with the demo data set (150 orders);
    the sandbox answers slowly and the worker takes 10 orders at a time, so progress is visible."""
    import pypdfium2 as pdfium
    from playwright.sync_api import expect

    data = tmp_path / "data"
    env = {
        **os.environ,
        "FAHUO_DATA_DIR": str(data),
        "FAHUO_HUEY_IMMEDIATE": "0",
        "FAHUO_SANDBOX_DELAY_MS": "30",
        "FAHUO_BATCH_CHUNK": "10",
        "DJANGO_SETTINGS_MODULE": "fahuo.settings",
    }
    for name in ("FAHUO_DATABASE_URL", "FAHUO_REDIS_URL", "FAHUO_TEST_SQLITE"):
        env.pop(name, None)
    fahuo = str(Path(sys.executable).parent / "fahuo")

    def run(*args: str) -> None:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    run(fahuo, "manage", "migrate", "-v", "0")
    run(fahuo, "demo", "--orders", "150", "--no-serve")
    run(sys.executable, "-c", MAKE_USER)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    logs = [(tmp_path / f"{n}.log").open("wb") for n in ("serve", "worker")]
    server = subprocess.Popen([fahuo, "serve", "--port", str(port)], env=env, stdout=logs[0], stderr=logs[0])
    worker = subprocess.Popen([fahuo, "worker"], env=env, stdout=logs[1], stderr=logs[1])
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    try:
        _wait_http(base + "/login/", server)
        page.goto(base + "/login/")
        page.get_by_label("用户名").fill("night")
        page.get_by_label("密码").fill("night-shift-pw")
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(base + "/")

        # 1. The batches page: the create form counts the ready orders its filter selects.
        page.get_by_role("link", name="波次", exact=True).click()
        expect(page.get_by_role("heading", name="打印波次")).to_be_visible()
        preview = page.locator("#batch-preview")
        ready = int(preview.get_attribute("data-matching") or 0)
        assert ready > 100
        page.get_by_label("快递公司").select_option(label="顺丰速运")  # the demo's ready orders have none yet
        expect(preview).to_have_attribute("data-matching", "0")  # htmx recounted
        page.get_by_label("快递公司").select_option(label="全部快递")
        expect(preview).to_have_attribute("data-matching", str(ready))
        page.get_by_label("波次名称").fill("今晚直播")
        page.screenshot(path=str(SHOTS / "batch-01-create.png"), full_page=True)
        page.get_by_role("button", name="建波次").click()

        # 2. The batch page polls its progress while the worker prints ten orders at a time.
        expect(page.get_by_role("heading", name="今晚直播")).to_be_visible()
        progress = page.locator("#batch-progress")
        page.wait_for_function(
            "() => { const p = document.querySelector('#batch-progress');"
            " const n = p && Number(p.dataset.percent); return n > 0 && n < 100; }",
            timeout=60_000,
        )
        page.screenshot(path=str(SHOTS / "batch-02-progress.png"), full_page=True)
        # 3. At 100 % the page reloads with the PDF to download.
        expect(page.locator("#batch-state")).to_have_text("已完成", timeout=90_000)
        expect(progress).to_have_attribute("data-percent", "100")
        expect(page.locator("#batch-items tbody tr")).to_have_count(min(ready, 100))
        page.screenshot(path=str(SHOTS / "batch-03-done.png"), full_page=True)
        with page.expect_download() as download_info:
            page.locator("#batch-download").click()
        pdf = Path(download_info.value.path())
        assert pdf.read_bytes().startswith(b"%PDF") and len(pdfium.PdfDocument(str(pdf))) == ready

        # 4. Void one label (operator): the provider is told, the order goes back to ready.
        first = page.locator("#batch-items tbody tr").first
        number = first.locator("td").nth(5).inner_text().strip()
        first.locator("details.void summary").click()
        first.locator("select[name=reason]").select_option("damaged")
        page.screenshot(path=str(SHOTS / "batch-04-void-form.png"), full_page=False)
        first.get_by_role("button", name="确认作废").click()
        expect(page.locator(".msg-success")).to_contain_text(number)
        page.screenshot(path=str(SHOTS / "batch-05-voided.png"), full_page=False)

        # 5. The list shows the finished batch with a full bar.
        page.get_by_role("link", name="全部波次").click()
        expect(page.locator("tr[data-batch] .state")).to_have_text("已完成")
        page.screenshot(path=str(SHOTS / "batch-06-list.png"), full_page=True)
    finally:
        context.close()
        for proc in (server, worker):
            proc.send_signal(signal.SIGINT)
        for proc in (server, worker):
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in logs:
            log.close()


def _wait_http(url: str, proc: Any, timeout: float = 60) -> None:
    import time
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the desk server exited"
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not come up")
