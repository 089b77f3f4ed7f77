"""The shop's 抖店 page: authorise (the platform's consent page, or a pasted code / self-use shop id),
renew now, fetch / ship-back switches; and the callback the consent page sends the owner back to.

The platform calls happen outside a transaction (the services save once each); a refusal is shown
with the platform's own message. Another shop's page (one the owner does not manage) is a 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
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
    service_id = forms.CharField(
        label=gettext_lazy("Service market service id"),
        max_length=40,
        required=False,
        help_text=gettext_lazy(
            "The service id of the app's listing in the Douyin service market (tool apps)."
        ),
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
        help_text=gettext_lazy("Fill this instead of the code for a self-use app."),
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
    consent_link = ""
    connect = ConnectForm(request.POST if action in ("connect", "consent") else None)
    status = platform_auth.connection_status(shop)
    switches = SwitchesForm(
        request.POST if action == "switches" else None,
        initial={"fetch_orders": status["fetch_orders"], "ship_back": status["ship_back"]},
    )
    try:
        if action == "consent" and connect.is_valid():
            if not connect.cleaned_data["service_id"].strip():
                connect.add_error("service_id", _("Fill in the service id to open Douyin's consent page."))
            else:  # a link, not a redirect: the desk's CSP keeps form posts on fahuo (form-action 'self')
                consent_link = _consent_link(request, shop, connect.cleaned_data)
        if action == "connect" and connect.is_valid():
            data = {k: v for k, v in connect.cleaned_data.items() if k != "service_id"}
            platform_auth.connect_douyin(shop=shop, **data)
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
            "consent_link": consent_link,
            "callback_url": request.build_absolute_uri(reverse("setup:douyin_callback")),
            "switches_form": switches,
        },
        status=422 if connect.errors or switches.errors else 200,
    )


def _consent_link(request: HttpRequest, shop: Any, data: dict[str, str]) -> str:
    with transaction.atomic():
        return platform_auth.begin_consent(
            shop=shop,
            app_key=data["app_key"],
            app_secret=data["app_secret"],
            service_id=data["service_id"],
            base_url=data["base_url"],
            redirect_uri=request.build_absolute_uri(reverse("setup:douyin_callback")),
        )


@owner_only
@require_http_methods(["GET"])
def douyin_callback(request: HttpRequest) -> HttpResponse:
    """Where the platform's consent page sends the owner back: ``?code=…&state=…``."""
    state, code = request.GET.get("state", ""), request.GET.get("code", "")
    shops = managed_shops(request.user)
    try:
        shop = platform_auth.consent_shop(state=state, shops=shops)
    except FahuoError as exc:
        messages.error(request, exc.message)
        return redirect("setup:shops")
    try:
        platform_auth.finish_consent(state=state, code=code, shops=shops)
    except FahuoError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Shop authorised with Douyin."))
    return redirect("setup:shop_douyin", code=shop.code)
