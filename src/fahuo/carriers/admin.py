"""Django admin for carriers, rate lines, contracts and capacities.

Provider accounts (credentials) have their admin in :mod:`fahuo.integrations.credentials.admin`.
"""

from __future__ import annotations

from django.contrib import admin

from fahuo.carriers.models import SERVICE_FIELDS, Capacity, Carrier, Contract, RateLine, VolumeTier
from fahuo.kit.money import format_yuan


def _yuan(fen: int | None) -> str:
    return format_yuan(fen, grouping=False)


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "service_name", "provider", *SERVICE_FIELDS, "active")
    list_filter = ("active", "cold_chain", "insured", "door_delivery", "privacy_waybill")
    search_fields = ("code", "name")


@admin.register(RateLine)
class RateLineAdmin(admin.ModelAdmin):
    list_display = (
        "carrier",
        "origin_province",
        "dest_province",
        "first_weight_g",
        "first_price",
        "step_weight_g",
        "step_price",
        "transit_hours",
        "remote_surcharge",
        "effective_from",
        "announced_on",
    )
    list_filter = ("carrier", "origin_province", "effective_from")
    search_fields = ("dest_province", "origin_province", "carrier__code")
    list_select_related = ("carrier",)
    date_hierarchy = "effective_from"

    @admin.display(description="首重价格", ordering="first_price_fen")
    def first_price(self, obj: RateLine) -> str:
        return _yuan(obj.first_price_fen)

    @admin.display(description="续重价格", ordering="step_price_fen")
    def step_price(self, obj: RateLine) -> str:
        return _yuan(obj.step_price_fen)

    @admin.display(description="偏远附加费", ordering="remote_surcharge_fen")
    def remote_surcharge(self, obj: RateLine) -> str:
        return _yuan(obj.remote_surcharge_fen)


class VolumeTierInline(admin.TabularInline):
    model = VolumeTier
    extra = 1


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = (
        "carrier",
        "name",
        "starts_on",
        "ends_on",
        "min_daily_parcels",
        "shortfall_price",
        "notice_days",
        "peak_capacity_per_stream",
        "pickup_capacity_per_hour",
        "pickup_window",
    )
    list_filter = ("carrier",)
    list_select_related = ("carrier",)
    inlines = (VolumeTierInline,)

    @admin.display(description="保底差额单价", ordering="shortfall_price_fen")
    def shortfall_price(self, obj: Contract) -> str:
        return _yuan(obj.shortfall_price_fen) or "—"


@admin.register(VolumeTier)
class VolumeTierAdmin(admin.ModelAdmin):
    list_display = ("contract", "min_daily_avg", "first_price_delta_fen")
    list_select_related = ("contract", "contract__carrier")


@admin.register(Capacity)
class CapacityAdmin(admin.ModelAdmin):
    list_display = ("carrier", "warehouse", "max_parcels", "max_parcels_per_hour")
    list_filter = ("carrier", "warehouse")
    list_select_related = ("carrier", "warehouse")
