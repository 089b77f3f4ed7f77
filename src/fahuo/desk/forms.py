"""Desk forms: parse the query string and posted fields into what the services take."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fahuo.orders.forms import LABEL_SIZES, only_their_shops
from fahuo.orders.models import Shop

IMPORT_EXTENSIONS = (".csv", ".xlsx", ".xls", ".zip")


class RecipientForm(forms.Form):
    """Correct a recipient. A blank name, phone or detail keeps the current (hidden) value."""

    name = forms.CharField(required=False, max_length=40, label=_("Recipient"))
    phone = forms.CharField(required=False, max_length=30, label=_("Phone"))
    province = forms.CharField(required=False, max_length=20, label=_("Province"))
    city = forms.CharField(required=False, max_length=30, label=_("City"))
    district = forms.CharField(required=False, max_length=30, label=_("District"))
    detail = forms.CharField(required=False, max_length=200, label=_("Street address"))


class ImportForm(forms.Form):
    shop = forms.ModelChoiceField(queryset=Shop.objects.all(), label=_("Shop"), empty_label=None)
    file = forms.FileField(label=_("Order export (CSV or XLSX)"))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        only_their_shops(self, user)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() not in IMPORT_EXTENSIONS:
            raise forms.ValidationError(_("Choose a .csv or .xlsx file exported from the shop backend."))
        return upload


class PrintForm(forms.Form):
    order = forms.TypedMultipleChoiceField(coerce=int, label=_("Orders"))
    size = forms.ChoiceField(choices=LABEL_SIZES, required=False, label=_("Label size"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any positive id is accepted here; the print service decides what can be printed.
        posted = self.data.getlist("order") if hasattr(self.data, "getlist") else []
        order_field = self.fields["order"]
        assert isinstance(order_field, forms.TypedMultipleChoiceField)
        order_field.choices = [(v, v) for v in posted if str(v).isdigit()]
        order_field.error_messages["required"] = _("Select at least one order to print.")

    def clean_size(self) -> str:
        return self.cleaned_data.get("size") or "100x180"
