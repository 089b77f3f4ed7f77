from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "fahuo.integrations.credentials"
    label = "credentials"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Provider credentials"
