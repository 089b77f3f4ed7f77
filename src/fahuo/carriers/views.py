"""Rates pages: carriers and contracts, rate cards by day, the quote calculator, rate file upload.

Every desk role may read prices and run quotes; only owners and operators may change prices.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fahuo.accounts.models import Role
from fahuo.accounts.services import audit, role_of
from fahuo.carriers import selectors, services
from fahuo.carriers.forms import BREAKDOWN_LABELS, NOT_SERVED_LABELS, QuoteForm, RateUploadForm
from fahuo.carriers.importing import RateFileError, RateImport, RowError, import_rate_file
from fahuo.kit.errors import FahuoError
from fahuo.kit.web import desk_view, error_page, is_htmx, vary_on_htmx

READ_PERMISSION = "orders.view_order"  # every desk role reads prices
PRICE_ROLES = (Role.OWNER, Role.OPERATOR)
PREVIEW_DAYS = 7
DEFAULT_ORIGIN = "浙江省"


def can_change_prices(user: Any) -> bool:
    return role_of(user) in PRICE_ROLES or bool(user.has_perm("carriers.change_rateline"))


def _default_origin() -> str:
    from fahuo.inventory.models import Warehouse

    province = Warehouse.objects.order_by("pk").values_list("province", flat=True).first()
    return province or DEFAULT_ORIGIN


def _page(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    today = timezone.localdate()
    origin = _default_origin()
    context: dict[str, Any] = {
        "nav": "rates",
        "today": today,
        "rows": selectors.carrier_overview(on=today),
        "can_change": can_change_prices(request.user),
        "quote_form": QuoteForm(initial={"origin": origin, "dest": origin, "weight_kg": "1", "on": today}),
        "upload_form": RateUploadForm(initial={"origin": origin}),
        **extra,
    }
    return render(request, "carriers/rates.html", context, status=status)


@require_GET
@desk_view(READ_PERMISSION)
def rates(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _label_breakdown(quote: services.Quote) -> list[dict[str, Any]]:
    return [{"line": line, "label": BREAKDOWN_LABELS.get(line.code, line.code)} for line in quote.breakdown]


@require_GET
@desk_view(READ_PERMISSION)
def quote(request: HttpRequest) -> HttpResponse:
    """The calculator: one carrier's breakdown, or every active carrier compared (cheapest first)."""
    form = QuoteForm(request.GET)
    context: dict[str, Any] = {"quote_form": form}
    status = 200
    if form.is_valid():
        on = form.cleaned_data.get("on") or timezone.localdate()
        chosen = form.cleaned_data.get("carrier")
        carriers = [chosen] if chosen else list(selectors.carrier_list(active_only=True))
        try:
            quotes = [services.quote(carrier=c, on=on, **form.quote_args()) for c in carriers]
        except FahuoError as exc:
            context["quote_error"] = exc.message
            status = exc.status
        else:
            quotes.sort(key=lambda q: (not q.served, q.total_fen, q.carrier_code))
            names = {c.code: c.name for c in carriers}
            context["results"] = [
                {
                    "quote": q,
                    "name": names[q.carrier_code],
                    "reason": NOT_SERVED_LABELS.get(q.reason, q.reason),
                    "lines": _label_breakdown(q),
                }
                for q in quotes
            ]
            context["best"] = context["results"][0] if quotes and quotes[0].served else None
            context["on"] = on
    else:
        status = 400
    if is_htmx(request):
        return vary_on_htmx(render(request, "carriers/_quote.html", context, status=status))
    return vary_on_htmx(_page(request, status=status, **context))


