from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "fahuo.orders"
    label = "orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The import job lives beside the import runs, not in tasks.py: register it with Huey here.
        from fahuo.orders import import_tasks  # noqa: F401
