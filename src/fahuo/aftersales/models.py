"""After-sales: an RMA (售后单) per 抖店 after-sale or manual request, its steps, and the shop's policy."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class RmaKind(models.TextChoices):
    RETURN_REFUND = "return_refund", "退货退款"
    REFUND_ONLY = "refund_only", "仅退款"
    EXCHANGE = "exchange", "换货"


class RmaStatus(models.TextChoices):
    REQUESTED = "requested", "待处理"
    APPROVED = "approved", "已同意"
    REJECTED = "rejected", "已拒绝"
    RETURNING = "returning", "买家已寄回"
    RECEIVED = "received", "已收货验货"
    REFUNDED = "refunded", "退款成功"
    CLOSED = "closed", "已关闭"


# How far along a status is: a message only moves an RMA forward (out-of-order delivery safe).
STATUS_RANK: dict[str, int] = {
    RmaStatus.REQUESTED: 0,
    RmaStatus.APPROVED: 1,
    RmaStatus.REJECTED: 1,
    RmaStatus.RETURNING: 2,
    RmaStatus.RECEIVED: 3,
    RmaStatus.REFUNDED: 4,
    RmaStatus.CLOSED: 4,
}
FINAL_RANK = 4


class Condition(models.TextChoices):
    GOOD = "good", "完好可二次销售"
    OPENED = "opened", "已拆封"
    DAMAGED = "damaged", "破损"
    WRONG = "wrong", "非本店商品/错件"
    MISSING = "missing", "空包/缺件"


class Disposition(models.TextChoices):
    RESTOCKED = "restocked", "已入库"
    WRITTEN_OFF = "written_off", "报损"


class RmaSource(models.TextChoices):
    DOUYIN = "douyin", "抖店"
    MANUAL = "manual", "手工登记"


class FreightPayer(models.TextChoices):
    BUYER = "buyer", "买家承担"
    SELLER = "seller", "商家承担"
    INSURANCE = "insurance", "运费险"


class RestockRule(models.TextChoices):
    INSPECT = "inspect", "验货合格后入库"
    ALWAYS = "always", "收货即入库"
    NEVER = "never", "不入库（报损）"


DEFAULT_REASONS = ["七天无理由", "质量问题", "发错货", "少件/漏发", "商品破损", "与描述不符", "其他"]


def default_reasons() -> list[str]:
    return list(DEFAULT_REASONS)


class AfterSalePolicy(models.Model):
    """One shop's return policy: no-reason window, reasons offered, return freight, restocking."""

    shop = models.OneToOneField("orders.Shop", on_delete=models.CASCADE, related_name="aftersale_policy")
    no_reason_days = models.PositiveSmallIntegerField(default=7)
    reasons = models.JSONField(default=default_reasons, blank=True)
    freight_payer = models.CharField(max_length=12, choices=FreightPayer.choices, default=FreightPayer.BUYER)
    restock = models.CharField(max_length=12, choices=RestockRule.choices, default=RestockRule.INSPECT)
    return_address = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"after-sale policy of shop {self.shop_id}"


class Rma(models.Model):
    """A return/refund/exchange request. ``order`` is empty while the platform order is unknown here
    (the request is kept and listed, never dropped); ``platform_order_id`` always says which."""

    shop = models.ForeignKey(
        "orders.Shop", null=True, blank=True, on_delete=models.PROTECT, related_name="rmas"
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="rmas"
    )
    platform_order_id = models.CharField(max_length=64, blank=True)
    platform_line_id = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=12, choices=RmaSource.choices, default=RmaSource.DOUYIN)
    aftersale_id = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=16, choices=RmaKind.choices)
    status = models.CharField(max_length=12, choices=RmaStatus.choices, default=RmaStatus.REQUESTED)
    platform_type = models.SmallIntegerField(null=True, blank=True)
    platform_status = models.SmallIntegerField(null=True, blank=True)
    reason_code = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    refund_amount_fen = models.BigIntegerField(default=0)
    refund_post_amount_fen = models.BigIntegerField(default=0)
    return_tracking_no = models.CharField(max_length=40, blank=True)
    # The return parcel's own trace (polled like a forward parcel, see aftersales.returns).
    return_carrier_code = models.CharField(max_length=16, blank=True)
    return_status = models.CharField(max_length=20, blank=True)  # tracking.TrackStatus values
    return_status_at = models.DateTimeField(null=True, blank=True)
    return_event = models.CharField(max_length=200, blank=True)
    return_checked_at = models.DateTimeField(null=True, blank=True)
    return_subscribed_at = models.DateTimeField(null=True, blank=True)  # the trace push is live
    pickup_due_at = models.DateTimeField(null=True, blank=True)
    pickup_booked_at = models.DateTimeField(null=True, blank=True)
    pickup_provider = models.CharField(max_length=20, blank=True)
    pickup_order = models.CharField(max_length=64, blank=True)  # the provider's booking number
    decision_note = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    condition = models.CharField(max_length=12, choices=Condition.choices, blank=True)
    inspection_note = models.CharField(max_length=300, blank=True)
    disposition = models.CharField(max_length=12, choices=Disposition.choices, blank=True)
    # The replacement order of an exchange (换货): printed through the normal batch flow.
    exchange_order = models.OneToOneField(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="exchange_for"
    )
    last_event_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "aftersale_id"],
                condition=~Q(aftersale_id=""),
                name="aftersales_rma_unique_platform_id",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"RMA {self.pk} {self.platform_order_id} {self.status}"


