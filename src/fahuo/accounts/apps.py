from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fahuo.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
