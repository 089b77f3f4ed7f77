"""Rates forms: the quote calculator and the rate file upload parse input into what the services take."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePath
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fahuo.carriers.models import Carrier
from fahuo.carriers.selectors import province_names

RATE_FILE_EXTENSIONS = (".csv", ".xlsx", ".xls")

# Why a carrier cannot take a parcel (reason codes of services.quote).
NOT_SERVED_LABELS: dict[str, Any] = {
    "inactive": _("Carrier is switched off"),
    "no_lane": _("No price for this lane (not served)"),
    "cold_chain": _("No cold chain"),
    "insurance": _("No insurance (保价)"),
    "door_delivery": _("No door delivery"),
    "privacy_waybill": _("No privacy waybill"),
    "weight": _("Over the weight limit"),
}

BREAKDOWN_LABELS: dict[str, Any] = {
    "first": _("First weight"),
    "step": _("Additional weight"),
    "tier": _("Volume tier"),
    "remote": _("Remote-area surcharge"),
    "insurance": _("Insurance"),
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")  # what <input type=date> expects, in any language


def _province_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in province_names()]


def _optional_decimal(max_value: int, places: int, label: Any) -> forms.DecimalField:
    """An optional quote input: from 0 to ``max_value`` with at most ``places`` decimals."""
    return forms.DecimalField(
        min_value=Decimal(0), max_value=Decimal(max_value), decimal_places=places, required=False, label=label
    )


def _whole(value: Decimal, factor: int) -> int:
    return int((value * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class QuoteForm(forms.Form):
    """Weights in kg and sizes in cm as sellers measure them; converted to grams, millimetres and fen."""

    carrier = forms.ModelChoiceField(
        queryset=Carrier.objects.filter(active=True),
        to_field_name="code",
        required=False,
        label=_("Carrier"),
    )
    origin = forms.ChoiceField(label=_("From"))
    dest = forms.ChoiceField(label=_("To"))
    weight_kg = forms.DecimalField(
        min_value=Decimal(0), max_value=Decimal(1000), decimal_places=3, label=_("Weight (kg)")
    )
    length_cm = _optional_decimal(500, 1, _("Length (cm)"))
    width_cm = _optional_decimal(500, 1, _("Width (cm)"))
    height_cm = _optional_decimal(500, 1, _("Height (cm)"))
    declared_yuan = _optional_decimal(10_000_000, 2, _("Declared value (yuan)"))
    insured = forms.BooleanField(required=False, label=_("Insure (保价)"))
    cold_chain = forms.BooleanField(required=False, label=_("Cold chain"))
    door_delivery = forms.BooleanField(required=False, label=_("Door delivery"))
    daily_avg = _optional_decimal(10_000_000, 1, _("Daily parcels (volume tier)"))
    on = forms.DateField(required=False, label=_("Date"), widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "quote_%s")  # shares a page with the upload form
        super().__init__(*args, **kwargs)
        for name in ("origin", "dest"):
            choice = self.fields[name]
            assert isinstance(choice, forms.ChoiceField)
            choice.choices = _province_choices()
        carrier = self.fields["carrier"]
        assert isinstance(carrier, forms.ModelChoiceField)
        carrier.empty_label = _("All carriers (compare)")
        self.fields["weight_kg"].widget.attrs.update({"step": "0.001", "inputmode": "decimal"})
        self.fields["declared_yuan"].widget.attrs.update({"step": "0.01", "inputmode": "decimal"})
        for name in ("length_cm", "width_cm", "height_cm"):
            self.fields[name].widget.attrs.update({"step": "0.1", "inputmode": "decimal"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("insured") and not data.get("declared_yuan"):
            self.add_error("declared_yuan", _("Insurance needs a declared value."))
        return data

    def quote_args(self) -> dict[str, Any]:
        """Keyword arguments for services.quote (all but carrier and on)."""
        d = self.cleaned_data
        return {
            "origin_province": d["origin"],
            "dest_province": d["dest"],
            "weight_g": _whole(d["weight_kg"], 1000),
            "length_mm": _whole(d.get("length_cm") or Decimal(0), 10),
            "width_mm": _whole(d.get("width_cm") or Decimal(0), 10),
            "height_mm": _whole(d.get("height_cm") or Decimal(0), 10),
            "declared_value_fen": _whole(d.get("declared_yuan") or Decimal(0), 100),
            "insured": bool(d.get("insured")),
            "cold_chain": bool(d.get("cold_chain")),
            "door_delivery": bool(d.get("door_delivery")),
            "daily_avg": float(d["daily_avg"]) if d.get("daily_avg") is not None else None,
        }


class RateUploadForm(forms.Form):
    carrier = forms.ModelChoiceField(
        queryset=Carrier.objects.all(), to_field_name="code", label=_("Carrier"), empty_label=None
    )
    origin = forms.ChoiceField(label=_("Origin province"))
    file = forms.FileField(label=_("Rate card (CSV or XLSX)"))
    effective_from = forms.DateField(required=False, label=_("Effective from"), widget=DateInput)
    announced_on = forms.DateField(required=False, label=_("Announced on"), widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "upload_%s")
        super().__init__(*args, **kwargs)
        origin = self.fields["origin"]
        assert isinstance(origin, forms.ChoiceField)
        origin.choices = _province_choices()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() not in RATE_FILE_EXTENSIONS:
            raise forms.ValidationError(_("Choose a .csv or .xlsx rate card."))
        return upload
