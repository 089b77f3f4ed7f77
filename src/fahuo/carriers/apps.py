from django.apps import AppConfig


class CarriersConfig(AppConfig):
    name = "fahuo.carriers"
    label = "carriers"
    default_auto_field = "django.db.models.BigAutoField"
