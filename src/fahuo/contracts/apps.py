from django.apps import AppConfig


class ContractsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "fahuo.contracts"
    verbose_name = "Carrier contracts (SLA, claims, weekly settlement)"

    def ready(self) -> None:
        # Tracking's alert queue offers 发起理赔 through its extension point (tracking does not
        # import contracts: one-way dependencies).
        from fahuo.contracts.hooks import claim_action
        from fahuo.tracking import events

        events.alert_actions.connect(claim_action)
