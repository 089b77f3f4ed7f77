"""Message pages: the library (list, edit with live preview), the outbox, an order's messages, and the
buyer's public tracking page ``/t/<token>``.

Everyone with a desk role reads; owners and operators edit texts, retry and send by hand.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fahuo.accounts.selectors import can, shops_for, visible
from fahuo.kit.errors import FahuoError
from fahuo.kit.web import buyer_page, desk_view, error_page, htmx_target, is_htmx, private, vary_on_htmx
from fahuo.notify import selectors, sending, services
from fahuo.notify.forms import (
    CHANNEL_LABELS,
    KEY_LABELS,
    KEY_WHEN,
    NewVersionForm,
    OutboxFilterForm,
    PreviewForm,
    SendForm,
    TemplateForm,
    body_error,
)
from fahuo.notify.models import MessageTemplate
from fahuo.notify.texts import VARIABLES, sms_parts
from fahuo.notify.texts import render as render_text
from fahuo.orders.models import Order, Shop

PAGE_SIZE = 50
VIEW = selectors.VIEW_PERMISSION
CHANGE = selectors.CHANGE_PERMISSION


# --- the library (话术库) ----------------------------------------------------------------------------


@require_GET
@desk_view(VIEW)
def library(request: HttpRequest) -> HttpResponse:
    context = {
        "nav": "messages",
        "rows": selectors.library(user=request.user),
        "shops": list(shops_for(request.user)),
        "key_labels": KEY_LABELS,
        "key_when": KEY_WHEN,
        "channel_labels": CHANNEL_LABELS,
        "counts": selectors.outbox_counts(user=request.user),
        "can_edit": request.user.has_perm(CHANGE),
    }
    return render(request, "notify/library.html", context)


def _edit_page(
    request: HttpRequest, template: MessageTemplate, form: TemplateForm, *, status: int = 200
) -> HttpResponse:
    body = form.data.get("body", template.body) if form.is_bound else template.body
    context = {
        "nav": "messages",
        "template": template,
        "form": form,
        "key_label": KEY_LABELS.get(template.key, template.key),
        "key_when": KEY_WHEN.get(template.key, ""),
        "variables": VARIABLES,
        "preview": _preview(body, template.shop, template.key, user=request.user),
    }
    return render(request, "notify/template_edit.html", context, status=status)


@desk_view(VIEW)
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(selectors.templates(request.user).select_related("shop"), pk=pk)
    if request.method != "POST":
        initial = {
            "title": template.title,
            "body": template.body,
            "channel": template.channel,
            "active": template.active,
        }
        return _edit_page(request, template, TemplateForm(initial=initial, key=template.key))
    if not request.user.has_perm(CHANGE):
        return error_page(request, _("Your role does not allow this."), status=403)
    form = TemplateForm(request.POST, key=template.key)
    if not form.is_valid():
        return _edit_page(request, template, form, status=400)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            services.save_template(
                template=template,
                title=data["title"],
                body=data["body"],
                channel=data["channel"],
                active=data["active"],
            )
    except FahuoError as exc:
        form.add_error(None, exc.message)
        return _edit_page(request, template, form, status=400)
    messages.success(request, _("Saved. New messages use this text."))
    return redirect("notify:library")


@require_POST
@desk_view(CHANGE)
def template_new(request: HttpRequest) -> HttpResponse:
    """A shop's own version (or a channel's) of a message, starting from the text it replaces."""
    form = NewVersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a message and a shop."))
        return redirect("notify:library")
    key, shop, channel = form.cleaned_data["key"], form.cleaned_data["shop"], form.cleaned_data["channel"]
    if shop is not None and not shops_for(request.user).filter(pk=shop.pk).exists():
        raise Http404("no such shop")
    existing = MessageTemplate.objects.filter(shop=shop, key=key, channel=channel).first()
    if existing is not None:
        return redirect("notify:template_edit", pk=existing.pk)
    base = services.resolve_template(shop=shop, key=key, channel=channel)
    title, body = (
        (base.title, base.body) if base is not None else (str(KEY_LABELS.get(key, key)), "{买家}您好，")
    )
    try:
        with transaction.atomic():
            template = services.save_template(
                shop=shop, key=key, channel=channel, title=title, body=body, active=True
            )
    except FahuoError as exc:
        messages.error(request, exc.message)
        return redirect("notify:library")
    return redirect("notify:template_edit", pk=template.pk)


def _preview(body: str, shop: Shop | None, key: str = "", *, user: Any) -> dict[str, Any]:
    error = body_error(body, key)
    text = "" if error else render_text(body, services.sample_values(shop=shop, user=user))
    return {"error": error, "text": text, "chars": len(text), "parts": sms_parts(text)}


@require_POST
@desk_view(VIEW)
def template_preview(request: HttpRequest) -> HttpResponse:
    form = PreviewForm(request.POST)
    body, shop, key = "", None, ""
    if form.is_valid():
        body, shop, key = form.cleaned_data["body"], form.cleaned_data["shop"], form.cleaned_data["key"]
    if shop is not None and not shops_for(request.user).filter(pk=shop.pk).exists():
        shop = None
    preview = _preview(body, shop, key, user=request.user)
    return render(request, "notify/_preview.html", {"preview": preview})


# --- the outbox ------------------------------------------------------------------------------------


@require_GET
@desk_view(VIEW)
def outbox(request: HttpRequest) -> HttpResponse:
    form = OutboxFilterForm(request.GET)
    filters = form.filters()
    status, channel, q = filters.get("status", ""), filters.get("channel", ""), filters.get("q", "")
    page = Paginator(
        selectors.outbox(status=status, channel=channel, q=q, user=request.user), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "nav": "messages",
        "form": form,
        "page": page,
        "filters": filters,
        "counts": selectors.outbox_counts(channel=channel, q=q, user=request.user),
        "key_labels": KEY_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "can_retry": request.user.has_perm(CHANGE),
        "query": _without_page(request),
    }
    template = (
        "notify/_outbox_results.html" if htmx_target(request) == "outbox-results" else "notify/outbox.html"
    )
    return vary_on_htmx(private(render(request, template, context)))


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@require_POST
@desk_view(CHANGE)
def outbox_retry(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    with transaction.atomic():
        if ids:
            n = sending.retry_messages(ids=ids, user=request.user)
        else:
            n = sending.retry_failed(channel=request.POST.get("channel", ""), user=request.user)
    messages.success(request, _("%(n)d messages will be sent again.") % {"n": n})
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect("notify:outbox")


# --- an order's messages (a partial the order page includes) --------------------------------------


def _order_context(request: HttpRequest, order: Order, **extra: Any) -> dict[str, Any]:
    return {
        "order": order,
        "order_messages": selectors.messages_for_order(order=order),
        "messages_loaded": True,
        "send_form": SendForm(),
        "key_labels": KEY_LABELS,
        "channel_labels": CHANNEL_LABELS,
        **extra,
    }


@require_GET
@desk_view(VIEW)
def order_messages(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(visible(Order.objects.all(), request.user).select_related("shop"), pk=pk)
    return private(render(request, "notify/order_messages.html", _order_context(request, order)))


@require_POST
@desk_view(CHANGE)
def order_send(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(visible(Order.objects.all(), request.user).select_related("shop"), pk=pk)
    if not can(request.user, CHANGE, order.shop_id):
        return error_page(request, _("Your role does not allow this."), status=403)
    form = SendForm(request.POST)
    flash, error = "", ""
    if form.is_valid():
        try:
            with transaction.atomic():
                message = services.enqueue(
                    order=order,
                    key=form.cleaned_data["key"],
                    channel=form.cleaned_data["channel"] or None,
                    user=request.user,
                )
        except FahuoError as exc:
            error = exc.message
        else:
            flash = _("Queued.") if message is not None else _("This message is switched off for the shop.")
    else:
        error = _("Choose a message.")
    if not is_htmx(request):
        (messages.error if error else messages.success)(request, error or flash)
        return redirect(reverse("desk:order_detail", args=[order.pk]))
    context = _order_context(request, order, flash=flash, error=error)
    return private(render(request, "notify/order_messages.html", context, status=400 if error else 200))


# --- the buyer's tracking page (public) ------------------------------------------------------------


@require_GET
def track_page(request: HttpRequest, token: str) -> HttpResponse:
    page = selectors.tracking_page(token=token)
    if page is None:
        response = render(request, "notify/track_404.html", status=404)
    else:
        response = render(request, "notify/track_page.html", {"page": page})
    return buyer_page(response)
