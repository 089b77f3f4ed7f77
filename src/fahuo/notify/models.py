"""Buyer messages: the message library (话术库), the outbox, buyers' WeChat openids, send rate buckets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from fahuo.kit.privacy import EncryptedTextField


class Channel(models.TextChoices):
    SMS = "sms", "短信"
    DOUYIN_IM = "douyin_im", "抖店消息"
    WECHAT = "wechat", "微信订阅消息"


class MessageKey(models.TextChoices):
    """One message per parcel milestone and per exception the buyer should hear about first."""

    SHIPPED = "shipped", "已发货"
    OUT_FOR_DELIVERY = "out_for_delivery", "派送中"
    IN_LOCKER = "in_locker", "待取件"
    DELIVERED = "delivered", "已签收"
    DELAYED = "delayed", "物流延误"
    PROBLEM = "problem", "疑难件"
    REFUSED = "refused", "拒收"
    RETURNING = "returning", "退回中"
    LOST = "lost", "丢失"
    SHIP_BY_SOON = "ship_by_soon", "发货延迟致歉"
    ADDRESS_CHANGED = "address_changed", "地址已修改"
    STOCK_CHOICE = "stock_choice", "缺货选择"


class MessageTemplate(models.Model):
    """A message text with ``{变量}`` placeholders. ``shop`` empty = every shop's default;
    ``channel`` empty = any channel. The most specific row wins, and an inactive one means
    "do not send this message" (a shop can switch off a default)."""

    shop = models.ForeignKey(
        "orders.Shop", null=True, blank=True, on_delete=models.CASCADE, related_name="message_templates"
    )
    key = models.CharField(max_length=20, choices=MessageKey.choices)
    channel = models.CharField(max_length=12, choices=Channel.choices, blank=True, default="")
    title = models.CharField(max_length=60)
    body = models.TextField(max_length=500)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key", "shop_id", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "key", "channel"], condition=Q(shop__isnull=False), name="uniq_shop_template"
            ),
            models.UniqueConstraint(
                fields=["key", "channel"], condition=Q(shop__isnull=True), name="uniq_default_template"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.channel or '*'} {self.title}"

    def clean(self) -> None:
        from fahuo.notify.texts import validate_body

        validate_body(self.body, key=self.key)


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


class OutboxMessage(models.Model):
    """One message to one buyer, rendered when queued; ``dedupe_key`` (order + message key + parcel
    or alert) makes queueing the same message twice a no-op."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="outbox_messages")
    track = models.ForeignKey(
        "tracking.Track", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    template_key = models.CharField(max_length=20, choices=MessageKey.choices)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    to = EncryptedTextField(default="")  # phone (SMS), 抖店 order id (IM) or openid (WeChat)
    body = models.TextField()
    params = models.JSONField(default=dict, blank=True)  # the variables, masked: no personal data
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A message still unsent by then is given up (a "shipped" note days late helps nobody); a retry
    # by hand moves it on.
    expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    provider_msg_id = models.CharField(max_length=64, blank=True)
    dedupe_key = models.CharField(max_length=120, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["channel", "status"]),
            models.Index(fields=["order", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.template_key} {self.channel} {self.status}"


class BuyerContact(models.Model):
    """A buyer's address on a channel that is not in the order: the WeChat openid of a private-domain
    buyer, posted by the seller's mini-program when the buyer subscribes. Matched to orders by the
    keyed hash of the phone number (the same hash as ``orders.Customer.phone_hash``)."""

    shop = models.ForeignKey("orders.Shop", on_delete=models.CASCADE, related_name="+")
    phone_hash = models.CharField(max_length=40)
    channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.WECHAT)
    address = EncryptedTextField(default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "phone_hash", "channel"], name="uniq_buyer_contact")
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.channel} {self.phone_hash[:8]}"


class RateBucket(models.Model):
    """A token bucket per channel, shared by every worker through the database."""

    channel = models.CharField(max_length=12, primary_key=True)
    tokens = models.FloatField(default=0)
    refilled_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.channel} {self.tokens:.1f}"
