"""Carriers API: carriers with flags, the rate card on a day, quotes with money in fen and yuan strings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from fahuo.accounts.models import ApiToken
from fahuo.carriers.tests.factories import CarrierFactory, RateLineFactory, card, contract_with_tiers

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    _, raw = ApiToken.issue(user=user, name="test")
    return Client(headers={"authorization": f"Bearer {raw}"})


@pytest.fixture
def api(operator: Any) -> Client:
    return client_for(operator)


@pytest.fixture
def zto() -> Any:
    carrier = CarrierFactory.create(code="ZTO", cold_chain=False)
    card(carrier, {"上海市": (350, 150), "新疆维吾尔自治区": (1500, 1200)}, remote_surcharge_fen=0)
    RateLineFactory(
        carrier=carrier,
        dest_province="上海市",
        first_price_fen=380,
        step_price_fen=150,
        effective_from=dt.date(2026, 6, 1),
        announced_on=dt.date(2026, 5, 1),
    )
    contract_with_tiers(carrier, [(50, -30)], min_daily_parcels=20, starts_on=dt.date(2020, 1, 1))
    return carrier


def test_the_api_needs_a_token(zto: Any) -> None:
    assert Client().get("/api/carriers").status_code == 401


def test_carriers_come_with_flags_and_contract(api: Client, zto: Any) -> None:
    response = api.get("/api/carriers")
    assert response.status_code == 200
    [body] = response.json()
    assert body["code"] == "ZTO" and body["cold_chain"] is False and body["insured"] is True
    assert body["privacy_waybill"] is True and body["lanes"] == 2 and body["origins"] == ["浙江省"]
    contract = body["contract"]
    assert contract["min_daily_parcels"] == 20 and contract["notice_days"] == 30
    assert contract["tiers"] == [
        {"min_daily_avg": 50, "first_price_delta_fen": -30, "first_price_delta": "-0.30"}
    ]


def test_the_rate_card_follows_the_day(api: Client, zto: Any) -> None:
    before = api.get("/api/carriers/zto/rates", {"on": "2026-05-31"}).json()
    sh = next(line for line in before["lines"] if line["dest_province"] == "上海市")
    assert (sh["first_price_fen"], sh["first_price"]) == (350, "3.50")
    assert [line["effective_from"] for line in before["scheduled"]] == ["2026-06-01"]
    after = api.get("/api/carriers/ZTO/rates", {"on": "2026-06-01"}).json()
    sh = next(line for line in after["lines"] if line["dest_province"] == "上海市")
    assert sh["first_price"] == "3.80" and after["count"] == 2 and after["scheduled"] == []


def test_a_bad_date_or_carrier_is_a_4xx_with_a_message(api: Client, zto: Any) -> None:
    assert api.get("/api/carriers/ZTO/rates", {"on": "31/05/2026"}).status_code == 422
    response = api.get("/api/carriers/NOPE/rates")
    assert response.status_code == 404 and "NOPE" in response.json()["message"]


def test_a_quote_returns_fen_and_yuan_strings(api: Client, zto: Any) -> None:
    payload = {
        "carrier": "ZTO",
        "origin_province": "浙江",
        "dest_province": "上海",
        "weight_g": 800,
        "length_mm": 400,
        "width_mm": 300,
        "height_mm": 200,
        "declared_value": "599.99",
        "insured": True,
        "on": "2026-05-20",
        "daily_avg": 80,
    }
    response = api.post("/api/carriers/quote", payload, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["served"] is True and body["billable_g"] == 3000 and body["dest_province"] == "上海市"
    assert (body["freight_fen"], body["freight"]) == (650, "6.50")
    assert (body["tier_delta_fen"], body["tier_delta"]) == (-30, "-0.30")
    assert (body["insurance_fen"], body["insurance"]) == (300, "3.00")
    assert (body["total_fen"], body["total"]) == (920, "9.20")
    assert [line["code"] for line in body["breakdown"]] == ["first", "step", "tier", "insurance"]
    assert body["breakdown"][1] == {
        "code": "step",
        "amount_fen": 300,
        "amount": "3.00",
        "count": 2,
        "weight_g": 1000,
        "unit_fen": 150,
    }


def test_a_lane_not_served_is_200_with_a_reason(api: Client, zto: Any) -> None:
    payload = {"carrier": "ZTO", "origin_province": "浙江省", "dest_province": "西藏", "weight_g": 500}
    body = api.post("/api/carriers/quote", payload, content_type="application/json").json()
    assert body["served"] is False and body["reason"] == "no_lane" and body["total"] == "0.00"


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"weight_g": -1}, 422, ""),
        ({"declared_value": "1.234"}, 422, ""),
        ({"dest_province": "火星"}, 422, "无法识别的省份"),
        ({"insured": True}, 422, "申报价值"),
        ({"carrier": "NOPE"}, 404, "NOPE"),
    ],
)
def test_bad_quote_input_is_a_4xx_with_a_message(
    api: Client, zto: Any, change: dict[str, Any], status: int, words: str
) -> None:
    payload = {
        "carrier": "ZTO",
        "origin_province": "浙江省",
        "dest_province": "上海市",
        "weight_g": 500,
    } | change
    response = api.post("/api/carriers/quote", payload, content_type="application/json")
    assert response.status_code == status
    import json

    assert words in json.dumps(response.json(), ensure_ascii=False)


def test_a_packer_may_read_prices(packer: Any, zto: Any) -> None:
    assert client_for(packer).get("/api/carriers").status_code == 200


def test_a_user_without_a_role_may_not(db: Any, zto: Any) -> None:
    from django.contrib.auth.models import User

    nobody = User.objects.create_user(username="nobody", password="x-pw-123456")
    response = client_for(nobody).get("/api/carriers")
    assert response.status_code == 403 and "权限" in response.json()["message"]
