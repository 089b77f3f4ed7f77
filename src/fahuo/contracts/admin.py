from django.contrib import admin

from fahuo.contracts.models import (
    BillMapping,
    CarrierBill,
    Claim,
    ContractAlert,
    ContractTerms,
    DepositEntry,
    PrivacyIncident,
    WeeklyStatement,
)


@admin.register(ContractTerms)
class ContractTermsAdmin(admin.ModelAdmin):
    list_display = (
        "contract",
        "version",
        "effective_from",
        "pickup_hours",
        "pickup_target_pct",
        "late_penalty_pct",
    )


@admin.register(WeeklyStatement)
class WeeklyStatementAdmin(admin.ModelAdmin):
    list_display = ("carrier", "week_start", "status", "net_fen", "payable_fen")
    list_filter = ("status", "carrier")


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = (
        "tracking_no",
        "carrier",
        "kind",
        "reported_at",
        "verified_at",
        "paid_at",
        "amount_fen",
        "responsibility",
    )


admin.site.register([PrivacyIncident, DepositEntry, ContractAlert, BillMapping, CarrierBill])
