"""The shop's 抖店 page: authorise (code or self-use shop id), renew now, fetch / ship-back switches.

The platform calls happen outside a transaction (the services save once each); a refusal is shown
with the platform's own message. Another shop's page (one the owner does not manage) is a 404.
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
from fahuo.kit.errors import FahuoError
from fahuo.kit.web import error_page
from fahuo.orders import platform_auth
from fahuo.setup.forms import Form
from fahuo.setup.views import owner_only


class ConnectForm(Form):
    app_key = forms.CharField(label=gettext_lazy("App key"), max_length=40)
    app_secret = forms.CharField(
        label=gettext_lazy("App secret"), max_length=100, widget=forms.PasswordInput(render_value=False)
    )
    code = forms.CharField(
        label=gettext_lazy("Authorisation code"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("The code the Douyin shop authorisation page hands back (tool apps)."),
    )
    shop_id = forms.CharField(
        label=gettext_lazy("Douyin shop id (self-use app)"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("Fill this instead of the code for a self-use app (自用型应用)."),
    )
    base_url = forms.CharField(
        label=gettext_lazy("API address"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Leave empty for the official address."),
    )


class SwitchesForm(Form):
    fetch_orders = forms.BooleanField(label=gettext_lazy("Fetch pushed orders from Douyin"), required=False)
    ship_back = forms.BooleanField(label=gettext_lazy("Upload tracking numbers to Douyin"), required=False)


@owner_only
@require_http_methods(["GET", "POST"])
def shop_douyin(request: HttpRequest, code: str) -> HttpResponse:
    shop = managed_shops(request.user).filter(code=code).first()
    if shop is None:
        return error_page(request, _("No such shop"), status=404)
    action = request.POST.get("action", "")
    connect = ConnectForm(request.POST if action == "connect" else None)
    status = platform_auth.connection_status(shop)
    switches = SwitchesForm(
        request.POST if action == "switches" else None,
        initial={"fetch_orders": status["fetch_orders"], "ship_back": status["ship_back"]},
    )
    try:
        if action == "connect" and connect.is_valid():
            platform_auth.connect_douyin(shop=shop, **connect.cleaned_data)
            messages.success(request, _("Shop authorised with Douyin."))
            return redirect("setup:shop_douyin", code=shop.code)
        if action == "refresh":
            platform_auth.refresh_shop(shop=shop)
            messages.success(request, _("Access token renewed."))
            return redirect("setup:shop_douyin", code=shop.code)
        if action == "switches" and switches.is_valid():
            with transaction.atomic():
                platform_auth.set_switches(shop=shop, **switches.cleaned_data)
            messages.success(request, _("Switches saved."))
            return redirect("setup:shop_douyin", code=shop.code)
    except FahuoError as exc:
        messages.error(request, exc.message)
        status = platform_auth.connection_status(shop)
    return render(
        request,
        "setup/shop_douyin.html",
        {
            "nav": "setup",
            "section": "shops",
            "shop": shop,
            "status": status,
            "account": platform_auth.douyin_account(shop),
            "connect_form": connect,
            "switches_form": switches,
        },
        status=422 if connect.errors or switches.errors else 200,
    )
