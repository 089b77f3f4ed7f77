"""Desk pages (``/tracking/``, namespace ``tracking``) and provider push endpoints (``/hooks/``)."""

from django.urls import path

from fahuo.integrations import registry
from fahuo.tracking import hooks, views

app_name = "tracking"

urlpatterns = [
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/<int:pk>/assign/", views.alert_assign, name="alert_assign"),
    path("alerts/<int:pk>/note/", views.alert_note, name="alert_note"),
    path("alerts/<int:pk>/resolve/", views.alert_resolve, name="alert_resolve"),
    path("alerts/<int:pk>/reopen/", views.alert_reopen, name="alert_reopen"),
    path("alerts/<int:pk>/message/", views.alert_message, name="alert_message"),
    path("alerts/auto-messages/", views.auto_message, name="auto_message"),
    path("shop-messages/", views.shop_message_list, name="shop_message_list"),
    path("shop-messages/retry/", views.shop_message_retry, name="shop_message_retry"),
    path("parcels/", views.track_lookup, name="track_lookup"),
    path("parcels/<int:pk>/", views.track_detail, name="track_detail"),
]

# Mounted at /hooks/ by fahuo.urls: include((hook_patterns, "hooks")). CSRF-exempt, signature-checked.
# Each tracking provider with a push parser in the registry gets /hooks/<key>; 抖店's messages are
# shop events (orders, after-sales), not traces, and have their own endpoint.
hook_patterns = [
    *(path(key, hooks.tracking_push, {"provider": key}, name=key) for key in registry.TRACK_PUSHES),
    path("douyin", hooks.douyin, name="douyin"),
]
