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
    pickup_hours = models.CharField(max_length=40, blank=True)  # e.g. "16:00-18:00"
    packers = models.PositiveIntegerField(default=0)  # packers per shift
    packing_rate = models.PositiveIntegerField(default=0)  # orders per packer-hour
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


class MovementReason(models.TextChoices):
    OPENING = "opening", "期初库存"
    IMPORT = "import", "库存导入"
    ADJUST = "adjust", "库存调整"
    COUNT = "count", "盘点"
    RESERVE = "reserve", "订单占用"
    RELEASE = "release", "释放占用"
    SHIP = "ship", "出库"


class StockMovement(models.Model):
    """One row of the stock ledger: every change of ``on_hand`` or ``reserved``, with its reason.

    Replaying a (warehouse, SKU)'s movements gives its Stock row (``Σ on_hand_delta = on_hand``,
    ``Σ reserved_delta = reserved``).
    """

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="movements")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="movements")
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    reason = models.CharField(max_length=16, choices=MovementReason.choices)
    note = models.CharField(max_length=200, blank=True)
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    user = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["warehouse", "sku", "at"])]

    def __str__(self) -> str:
        return f"{self.warehouse_id}/{self.sku_id} {self.reason} {self.on_hand_delta:+d}/{self.reserved_delta:+d}"


class ReservationState(models.TextChoices):
    OPEN = "open", "占用中"
    RELEASED = "released", "已释放"
    SHIPPED = "shipped", "已出库"


class Reservation(models.Model):
    """Units of one SKU an order holds in one warehouse (``Stock.reserved`` = Σ open ones)."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="reservations")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="reservations")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="reservations")
    quantity = models.PositiveIntegerField()
    state = models.CharField(
        max_length=10, choices=ReservationState.choices, default=ReservationState.OPEN, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["order", "state"])]

    def __str__(self) -> str:
        return f"{self.order_id} {self.warehouse_id}/{self.sku_id} ×{self.quantity} {self.state}"


class StockCount(models.Model):
    """A stock count (盘点) of one warehouse: counted quantities against the books, with variances."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="counts")
    user = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"盘点 #{self.pk} {self.warehouse_id}"


class StockCountLine(models.Model):
    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+")
    expected = models.IntegerField()
    counted = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.expected} -> {self.counted}"

    @property
    def variance(self) -> int:
        return self.counted - self.expected
