"""Django admin for provider accounts (``/admin/credentials/provideraccount/``).

Provider credentials are never shown: lists give the key names only, and the edit form takes new
credentials write-only (blank keeps the stored ones).
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin

from fahuo.integrations.credentials.models import ProviderAccount


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
