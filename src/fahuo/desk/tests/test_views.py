"""Desk views through Django's test client: access by role, masking, reveal audit, edit, list, import, print."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fahuo.accounts.models import AuditLog
from fahuo.desk.tests.conftest import FULL_PHONE, make_order, sample_csv
from fahuo.orders.models import ImportBatch, Order, OrderStatus

pytestmark = pytest.mark.django_db


def detail_url(order: Order) -> str:
    return reverse("desk:order_detail", args=[order.pk])


@pytest.fixture(autouse=True)
def _labels_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.FAHUO_OUTPUT_DIR = tmp_path / "output"


# --- login and language --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["desk:dashboard", "desk:order_list", "desk:import"])
def test_pages_send_anonymous_users_to_the_login_form(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_order_detail_requires_login(client: Client, ready_order: Order) -> None:
    response = client.get(detail_url(ready_order))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_an_htmx_request_without_a_session_redirects_the_whole_window(client: Client) -> None:
    response = client.get(
        reverse("desk:order_list"),
        {"status": "ready"},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/orders/?status=ready"},
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/login/?next=%2Forders%2F%3Fstatus%3Dready"


def test_login_form_logs_in_and_is_chinese_by_default(client: Client, owner: Any) -> None:
    page = client.get("/login/").content.decode()
    assert "登录" in page and 'lang="zh-hans"' in page
    response = client.post("/login/", {"username": "owner", "password": "fahuo-test-pw"})
    assert response.status_code == 302 and response["Location"] == "/"
    dashboard = client.get("/").content.decode()
    assert "工作台" in dashboard and "待审核" in dashboard and "待打单" in dashboard


def test_english_is_one_click_away(owner_client: Client) -> None:
    owner_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = owner_client.get("/").content.decode()
    assert 'lang="en"' in page and "Needs review" in page and "Dashboard" in page


def test_logout_is_a_post(owner_client: Client) -> None:
    assert owner_client.post(reverse("desk:logout")).status_code == 302
    assert owner_client.get("/").status_code == 302


# --- roles ---------------------------------------------------------------------------------------


def test_packer_sees_orders_but_no_import_or_edit_controls(
    packer_client: Client, flagged_order: Order
) -> None:
    listing = packer_client.get(reverse("desk:order_list")).content.decode()
    assert flagged_order.platform_order_id in listing
    assert reverse("desk:import") not in listing
    detail = packer_client.get(detail_url(flagged_order)).content.decode()
    assert reverse("desk:order_edit", args=[flagged_order.pk]) not in detail
    assert "查看完整信息" not in detail


def test_packer_cannot_edit_a_recipient(packer_client: Client, flagged_order: Order) -> None:
    url = reverse("desk:order_edit", args=[flagged_order.pk])
    response = packer_client.post(url, {"phone": "13900001111"})
    assert response.status_code == 403
    flagged_order.refresh_from_db()
    assert flagged_order.status == OrderStatus.NEEDS_REVIEW


def test_packer_cannot_import(packer_client: Client, shop: Any) -> None:
    assert packer_client.get(reverse("desk:import")).status_code == 403
    upload = io.BytesIO(sample_csv().read_bytes())
    upload.name = "orders.csv"
    response = packer_client.post(reverse("desk:import"), {"shop": shop.pk, "file": upload})
    assert response.status_code == 403
    assert not Order.objects.exists()


def test_operator_reveal_is_refused_and_the_attempt_audited(
    operator_client: Client, ready_order: Order
) -> None:
    url = reverse("desk:order_reveal", args=[ready_order.pk])
    response = operator_client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert FULL_PHONE not in response.content.decode()
    row = AuditLog.objects.get()
    assert (row.action, row.object_type, row.object_id) == (
        "order.reveal_denied",
        "order",
        str(ready_order.pk),
    )
    assert row.user is not None and row.user.username == "operator"


def test_operator_sees_no_reveal_button(operator_client: Client, ready_order: Order) -> None:
    page = operator_client.get(detail_url(ready_order)).content.decode()
    assert reverse("desk:order_reveal", args=[ready_order.pk]) not in page


def test_owner_reveal_returns_the_clear_recipient_and_is_audited(
    owner_client: Client, ready_order: Order
) -> None:
    url = reverse("desk:order_reveal", args=[ready_order.pk])
    response = owner_client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    fragment = response.content.decode()
    assert FULL_PHONE in fragment and "张三丰" in fragment and "南苑街道88号" in fragment
    assert "<html" not in fragment  # an htmx fragment, swapped into the masked block
    assert "no-store" in response["Cache-Control"]
    row = AuditLog.objects.get(action="order.reveal")
    assert row.object_id == str(ready_order.pk) and row.user is not None and row.user.username == "owner"
    assert row.ip == "127.0.0.1"


def test_owner_reveal_without_javascript_shows_the_detail_page(
    owner_client: Client, ready_order: Order
) -> None:
    response = owner_client.post(reverse("desk:order_reveal", args=[ready_order.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and "<html" in page and FULL_PHONE in page


def test_reveal_is_a_post(owner_client: Client, ready_order: Order) -> None:
    assert owner_client.get(reverse("desk:order_reveal", args=[ready_order.pk])).status_code == 405
    assert not AuditLog.objects.exists()


# --- masking -------------------------------------------------------------------------------------


def test_list_and_detail_show_the_recipient_masked(owner_client: Client, ready_order: Order) -> None:
    for url in (reverse("desk:order_list"), detail_url(ready_order)):
        page = owner_client.get(url).content.decode()
        assert "138****5678" in page and "张**" in page
        assert FULL_PHONE not in page and "张三丰" not in page and "南苑街道88号" not in page
    assert not AuditLog.objects.exists()


def test_the_audit_trail_of_an_order_is_on_its_page(owner_client: Client, ready_order: Order) -> None:
    owner_client.post(reverse("desk:order_reveal", args=[ready_order.pk]))
    page = owner_client.get(detail_url(ready_order)).content.decode()
    assert 'data-action="order.reveal"' in page and "查看了完整个人信息" in page


# --- edit and verify again -----------------------------------------------------------------------


def test_correcting_the_phone_turns_a_flagged_order_ready(
    operator_client: Client, flagged_order: Order
) -> None:
    url = reverse("desk:order_edit", args=[flagged_order.pk])
    form = {"phone": "13900001111", "province": "浙江省", "city": "杭州市", "district": "临平区"}
    response = operator_client.post(url, form, follow=True)
    flagged_order.refresh_from_db()
    assert flagged_order.status == OrderStatus.READY and flagged_order.review_reasons == []
    assert flagged_order.recipient_phone == "13900001111"
    assert flagged_order.recipient_name == "张三丰"  # left blank: kept
    assert flagged_order.address_detail == "南苑街道88号"
    page = response.content.decode()
    assert "待打单" in page and "收件信息已通过校验" in page
    assert AuditLog.objects.filter(action="order.edit_recipient", object_id=str(flagged_order.pk)).exists()


def test_a_correction_that_still_fails_keeps_the_order_flagged_and_says_why(
    operator_client: Client, flagged_order: Order
) -> None:
    url = reverse("desk:order_edit", args=[flagged_order.pk])
    form = {"phone": "12345", "province": "浙江省", "city": "杭州市", "district": "临平区"}
    page = operator_client.post(url, form, follow=True).content.decode()
    flagged_order.refresh_from_db()
    assert flagged_order.status == OrderStatus.NEEDS_REVIEW
    assert "仍需审核" in page
    assert any(r["code"] == "phone" for r in flagged_order.review_reasons)


def test_a_printed_order_cannot_be_edited(operator_client: Client, ready_order: Order) -> None:
    Order.objects.filter(pk=ready_order.pk).update(status=OrderStatus.PRINTED)
    url = reverse("desk:order_edit", args=[ready_order.pk])
    page = operator_client.post(url, {"phone": "13900001111"}, follow=True).content.decode()
    assert "已打单" in page
    ready_order.refresh_from_db()
    assert ready_order.recipient_phone == FULL_PHONE


# --- order list ----------------------------------------------------------------------------------


def test_order_list_query_count_does_not_grow_with_rows(owner_client: Client, shop: Any) -> None:
    make_order(shop)
    with CaptureQueriesContext(connection) as few:
        assert owner_client.get(reverse("desk:order_list")).status_code == 200
    for _ in range(30):
        make_order(shop)
    make_order(shop, phone="123")
    with CaptureQueriesContext(connection) as many:
        page = owner_client.get(reverse("desk:order_list")).content.decode()
    assert page.count('name="order"') == 32
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_order_list_pages_fifty_at_a_time(owner_client: Client, shop: Any) -> None:
    for _ in range(51):
        make_order(shop)
    first = owner_client.get(reverse("desk:order_list")).content.decode()
    second = owner_client.get(reverse("desk:order_list"), {"page": 2}).content.decode()
    assert first.count('name="order"') == 50 and second.count('name="order"') == 1
    assert 'rel="next"' in first and "51" in first


def test_order_list_filters_by_status_reason_and_order_number(
    owner_client: Client, ready_order: Order, flagged_order: Order
) -> None:
    url = reverse("desk:order_list")

    def rows(**params: str) -> set[str]:
        page = owner_client.get(url, params).content.decode()
        return set(re.findall(r'data-order="([^"]+)"', page))

    assert rows() == {ready_order.platform_order_id, flagged_order.platform_order_id}
    assert rows(status="needs_review") == {flagged_order.platform_order_id}
    assert rows(reason="phone") == {flagged_order.platform_order_id}
    assert rows(status="ready") == {ready_order.platform_order_id}
    assert rows(q=ready_order.platform_order_id[-4:]) == {ready_order.platform_order_id}
    assert rows(status="nonsense") == {ready_order.platform_order_id, flagged_order.platform_order_id}


def test_a_filter_change_from_htmx_gets_only_the_results(owner_client: Client, flagged_order: Order) -> None:
    response = owner_client.get(
        reverse("desk:order_list"),
        {"status": "needs_review"},
        headers={"HX-Request": "true", "HX-Target": "order-results"},
    )
    fragment = response.content.decode()
    assert "<html" not in fragment and flagged_order.platform_order_id in fragment
    assert "HX-Request" in response["Vary"]
    # A history restore asks for the same URL and needs the whole page.
    restore = owner_client.get(
        reverse("desk:order_list"),
        headers={"HX-Request": "true", "HX-Target": "order-results", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.content.decode()


def test_review_reasons_are_shown_in_the_list(owner_client: Client, flagged_order: Order) -> None:
    page = owner_client.get(reverse("desk:order_list")).content.decode()
    assert flagged_order.review_text and flagged_order.review_reasons[0]["message"] in page


# --- dashboard -----------------------------------------------------------------------------------


def test_dashboard_counts_link_into_the_filtered_list(
    owner_client: Client, ready_order: Order, flagged_order: Order
) -> None:
    page = owner_client.get("/").content.decode()
    needs_review = re.search(r'data-stat="needs_review">\s*<div class="n">(\d+)<', page)
    ready = re.search(r'data-stat="ready">\s*<div class="n">(\d+)<', page)
    new = re.search(r'data-stat="new">\s*<div class="n">(\d+)<', page)
    assert needs_review and ready and new
    assert (needs_review.group(1), ready.group(1), new.group(1)) == ("1", "1", "2")
    assert "/orders/?status=needs_review" in page


# --- import --------------------------------------------------------------------------------------


def upload(content: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


def test_importing_the_sample_export_shows_the_row_report(
    operator_client: Client, shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # the worker's job (Huey immediate in tests)
        response = operator_client.post(
            reverse("desk:import"), {"shop": shop.pk, "file": upload(sample_csv().read_bytes(), "douyin.csv")}
        )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "desk:import_report", args=[batch.pk]
    )
    page = operator_client.get(response["Location"]).content.decode()
    counts = dict(re.findall(r'data-count="(\w+)"[^>]*><b>(\d+)</b>', page))
    assert counts == {
        "orders_created": "25",
        "order_lines": "41",
        "needs_review": "6",
        "duplicates": "0",
        "errors": "2",
    }
    error_rows = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]+)</td>', page)
    assert len(error_rows) == 2 and all(reason.strip() for _, reason in error_rows)
    flagged = f"?status=needs_review&amp;batch={batch.pk}"
    assert flagged in page
    listing = operator_client.get(reverse("desk:order_list") + flagged.replace("&amp;", "&")).content.decode()
    assert listing.count('name="order"') == 6
    assert AuditLog.objects.filter(action="orders.import", object_id=str(batch.pk)).exists()


def test_importing_the_same_file_twice_counts_duplicates(
    operator_client: Client, shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            operator_client.post(
                reverse("desk:import"),
                {"shop": shop.pk, "file": upload(sample_csv().read_bytes(), "douyin.csv")},
            )
    second = ImportBatch.objects.order_by("-id").first()
    assert second is not None and second.orders_created == 0 and second.duplicates == 25


def test_an_unknown_layout_is_a_clear_message_not_a_500(operator_client: Client, shop: Any) -> None:
    bad = "名字,电话\n张三,13800000000\n".encode()
    response = operator_client.post(reverse("desk:import"), {"shop": shop.pk, "file": upload(bad, "x.csv")})
    assert response.status_code == 422
    assert "无法识别的表格格式" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_only_csv_and_xlsx_files_are_accepted(operator_client: Client, shop: Any) -> None:
    response = operator_client.post(
        reverse("desk:import"), {"shop": shop.pk, "file": upload(b"%PDF", "x.pdf")}
    )
    assert response.status_code == 400 and ".csv" in response.content.decode()


# --- printing ------------------------------------------------------------------------------------


def test_printing_selected_orders_downloads_one_pdf(packer_client: Client, shop: Any) -> None:
    orders = [make_order(shop) for _ in range(3)]
    response = packer_client.post(reverse("desk:print_labels"), {"order": [o.pk for o in orders]})
    assert response.status_code == 302
    result = packer_client.get(response["Location"])
    page = result.content.decode()
    download_url = re.search(r'id="download" href="([^"]+)"', page)
    assert download_url and 'http-equiv="refresh"' in page
    pdf = packer_client.get(download_url.group(1))
    assert isinstance(pdf, StreamingHttpResponse)
    body = b"".join(pdf.streaming_content)
    assert pdf["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")
    assert "attachment" in pdf["Content-Disposition"]
    assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.PRINTED}
    # Once fetched, the result page no longer starts the download again by itself.
    assert 'http-equiv="refresh"' not in packer_client.get(response["Location"]).content.decode()


def test_printing_reports_the_orders_it_could_not_print(
    owner_client: Client, ready_order: Order, flagged_order: Order
) -> None:
    response = owner_client.post(
        reverse("desk:print_labels"), {"order": [ready_order.pk, flagged_order.pk]}, follow=True
    )
    page = response.content.decode()
    assert re.search(r'id="print-failures"', page)
    assert flagged_order.platform_order_id in page and "待审核" in page
    flagged_order.refresh_from_db()
    assert flagged_order.status == OrderStatus.NEEDS_REVIEW


def test_printing_nothing_asks_for_a_selection(owner_client: Client, ready_order: Order) -> None:
    response = owner_client.post(reverse("desk:print_labels"), {}, follow=True)
    assert "请至少选择一个订单" in response.content.decode()


def test_a_print_job_is_only_downloadable_from_its_own_session(
    owner_client: Client, operator: Any, shop: Any
) -> None:
    order = make_order(shop)
    location = owner_client.post(reverse("desk:print_labels"), {"order": [order.pk]})["Location"]
    other = Client()
    other.force_login(operator)
    assert other.get(location).status_code == 404
    assert other.get(location + "pdf/").status_code == 404


@pytest.mark.django_db
def test_desk_is_chinese_even_for_an_english_browser_until_the_user_switches(client: Any) -> None:
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page["Content-Language"] == "zh-hans"
    client.cookies["django_language"] = "en"
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert page["Content-Language"] == "en"
