"""Desk forms: contract terms, statement generation, bill upload and mapping, claims, incidents."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from fahuo.aftersales import storage
from fahuo.carriers.models import Carrier
from fahuo.contracts.bills import FIELD_LABELS
from fahuo.contracts.evidence import MAX_PHOTOS
from fahuo.contracts.models import ClaimKind, ContractTerms, Responsibility

ACCEPT = "image/jpeg,image/png,image/webp,video/webm,video/mp4,video/quicktime"


class TermsForm(forms.ModelForm):
    class Meta:
        model = ContractTerms
        fields = [
            "origin_province", "pickup_hours", "pickup_target_pct", "ship_hours", "ship_target_pct",
            "crew_confirm_days_before", "pickups_per_hour", "late_penalty_pct", "terminate_after_late",
            "privacy_mask_middle_digits", "privacy_fine_fen", "door_delivery_pct", "remote_by_appointment",
            "returns_pickup_hours", "verify_hours", "pay_hours", "liability_note", "price_notice_days",
            "deposit_min_fen", "deposit_max_fen", "deposit_refund_days", "weight_tolerance_g",
        ]  # fmt: skip
        labels = {
            "origin_province": _("Pickup province"),
            "pickup_hours": _("Pickup deadline (hours)"),
            "pickup_target_pct": _("Pickup rate target (percent)"),
            "ship_hours": _("Shipping deadline (hours)"),
            "ship_target_pct": _("Shipped rate target (percent)"),
            "crew_confirm_days_before": _("Days before a stream to confirm the pickup crew"),
            "pickups_per_hour": _("Pickup capacity per hour"),
            "late_penalty_pct": _("Late penalty (percent of the shipping fee)"),
            "terminate_after_late": _("Terminable after late parcels exceed"),
            "privacy_mask_middle_digits": _("Hidden middle digits of phone numbers"),
            "privacy_fine_fen": _("Privacy leak fine (fen per order)"),
            "door_delivery_pct": _("Door delivery rate in city areas (percent)"),
            "remote_by_appointment": _("Delivery by appointment in remote areas"),
            "returns_pickup_hours": _("Return pickup deadline (hours)"),
            "verify_hours": _("Claim verification deadline (hours)"),
            "pay_hours": _("Claim payment deadline (hours)"),
            "liability_note": _("Liability split"),
            "price_notice_days": _("Price change notice (days)"),
            "deposit_min_fen": _("Minimum deposit (fen)"),
            "deposit_max_fen": _("Maximum deposit (fen)"),
            "deposit_refund_days": _("Deposit refunded after the contract ends (days)"),
            "weight_tolerance_g": _("Bill weight tolerance (grams)"),
        }
        widgets = {"liability_note": forms.Textarea(attrs={"rows": 2})}


class GenerateForm(forms.Form):
    carrier = forms.ModelChoiceField(
        queryset=Carrier.objects.filter(active=True), to_field_name="code", label=_("Carrier")
    )
    week = forms.DateField(
        label=_("Settlement week (Monday)"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean_week(self) -> Any:
        week = self.cleaned_data["week"]
        if week.weekday() != 0:
            raise forms.ValidationError(_("%(day)s is not a Monday") % {"day": f"{week:%Y-%m-%d}"})
        return week


class BillUploadForm(forms.Form):
    week = forms.DateField(
        label=_("Bill week (Monday)"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    file = forms.FileField(label=_("Bill file (Excel/CSV)"))


class MappingForm(forms.Form):
    """One select per field, choices = the file's headers."""

    token = forms.CharField(widget=forms.HiddenInput)
    week = forms.DateField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("(not used)"))] + [(h, h) for h in headers if h]
        for name, label in FIELD_LABELS.items():
            self.fields[f"map_{name}"] = forms.ChoiceField(choices=choices, required=False, label=label)

    def mapping(self) -> dict[str, str]:
        return {k[4:]: v for k, v in self.cleaned_data.items() if k.startswith("map_") and v}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); checked by :mod:`.evidence`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


def _files_label() -> str:
    return _(
        "Photos (JPEG/PNG/WebP, up to %(photo)d MB each) or videos (WebM/MP4, up to %(video)d MB); at most %(max)d"
    ) % {"photo": storage.photo_limit() >> 20, "video": storage.video_limit() >> 20, "max": MAX_PHOTOS}


FILES_LABEL = lazy(_files_label, str)()


class PhotosForm(forms.Form):
    photos = MultipleFileField(label=FILES_LABEL)


class ClaimForm(forms.Form):
    carrier = forms.ModelChoiceField(
        queryset=Carrier.objects.filter(active=True), to_field_name="code", label=_("Carrier")
    )
    tracking_no = forms.CharField(max_length=40, label=_("Waybill number"))
    kind = forms.ChoiceField(choices=ClaimKind.choices, label=_("Kind"))
    source = forms.ChoiceField(
        choices=[
            ("buyer", _("Buyer report")),
            ("tracking", _("Tracking problem")),
            ("packing", _("Packing proof")),
        ],
        label=_("Source"),
    )
    amount_yuan = forms.DecimalField(min_value=0.01, decimal_places=2, label=_("Claimed amount (yuan)"))
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Explanation"))
    photos = MultipleFileField(required=False, label=FILES_LABEL)
    alert = forms.IntegerField(required=False, widget=forms.HiddenInput)
    evidence = forms.CharField(required=False, max_length=400, widget=forms.HiddenInput)


class VerifyForm(forms.Form):
    responsibility = forms.ChoiceField(choices=Responsibility.choices, label=_("Responsibility"))


class IncidentForm(forms.Form):
    carrier = forms.ModelChoiceField(
        queryset=Carrier.objects.filter(active=True), to_field_name="code", label=_("Carrier")
    )
    tracking_no = forms.CharField(max_length=40, label=_("Waybill number"))
    occurred_at = forms.DateTimeField(
        label=_("Occurred at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    source = forms.ChoiceField(
        choices=[
            ("complaint", _("Buyer complaint")),
            ("trace_text", _("Full phone number in the tracking trace")),
        ],
        label=_("Source"),
    )
    carrier_fault = forms.BooleanField(required=False, initial=True, label=_("Carrier at fault"))
    note = forms.CharField(
        required=False, max_length=300, label=_("Note (do not enter the leaked information itself)")
    )


class DepositForm(forms.Form):
    carrier = forms.ModelChoiceField(
        queryset=Carrier.objects.filter(active=True), to_field_name="code", label=_("Carrier")
    )
    kind = forms.ChoiceField(
        choices=[("paid_in", _("Paid in")), ("refunded", _("Refunded"))], label=_("Kind")
    )
    amount_yuan = forms.DecimalField(min_value=0.01, decimal_places=2, label=_("Amount (yuan)"))
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(required=False, max_length=200, label=_("Explanation"))