def import_uploaded_rates(request: HttpRequest, *, carrier_code: str, data: dict[str, Any]) -> RateImport:
    """A valid ``RateUploadForm``'s rate file imported for the carrier and audited, in one transaction;
    ``RateFileError`` (or another ``FahuoError``) when it is refused."""
    upload_file = data["file"]
    with transaction.atomic():
        result = import_rate_file(
            fileobj=upload_file,
            filename=upload_file.name,
            carrier_code=carrier_code,
            origin_province=data["origin"],
            effective_from=data.get("effective_from"),
            announced_on=data.get("announced_on"),
            today=timezone.localdate(),
        )
        audit(
            user=request.user,
            action="rates.import",
            object_type="carrier",
            object_id=carrier_code,
            request=request,
            detail=result.as_dict(),
        )
    return result


@require_POST
@desk_view(READ_PERMISSION)
def upload(request: HttpRequest) -> HttpResponse:
    if not can_change_prices(request.user):
        return error_page(request, _("Your role does not allow changing prices."), status=403)
    form = RateUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, status=400, upload_form=form)
    data = form.cleaned_data
    upload_file = data["file"]
    carrier = data["carrier"]
    try:
        result = import_uploaded_rates(request, carrier_code=carrier.code, data=data)
    except RateFileError as exc:
        count = exc.detail["error_count"] if isinstance(exc.detail, dict) else len(exc.errors)
        return _page(
            request, status=exc.status, upload_form=form, upload_errors=exc.errors, upload_error_count=count
        )
    except FahuoError as exc:
        errors = [RowError(upload_file.name, 0, "", exc.message)]
        return _page(request, status=exc.status, upload_form=form, upload_errors=errors, upload_error_count=1)
    c = result.change
    messages.success(
        request,
        _(
            "Rate card imported: %(rows)s rows from %(origin)s, in force from %(day)s — "
            "%(created)s new, %(updated)s corrected, %(unchanged)s unchanged."
        )
        % {
            "rows": result.rows,
            "origin": result.origin_province,
            "day": c.effective_from.isoformat(),
            "created": c.created,
            "updated": c.updated,
            "unchanged": c.unchanged,
        },
    )
    # Today's card from that origin: prices dated later show in its "scheduled" column.
    url = reverse("carriers:carrier", args=[carrier.code])
    return redirect(f"{url}?{urlencode({'origin': result.origin_province})}")


@require_GET
@desk_view(READ_PERMISSION)
def carrier(request: HttpRequest, code: str) -> HttpResponse:
    try:
        obj = selectors.carrier_by_code(code=code)
    except FahuoError as exc:
        return error_page(request, exc.message, status=exc.status)
    today = timezone.localdate()
    try:
        on = dt.date.fromisoformat(request.GET.get("on", "")) if request.GET.get("on") else today
    except ValueError:
        on = today
    card = selectors.rate_card(carrier=obj, on=on, origin=request.GET.get("origin"))
    # Billing preview: the contract in force today over the last week of printed parcels.
    start = today - dt.timedelta(days=PREVIEW_DAYS - 1)
    volume = services.daily_volume(
        carrier=obj, parcels=selectors.shipped_parcels(carrier=obj, start=start, end=today)
    )
    contract = services.active_contracts(on=today, carrier_ids=[obj.pk]).get(obj.pk)
    billing = None
    if contract is not None:
        billing = services.bill_period(
            contract=contract,
            start=start,
            end=today,
            parcels_per_day=volume.parcels,
            freight_fen_per_day=volume.freight_fen,
        )
    days = [start + dt.timedelta(days=i) for i in range(PREVIEW_DAYS)]
    context = {
        "nav": "rates",
        "carrier": obj,
        "card": card,
        "today": today,
        "on": on,
        "billing": billing,
        "billing_contract": contract,
        "volume_days": [
            {"day": d, "parcels": volume.parcels.get(d, 0), "freight_fen": volume.freight_fen.get(d, 0)}
            for d in days
        ],
        "unpriced": volume.unpriced,
        "can_change": can_change_prices(request.user),
        "default_notice_days": services.DEFAULT_NOTICE_DAYS,
    }
    return render(request, "carriers/carrier.html", context)
