from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "fahuo.notify"
    label = "notify"
    verbose_name = "Buyer messages"
    default_auto_field = "django.db.models.BigAutoField"
