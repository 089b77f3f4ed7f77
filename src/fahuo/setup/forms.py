"""Forms of the set-up pages (labels through Django i18n; the services check and normalise)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fahuo.carriers.setup import COMMON_CARRIERS, PROVIDERS
from fahuo.catalog.models import Trait


class Form(forms.Form):
    """Labels without Django's trailing colon (the desk's own forms have none)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class WelcomeForm(Form):
    company = forms.CharField(label=_("Company name"), max_length=80)
    username = forms.CharField(label=_("Owner username"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, min_length=8)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password") != data.get("password2"):
            raise forms.ValidationError(_("The two passwords do not match."))
        return data


class ShopForm(Form):
    code = forms.CharField(
        label=_("Shop code"), max_length=32, help_text=_("Letters and digits, e.g. xiaoyu")
    )
    name = forms.CharField(label=_("Shop name"), max_length=80)
    platform = forms.ChoiceField(
        label=_("Platform"), choices=[("douyin", _("Douyin")), ("private", _("Private domain"))]
    )
    sender_name = forms.CharField(label=_("Sender"), max_length=40, required=False)
    sender_phone = forms.CharField(label=_("Sender phone"), max_length=30, required=False)
    sender_address = forms.CharField(label=_("Return / sender address"), max_length=200, required=False)
    brand_note = forms.CharField(label=_("Brand note (packing slip)"), max_length=200, required=False)


class WarehouseForm(Form):
    code = forms.CharField(label=_("Warehouse code"), max_length=16)
    name = forms.CharField(label=_("Warehouse name"), max_length=80)
    province = forms.CharField(label=_("Province"), max_length=20)
    city = forms.CharField(label=_("City"), max_length=30)
    district = forms.CharField(label=_("District / county"), max_length=30, required=False)
    address = forms.CharField(label=_("Street address"), max_length=200, required=False)
    pickup_hours = forms.CharField(
        label=_("Pickup window"), max_length=40, required=False, help_text=_("e.g. 16:00-18:00")
    )
    packers = forms.IntegerField(label=_("Packers per shift"), min_value=0, initial=0)
    packing_rate = forms.IntegerField(
        label=_("Packing rate (orders per packer-hour)"), min_value=0, initial=0
    )


class CarrierForm(Form):
    code = forms.ChoiceField(label=_("Carrier"), choices=[(c, f"{n}（{c}）") for c, n in COMMON_CARRIERS])
    name = forms.CharField(
        label=_("Display name"),
        max_length=40,
        required=False,
        help_text=_("Leave empty for the default name"),
    )
    provider = forms.ChoiceField(
        label=_("E-waybill service"),
        choices=[
            (
                p,
                {
                    "sandbox": _("Sandbox (testing only)"),
                    "kdniao": "快递鸟",
                    "kuaidi100": "快递100",
                    "douyin_waybill": _(
                        "Douyin e-waybill (Douyin shop orders, prints encrypted recipients too)"
                    ),
                }[p],
            )
            for p in PROVIDERS
        ],
    )
    test = forms.BooleanField(
        label=_('Test carrier (labels marked "test waybill", cannot ship)'), required=False
    )


class AccountForm(Form):
    provider = forms.ChoiceField(label=_("Service"), choices=[("kdniao", "快递鸟"), ("kuaidi100", "快递100")])
    base_url = forms.CharField(
        label=_("API address"),
        max_length=200,
        required=False,
        help_text=_("Leave empty for the official address"),
    )
    user_id = forms.CharField(label=_("User ID / EBusinessID (Kuaidi100: customer)"), max_length=80)
    api_key = forms.CharField(label="API Key", max_length=120, widget=forms.PasswordInput(render_value=True))
    secret = forms.CharField(
        label=_("Signing key (Kuaidi100)"),
        max_length=120,
        required=False,
        widget=forms.PasswordInput(render_value=True),
    )
    customer_name = forms.CharField(
        label=_("E-waybill account (opened by the branch)"), max_length=80, required=False
    )
    customer_pwd = forms.CharField(
        label=_("E-waybill password"),
        max_length=80,
        required=False,
        widget=forms.PasswordInput(render_value=True),
    )


class CapacityForm(Form):
    carrier = forms.CharField(label=_("Carrier code"), max_length=16)
    warehouse = forms.CharField(label=_("Warehouse code"), max_length=16)
    max_parcels = forms.IntegerField(label=_("Max parcels per pickup"), min_value=0)
    per_hour = forms.IntegerField(label=_("Max parcels per hour"), min_value=0, required=False)


class FileForm(Form):
    file = forms.FileField(label=_("File (CSV or XLSX)"))


class StockFileForm(FileForm):
    warehouse = forms.CharField(label=_("Warehouse code"), max_length=16)


class AdjustForm(Form):
    warehouse = forms.CharField(label=_("Warehouse code"), max_length=16)
    sku_code = forms.CharField(label=_("SKU code"), max_length=64)
    delta = forms.IntegerField(label=_("Quantity change (positive in, negative out)"))
    reason = forms.CharField(label=_("Reason"), max_length=200)


class SkuForm(Form):
    name = forms.CharField(label=_("Product name"), max_length=200)
    weight_g = forms.IntegerField(label=_("Weight in grams"), min_value=1, required=False)
    length_mm = forms.IntegerField(label=_("Length (mm)"), min_value=1, required=False)
    width_mm = forms.IntegerField(label=_("Width (mm)"), min_value=1, required=False)
    height_mm = forms.IntegerField(label=_("Height (mm)"), min_value=1, required=False)
    traits = forms.MultipleChoiceField(
        label=_("Traits"), choices=Trait.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    declared_value_fen = forms.IntegerField(label=_("Declared value (fen)"), min_value=0, initial=0)
    barcode = forms.CharField(label=_("Barcode"), max_length=64, required=False)
    shelf = forms.CharField(label=_("Shelf location"), max_length=30, required=False)
