"""The shop's shipping page: default ship-from warehouse, ship-back moment (回传时机), unpacked alert.

Another shop's page (one the owner does not manage) is a 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from fahuo.accounts.selectors import managed_shops
from fahuo.inventory.models import Warehouse
from fahuo.kit.errors import FahuoError
from fahuo.kit.web import error_page
from fahuo.orders.shop_shipping import MAX_ALERT_HOURS, set_shipping
from fahuo.setup.forms import Form
from fahuo.setup.views import owner_only

MOMENT_CHOICES = [
    ("pack", gettext_lazy("After the pack scan (recommended: never 'shipped' without the goods)")),
    ("print", gettext_lazy("When the label is printed")),
    ("issue", gettext_lazy("As soon as the waybill number is issued")),
]


class ShippingForm(Form):
    default_warehouse = forms.ModelChoiceField(
        label=gettext_lazy("Default ship-from warehouse"),
        queryset=Warehouse.objects.filter(active=True),
        required=False,
        empty_label=gettext_lazy("None (any warehouse with the goods)"),
        to_field_name="code",
        help_text=gettext_lazy("Orders that name no warehouse reserve stock and are allocated here."),
    )
    ship_back_at = forms.ChoiceField(
        label=gettext_lazy("Send the tracking number to Douyin"),
        choices=MOMENT_CHOICES,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("The goods leave the stock books at the same moment."),
    )
    unpacked_alert_hours = forms.IntegerField(
        label=gettext_lazy("Alert for printed parcels not packed, hours before the promised ship time"),
        min_value=0,
        max_value=MAX_ALERT_HOURS,
    )


@owner_only
@require_http_methods(["GET", "POST"])
def shop_shipping(request: HttpRequest, code: str) -> HttpResponse:
    shop = managed_shops(request.user).filter(code=code).select_related("default_warehouse").first()
    if shop is None:
        return error_page(request, _("No such shop"), status=404)
    initial = {
        "default_warehouse": shop.default_warehouse,
        "ship_back_at": shop.shipback_at,
        "unpacked_alert_hours": shop.unpacked_alert_hours,
    }
    form = ShippingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                set_shipping(
                    shop=shop,
                    warehouse=d["default_warehouse"].code if d["default_warehouse"] else "",
                    ship_back_at=d["ship_back_at"],
                    unpacked_alert_hours=d["unpacked_alert_hours"],
                    user=request.user,
                )
        except FahuoError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Shipping settings saved."))
            return redirect("setup:shop_shipping", code=shop.code)
    return render(
        request,
        "setup/shop_shipping.html",
        {"nav": "setup", "section": "shops", "shop": shop, "form": form},
        status=422 if form.errors else 200,
    )
