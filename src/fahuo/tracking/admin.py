from django.contrib import admin

from fahuo.tracking.models import Alert, AlertRule, PlatformMessage, PushLog, Track, TrackEvent


class TrackEventInline(admin.TabularInline):
    model = TrackEvent
    extra = 0
    fields = ("at", "status", "provider_code", "location", "description", "provider")
    readonly_fields = fields
    ordering = ("-at",)
    can_delete = False


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ("tracking_no", "carrier_code", "status", "last_event_at", "dest_province", "active")
    list_filter = ("status", "active", "carrier_code")
    search_fields = ("tracking_no",)
    raw_id_fields = ("waybill", "order")
    inlines = [TrackEventInline]


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ("kind", "params", "active")
    list_editable = ("active",)


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("kind", "severity", "status", "tracking_no", "order", "since", "assignee")
    list_filter = ("kind", "status", "severity")
    search_fields = ("tracking_no", "order__platform_order_id")
    raw_id_fields = ("order", "track", "assignee", "resolved_by")


@admin.register(PushLog)
class PushLogAdmin(admin.ModelAdmin):
    list_display = ("provider", "received_at", "http_status", "accepted_events", "error")
    list_filter = ("provider", "http_status")
    readonly_fields = ("provider", "received_at", "http_status", "accepted_events", "error", "body_excerpt")


@admin.register(PlatformMessage)
class PlatformMessageAdmin(admin.ModelAdmin):
    list_display = ("provider", "tag", "msg_id", "platform_order_id", "status", "received_at")
    list_filter = ("provider", "tag", "status")
    search_fields = ("msg_id", "platform_order_id")
