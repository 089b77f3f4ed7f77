"""Board and review pages, the review API and its Excel/PDF exports."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pypdfium2 as pdfium
import pytest
from django.test import Client
from django.urls import reverse

from fahuo.accounts.models import ApiToken
from fahuo.livestream.models import SessionReview
from fahuo.livestream.tests import helpers as h
from fahuo.livestream.tests.test_review import _seed


def _login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password="fahuo-test-pw")
    return client


def _api(user: Any) -> Client:
    _, raw = ApiToken.issue(user=user, name="test")
    return Client(headers={"authorization": f"Bearer {raw}"})


def test_review_page_shows_rates_and_stores_the_review(shop: Any, operator: Any) -> None:
    s = _seed(shop)
    response = _login(operator).get(reverse("live_review:review", args=[s.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "40.0%" in body and "60.0%" in body  # pickup 24 h, shipped 48 h
    assert 'data-echart="chart-history-data"' in body
    assert set(SessionReview.objects.filter(session=s).values_list("kind", flat=True)) == {"24h", "7d"}


def test_board_page_and_its_htmx_fragment(shop: Any, operator: Any) -> None:
    s = _seed(shop)
    client = _login(operator)
    page = client.get(reverse("live_review:board", args=[s.pk]))
    assert page.status_code == 200
    assert b"livestream/echarts.min.js" in page.content
    fragment = client.get(reverse("live_review:board", args=[s.pk]), headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith('<div id="board-panel"')


def test_unknown_session_is_a_404_page(shop: Any, operator: Any) -> None:
    assert _login(operator).get(reverse("live_review:review", args=["999"])).status_code == 404


def test_api_review_json_per_kind(shop: Any, operator: Any) -> None:
    s = _seed(shop)
    client = _api(operator)
    r24 = client.get(f"/api/live/review/sessions/{s.pk}/review?kind=24h").json()
    assert {c["code"]: c["pickup_rate_24h"] for c in r24["carriers"]} == {"ZTO": 0.25, "YTO": 1.0}
    r7 = client.get(f"/api/live/review/sessions/{s.pk}/review?kind=7d").json()
    assert r7["kind"] == "7d" and r7["parcels"] == 5
    assert client.get(f"/api/live/review/sessions/{s.pk}/review?kind=1y").status_code == 422
    board = client.get(f"/api/live/review/sessions/{s.pk}/board").json()
    assert board["session"]["id"] == s.pk
    assert client.get("/api/live/review/history").json()[-1]["pickup_rate_24h"] == 0.4


def test_xlsx_export_opens_with_one_sheet_per_table(shop: Any, operator: Any) -> None:
    s = _seed(shop)
    response = _api(operator).get(f"/api/live/review/sessions/{s.pk}/review.xlsx")
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames[:3] == ["复盘概要", "快递公司", "超时包裹"]
    carriers = {row[0]: row for row in wb["快递公司"].iter_rows(min_row=2, values_only=True)}
    assert carriers["ZTO"][2] == "25.0%"


@pytest.mark.parametrize("via", ["desk", "api"])
def test_pdf_export_has_the_figures_as_text(shop: Any, operator: Any, via: str) -> None:
    s = _seed(shop)
    h.damage(s.shop.orders.first().parcels.first().waybill.track)
    if via == "desk":
        response = _login(operator).get(reverse("live_review:review_pdf", args=[s.pk]))
    else:
        response = _api(operator).get(f"/api/live/review/sessions/{s.pk}/review.pdf")
    assert response["Content-Type"] == "application/pdf"
    pdf = pdfium.PdfDocument(response.content)
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "直播复盘" in text and "618 美妆专场" in text
    assert "24小时揽收率" in text and "40.0%" in text
    assert "破损率" in text
