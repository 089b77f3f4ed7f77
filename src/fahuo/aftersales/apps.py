from django.apps import AppConfig


class AftersalesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "fahuo.aftersales"
    verbose_name = "After-sales (RMA: returns, refunds, exchanges)"

    def ready(self) -> None:
        # 抖店 refund messages (tags 200-208) reach tracking's message handler table; tracking does
        # not import this app (one-way dependencies), so the handlers are connected here.
        from fahuo.aftersales.douyin import connect
        from fahuo.aftersales.sweep import pickup_rule
        from fahuo.tracking import events

        connect()
        events.sweep_rules.connect(pickup_rule)
        from fahuo.aftersales.returns import on_unmatched

        events.unmatched_events.connect(on_unmatched)
        from fahuo.aftersales.selectors import buyer_links, buyer_progress

        events.return_progress.provide(buyer_progress)
        events.buyer_links.provide(buyer_links)
        from django.urls import reverse

        from fahuo.fulfilment import events as fulfilment_events

        fulfilment_events.packing_evidence_url.provide(
            lambda parcel_id: reverse("aftersales:packing_upload", args=[parcel_id])
        )
