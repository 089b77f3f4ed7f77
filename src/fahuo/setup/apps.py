from django.apps import AppConfig


class SetupConfig(AppConfig):
    name = "fahuo.setup"
    label = "setup"
    verbose_name = "Set-up"
