"""One carrier's set-up page: its 网点 (outlet) details and a rate-card upload with a row report.

The upload reuses the rate import (``carriers.importing.import_rate_file``): every row is checked,
nothing is applied when any row is wrong, and each wrong row is listed with its column.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from fahuo.accounts.selectors import sees_every_shop
from fahuo.carriers import setup as carriers_setup
from fahuo.carriers.forms import RateUploadForm
from fahuo.carriers.importing import RateFileError, RowError
from fahuo.carriers.views import import_uploaded_rates
from fahuo.kit.errors import FahuoError
from fahuo.kit.web import error_page
from fahuo.setup.forms import Form
from fahuo.setup.views import owner_only


class BranchForm(Form):
    name = forms.CharField(label=gettext_lazy("Branch name"), max_length=60, required=False)
    code = forms.CharField(label=gettext_lazy("Branch code"), max_length=40, required=False)
    contact = forms.CharField(
        label=gettext_lazy("Contact (name and phone)"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Stored encrypted; shown masked elsewhere."),
    )
    pickup_address = forms.CharField(label=gettext_lazy("Pickup address"), max_length=200, required=False)
    pickup_hours = forms.CharField(
        label=gettext_lazy("Pickup hours"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("e.g. 16:00-18:00"),
    )


@owner_only
@require_http_methods(["GET", "POST"])
def carrier_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        carrier = carriers_setup.get_carrier(code=code)
    except FahuoError as exc:
        return error_page(request, exc.message, status=404)
    action = request.POST.get("action", "")
    branch = BranchForm(
        request.POST if action == "branch" else None,
        initial=carriers_setup.branch_dict(carrier, reveal=True),
    )
    posted = request.POST.copy()
    posted["carrier"] = carrier.code  # this page's carrier, whatever the form says
    upload = RateUploadForm(
        posted if action == "rates" else None,
        request.FILES if action == "rates" else None,
        initial={"carrier": carrier.code},
    )
    context: dict[str, Any] = {
        "nav": "setup",
        "section": "carriers",
        "carrier": carrier,
        "company_wide": sees_every_shop(request.user),  # contract pages span every shop
    }
    status = 200
    if action == "branch" and branch.is_valid():
        try:
            with transaction.atomic():
                carriers_setup.set_branch(carrier_code=carrier.code, **branch.cleaned_data)
        except FahuoError as exc:
            messages.error(request, exc.message)
            status = exc.status
        else:
            messages.success(request, _("Branch details saved."))
            return redirect("setup:carrier_detail", code=carrier.code)
    elif action == "rates" and upload.is_valid():
        outcome = _import(request, carrier_code=carrier.code, data=upload.cleaned_data)
        if isinstance(outcome, HttpResponse):
            return outcome
        status, context["upload_errors"] = outcome
    elif action and (branch.errors or upload.errors):
        status = 400
    context |= {"branch_form": branch, "upload_form": upload, "branch": carriers_setup.branch_dict(carrier)}
    return render(request, "setup/carrier_detail.html", context, status=status)


def _import(
    request: HttpRequest, *, carrier_code: str, data: dict[str, Any]
) -> HttpResponse | tuple[int, list[RowError]]:
    upload_file = data["file"]
    try:
        result = import_uploaded_rates(request, carrier_code=carrier_code, data=data)
    except RateFileError as exc:
        return exc.status, exc.errors
    except FahuoError as exc:
        return exc.status, [RowError(upload_file.name, 0, "", exc.message)]
    c = result.change
    messages.success(
        request,
        _("Rate card imported: %(rows)s rows from %(origin)s, in force from %(day)s.")
        % {"rows": result.rows, "origin": result.origin_province, "day": c.effective_from.isoformat()},
    )
    return redirect("setup:carrier_detail", code=carrier_code)
