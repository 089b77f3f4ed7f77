"""Carrier contract clauses as data, and what enforcing them records: claims, privacy incidents,
weekly statements, the deposit ledger, contract alerts and imported carrier bills.

Volume clauses (tiers, 保底 minimum, notice period, peak capacity, hourly pickups) stay on
:class:`fahuo.carriers.models.Contract`; :class:`ContractTerms` adds the SLA and money clauses, one
row per version (editing creates a new version, old statements keep theirs).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractTerms(models.Model):
    """One version of a contract's SLA and money clauses (defaults: the article's numbers, §4)."""

    contract = models.ForeignKey("carriers.Contract", on_delete=models.CASCADE, related_name="terms_versions")
    version = models.PositiveIntegerField()
    effective_from = models.DateField()
    origin_province = models.CharField(max_length=20, blank=True)  # where parcels are handed over
    # 时效: 24 h pickup rate ≥ 98%, 48 h departure 100%; crew confirmed the day before a stream.
    pickup_hours = models.PositiveIntegerField(default=24)
    pickup_target_pct = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(98))
    ship_hours = models.PositiveIntegerField(default=48)
    ship_target_pct = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(100))
    crew_confirm_days_before = models.PositiveIntegerField(default=1)
    pickups_per_hour = models.PositiveIntegerField(default=100)
    # 违约: 20% of the late parcel's freight; more than 50 late parcels → the seller may terminate.
    late_penalty_pct = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(20))
    terminate_after_late = models.PositiveIntegerField(default=50)
    # 隐私: middle 4 digits of the phone hidden; ¥500 per leaked order.
    privacy_mask_middle_digits = models.PositiveIntegerField(default=4)
    privacy_fine_fen = models.PositiveIntegerField(default=50000)
    # 服务: door delivery in main urban areas, remote areas by appointment, returns picked up ≤ 24 h.
    door_delivery_pct = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(100))
    remote_by_appointment = models.BooleanField(default=True)
    returns_pickup_hours = models.PositiveIntegerField(default=24)
    # 理赔: verified within 24 h of the report, paid within 48 h of verification.
    verify_hours = models.PositiveIntegerField(default=24)
    pay_hours = models.PositiveIntegerField(default=48)
    liability_note = models.TextField(
        default="揽收/分拣/运输环节破损由快递公司承担；快递公司提供的包装破损由快递公司承担；卖家自备包装不当由卖家承担。"
    )
    # 价格调整 only when daily volume is below the tier, announced this many days ahead.
    price_notice_days = models.PositiveIntegerField(default=30)
    # 结算: weekly on Monday; 保证金 ¥1,000–5,000 refunded within 30 days after the end.
    settlement_weekday = models.PositiveSmallIntegerField(default=0)  # 0 = Monday
    deposit_min_fen = models.PositiveIntegerField(default=100000)
    deposit_max_fen = models.PositiveIntegerField(default=500000)
    deposit_refund_days = models.PositiveIntegerField(default=30)
    weight_tolerance_g = models.PositiveIntegerField(default=50)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["contract", "-version"]
        constraints = [models.UniqueConstraint(fields=["contract", "version"], name="uniq_terms_version")]

    def __str__(self) -> str:
        return f"{self.contract} v{self.version}"


class ClaimKind(models.TextChoices):
    DAMAGE = "damage", _("Damage")
    LOSS = "loss", _("Loss")


class Responsibility(models.TextChoices):
    HANDLING = "handling", _("Carrier handling (pickup/sorting/transport)")
    CARRIER_PACKAGING = "carrier_packaging", _("Packaging supplied by the carrier")
    SELLER_PACKAGING = "seller_packaging", _("Seller's packaging")
    UNDETERMINED = "undetermined", _("Undetermined")


class Claim(models.Model):
    """破损/丢件理赔 against a carrier; credited in the weekly statement when the carrier is responsible."""

    carrier = models.ForeignKey("carriers.Carrier", on_delete=models.PROTECT, related_name="claims")
    tracking_no = models.CharField(max_length=40)
    track = models.ForeignKey("tracking.Track", null=True, blank=True, on_delete=models.SET_NULL)
    # The parcel's shop (from its order): a one-shop owner sees the claims of their own parcels.
    shop = models.ForeignKey(
        "orders.Shop", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=ClaimKind.choices)
    source = models.CharField(max_length=20, default="buyer")  # tracking, buyer, packing
    reported_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)  # paid directly by the carrier
    amount_fen = models.PositiveIntegerField()
    responsibility = models.CharField(
        max_length=20, choices=Responsibility.choices, default=Responsibility.UNDETERMINED
    )
    note = models.TextField(blank=True)
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reported_at"]
        indexes = [models.Index(fields=["carrier", "reported_at"])]

    def __str__(self) -> str:
        return f"CL{self.pk} {self.tracking_no}"

    @property
    def claim_id(self) -> str:
        return f"CL{self.pk:06d}"


class ClaimAttachment(models.Model):
    """One photo or video of a claim, stored under its SHA-256 (the digest goes into the evidence PDF)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="claims/%Y/%m/")
    sha256 = models.CharField(max_length=64, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    size = models.PositiveIntegerField(default=0)
    original_name = models.CharField(max_length=200, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)  # a video's length, when it says
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "sha256"], condition=~models.Q(sha256=""), name="uniq_claim_photo"
            )
        ]

    def __str__(self) -> str:
        return self.file.name or ""

    @property
    def is_video(self) -> bool:
        return self.content_type.startswith("video/")


