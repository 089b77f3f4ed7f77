"""Seller rules evaluated before optimisation, and allocation runs with their per-order decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RuleKind(models.TextChoices):
    # Hard constraints: remove options.
    TRAIT_CARRIERS = "trait_carriers", "某属性商品只能用指定快递"  # params: trait, carriers[]
    PROVINCE_CARRIERS = "province_carriers", "某些省份只能用指定快递"  # params: provinces[], carriers[]
    SHOP_NOT_CARRIER = "shop_not_carrier", "某店铺不使用某快递"  # params: shop, carriers[]
    INSURE_OVER_VALUE = "insure_over_value", "申报价值达到金额必须保价"  # params: min_value_fen
    # Preferences: add a cost weight (fen) to options that do not satisfy them.
    PREFER_DOOR_DELIVERY = "prefer_door_delivery", "私域订单优先送货上门"  # params: channel, penalty_fen
    PREFER_CARRIERS = "prefer_carriers", "优先使用指定快递"  # params: carriers[], penalty_fen
    PROMISE_HOURS = "promise_hours", "承诺时效"  # params: hours, channel?


HARD_KINDS = {
    RuleKind.TRAIT_CARRIERS,
    RuleKind.PROVINCE_CARRIERS,
    RuleKind.SHOP_NOT_CARRIER,
    RuleKind.INSURE_OVER_VALUE,
    RuleKind.PROMISE_HOURS,
}


class Rule(models.Model):
    kind = models.CharField(max_length=30, choices=RuleKind.choices)
    name = models.CharField(max_length=120)
    params = models.JSONField(default=dict)
    active = models.BooleanField(default=True)
    priority = models.PositiveIntegerField(default=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name


class AllocationRun(models.Model):
    """One optimisation over a set of ready orders: a preview until applied."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=12, default="preview")  # preview, applied, discarded
    orders = models.PositiveIntegerField(default=0)
    assigned = models.PositiveIntegerField(default=0)
    unassigned = models.PositiveIntegerField(default=0)
    total_fen = models.BigIntegerField(default=0)
    greedy_fen = models.BigIntegerField(default=0)
    lp_bound_fen = models.BigIntegerField(null=True, blank=True)
    seconds = models.FloatField(default=0)
    summary = models.JSONField(default=dict, blank=True)  # totals per carrier / warehouse
    applied_at = models.DateTimeField(null=True, blank=True)
    # The pickup window the run was planned for (hourly pickups, per-hour caps); blank = none.
    pickup_start = models.DateTimeField(null=True, blank=True)
    pickup_end = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"


class AllocationDecision(models.Model):
    """The choice for one order in a run, with the options it had and why this one."""

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="decisions")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="allocations")
    carrier = models.ForeignKey("carriers.Carrier", null=True, blank=True, on_delete=models.SET_NULL)
    warehouse = models.ForeignKey("inventory.Warehouse", null=True, blank=True, on_delete=models.SET_NULL)
    freight_fen = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=40, blank=True)  # cheapest, capacity, rule, promise, unservable …
    explanation = models.JSONField(default=dict, blank=True)  # options with prices, rules applied
    overridden = models.BooleanField(default=False)
    pickup_at = models.DateTimeField(null=True, blank=True)  # the pickup hour, when the run has a window

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "order"], name="uniq_run_order")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.order_id}: {self.carrier_id}@{self.warehouse_id}"
