"""Desk pages at ``/messages/`` (namespace ``notify``) and the buyer's page at ``/t/<token>``."""

from django.urls import path

from fahuo.notify import views

app_name = "notify"

urlpatterns = [
    path("", views.library, name="library"),
    path("templates/new/", views.template_new, name="template_new"),
    path("templates/preview/", views.template_preview, name="template_preview"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/retry/", views.outbox_retry, name="outbox_retry"),
    path("orders/<int:pk>/", views.order_messages, name="order_messages"),
    path("orders/<int:pk>/send/", views.order_send, name="order_send"),
]

# Mounted by fahuo.urls as path("t/", include((public_patterns, "public"))): no login, no personal data.
public_patterns = [
    path("<str:token>", views.track_page, name="track"),
]
