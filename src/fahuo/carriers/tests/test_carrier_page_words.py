"""A carrier's page does not offer an insurance rate it then strikes through (issue #15, item 7)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from fahuo.carriers.tests.factories import CarrierFactory, card
from fahuo.desk.tests.conftest import login

pytestmark = pytest.mark.django_db


def test_a_carrier_without_insurance_shows_no_insurance_rate(owner: Any) -> None:
    zto = CarrierFactory.create(code="ZTO", name="中通快递", insured=False, insurance_rate_permille=5)
    card(zto, {"浙江省": (300, 100)})

    page = login(owner).get(reverse("carriers:carrier", args=["ZTO"])).content.decode()

    assert 'class="flag off" data-flag="insured"' in page
    assert "保价费率" not in page and "5‰" not in page
    assert '<span id="insurance-terms">不提供保价</span>' in page


def test_an_insured_carrier_shows_its_rate(owner: Any) -> None:
    sf = CarrierFactory.create(code="SF", name="顺丰速运", insured=True, insurance_rate_permille=3)
    card(sf, {"浙江省": (1200, 300)})

    page = login(owner).get(reverse("carriers:carrier", args=["SF"])).content.decode()

    assert 'class="flag on" data-flag="insured"' in page and "保价费率 3‰" in page
