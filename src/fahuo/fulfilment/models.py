"""Parcels and their waybills (e-waybill numbers), issued at most once per parcel."""

from __future__ import annotations

from django.db import models


class ParcelStatus(models.TextChoices):
    PENDING = "pending", "待出单"
    LABELLED = "labelled", "已出单"
    PICKED_UP = "picked_up", "已揽收"
    CANCELLED = "cancelled", "已取消"


class Parcel(models.Model):
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="parcels")
    seq = models.PositiveSmallIntegerField(default=1)
    carrier = models.ForeignKey("carriers.Carrier", on_delete=models.PROTECT)
    warehouse = models.ForeignKey("inventory.Warehouse", null=True, blank=True, on_delete=models.SET_NULL)
    weight_g = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=ParcelStatus.choices, default=ParcelStatus.PENDING)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "seq"], name="uniq_parcel_seq")]
        permissions = [("print_labels", "Can print labels")]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.seq}"


class Waybill(models.Model):
    """An issued e-waybill. One active waybill per parcel: the unique parcel FK is the guard."""

    parcel = models.OneToOneField(Parcel, on_delete=models.CASCADE, related_name="waybill")
    carrier = models.ForeignKey("carriers.Carrier", on_delete=models.PROTECT)
    provider = models.CharField(max_length=20)
    tracking_no = models.CharField(max_length=40)
    sort_code = models.CharField(max_length=40, blank=True)
    mark_destination = models.CharField(max_length=60, blank=True)
    # The request id sent to the provider; re-sent unchanged after a crash so the provider
    # returns the same number instead of a second one.
    request_id = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    print_count = models.PositiveIntegerField(default=0)
    last_printed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["carrier", "tracking_no"], name="uniq_carrier_tracking")
        ]

    def __str__(self) -> str:
        return self.tracking_no
