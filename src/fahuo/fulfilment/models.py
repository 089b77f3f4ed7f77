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
    # Bumped when a waybill is cancelled, so the next request id (and number) is a new one.
    attempt = models.PositiveSmallIntegerField(default=0)
    carton = models.ForeignKey("Carton", null=True, blank=True, on_delete=models.SET_NULL)
    packed_weight_g = models.PositiveIntegerField(null=True, blank=True)
    volumetric_weight_g = models.PositiveIntegerField(null=True, blank=True)
    packed_at = models.DateTimeField(null=True, blank=True)
    packed_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

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
    children = models.JSONField(default=list, blank=True)  # child numbers of a multi-parcel shipment
    provider_ref = models.CharField(max_length=64, blank=True)  # provider's order ref (cancel needs it)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["carrier", "tracking_no"], name="uniq_carrier_tracking")
        ]

    def __str__(self) -> str:
        return self.tracking_no


class VoidedWaybill(models.Model):
    """A cancelled waybill, kept for the record (作废): the number, who, when and why."""

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="voided_waybills")
    carrier = models.ForeignKey("carriers.Carrier", on_delete=models.PROTECT)
    provider = models.CharField(max_length=20)
    tracking_no = models.CharField(max_length=40)
    request_id = models.CharField(max_length=64)
    reason = models.CharField(max_length=200)
    voided_at = models.DateTimeField(auto_now_add=True)
    voided_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return f"{self.tracking_no} (void: {self.reason})"


class BatchStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "打印中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"
    CANCELLED = "cancelled", "已取消"


class PrintBatch(models.Model):
    """A wave (波次): orders grouped by warehouse, carrier and SKU mix, printed together in the worker.

    Items are worked in ``seq`` order; a batch interrupted half-way resumes from its pending items,
    and the parcels' stable request ids make the provider return numbers it already issued.
    """

    name = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=12, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    warehouse = models.ForeignKey("inventory.Warehouse", null=True, blank=True, on_delete=models.SET_NULL)
    carrier = models.ForeignKey("carriers.Carrier", null=True, blank=True, on_delete=models.SET_NULL)
    criteria = models.JSONField(default=dict, blank=True)  # the filter or selection it was made from
    size = models.CharField(max_length=10, default="100x180")
    total = models.PositiveIntegerField(default=0)
    issued = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    pdf_path = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # Who is working the batch ("host:pid:thread") and when it last reported progress: a batch left
    # "running" by a worker that died is resumed (see fulfilment.batches.claim_batch).
    worker = models.CharField(max_length=80, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class BatchItemStatus(models.TextChoices):
    PENDING = "pending", "待处理"
    ISSUED = "issued", "已出单"
    FAILED = "failed", "失败"


class PrintBatchItem(models.Model):
    batch = models.ForeignKey(PrintBatch, on_delete=models.CASCADE, related_name="items")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="batch_items")
    seq = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=BatchItemStatus.choices, default=BatchItemStatus.PENDING)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["batch", "seq"]
        constraints = [models.UniqueConstraint(fields=["batch", "order"], name="uniq_batch_order")]
        indexes = [models.Index(fields=["batch", "status", "seq"])]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.seq}"


class PackagingRule(models.Model):
    """Packing instructions and the carton for orders matching every condition set on the rule
    (trait, shop, SKU, units, goods weight): 易碎 → 气泡膜/珍珠棉 + 硬纸箱; 3+ 件 SKU-A → 5号纸箱 …"""

    trait = models.CharField(max_length=30, blank=True)  # catalog.Trait, "multi_sku", "default"; "" = any
    shop = models.ForeignKey("orders.Shop", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    sku = models.ForeignKey("catalog.Sku", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    min_quantity = models.PositiveIntegerField(null=True, blank=True)  # units of the SKU (or of the order)
    max_quantity = models.PositiveIntegerField(null=True, blank=True)
    max_weight_g = models.PositiveIntegerField(null=True, blank=True)  # the order's goods weight
    carton = models.ForeignKey("Carton", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    instructions = models.CharField(max_length=300, blank=True)
    materials = models.CharField(max_length=200, blank=True)
    eco_alternative = models.CharField(max_length=200, blank=True)
    eco = models.BooleanField(default=False)  # pack with eco_alternative instead of materials
    priority = models.PositiveIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "trait"]

    def __str__(self) -> str:
        return f"{self.trait}: {self.instructions}"


class Carton(models.Model):
    """A box size a warehouse packs in (inner dimensions)."""

    warehouse = models.ForeignKey("inventory.Warehouse", null=True, blank=True, on_delete=models.CASCADE)
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=40)
    length_mm = models.PositiveIntegerField()
    width_mm = models.PositiveIntegerField()
    height_mm = models.PositiveIntegerField()
    weight_g = models.PositiveIntegerField(default=0)  # the empty carton
    cost_fen = models.PositiveIntegerField(default=0)
    rigid = models.BooleanField(default=True)
    insulated = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["length_mm", "width_mm", "height_mm"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "code"], name="uniq_carton_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.length_mm}x{self.width_mm}x{self.height_mm}"


class BrandInsert(models.Model):
    """What goes in the box besides the goods: thank-you card, small gift, usage tips (per shop/SKU)."""

    shop = models.ForeignKey("orders.Shop", on_delete=models.CASCADE, related_name="inserts")
    sku = models.ForeignKey("catalog.Sku", null=True, blank=True, on_delete=models.CASCADE)
    kind = models.CharField(max_length=20)  # thank_you, gift, tips, flyer
    text = models.CharField(max_length=300)
    active = models.BooleanField(default=True)
    repeat_only = models.BooleanField(default=False)  # only for buyers who ordered before (复购)

    def __str__(self) -> str:
        return f"{self.kind}: {self.text[:20]}"


class ShipBackStatus(models.TextChoices):
    PENDING = "pending", "待回传"
    SENT = "sent", "已回传"
    FAILED = "failed", "回传失败"


class ShipBack(models.Model):
    """Uploading the tracking number to the shop platform (抖店 logisticsAdd), retried until it lands."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="shipbacks")
    waybill_no = models.CharField(max_length=40)
    company_code = models.CharField(max_length=20)
    line_ids = models.JSONField(default=list, blank=True)  # platform sub-order ids; empty = whole order
    status = models.CharField(max_length=10, choices=ShipBackStatus.choices, default=ShipBackStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "waybill_no"], name="uniq_shipback")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.waybill_no} {self.status}"


class PlatformPrintStatus(models.TextChoices):
    PENDING = "pending", "待打印"
    SENT = "sent", "已发送打印组件"
    PRINTED = "printed", "已打印"
    FAILED = "failed", "打印失败"


class PlatformPrint(models.Model):
    """A label the platform's print component prints (抖音电子面单): fahuo prepares the signed print
    data, the component on the desk PC decrypts and prints it, and its result lands here."""

    waybill = models.OneToOneField(Waybill, on_delete=models.CASCADE, related_name="platform_print")
    batch = models.ForeignKey(
        PrintBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="platform_prints"
    )
    status = models.CharField(
        max_length=10, choices=PlatformPrintStatus.choices, default=PlatformPrintStatus.PENDING
    )
    task_id = models.CharField(max_length=64, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    printer = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    printed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "batch"])]

    def __str__(self) -> str:
        return f"{self.waybill_id} {self.status}"
