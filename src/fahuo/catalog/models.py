"""Products and SKUs: what is shipped, with the physical facts freight and packing depend on."""

from __future__ import annotations

from django.db import models


class Trait(models.TextChoices):
    FRAGILE = "fragile", "易碎"
    LIQUID = "liquid", "液体"
    COLD = "cold", "冷链"
    VALUABLE = "valuable", "高价值"
    POWDER = "powder", "粉末"
    IRREGULAR = "irregular", "异形"
    LIGHT_SENSITIVE = "light_sensitive", "避光"


class Sku(models.Model):
    """A sellable unit. ``code`` is the seller's 商家编码; weight and size may be unknown at import."""

    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    spec = models.CharField(max_length=200, blank=True)
    platform_product_id = models.CharField(max_length=64, blank=True, db_index=True)
    weight_g = models.PositiveIntegerField(null=True, blank=True)
    length_mm = models.PositiveIntegerField(null=True, blank=True)
    width_mm = models.PositiveIntegerField(null=True, blank=True)
    height_mm = models.PositiveIntegerField(null=True, blank=True)
    traits = models.JSONField(default=list, blank=True)
    declared_value_fen = models.PositiveIntegerField(default=0)
    short_name = models.CharField(max_length=40, blank=True, help_text="Printed on labels and pick lists")
    barcode = models.CharField(max_length=64, blank=True, db_index=True)
    shelf = models.CharField(max_length=30, blank=True, help_text="Default shelf location (货位)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name} {self.spec}".strip()

    @property
    def label_name(self) -> str:
        return self.short_name or f"{self.name}{self.spec}"
