from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fahuo.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fahuo.accounts.selectors import can
        from fahuo.kit.web import use_permission_check

        use_permission_check(can)  # desk pages ask the per-shop role, not only Django's permissions
