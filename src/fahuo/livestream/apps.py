from django.apps import AppConfig


class LivestreamConfig(AppConfig):
    name = "fahuo.livestream"
    label = "livestream"
    default_auto_field = "django.db.models.BigAutoField"
