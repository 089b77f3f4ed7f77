"""Live pages and the /api/live endpoints."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fahuo.accounts.models import ApiToken
from fahuo.catalog.models import Sku
from fahuo.desk.tests.conftest import login
from fahuo.desk.tests.test_browser import browser, desk, log_in  # noqa: F401  (fixtures)
from fahuo.livestream.models import LiveSession, SessionStatus
from fahuo.livestream.tests.test_forecast import make_session
from fahuo.livestream.tests.test_planning import carrier

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def upcoming(shop: Any, warehouse: Any) -> LiveSession:
    carrier("ZTO", "中通快递", per_stream=300, per_hour=100)
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    return make_session(shop, start, 0, status=SessionStatus.PLANNED, expected_orders=400)


def test_a_session_is_created_with_featured_skus_and_forecast(shop: Any, owner: Any) -> None:
    Sku.objects.create(code="MASK-10", name="面膜")
    client = login(owner)
    assert client.get("/live/new/").status_code == 200
    response = client.post(
        "/live/new/",
        {"shop": shop.pk, "title": "周五专场", "starts_at": "2026-12-04T20:00", "ends_at": "2026-12-04T22:00",
         "tail_hours": 2, "status": "planned", "expected_orders": 600, "packers": 4, "orders_per_packer_hour": 60,
         "featured_text": "MASK-10 500"},
    )  # fmt: skip
    session = LiveSession.objects.get(title="周五专场")
    assert response.status_code == 302 and response["Location"] == f"/live/{session.pk}/"
    assert session.forecast_orders == 600 and session.forecast_method == "seller_estimate"
    assert [(f.sku.code, f.planned_units) for f in session.featured.all()] == [("MASK-10", 500)]
    bad = client.post("/live/new/", {"shop": shop.pk, "title": "x", "starts_at": "2026-12-04T20:00",
                                    "ends_at": "2026-12-04T22:00", "tail_hours": 2, "status": "planned",
                                    "packers": 4, "orders_per_packer_hour": 60, "featured_text": "NOPE 5"})  # fmt: skip
    assert bad.status_code == 400 and "NOPE" in bad.content.decode()


def test_the_detail_page_shows_forecast_plan_and_notices(upcoming: LiveSession, operator: Any) -> None:
    client = login(operator)
    page = client.get(f"/live/{upcoming.pk}/").content.decode()
    assert 'id="forecast"' in page and 'id="carrier-split"' in page and "hour-bar" in page
    assert client.post(f"/live/{upcoming.pk}/notices/").status_code == 302
    page = client.get(f"/live/{upcoming.pk}/").content.decode()
    assert "【预警通知】中通快递" in page
    pdf = client.get(f"/live/{upcoming.pk}/notices/ZTO.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert client.get(f"/live/{upcoming.pk}/notices/ZTO.xlsx").status_code == 200
    client.post(f"/live/{upcoming.pk}/notices/ZTO/sent/", {"via": "phone"})
    notice = upcoming.notices.get()
    assert notice.sent_via == "phone" and notice.sent_by == operator
    assert "/live/" in client.get("/live/").content.decode()


def test_a_packer_reads_but_does_not_write(upcoming: LiveSession, packer: Any) -> None:
    client = login(packer)
    assert client.get(f"/live/{upcoming.pk}/").status_code == 200
    assert client.post(f"/live/{upcoming.pk}/notices/").status_code == 403


def api(user: Any) -> Client:
    _, raw = ApiToken.issue(user=user, name="test")
    return Client(headers={"authorization": f"Bearer {raw}"})


def test_the_api_lists_plans_and_writes_notices(upcoming: LiveSession, operator: Any) -> None:
    client = api(operator)
    rows = client.get("/api/live/sessions").json()
    assert rows[0]["id"] == upcoming.pk
    plan = client.get("/api/live/sessions/next/plan").json()
    assert plan["session_id"] == upcoming.pk and plan["carriers"][0]["code"] == "ZTO"
    made = client.post(
        f"/api/live/sessions/{upcoming.pk}/notices", {"send": True}, content_type="application/json"
    ).json()
    assert (
        made[0]["carrier"] == "ZTO"
        and made[0]["sent_via"] == "manual"
        and made[0]["text"].startswith("【预警通知】")
    )
    pdf = client.get(f"/api/live/sessions/{upcoming.pk}/notices/ZTO.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/api/live/sessions/9999/plan").status_code == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_plan_then_download_a_peak_notice_in_the_browser(
    browser: Any,  # noqa: F811
    desk: str,  # noqa: F811
    owner: Any,
    shop: Any,
    warehouse: Any,
    tmp_path: Any,
) -> None:
    from playwright.sync_api import expect

    from fahuo.desk.tests.test_browser import SHOTS

    carrier("ZTO", "中通快递", per_stream=600, per_hour=120)
    carrier("YTO", "圆通速递", per_stream=400, per_hour=80)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for i, n in enumerate([820, 760, 900, 1010, 870]):
        make_session(shop, now - timedelta(days=4 * (i + 1)), n)
    mask = Sku.objects.create(code="MASK-10", name="玻尿酸面膜")
    upcoming = make_session(
        shop, now + timedelta(days=1), 0, status=SessionStatus.PLANNED, expected_orders=900,
        pickup_address="浙江省杭州市余杭区文一西路1000号", contact="小雨 13800001111", title="周末福利专场",
    )  # fmt: skip
    upcoming.featured.create(sku=mask, planned_units=600)

    page = browser.new_page(viewport={"width": 1360, "height": 900}, accept_downloads=True)
    log_in(page, desk, "owner")
    page.get_by_role("link", name="直播").first.click()
    page.get_by_role("link", name="周末福利专场").click()
    expect(page.locator("#forecast-number .n")).not_to_have_text("0")
    expect(page.locator("#plan-warnings")).to_contain_text("库存不足：MASK-10")
    page.screenshot(path=str(SHOTS / "live-plan-1-detail.png"), full_page=True)
    page.get_by_role("button", name="生成预警通知").click()
    expect(page.locator("[data-notice=ZTO] textarea")).to_have_value(
        re.compile("^【预警通知】中通快递网点您好")
    )
    page.screenshot(path=str(SHOTS / "live-plan-2-notices.png"), full_page=True)
    with page.expect_download() as info:
        page.locator("[data-notice=ZTO] [data-download=pdf]").click()
    path = tmp_path / "zto.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    page.locator("[data-notice=ZTO]").get_by_role("button", name="标记已发送").click()
    expect(page.locator("[data-notice=ZTO] .badge")).to_contain_text("已发送")
    page.screenshot(path=str(SHOTS / "live-plan-3-sent.png"), full_page=True)
    page.close()
