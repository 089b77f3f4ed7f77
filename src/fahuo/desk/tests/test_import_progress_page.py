"""The desk's import page while the worker imports: a polled progress bar, cancel, then the report."""

from __future__ import annotations

import io
import re
from typing import Any

from django.test import Client
from django.urls import reverse

from fahuo.accounts.models import AuditLog
from fahuo.orders.import_tasks import import_orders_task
from fahuo.orders.models import ImportBatch, ImportStatus, Order
from fahuo.orders.tests.douyin_files import Line, export_rows, order, to_csv


def upload(n: int) -> io.BytesIO:
    data = to_csv(
        export_rows([order(f"69264400{i:08d}", Line(sub_id=f"69264400{i:08d}1")) for i in range(n)])
    )
    f = io.BytesIO(data)
    f.name = "1733833534_orders.csv"
    return f


def _queued(client: Client, shop: Any, capture: Any, n: int = 5) -> ImportBatch:
    with capture(execute=False):  # the worker has not picked it up yet
        response = client.post(reverse("desk:import"), {"shop": shop.pk, "file": upload(n)})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "desk:import_report", args=[batch.pk]
    )
    return batch


def test_a_queued_import_shows_a_polled_progress_bar_and_a_cancel_button(
    operator_client: Client, shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    batch = _queued(operator_client, shop, django_capture_on_commit_callbacks)

    page = operator_client.get(reverse("desk:import_report", args=[batch.pk])).content.decode()

    block = page.split('id="import-progress"')[1].split("</section>")[0]
    assert f'hx-get="{reverse("desk:import_progress", args=[batch.pk])}?was=active"' in block
    assert 'hx-trigger="every 1s"' in block and 'role="progressbar"' in block
    assert "fahuo worker" in block and 'id="cancel-import"' in block
    assert 'id="row-errors"' not in page  # the report comes when the run ends


def test_the_poll_after_the_worker_finished_reloads_the_page_into_the_report(
    operator_client: Client, shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    batch = _queued(operator_client, shop, django_capture_on_commit_callbacks)
    import_orders_task(batch.pk)  # the worker

    poll = operator_client.get(reverse("desk:import_progress", args=[batch.pk]) + "?was=active")
    page = operator_client.get(reverse("desk:import_report", args=[batch.pk])).content.decode()

    assert poll["HX-Refresh"] == "true" and 'data-percent="100"' in poll.content.decode()
    counts = dict(re.findall(r'data-count="(\w+)"[^>]*><b>(\d+)</b>', page))
    assert counts["orders_created"] == "5" and 'id="import-progress"' not in page


def test_cancelling_from_the_desk_ends_a_queued_import_with_nothing_imported(
    operator_client: Client, shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    batch = _queued(operator_client, shop, django_capture_on_commit_callbacks)

    response = operator_client.post(reverse("desk:import_cancel", args=[batch.pk]), follow=True)
    import_orders_task(batch.pk)  # the job still in the queue does nothing

    batch.refresh_from_db()
    assert batch.status == ImportStatus.CANCELLED and not Order.objects.exists()
    page = response.content.decode()
    assert 'id="import-ended"' in page and 'id="cancel-import"' not in page
    assert AuditLog.objects.filter(action="orders.import_cancel", object_id=str(batch.pk)).exists()


def test_a_packer_cannot_cancel_an_import(
    operator_client: Client, packer_client: Client, shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    batch = _queued(operator_client, shop, django_capture_on_commit_callbacks)

    assert packer_client.post(reverse("desk:import_cancel", args=[batch.pk])).status_code == 403
    batch.refresh_from_db()
    assert batch.status == ImportStatus.QUEUED and not batch.cancel_requested