class PrivacyIncident(models.Model):
    """Buyer data leaked (a buyer complaint, a full phone number in a carrier's trace text)."""

    carrier = models.ForeignKey(
        "carriers.Carrier", on_delete=models.PROTECT, related_name="privacy_incidents"
    )
    tracking_no = models.CharField(max_length=40)
    occurred_at = models.DateTimeField()
    source = models.CharField(max_length=20, default="complaint")  # complaint, trace_text
    carrier_fault = models.BooleanField(default=True)
    note = models.CharField(max_length=300, blank=True)  # never the leaked data itself
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["carrier", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.tracking_no} {self.occurred_at:%Y-%m-%d}"


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    AGREED = "agreed", _("Agreed")
    DISPUTED = "disputed", _("Under dispute")
    PAID = "paid", _("Payment made")


class WeeklyStatement(models.Model):
    """周结对账单 of one carrier for one week; ``data`` is the settlement function's statement."""

    carrier = models.ForeignKey("carriers.Carrier", on_delete=models.PROTECT, related_name="statements")
    contract = models.ForeignKey("carriers.Contract", null=True, on_delete=models.SET_NULL)
    terms = models.ForeignKey(ContractTerms, null=True, on_delete=models.SET_NULL)
    week_start = models.DateField()
    as_of = models.DateTimeField()
    status = models.CharField(max_length=10, choices=StatementStatus.choices, default=StatementStatus.DRAFT)
    data = models.JSONField(default=dict)
    net_fen = models.BigIntegerField(default=0)
    payable_fen = models.BigIntegerField(default=0)
    dispute_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-week_start", "carrier__code"]
        constraints = [models.UniqueConstraint(fields=["carrier", "week_start"], name="uniq_statement_week")]

    def __str__(self) -> str:
        return f"{self.carrier.code} {self.week_start}"


class DepositKind(models.TextChoices):
    PAID_IN = "paid_in", _("Paid in")
    DRAWN = "drawn", _("Drawn")
    REFUNDED = "refunded", _("Refunded")


class DepositEntry(models.Model):
    """保证金 ledger: paid in by the carrier, drawn by a statement, refunded after the end."""

    carrier = models.ForeignKey("carriers.Carrier", on_delete=models.PROTECT, related_name="deposit_entries")
    kind = models.CharField(max_length=10, choices=DepositKind.choices)
    amount_fen = models.PositiveBigIntegerField()
    on = models.DateField()
    statement = models.ForeignKey(WeeklyStatement, null=True, blank=True, on_delete=models.CASCADE)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "kind"],
                condition=models.Q(statement__isnull=False),
                name="uniq_statement_draw",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_fen}"


class ContractAlert(models.Model):
    """A clause broken or about to be: SLA breach, termination threshold, claim clocks."""

    carrier = models.ForeignKey("carriers.Carrier", on_delete=models.CASCADE, related_name="contract_alerts")
    kind = models.CharField(max_length=20)  # sla_breach, may_terminate, verify_due, pay_due
    key = models.CharField(max_length=80)  # what it is about (week, claim) — one alert per key
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["carrier", "kind", "key"], name="uniq_contract_alert")]

    def __str__(self) -> str:
        return self.message


class BillMapping(models.Model):
    """The confirmed column mapping of a carrier's bills (remembered for the next import)."""

    carrier = models.OneToOneField("carriers.Carrier", on_delete=models.CASCADE, related_name="bill_mapping")
    mapping = models.JSONField(default=dict)  # field → header
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.carrier_id} mapping"


class CarrierBill(models.Model):
    """One imported carrier bill of one week (its lines are audited against our own freight)."""

    carrier = models.ForeignKey("carriers.Carrier", on_delete=models.PROTECT, related_name="bills")
    week_start = models.DateField()
    filename = models.CharField(max_length=200)
    mapping = models.JSONField(default=dict)
    lines = models.JSONField(default=list)  # [[tracking_no, billed_weight_g, billed_fen], …] in file order
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.week_start})"
