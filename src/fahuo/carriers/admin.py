"""Django admin for carriers, rate lines, contracts, capacities and provider accounts.

Provider credentials are never shown: lists give the key names only, and the edit form takes new
credentials write-only (blank keeps the stored ones).
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin

from fahuo.carriers.models import Capacity, Carrier, Contract, ProviderAccount, RateLine, VolumeTier
from fahuo.kit.money import format_yuan


def _yuan(fen: int | None) -> str:
    return format_yuan(fen, grouping=False)


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "service_name",
        "provider",
        "cold_chain",
        "insured",
        "door_delivery",
        "privacy_waybill",
        "volumetric_divisor",
        "max_weight_g",
        "insurance_rate_permille",
        "active",
    )
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


class ProviderAccountForm(forms.ModelForm):
    new_credentials = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
        label="新凭据 (JSON)",
        help_text="留空则保留已保存的凭据；已保存的凭据不会显示。 Blank keeps the stored credentials.",
    )

    class Meta:
        model = ProviderAccount
        fields = ("provider", "name", "carrier", "shop", "base_url", "active")

    def clean_new_credentials(self) -> str:
        text = str(self.cleaned_data.get("new_credentials") or "").strip()
        if not text:
            return ""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"不是有效的 JSON (invalid JSON): {exc.msg}")
        if not isinstance(data, dict):
            raise forms.ValidationError("凭据必须是 JSON 对象 (must be a JSON object)")
        return json.dumps(data, ensure_ascii=False)

    def save(self, commit: bool = True) -> ProviderAccount:
        account = super().save(commit=False)
        if self.cleaned_data.get("new_credentials"):
            account.credentials = self.cleaned_data["new_credentials"]
        if commit:
            account.save()
        return account


@admin.register(ProviderAccount)
class ProviderAccountAdmin(admin.ModelAdmin):
    form = ProviderAccountForm
    list_display = ("provider", "name", "carrier", "shop", "base_url", "credential_keys", "active")
    list_filter = ("provider", "active")
    list_select_related = ("carrier", "shop")
    search_fields = ("name", "provider")

    @admin.display(description="凭据 (credentials)")
    def credential_keys(self, obj: ProviderAccount) -> str:
        try:
            keys = sorted(obj.credential_dict())
        except (ValueError, TypeError):
            return "(unreadable)"
        return ", ".join(f"{k}=••••" for k in keys) or "—"
