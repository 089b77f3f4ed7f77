"""The order list's filter form and the order labels it shows: used by the desk's order list and by
print-batch creation from that list (fulfilment), so it lives with the orders."""

from __future__ import annotations

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
        only_their_shops(self, user)
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


def only_their_shops(form: forms.Form, user: Any) -> None:
    """A form's shop choice offers (and accepts) only the user's shops."""
    if user is None:
        return
    from fahuo.accounts.selectors import shops_for

    field = form.fields["shop"]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = shops_for(user)
