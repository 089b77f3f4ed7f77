"""Shops, customers, orders and their lines, and import batches with their rejected rows."""

from __future__ import annotations

from django.db import models

from fahuo.kit.privacy import EncryptedTextField, mask_detail, mask_name, mask_phone


class Platform(models.TextChoices):
    DOUYIN = "douyin", "抖店"
    WECHAT = "wechat", "私域/微信"
    MANUAL = "manual", "手工"


class ShipBackMoment(models.TextChoices):
    """When a shop's tracking numbers go back to the platform (回传时机), and its stock leaves the books."""

    ISSUE = "issue", "取号后立即回传"
    PRINT = "print", "打印面单后回传"
    PACK = "pack", "验货打包后回传"


class Shop(models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=80)
    platform = models.CharField(max_length=16, choices=Platform.choices, default=Platform.DOUYIN)
    default_ship_hours = models.PositiveIntegerField(default=48)
    sender_name = models.CharField(max_length=40, blank=True)
    sender_phone = models.CharField(max_length=30, blank=True)
    sender_address = models.CharField(max_length=200, blank=True)
    brand_note = models.CharField(max_length=200, blank=True, help_text="Thank-you text for packing slips")
    # Where the shop's orders ship from when an order names no warehouse (reservations, allocation).
    default_warehouse = models.ForeignKey(
        "inventory.Warehouse", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Pack scan by default: the platform is never told "shipped" before the goods are in the box
    # (the shipping article's warning: 已发货但实际无货 → refunds and bad reviews).
    shipback_at = models.CharField(max_length=8, choices=ShipBackMoment.choices, default=ShipBackMoment.PACK)
    # A printed parcel not pack-scanned this many hours before the promised ship time raises an alert.
    unpacked_alert_hours = models.PositiveSmallIntegerField(default=4)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """A buyer, identified within a shop by the keyed hash of the phone number."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="customers")
    phone_hash = models.CharField(max_length=40)
    name = EncryptedTextField(blank=True, default="")
    phone = EncryptedTextField(blank=True, default="")
    orders_count = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "phone_hash"], name="uniq_customer_phone")]
        permissions = [("reveal_customer", "Can reveal a customer's personal data")]

    def __str__(self) -> str:
        return f"{mask_name(self.name)} {mask_phone(self.phone)}"


class OrderStatus(models.TextChoices):
    NEEDS_REVIEW = "needs_review", "待审核"
    READY = "ready", "待打单"
    PRINTED = "printed", "已打单"
    SHIPPED = "shipped", "已发货"  # the carrier picked the parcel up (tracking ingestion sets it)
    DELIVERED = "delivered", "已签收"  # every parcel of the order delivered (tracking ingestion)
    CANCELLED = "cancelled", "已取消"


class Order(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="orders")
    platform_order_id = models.CharField(max_length=64)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    status = models.CharField(
        max_length=16, choices=OrderStatus.choices, default=OrderStatus.READY, db_index=True
    )
    # [{"code": "phone", "message": "手机号码无效 …"}]; empty when the order verified cleanly.
    review_reasons = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=16, default="import")  # import, api, demo, manual
    channel = models.CharField(max_length=16, default="live")  # live (直播), private (私域), shelf
    # Recipient: region in clear (routing needs it, it identifies nobody); name/phone/detail encrypted.
    recipient_name = EncryptedTextField(blank=True, default="")
    recipient_phone = EncryptedTextField(blank=True, default="")
    province = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=30, blank=True)
    district = models.CharField(max_length=30, blank=True)
    street = models.CharField(max_length=60, blank=True)
    address_detail = EncryptedTextField(blank=True, default="")
    adcode = models.CharField(max_length=6, blank=True)
    buyer_note = models.CharField(max_length=500, blank=True)
    seller_note = models.CharField(max_length=500, blank=True)
    total_fen = models.BigIntegerField(default=0)
    freight_paid_fen = models.BigIntegerField(default=0)
    ordered_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ship_by = models.DateTimeField(null=True, blank=True, db_index=True)
    promise_hours = models.PositiveIntegerField(null=True, blank=True)
    door_delivery = models.BooleanField(default=False)
    warehouse = models.ForeignKey("inventory.Warehouse", null=True, blank=True, on_delete=models.SET_NULL)
    carrier = models.ForeignKey("carriers.Carrier", null=True, blank=True, on_delete=models.SET_NULL)
    # The carrier's pickup hour the applied allocation run planned (null: no pickup window).
    pickup_at = models.DateTimeField(null=True, blank=True)
    influencer = models.CharField(max_length=80, blank=True)  # 达人昵称
    import_batch = models.ForeignKey("ImportBatch", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-paid_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "platform_order_id"], name="uniq_shop_platform_order")
        ]
        indexes = [models.Index(fields=["status", "shop"]), models.Index(fields=["status", "paid_at"])]

    def __str__(self) -> str:
        return self.platform_order_id

    @property
    def masked_name(self) -> str:
        return mask_name(self.recipient_name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.recipient_phone)

    @property
    def masked_detail(self) -> str:
        return mask_detail(self.address_detail)

    @property
    def region(self) -> str:
        if self.province and self.province == self.city:
            return f"{self.province} {self.district}".strip()
        return " ".join(p for p in (self.province, self.city, self.district) if p)

    @property
    def review_text(self) -> str:
        return "；".join(r.get("message", "") for r in self.review_reasons or [])


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    platform_line_id = models.CharField(max_length=64)
    sku = models.ForeignKey("catalog.Sku", null=True, blank=True, on_delete=models.SET_NULL)
    sku_code = models.CharField(max_length=64, blank=True)
    title = models.CharField(max_length=200)
    spec = models.CharField(max_length=200, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price_fen = models.BigIntegerField(default=0)
    after_sale = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["order", "platform_line_id"], name="uniq_order_line")]

    def __str__(self) -> str:
        return f"{self.title} {self.spec} ×{self.quantity}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"
    CANCELLED = "cancelled", "已取消"


class ImportBatch(models.Model):
    """One import of one file (the import run): its progress while it runs, its report when done.

    The file is worked in chunks of orders, each in its own short transaction that also moves
    ``orders_done`` on; a run that stops half-way continues from there (docs/import.md)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="imports")
    filename = models.CharField(max_length=255)
    file_format = models.CharField(max_length=20)  # douyin, fahuo
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    orders_created = models.PositiveIntegerField(default=0)
    order_lines = models.PositiveIntegerField(default=0)
    needs_review = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # What the report shows besides the counts: what the file was recognised as, the orders and 子订单
    # left out and held with their reasons (ids and reasons only, no personal data).
    summary = models.JSONField(default=dict, blank=True)
    # The run: done when created by an import before runs existed (0.3 and older).
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.DONE)
    rows_total = models.PositiveIntegerField(default=0)  # data rows in the file
    orders_total = models.PositiveIntegerField(null=True, blank=True)  # orders to import; null: not planned
    orders_done = models.PositiveIntegerField(default=0)  # orders worked (created or duplicate)
    cancel_requested = models.BooleanField(default=False)
    worker = models.CharField(max_length=120, blank=True)  # host:pid:thread of the process working it
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("import_orders", "Can import orders")]
        indexes = [models.Index(fields=["status"], name="importbatch_status")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def active(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @property
    def percent(self) -> int:
        if not self.orders_total:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, self.orders_done * 100 // self.orders_total)


class ImportFile(models.Model):
    """The uploaded file of a queued import, encrypted (it holds buyers' personal data); kept only
    until its run ends, so a worker on any machine can read it and a killed run can start again."""

    batch = models.OneToOneField(ImportBatch, on_delete=models.CASCADE, related_name="staged_file")
    data = models.BinaryField()  # kit.privacy.encrypt_bytes of the upload
    size = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"staged file of import {self.batch_id} ({self.size} bytes)"


class ImportRowError(models.Model):
    """A row that could not be read; kept, with its raw cells, so it can be corrected and re-imported."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField()
    reason = models.CharField(max_length=300)
    raw = EncryptedTextField(default="")  # JSON of the row's cells; holds personal data, so encrypted
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["row_number"]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.reason}"
