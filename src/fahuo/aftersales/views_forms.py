"""Desk forms of after-sales: the shop's after-sale policy (售后政策) and a manual request for a
private-domain (私域) order. Both call the same services as the API."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from fahuo.accounts.selectors import can, shops_for, visible
from fahuo.aftersales import services
from fahuo.aftersales.models import DEFAULT_REASONS, AfterSalePolicy, FreightPayer, RestockRule, RmaKind
from fahuo.kit.errors import FahuoError, InvalidInput, NotFound, PermissionDenied
from fahuo.kit.money import yuan_to_fen
from fahuo.kit.web import desk_view, private
from fahuo.orders.models import Order

READ = "orders.view_order"
EDIT = "orders.change_order"


@require_http_methods(["GET", "POST"])
@desk_view(READ)
def policy(request: HttpRequest) -> HttpResponse:
    shops = list(shops_for(request.user).order_by("code"))
    if not shops:
        raise NotFound("没有可管理的店铺")
    code = request.POST.get("shop") or request.GET.get("shop") or shops[0].code
    shop = next((s for s in shops if s.code == code), None)
    if shop is None:
        raise NotFound("店铺不存在")
    editable = can(request.user, EDIT, shop)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("此用户没有修改该店铺售后政策的权限")
        try:
            days = int(request.POST.get("no_reason_days", ""))
        except ValueError:
            messages.error(request, "无理由退货天数须为整数")
        else:
            try:
                with transaction.atomic():
                    services.save_policy(
                        shop=shop,
                        no_reason_days=days,
                        reasons=request.POST.get("reasons", "").splitlines(),
                        freight_payer=request.POST.get("freight_payer", ""),
                        restock=request.POST.get("restock", ""),
                        return_address=request.POST.get("return_address", ""),
                    )
            except FahuoError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已保存「{shop.name}」的售后政策")
                return redirect(f"{request.path}?shop={shop.code}")
    context = {
        "nav": "aftersales",
        "shops": shops,
        "shop": shop,
        "policy": services.policy_for(shop=shop),
        "editable": editable,
        "freight_payers": FreightPayer.choices,
        "restock_rules": RestockRule.choices,
    }
    return private(render(request, "aftersales/policy.html", context))


def _fen(text: str) -> int:
    try:
        amount = Decimal((text or "0").strip() or "0")
    except InvalidOperation as exc:
        raise InvalidInput("退款金额格式不对，例如 59.90") from exc
    if not amount.is_finite() or amount < 0 or amount > Decimal("10000000"):
        raise InvalidInput("退款金额不能为负，也不能超过 1000 万元")
    return yuan_to_fen(amount)


@require_http_methods(["GET", "POST"])
@desk_view(EDIT)
def new_request(request: HttpRequest) -> HttpResponse:
    """A manual RMA for a private-domain order (抖店 orders get theirs from 抖店)."""
    values = {k: request.POST.get(k, "") for k in ("order_id", "kind", "reason", "refund_yuan")}
    if request.method == "POST":
        order = (
            visible(Order.objects.select_related("shop"), request.user)
            .filter(platform_order_id=values["order_id"].strip())
            .first()
        )
        try:
            if order is None:
                raise NotFound("订单不存在")
            if not can(request.user, EDIT, order.shop):
                raise PermissionDenied("此用户没有该店铺的售后权限")
            with transaction.atomic():
                rma = services.create_manual(
                    order=order,
                    kind=values["kind"],
                    reason=values["reason"],
                    refund_amount_fen=_fen(values["refund_yuan"]),
                    user=request.user,
                )
        except FahuoError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已登记售后单 #{rma.pk}")
            return redirect("aftersales:detail", pk=rma.pk)
    kept = AfterSalePolicy.objects.filter(shop__in=shops_for(request.user)).values_list("reasons", flat=True)
    reasons = {r: None for listed in [*kept, DEFAULT_REASONS] for r in listed or []}
    context = {"nav": "aftersales", "values": values, "kinds": RmaKind.choices, "reasons": list(reasons)}
    return private(render(request, "aftersales/new_request.html", context))


@require_http_methods(["GET", "POST"])
@desk_view(READ)
def import_file(request: HttpRequest) -> HttpResponse:
    """导入售后单: a 抖店 「售后单」 export → RMAs, with the row report."""
    from fahuo.aftersales.importing import import_after_sale_file

    shops = [s for s in shops_for(request.user).order_by("code") if can(request.user, EDIT, s)]
    if not shops:
        raise PermissionDenied("此用户没有可导入售后单的店铺")
    report = None
    if request.method == "POST":
        shop = next((s for s in shops if s.code == request.POST.get("shop", "")), None)
        upload = request.FILES.get("file")
        if shop is None:
            raise NotFound("店铺不存在")
        if upload is None:
            messages.error(request, "请选择抖店导出的售后单文件（CSV 或 XLSX）")
        else:
            try:
                report = import_after_sale_file(fileobj=upload, filename=upload.name or "售后单", shop=shop)
            except FahuoError as exc:
                messages.error(request, exc.message)
    return render(request, "aftersales/import.html", {"shops": shops, "report": report})
