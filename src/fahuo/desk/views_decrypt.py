"""The order page's "complete from 抖店" action for a receiver the export held back (密文/脱敏)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fahuo.desk import selectors
from fahuo.kit.errors import FahuoError
from fahuo.kit.web import desk_view
from fahuo.orders.platform_recipients import complete_from_platform


@require_POST
@desk_view("orders.change_order")
def order_decrypt(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_for_page(pk=pk, user=request.user)
    try:  # no transaction around the 抖店 calls: each order is saved in its own
        result = complete_from_platform(
            shop=order.shop, order_ids=[order.platform_order_id], user=request.user
        )
    except FahuoError as exc:
        messages.error(request, exc.message)
        return redirect("desk:order_detail", pk=order.pk)
    for done in result.completed:
        if done["ok"]:
            messages.success(
                request, _("Recipient completed from the shop platform. The order is ready to print.")
            )
        else:
            messages.warning(
                request,
                _("Recipient completed, but the order still needs review: %(reasons)s")
                % {"reasons": "；".join(done["reasons"])},
            )
    for item in (*result.refused, *result.failed):
        messages.error(request, item["reason"])
    if not (result.completed or result.refused or result.failed):
        messages.info(request, _("This order has no encrypted or masked recipient to complete."))
    return redirect("desk:order_detail", pk=order.pk)


@require_POST
@desk_view("orders.change_order")
def order_platform_waybill(request: HttpRequest, pk: int) -> HttpResponse:
    """Ship a held encrypted order through 抖音电子面单 instead of decrypting it."""
    from django.db import transaction

    from fahuo.orders.platform_waybill import release_to_platform_waybill

    order = selectors.order_for_page(pk=pk, user=request.user)
    try:
        with transaction.atomic():
            release_to_platform_waybill(order=order, user=request.user)
    except FahuoError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "The order is ready to ship with the Douyin e-waybill: allocate it to a carrier whose "
                "e-waybill service is 抖音电子面单; its label is printed by the Douyin print component."
            ),
        )
    return redirect("desk:order_detail", pk=order.pk)
