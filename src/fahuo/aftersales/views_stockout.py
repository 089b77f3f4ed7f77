"""Out-of-stock (缺货) pages: the desk list of short orders with the offer form, and the buyer's
choice page behind the link (``/t/choice/<token>``: no login, no personal data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fahuo.accounts.selectors import visible
from fahuo.aftersales import selectors, stockout
from fahuo.aftersales.models import StockChoice, StockChoiceAction
from fahuo.aftersales.views_evidence import buyer_response
from fahuo.kit.errors import FahuoError, NotFound
from fahuo.kit.web import can, desk_view, private

READ = "orders.view_order"
EDIT = "orders.change_order"


class OfferForm(forms.Form):
    wait_until = forms.DateField(label="预计到货日期", required=False)
    hours = forms.IntegerField(label="买家选择时限（小时）", min_value=1, max_value=360, initial=48)
    swap_skus = forms.CharField(label="可换的款（商家编码，逗号分隔）", required=False, max_length=500)
    coupon_code = forms.CharField(label="退款补偿优惠券", required=False, max_length=40)
    default_action = forms.ChoiceField(
        label="逾期默认", choices=StockChoiceAction.choices, initial=StockChoiceAction.WAIT
    )


def choice_url(request: HttpRequest, choice: StockChoice) -> str:
    return request.build_absolute_uri(reverse("buyer:stock_choice", args=[choice.token]))


@require_GET
@desk_view(READ)
def stockouts(request: HttpRequest) -> HttpResponse:
    rows = selectors.short_orders(user=request.user)
    for row in rows:
        if row["choice"] is not None:
            row["link"] = choice_url(request, row["choice"])
    context = {
        "nav": "aftersales",
        "rows": rows,
        "recent": selectors.recent_choices(user=request.user),
        "form": OfferForm(),
        "can_offer": can(request.user, EDIT),
    }
    return private(render(request, "aftersales/stockouts.html", context))


def _order(request: HttpRequest, order_pk: int) -> Any:
    return selectors.order(pk=order_pk, user=request.user)


@require_POST
@desk_view(EDIT)
def offer(request: HttpRequest, order_pk: int) -> HttpResponse:
    order = _order(request, order_pk)
    form = OfferForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "；".join(
                f"{form.fields[k].label}：{' '.join(str(e) for e in v)}" for k, v in form.errors.items()
            ),
        )
        return redirect("aftersales:stockouts")
    data = form.cleaned_data
    try:
        with transaction.atomic():
            choice = stockout.offer(
                order=order,
                deadline=timezone.now() + dt.timedelta(hours=data["hours"]),
                wait_until=data["wait_until"],
                swap_skus=[c for c in data["swap_skus"].replace("，", ",").split(",")],
                coupon_code=data["coupon_code"],
                default_action=data["default_action"],
                user=request.user,
            )
    except FahuoError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"已生成订单 {order.platform_order_id} 的缺货选择链接：{choice_url(request, choice)}；{choice.outcome}",
        )
    return redirect("aftersales:stockouts")


@require_POST
@desk_view(EDIT)
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    choice = visible(StockChoice.objects.all(), request.user).filter(pk=pk).first()
    if choice is None:
        raise NotFound("缺货方案不存在")
    try:
        with transaction.atomic():
            stockout.withdraw(choice=choice, user=request.user)
    except FahuoError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已撤回缺货方案")
    return redirect("aftersales:stockouts")


@require_http_methods(["GET", "POST"])
def choose(request: HttpRequest, token: str) -> HttpResponse:
    """The buyer's choice page: wait / swap / refund, once, before the deadline."""
    try:
        with transaction.atomic():
            stockout.apply_defaults(token=token)  # a late link shows what the default did
        choice = stockout.by_token(token)
    except NotFound:
        return buyer_response(render(request, "aftersales/stock_choice.html", {"missing": True}, status=404))
    status, error = 200, ""
    if request.method == "POST":
        try:
            action, _, swap_to = request.POST.get("action", "").partition(":")  # "swap:<SKU code>"
            with transaction.atomic():
                choice = stockout.answer(token=token, action=action, swap_to=swap_to)
        except FahuoError as exc:
            status, error = exc.status, exc.message
            choice = stockout.by_token(token)
    context = {"choice": choice, "error": error, **stockout.buyer_view(choice)}
    return buyer_response(render(request, "aftersales/stock_choice.html", context, status=status))
