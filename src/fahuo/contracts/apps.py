from django.apps import AppConfig


class ContractsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "fahuo.contracts"
    verbose_name = "Carrier contracts (SLA, claims, weekly settlement)"

    def ready(self) -> None:
        # Tracking's alert queue offers 发起理赔 through its extension point (tracking does not
        # import contracts: one-way dependencies).
        from fahuo.aftersales import events as aftersales_events
        from fahuo.contracts.claim_sources import evidence_actions
        from fahuo.contracts.hooks import claim_action
        from fahuo.tracking import events

        events.alert_actions.connect(claim_action)
        # After-sales' evidence (packing video, the buyer's unboxing upload) offers 发起理赔 the same way.
        aftersales_events.evidence_actions.connect(evidence_actions)
