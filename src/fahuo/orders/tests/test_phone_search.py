"""Issue #12, finding 2: a masked phone cannot be recovered by searching for guesses."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client

from fahuo.accounts.models import ApiToken, AuditLog
from fahuo.kit.privacy import lookup_hash
from fahuo.orders import phone_search

pytestmark = pytest.mark.django_db
PHONE = "13900001111"


def _api(user: Any) -> Client:
    _, raw = ApiToken.issue(user=user, name="test")
    return Client(headers={"authorization": f"Bearer {raw}"})


@pytest.fixture
def order(shop: Any, owner: Any) -> Any:
    body = {
        "shop": shop.code,
        "orders": [
            {
                "platform_order_id": "PH-1",
                "recipient": {"name": "王小明", "phone": PHONE, "address": "浙江省杭州市西湖区文一西路588号"},
                "lines": [
                    {"line_id": "1", "sku_code": "S1", "title": "牛轧糖", "quantity": 1, "unit_price": "9.90"}
                ],
                "paid_at": "2026-11-10T20:05:34",
            }
        ],
    }
    response = _api(owner).post("/api/orders", body, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["orders"][0]


def test_a_packer_cannot_search_by_phone_and_the_attempt_is_audited(packer: Any, order: Any) -> None:
    response = _api(packer).get("/api/orders", {"q": PHONE})
    assert response.status_code == 403
    assert "PH-1" not in response.content.decode()
    row = AuditLog.objects.get(action=phone_search.REFUSED, user=packer)
    assert row.object_id == lookup_hash(PHONE) and row.detail["phone"] == "139****1111"


def test_an_operator_search_never_matches_a_phone_even_past_the_guard(operator: Any, order: Any) -> None:
    from fahuo.orders.selectors import order_list

    assert order_list(user=operator, q=PHONE).count() == 0  # the selector itself refuses the match
    assert order_list(user=operator, q="PH-1").count() == 1


def test_an_owner_finds_the_order_and_every_search_is_audited_by_the_phone(owner: Any, order: Any) -> None:
    client = _api(owner)
    for guess in (PHONE, "139 0000 1111"):
        response = client.get("/api/orders", {"q": guess})
        assert [o["platform_order_id"] for o in response.json()["items"]] == ["PH-1"]
    rows = AuditLog.objects.filter(action=phone_search.ACTION, object_id=lookup_hash(PHONE))
    assert rows.count() == 2 and all(r.user_id == owner.pk and r.detail["via"] == "api" for r in rows)
    assert PHONE not in str(list(rows.values_list("detail", flat=True)))


def test_phone_searches_are_rate_limited_per_user(owner: Any, order: Any, settings: Any) -> None:
    settings.FAHUO_PHONE_SEARCHES_PER_HOUR = 3
    client = _api(owner)
    codes = [client.get("/api/orders", {"q": f"1390000{n:04d}"}).status_code for n in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert client.get("/api/orders", {"q": "PH-1"}).status_code == 200  # other searches go on


def test_the_desk_list_refuses_a_packers_phone_search_with_a_message(packer: Any, order: Any) -> None:
    client = Client()
    client.force_login(packer)
    page = client.get("/orders/", {"q": PHONE}).content.decode()
    assert "仅限可查看完整收件信息的角色" in page
    assert AuditLog.objects.filter(action=phone_search.REFUSED, detail__via="desk").count() == 1


def test_log_lines_never_carry_a_searched_phone_in_clear() -> None:
    """The settings' logging masks numbers, e.g. in the development server's request log."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)  # as Django sets it up (another test may have changed it)
    handler = next(h for h in logging.getLogger("django.server").handlers if h.filters)
    stream = io.StringIO()
    old = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        logging.getLogger("django.server").warning('"GET /orders/?q=%s HTTP/1.1" 200', "139-0000-1111")
    finally:
        handler.setStream(old)  # type: ignore[attr-defined]
    assert "139****1111" in stream.getvalue() and "0000" not in stream.getvalue()
