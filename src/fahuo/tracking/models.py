"""Parcel tracking: one state row per tracked waybill, its normalised events, pushes, and alerts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from fahuo.integrations.status import TrackStatus as Status


class TrackStatus(models.TextChoices):
    """The database choices of :class:`fahuo.integrations.status.TrackStatus`, with their labels."""

    CREATED = Status.CREATED.value, "已下单"
    AWAITING_PICKUP = Status.AWAITING_PICKUP.value, "待揽收"
    PICKED_UP = Status.PICKED_UP.value, "已揽收"
    IN_TRANSIT = Status.IN_TRANSIT.value, "运输中"
    OUT_FOR_DELIVERY = Status.OUT_FOR_DELIVERY.value, "派送中"
    IN_LOCKER = Status.IN_LOCKER.value, "待取件"  # 快递柜/驿站
    DELIVERED = Status.DELIVERED.value, "已签收"
    EXCEPTION = Status.EXCEPTION.value, "疑难件"
    RETURNING = Status.RETURNING.value, "退回中"
    RETURNED = Status.RETURNED.value, "已退回"
    REFUSED = Status.REFUSED.value, "拒收"
    LOST = Status.LOST.value, "丢失"


FINAL_STATUSES = (TrackStatus.DELIVERED, TrackStatus.RETURNED, TrackStatus.LOST)


class Track(models.Model):
    """The current tracking state of one waybill; the sweep reads this table only (set-based)."""

    waybill = models.OneToOneField(
        "fulfilment.Waybill", null=True, blank=True, on_delete=models.SET_NULL, related_name="track"
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tracking_no = models.CharField(max_length=40)
    carrier_code = models.CharField(max_length=16)
    status = models.CharField(max_length=20, choices=TrackStatus.choices, default=TrackStatus.CREATED)
    status_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    picked_up_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # When delivery is due: picked_up_at + promised_hours (kept by ingestion, so LATE is one indexed
    # range query instead of date arithmetic in SQL).
    due_at = models.DateTimeField(null=True, blank=True)
    last_location = models.CharField(max_length=100, blank=True)
    dest_province = models.CharField(max_length=20, blank=True)
    promised_hours = models.PositiveIntegerField(null=True, blank=True)
    door_delivery = models.BooleanField(default=False)
    signed_by_proxy = models.BooleanField(default=False)
    provider_code = models.CharField(max_length=20, blank=True)  # last raw State/StateEx or state code
    subscribed_provider = models.CharField(max_length=20, blank=True)
    subscribed_at = models.DateTimeField(null=True, blank=True)
    # Polling fallback (polling.py): not before this time may the parcel be queried again.
    next_poll_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    token = models.CharField(max_length=32, unique=True, null=True, blank=True)  # buyer tracking page

    class Meta:
        # Every index here is written on each state change (ingestion updates indexed columns, so no
        # HOT updates): keep only what a lookup or a rule needs. The unique key leads with the
        # number, so it also serves lookups by number alone (pushes whose carrier code differs).
        constraints = [
            models.UniqueConstraint(fields=["tracking_no", "carrier_code"], name="uniq_track_number")
        ]
        indexes = [
            # STALLED/PROBLEM/REFUSED/RETURNING/NO_PICKUP: status first, then the time range.
            models.Index(fields=["active", "status", "last_event_at"]),
            models.Index(fields=["active", "due_at"]),  # LATE
            # PROXY_SIGNED: a partial index over the few parcels it can concern.
            models.Index(
                fields=["delivered_at"],
                condition=Q(signed_by_proxy=True, door_delivery=True),
                name="track_proxy_door_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_code} {self.tracking_no} {self.status}"


class TrackEvent(models.Model):
    """One trace line. ``event_key`` makes a duplicate push change nothing."""

    # No index of its own: the (track, at) index below serves every lookup by track.
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="events", db_index=False)
    at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=TrackStatus.choices)
    provider = models.CharField(max_length=20)
    provider_code = models.CharField(max_length=20, blank=True)
    description = models.CharField(max_length=500)
    location = models.CharField(max_length=100, blank=True)
    event_key = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["track", "at", "id"]
        indexes = [models.Index(fields=["track", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.status} {self.description[:30]}"


class PushLog(models.Model):
    """Every push received, good or bad: bad signatures and malformed bodies are logged, not lost."""

    provider = models.CharField(max_length=20)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    http_status = models.PositiveSmallIntegerField()
    accepted_events = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    body_excerpt = models.TextField(blank=True)  # personal data scrubbed

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.provider} {self.http_status} {self.received_at:%Y-%m-%d %H:%M:%S}"


class AlertKind(models.TextChoices):
    SHIP_BY_SOON = "ship_by_soon", "即将超时未发货"
    SHIP_BY_OVERDUE = "ship_by_overdue", "已超时未发货"
    NO_PICKUP = "no_pickup", "出单后未揽收"
    STALLED = "stalled", "物流停滞"
    PROBLEM = "problem", "疑难件"
    REFUSED = "refused", "拒收"
    RETURNING = "returning", "退回"
    LATE = "late", "超时效未签收"
    PROXY_SIGNED = "proxy_signed", "代签/放柜（要求送货上门）"
    ADDRESS_CHANGED = "address_changed", "已打单后改地址"
    AFTER_SALE = "after_sale", "售后/退款申请"
    UNPACKED = "unpacked", "已打单未打包"


class AlertRule(models.Model):
    """A tunable rule: ``params`` holds hours/leads, e.g. {"hours": 24, "remote_hours": 48}."""

    kind = models.CharField(max_length=20, choices=AlertKind.choices, unique=True)
    params = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)
    # Tell the buyer by itself when the sweep opens a fresh alert of this kind (kinds with a buyer
    # message: delays, problems, refusals, returns, ship-by). Off: the seller sends it by hand.
    message_buyer = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.params}"


class AlertStatus(models.TextChoices):
    OPEN = "open", "待处理"
    ASSIGNED = "assigned", "处理中"
    RESOLVED = "resolved", "已解决"


class BuyerMessage(models.TextChoices):
    """What became of the buyer message an alert calls for (set when the sweep opens the alert)."""

    NONE = "", "—"  # this kind has no buyer message (or the alert predates auto-messaging)
    AUTO = "auto", "已自动通知买家"
    HELD = "held", "未自动通知（告警时已过时）"  # too old when opened: the seller decides
    OFF = "off", "未自动通知（已关闭）"  # auto-messaging is off for this kind
    MANUAL = "manual", "已手动通知买家"


class Alert(models.Model):
    # No single-column indexes on kind/status: (status, kind) and the two partial unique indexes
    # (kind first) serve the queue and the sweep, and every index slows the sweep's inserts.
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    # No database FK constraints on order/track: alerts are derived rows the sweep inserts by the ten
    # thousand, and PostgreSQL's deferred FK triggers cost ~2 s at commit on a cold 1M-parcel sweep
    # (80k alerts). Django still cascades deletes through the ORM, and the sweep only selects ids
    # from existing tracks/orders in the same statement.
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
        db_constraint=False,
    )
    track = models.ForeignKey(
        Track, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts", db_constraint=False
    )
    tracking_no = models.CharField(max_length=40, blank=True)
    since = models.DateTimeField()
    severity = models.CharField(max_length=10, default="warning")  # warning, critical
    status = models.CharField(max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    note = models.TextField(blank=True)
    detail = models.CharField(max_length=200, blank=True)  # what the system saw (no personal data)
    buyer_message = models.CharField(max_length=8, choices=BuyerMessage.choices, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )  # empty on a resolved alert: the sweep resolved it because its condition cleared

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One unresolved alert per parcel and kind (parcel alerts) or per order and kind (order
            # alerts: ship-by, address change, after-sale); a new one may open after resolution.
            models.UniqueConstraint(
                fields=["kind", "track"],
                condition=~Q(status="resolved") & Q(track__isnull=False),
                name="uniq_open_track_alert",
            ),
            models.UniqueConstraint(
                fields=["kind", "order"],
                condition=~Q(status="resolved") & Q(track__isnull=True),
                name="uniq_open_order_alert",
            ),
        ]
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.tracking_no or self.order_id}"


class MessageStatus(models.TextChoices):
    DONE = "done", "已处理"
    PENDING_FETCH = "pending_fetch", "待拉取订单"
    IGNORED = "ignored", "忽略"
    FAILED = "failed", "处理失败"


class PlatformMessage(models.Model):
    """A shop-platform message (抖店 push) seen once: ``msg_id`` makes a re-delivered push a no-op.

    ``pending_fetch`` marks a message that named an order fahuo cannot build from the message alone
    (a 101 "paid" message carries no recipient or items): the order must be fetched from the platform.
    """

    provider = models.CharField(max_length=20)
    msg_id = models.CharField(max_length=64)
    tag = models.CharField(max_length=10)
    shop = models.ForeignKey(
        "orders.Shop", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    platform_order_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=MessageStatus.choices, default=MessageStatus.DONE)
    note = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    # Fetching a pending_fetch order (shop_fetch.py): failed attempts so far and when to try again.
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["provider", "msg_id"], name="uniq_platform_message")]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.provider} {self.tag} {self.msg_id}"
