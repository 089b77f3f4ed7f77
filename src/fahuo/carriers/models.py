"""Carriers, their services and per-lane rate cards (首重/续重 by destination province)."""

from __future__ import annotations

from django.db import models

from fahuo.kit.privacy import EncryptedTextField


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
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RateLine(models.Model):
    """One lane of a rate card. No row for a lane means the carrier does not serve it."""

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="rates")
    origin_province = models.CharField(max_length=20)
    dest_province = models.CharField(max_length=20)
    first_weight_g = models.PositiveIntegerField(default=1000)
    first_price_fen = models.PositiveIntegerField()
    step_weight_g = models.PositiveIntegerField(default=1000)
    step_price_fen = models.PositiveIntegerField()
    transit_hours = models.PositiveIntegerField(default=48)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "origin_province", "dest_province"], name="uniq_rate_lane"
            )
        ]

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


class ProviderAccount(models.Model):
    """Credentials for one provider account (Kdniao, Kuaidi100, a carrier's own API), stored encrypted.

    ``credentials`` is a JSON object whose keys the provider's ``settings.py`` defines.
    """

    provider = models.CharField(max_length=20)  # registry key: sandbox, kdniao, kuaidi100, douyin …
    name = models.CharField(max_length=80)
    carrier = models.ForeignKey(
        Carrier, null=True, blank=True, on_delete=models.CASCADE, related_name="accounts"
    )
    shop = models.ForeignKey(
        "orders.Shop", null=True, blank=True, on_delete=models.CASCADE, related_name="accounts"
    )
    base_url = models.CharField(max_length=200, blank=True)
    credentials = EncryptedTextField(default="{}")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["provider", "name"]

    def __str__(self) -> str:
        return f"{self.provider}: {self.name}"

    def credential_dict(self) -> dict[str, str]:
        import json

        data = json.loads(self.credentials or "{}")
        return {str(k): str(v) for k, v in data.items()}
