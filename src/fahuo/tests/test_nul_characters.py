"""A NUL character in a request is a clear 400, never a 500 (PostgreSQL text cannot hold it)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fahuo.accounts.models import ApiToken
from fahuo.kit.testing import client_for

pytestmark = pytest.mark.django_db


def _api(user: Any) -> Client:
    _, raw = ApiToken.issue(user=user, name="nul")
    return Client(headers={"authorization": f"Bearer {raw}"})


def test_a_nul_in_a_query_string_is_a_400_with_a_sentence(owner: Any, shop: Any) -> None:
    response = _api(owner).get("/api/messages/outbox?channel=sms%00")
    assert response.status_code == 400
    assert "空字符" in response.json()["message"]
    page = client_for(owner).get("/orders/?q=abc%00")
    assert page.status_code == 400 and "空字符" in page.content.decode()


def test_a_nul_in_a_json_body_is_a_400_and_nothing_is_written(owner: Any, shop: Any) -> None:
    from fahuo.orders.models import Order

    body = '{"shop": "demo", "orders": [{"platform_order_id": "A\\u0000B"}]}'
    response = _api(owner).post("/api/orders", body, content_type="application/json")
    assert response.status_code == 400
    assert not Order.objects.exists()


def test_ordinary_text_still_passes(owner: Any, shop: Any) -> None:
    assert _api(owner).get("/api/messages/outbox?q=100%25").status_code == 200
