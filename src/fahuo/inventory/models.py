"""Warehouses and stock."""

from __future__ import annotations

from django.db import models

from fahuo.kit.privacy import EncryptedTextField


class Warehouse(models.Model):
    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=80)
    province = models.CharField(max_length=20)
    city = models.CharField(max_length=30)
    district = models.CharField(max_length=30, blank=True)
    address = models.CharField(max_length=200, blank=True)
    contact_name = models.CharField(max_length=40, blank=True)
    contact_phone = EncryptedTextField(blank=True, default="")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Stock(models.Model):
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="stock")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="stock")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    location = models.CharField(max_length=30, blank=True, help_text="Shelf location for pick lists")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["warehouse", "sku"], name="uniq_stock_wh_sku")]

    def __str__(self) -> str:
        return f"{self.warehouse.code}/{self.sku.code}: {self.on_hand}"
