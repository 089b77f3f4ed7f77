"""Ship-back page (发货回传): how many numbers reached the shop platform, which are retrying or failed
with the platform's own message, and "retry now" for owners and operators (packers only look)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from fahuo.accounts.services import audit
from fahuo.fulfilment.shipback import services as shipback
from fahuo.kit.web import desk_view

VIEW_PERMISSION = "orders.view_order"  # every desk role
RETRY_PERMISSION = "orders.change_order"  # owners and operators
PAGE_ROWS = 200


@require_GET
@desk_view(VIEW_PERMISSION)
def shipback_list(request: HttpRequest) -> HttpResponse:
    context = {
        "nav": "shipback",
        "counts": shipback.shipback_counts(user=request.user),
        "rows": shipback.problem_shipbacks(limit=PAGE_ROWS, user=request.user),
        "page_rows": PAGE_ROWS,
        "can_retry": request.user.has_perm(RETRY_PERMISSION),
    }
    return render(request, "fulfilment/shipback_list.html", context)


@require_POST
@desk_view(RETRY_PERMISSION)
def shipback_retry(request: HttpRequest, pk: int) -> HttpResponse:
    with transaction.atomic():
        count = shipback.retry_shipbacks(ids=[pk], user=request.user)
        if count:
            audit(
                user=request.user,
                action="shipback.retry",
                object_type="shipback",
                object_id=pk,
                request=request,
            )
            shipback.enqueue_send()
    if count:
        messages.success(request, _("The ship-back will be sent again in a moment."))
    else:
        messages.info(request, _("Nothing to retry: it was already sent, or it cannot be sent as it is."))
    return redirect("fulfilment:shipback_list")


@require_POST
@desk_view(RETRY_PERMISSION)
def shipback_retry_failed(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        count = shipback.retry_failed_shipbacks(user=request.user)
        if count:
            audit(
                user=request.user,
                action="shipback.retry_failed",
                object_type="shipback",
                object_id="failed",
                request=request,
                detail={"rows": count},
            )
            shipback.enqueue_send()
    if count:
        messages.success(
            request,
            ngettext(
                "%(n)s failed ship-back will be sent again in a moment.",
                "%(n)s failed ship-backs will be sent again in a moment.",
                count,
            )
            % {"n": count},
        )
    else:
        messages.info(request, _("Nothing to retry: it was already sent, or it cannot be sent as it is."))
    return redirect("fulfilment:shipback_list")
