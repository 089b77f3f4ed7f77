"""Carriers, their services and per-lane rate cards (首重/续重 by destination province)."""

from __future__ import annotations

from datetime import date

from django.db import models

from fahuo.integrations.credentials.models import ProviderAccount  # credentials live in integrations
from fahuo.kit.privacy import EncryptedTextField

__all__ = ["SERVICE_FIELDS", "Capacity", "Carrier", "Contract", "ProviderAccount", "RateLine", "VolumeTier"]


class Carrier(models.Model):
    code = models.CharField(max_length=16, unique=True)  # ZTO, YTO, SF, JD, EMS, SANDBOX …
    name = models.CharField(max_length=40)  # 中通快递
    provider = models.CharField(max_length=20, default="sandbox")  # integration key in the registry
    service_name = models.CharField(max_length=40, default="标准快递")
    cold_chain = models.BooleanField(default=False)
    insured = models.BooleanField(default=False)
    door_delivery = models.BooleanField(default=True)
    privacy_waybill = models.BooleanField(default=True)
    volumetric_divisor = models.PositiveIntegerField(default=8000)
    max_weight_g = models.PositiveIntegerField(default=30000)
    # 保价: insurance premium in per-mille of the declared value, with a minimum fee.
    insurance_rate_permille = models.PositiveIntegerField(default=5)
    insurance_min_fen = models.PositiveIntegerField(default=100)
    # A test carrier (测试面单) an owner added on purpose: its waybills are not real and say so.
    test_mode = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    # The carrier's outlet (网点) that serves this desk: who to call, where and when it collects.
    branch_name = models.CharField(max_length=60, blank=True)
    branch_code = models.CharField(max_length=40, blank=True)
    branch_contact = EncryptedTextField(blank=True, default="")  # a person's name and phone
    branch_pickup_address = models.CharField(max_length=200, blank=True)
    branch_pickup_hours = models.CharField(max_length=40, blank=True)  # e.g. "16:00-18:00"

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


# What a carrier's service offers and how it charges weight and insurance: the columns the admin's
# carrier list and the carriers API show, in this order.
SERVICE_FIELDS = (
    "cold_chain",
    "insured",
    "door_delivery",
    "privacy_waybill",
    "volumetric_divisor",
    "max_weight_g",
    "insurance_rate_permille",
)

ALWAYS = date(2000, 1, 1)


class RateLine(models.Model):
    """One lane of a rate card (首重/续重 by destination province) from one origin province.

    No row for a lane means the carrier does not serve it. A price change is a new set of rows with
    a later ``effective_from``; it must be announced ``Contract.notice_days`` ahead
    (``announced_on``), which ``fahuo.carriers.services`` enforces.
    """

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="rates")
    origin_province = models.CharField(max_length=20)
    dest_province = models.CharField(max_length=20)
    first_weight_g = models.PositiveIntegerField(default=1000)
    first_price_fen = models.PositiveIntegerField()
    step_weight_g = models.PositiveIntegerField(default=1000)
    step_price_fen = models.PositiveIntegerField()
    transit_hours = models.PositiveIntegerField(default=48)
    remote_surcharge_fen = models.PositiveIntegerField(default=0)  # 偏远附加费 per parcel
    effective_from = models.DateField(default=ALWAYS)
    announced_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "origin_province", "dest_province", "effective_from"],
                name="uniq_rate_lane",
            )
        ]
        indexes = [models.Index(fields=["carrier", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.carrier.code} {self.origin_province}->{self.dest_province}"


class Capacity(models.Model):
    """How many parcels a carrier's outlet takes from a warehouse per run (and per pickup hour)."""

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="capacities")
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.CASCADE, related_name="capacities")
    max_parcels = models.PositiveIntegerField()
    max_parcels_per_hour = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["carrier", "warehouse"], name="uniq_capacity")]

    def __str__(self) -> str:
        return f"{self.carrier.code}@{self.warehouse.code}: {self.max_parcels}"


class Contract(models.Model):
    """A carrier contract: volume tiers, minimum guaranteed volume, notice period, peak capacity."""

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="contracts")
    name = models.CharField(max_length=80)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    min_daily_parcels = models.PositiveIntegerField(default=0)  # 保底: billed as this many if fewer
    # Price of one parcel short of the minimum; blank: the cheapest first-weight price in force that
    # day (after the volume tier). See docs/pricing.md.
    shortfall_price_fen = models.PositiveIntegerField(null=True, blank=True)
    notice_days = models.PositiveIntegerField(default=30)  # price changes announced this far ahead
    peak_capacity_per_stream = models.PositiveIntegerField(null=True, blank=True)
    pickup_capacity_per_hour = models.PositiveIntegerField(null=True, blank=True)
    pickup_window = models.CharField(max_length=40, blank=True)  # e.g. "08:00-22:00"
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["carrier__code", "-starts_on"]

    def __str__(self) -> str:
        return f"{self.carrier.code} {self.name}"


class VolumeTier(models.Model):
    """阶梯价: on a daily average of at least ``min_daily_avg`` parcels, the first-weight price of
    every lane changes by ``first_price_delta_fen`` (negative = cheaper)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="tiers")
    min_daily_avg = models.PositiveIntegerField()
    first_price_delta_fen = models.IntegerField(default=0)

    class Meta:
        ordering = ["contract", "min_daily_avg"]
        constraints = [models.UniqueConstraint(fields=["contract", "min_daily_avg"], name="uniq_tier")]

    def __str__(self) -> str:
        return f">= {self.min_daily_avg}/day: {self.first_price_delta_fen:+d} fen"
