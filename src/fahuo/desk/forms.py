"""Desk forms: parse the query string and posted fields into what the services take."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fahuo.orders.models import OrderStatus, Shop

# UI labels for the order statuses (the model's own labels are fixed Chinese, not translatable).
STATUS_LABELS: dict[str, Any] = {
    OrderStatus.NEEDS_REVIEW: _("Needs review"),
    OrderStatus.READY: _("Ready to print"),
    OrderStatus.PRINTED: _("Printed"),
    OrderStatus.SHIPPED: _("Shipped"),
    OrderStatus.DELIVERED: _("Delivered"),
    OrderStatus.CANCELLED: _("Cancelled"),
}

# Review reason codes written by order verification and the import.
REASON_LABELS: dict[str, Any] = {
    "phone": _("Phone"),
    "address": _("Address"),
    "name": _("Name"),
    "after_sale": _("After-sale"),
    "encrypted": _("Encrypted recipient"),
    "masked": _("Masked recipient"),
    "platform_waybill": _("Douyin e-waybill only"),
    "presale": _("Pre-sale"),
}

IMPORT_EXTENSIONS = (".csv", ".xlsx", ".xls", ".zip")
LABEL_SIZES = [("100x180", _("100×180 mm (standard)")), ("76x130", _("76×130 mm (small)"))]


class DateInput(forms.DateInput):
    input_type = "date"


class OrderFilterForm(forms.Form):
    """The order list's filters, read from the query string; invalid values are ignored."""

    q = forms.CharField(required=False, max_length=64, label=_("Order no."))
    status = forms.ChoiceField(required=False, label=_("Status"))
    reason = forms.ChoiceField(required=False, label=_("Review reason"))
    shop = forms.ModelChoiceField(queryset=Shop.objects.all(), required=False, label=_("Shop"))
    paid_from = forms.DateField(required=False, label=_("Paid from"), widget=DateInput)
    paid_to = forms.DateField(required=False, label=_("Paid to"), widget=DateInput)
    batch = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    created_on = forms.DateField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _only_their_shops(self, user)
        status_field, reason_field = self.fields["status"], self.fields["reason"]
        assert isinstance(status_field, forms.ChoiceField) and isinstance(reason_field, forms.ChoiceField)
        status_field.choices = [("", _("All statuses")), *STATUS_LABELS.items()]
        reason_field.choices = [("", _("Any reason")), *REASON_LABELS.items()]
        shop_field = self.fields["shop"]
        assert isinstance(shop_field, forms.ModelChoiceField)
        shop_field.empty_label = _("All shops")
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("Search order no., item or phone"), "type": "search"}
        )

    def filters(self) -> dict[str, Any]:
        """The valid filters as selector arguments; an invalid field is dropped rather than failing the page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        names = {"paid_from": "date_from", "paid_to": "date_to"}
        return {names.get(k, k): v for k, v in data.items() if v not in (None, "")}


def _only_their_shops(form: forms.Form, user: Any) -> None:
    """A form's shop choice offers (and accepts) only the user's shops."""
    if user is None:
        return
    from fahuo.accounts.selectors import shops_for

    field = form.fields["shop"]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = shops_for(user)


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
        _only_their_shops(self, user)

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
