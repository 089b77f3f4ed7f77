from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "fahuo.notify"
    label = "notify"
    verbose_name = "Buyer messages"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Tracking fires, notify listens: tracking never imports notify (see tracking.events).
        from fahuo.notify import services
        from fahuo.tracking import events

        events.buyer_message_kinds.provide(frozenset(str(k) for k in services.ALERT_KEYS))
        events.message_buyer.provide(services.send_for_alert)
        events.order_message.provide(services.send_order_link)
        events.parcel_status_changed.connect(services.notify_for_tracks)
        events.alerts_opened.connect(services.notify_for_alert_rows)
