from django.apps import AppConfig


class ContractsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "fahuo.contracts"
    verbose_name = "Carrier contracts (SLA, claims, weekly settlement)"
