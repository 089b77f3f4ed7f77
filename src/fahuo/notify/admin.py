from django.contrib import admin

from fahuo.notify.models import MessageTemplate, OutboxMessage


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("key", "shop", "channel", "title", "active", "updated_at")
    list_filter = ("key", "channel", "active")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("order", "template_key", "channel", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "channel", "template_key")
    exclude = ("to",)  # the buyer's number / openid stays out of the admin
    readonly_fields = ("order", "track", "dedupe_key", "provider_msg_id", "created_by")
