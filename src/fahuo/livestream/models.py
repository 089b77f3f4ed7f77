"""Live-stream sessions (直播场次): plan, forecast, carrier peak notices, reviews."""

from __future__ import annotations

from django.db import models


class SessionStatus(models.TextChoices):
    PLANNED = "planned", "计划中"
    LIVE = "live", "直播中"
    FINISHED = "finished", "已结束"


class LiveSession(models.Model):
    """One stream. Its orders are the shop's orders paid between ``starts_at`` and ``ends_at`` plus
    ``tail_hours`` (orders keep arriving after the stream ends)."""

    shop = models.ForeignKey("orders.Shop", on_delete=models.CASCADE, related_name="live_sessions")
    title = models.CharField(max_length=120)
    host = models.CharField(max_length=60, blank=True)
    room = models.CharField(max_length=60, blank=True)
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    tail_hours = models.PositiveIntegerField(default=2)
    status = models.CharField(max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED)
    expected_orders = models.PositiveIntegerField(null=True, blank=True)  # the seller's own estimate
    forecast_orders = models.PositiveIntegerField(null=True, blank=True)
    forecast_low = models.PositiveIntegerField(null=True, blank=True)
    forecast_high = models.PositiveIntegerField(null=True, blank=True)
    forecast_method = models.CharField(max_length=40, blank=True)
    forecast_hourly = models.JSONField(default=list, blank=True)  # expected orders per hour from start
    # The plan as it was sent to the carriers (``Plan.stored()``): per carrier the planned parcels,
    # freight (fen) and pickups; the review compares the actual figures with it.
    plan = models.JSONField(default=dict, blank=True)
    packers = models.PositiveIntegerField(default=4)
    orders_per_packer_hour = models.PositiveIntegerField(default=60)
    pickup_address = models.CharField(max_length=200, blank=True)
    contact = models.CharField(max_length=60, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d %H:%M})"


class FeaturedSku(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="featured")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE)
    planned_units = models.PositiveIntegerField(default=0)
    price_fen = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "sku"], name="uniq_featured_sku")]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.sku.code} × {self.planned_units}"


class PeakNotice(models.Model):
    """预警通知 to one carrier before a stream: expected parcels, pickup slots, contact; its sending."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="notices")
    carrier = models.ForeignKey("carriers.Carrier", on_delete=models.CASCADE)
    warehouse = models.ForeignKey("inventory.Warehouse", null=True, blank=True, on_delete=models.SET_NULL)
    expected_parcels = models.PositiveIntegerField(default=0)
    pickup_slots = models.JSONField(default=list, blank=True)  # [{"from": iso, "to": iso, "parcels": n}]
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_via = models.CharField(max_length=30, blank=True)
    sent_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["session", "carrier__code"]

    def __str__(self) -> str:
        return f"{self.session_id} → {self.carrier.code}: {self.expected_parcels}"


class SessionReview(models.Model):
    """Computed review figures (24 h after the stream; loss/damage after 7 days), kept for comparison."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(max_length=4)  # 24h, 7d
    computed_at = models.DateTimeField(auto_now=True)
    data = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "kind"], name="uniq_review_kind")]

    def __str__(self) -> str:
        return f"{self.session_id} {self.kind}"