class RmaStep(models.Model):
    """What happened to an RMA, in arrival order: a platform message, a decision, a scan."""

    rma = models.ForeignKey(Rma, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(max_length=12, choices=RmaStatus.choices)
    applied = models.BooleanField(default=True)  # False: an older message that arrived late
    source = models.CharField(max_length=12, default="douyin")
    tag = models.CharField(max_length=10, blank=True)
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"RMA {self.rma_id} → {self.status} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def source_label(self) -> str:
        return {
            "douyin": "抖店",
            "desk": "发货台",
            "warehouse": "仓库",
            "carrier": "快递",
            "trace": "退货物流",
        }.get(self.source, self.source)


class EvidenceKind(models.TextChoices):
    PACKING_VIDEO = "packing_video", "打包录像"
    PACKING_PHOTO = "packing_photo", "打包照片"
    UNBOXING_VIDEO = "unboxing_video", "买家开箱视频"
    UNBOXING_PHOTO = "unboxing_photo", "买家开箱照片"
    INSPECTION_PHOTO = "inspection_photo", "退货验货照片"


class Evidence(models.Model):
    """A kept file (留存证据): a packing video/photo from the scan station, a buyer's unboxing upload
    or a return inspection photo. The bytes live content-addressed under the data dir
    (``evidence/<sha[:2]>/<sha256>``, see :mod:`fahuo.aftersales.storage`); the row says whose it is."""

    shop = models.ForeignKey("orders.Shop", on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="evidence")
    parcel = models.ForeignKey(
        "fulfilment.Parcel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rma = models.ForeignKey(Rma, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence")
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=40)
    uploaded_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)
    source = models.CharField(max_length=12, default="station")  # station, buyer, warehouse
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "kind", "sha256"], name="aftersales_evidence_once")
        ]
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:12]} of order {self.order_id}"

    @property
    def is_video(self) -> bool:
        return self.content_type.startswith("video/")


class StockChoiceAction(models.TextChoices):
    WAIT = "wait", "等待补货"
    SWAP = "swap", "换成其他款"
    REFUND = "refund", "退款"


class StockChoiceStatus(models.TextChoices):
    OFFERED = "offered", "待买家选择"
    ANSWERED = "answered", "买家已选择"
    DEFAULTED = "defaulted", "逾期按默认处理"
    WITHDRAWN = "withdrawn", "已撤回"


class StockChoice(models.Model):
    """Choices offered to the buyer of an order stock cannot fill (缺货): wait until the restock date,
    swap to one of the listed SKUs, or refund (+ a coupon). The buyer answers through a link
    (``/t/choice/<token>``); without an answer by ``deadline`` the shop's ``default_action`` applies."""

    shop = models.ForeignKey("orders.Shop", on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="stock_choices")
    token = models.CharField(max_length=32, unique=True)
    status = models.CharField(
        max_length=12, choices=StockChoiceStatus.choices, default=StockChoiceStatus.OFFERED
    )
    short_skus = models.JSONField(default=list, blank=True)  # the SKU codes the order lacks
    wait_until = models.DateField(null=True, blank=True)  # the restock date the seller expects
    swap_skus = models.JSONField(default=list, blank=True)  # SKU codes the buyer may swap to
    coupon_code = models.CharField(max_length=40, blank=True)
    deadline = models.DateTimeField(db_index=True)
    default_action = models.CharField(
        max_length=8, choices=StockChoiceAction.choices, default=StockChoiceAction.WAIT
    )
    action = models.CharField(max_length=8, choices=StockChoiceAction.choices, blank=True)
    swap_to = models.CharField(max_length=64, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=300, blank=True)  # what was done, in the seller's words
    rma = models.ForeignKey(Rma, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status="offered"),
                name="aftersales_one_open_stock_choice",
            )
        ]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"stock choice {self.pk} of order {self.order_id} ({self.status})"
