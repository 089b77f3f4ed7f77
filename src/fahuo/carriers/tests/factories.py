"""Carriers test data: carriers, rate lines, contracts with tiers (factory_boy)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import factory

from fahuo.carriers.models import ALWAYS, Carrier, Contract, RateLine, VolumeTier

ORIGIN = "浙江省"


class CarrierFactory(factory.django.DjangoModelFactory[Carrier]):
    class Meta:
        model = Carrier
        django_get_or_create = ("code",)

    code = "ZTO"
    name = "中通快递"
    service_name = "标准快递"
    cold_chain = False
    insured = True
    door_delivery = True
    privacy_waybill = True
    volumetric_divisor = 8000
    max_weight_g = 30000
    insurance_rate_permille = 5
    insurance_min_fen = 100


class RateLineFactory(factory.django.DjangoModelFactory[RateLine]):
    class Meta:
        model = RateLine

    carrier = factory.SubFactory(CarrierFactory)
    origin_province = ORIGIN
    dest_province = "浙江省"
    first_weight_g = 1000
    first_price_fen = 400
    step_weight_g = 1000
    step_price_fen = 200
    transit_hours = 24
    remote_surcharge_fen = 0
    effective_from = ALWAYS


class ContractFactory(factory.django.DjangoModelFactory[Contract]):
    class Meta:
        model = Contract

    carrier = factory.SubFactory(CarrierFactory)
    name = "2026 直播合作"
    starts_on = dt.date(2026, 1, 1)
    min_daily_parcels = 0
    notice_days = 30


def contract_with_tiers(carrier: Carrier, tiers: Iterable[tuple[int, int]] = (), **kwargs: Any) -> Contract:
    contract = ContractFactory.create(carrier=carrier, **kwargs)
    for minimum, delta in tiers:
        VolumeTier.objects.create(contract=contract, min_daily_avg=minimum, first_price_delta_fen=delta)
    return contract


def card(carrier: Carrier, lanes: dict[str, tuple[int, int]], **kwargs: Any) -> list[RateLine]:
    """Lanes from ORIGIN: {dest: (first_price_fen, step_price_fen)}."""
    return [
        RateLineFactory.create(
            carrier=carrier, dest_province=dest, first_price_fen=first, step_price_fen=step, **kwargs
        )
        for dest, (first, step) in lanes.items()
    ]
