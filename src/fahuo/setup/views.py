"""Owner pages for setting a desk up: first-run wizard, shops, warehouses, carriers, products, stock.

Thin: each POST parses a form, calls the domain service in one transaction, and shows the page
again with the outcome (row errors from imports are listed, nothing half-applied).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fahuo.accounts.selectors import managed_shops, shops_for
from fahuo.accounts.services import role_of
from fahuo.carriers import setup as carriers_setup
from fahuo.carriers.models import Capacity, Carrier, ProviderAccount
from fahuo.catalog.models import Sku
from fahuo.catalog.services import get_sku, import_skus, template_csv
from fahuo.inventory import services as stock_services
from fahuo.inventory.models import Stock, Warehouse
from fahuo.kit.errors import FahuoError
from fahuo.kit.web import desk_view, error_page
from fahuo.livestream.selectors import next_stream_shortfalls
from fahuo.orders.models import Order, OrderLine
from fahuo.orders.shops import create_shop
from fahuo.setup import forms
from fahuo.setup.services import company_name, first_run, needs_first_run

View = Callable[..., HttpResponseBase]


def owner_only(view: View) -> View:
    @desk_view()
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if role_of(request.user) != "owner":
            return error_page(request, _("Only the owner can change settings."), status=403)
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


def _page(request: HttpRequest, template: str, section: str, **context: Any) -> HttpResponse:
    return render(request, f"setup/{template}", {"nav": "setup", "section": section, **context})


def _run(request: HttpRequest, action: Callable[[], str]) -> bool:
    """Run one change in a transaction; a domain error becomes an error message."""
    try:
        with transaction.atomic():
            messages.success(request, action())
        return True
    except FahuoError as exc:
        messages.error(request, exc.message)
        return False


def _unknown_lines(request: HttpRequest) -> Any:
    """Open order lines of the user's shops whose 商家编码 matches no product yet."""
    return OrderLine.objects.filter(
        sku__isnull=True,
        order__status__in=["ready", "needs_review"],
        order__shop__in=shops_for(request.user),
    )


# --- first run -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def welcome(request: HttpRequest) -> HttpResponse:
    if not needs_first_run():
        return redirect("desk:login")
    form = forms.WelcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = first_run(
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                    company=form.cleaned_data["company"],
                )
        except FahuoError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Next add shops, warehouses, carriers, products and stock."))
            return redirect("setup:home")
    return render(request, "setup/welcome.html", {"form": form}, status=422 if form.errors else 200)


# --- overview ------------------------------------------------------------------------------------


@owner_only
def home(request: HttpRequest) -> HttpResponse:
    steps = [
        ("shops", _("Shops"), shops_for(request.user).count()),
        ("warehouses", _("Warehouses"), Warehouse.objects.count()),
        ("carriers", _("Couriers"), Carrier.objects.filter(active=True).count()),
        ("products", _("Products"), Sku.objects.count()),
        ("stock", _("Stock"), Stock.objects.filter(on_hand__gt=0).count()),
    ]
    unknown = _unknown_lines(request).exclude(sku_code="").values_list("sku_code", "title").distinct()[:50]
    return _page(
        request,
        "home.html",
        "home",
        steps=steps,
        company=company_name(),
        test_carriers=Carrier.objects.filter(test_mode=True, active=True),
        unknown_lines=list(unknown),
        short_orders=sum(
            1
            for reasons in Order.objects.filter(
                status="needs_review", shop__in=shops_for(request.user)
            ).values_list("review_reasons", flat=True)
            if any(r.get("code") == "out_of_stock" for r in reasons or [])
        ),
    )


# --- shops ---------------------------------------------------------------------------------------


@owner_only
@require_http_methods(["GET", "POST"])
def shops(request: HttpRequest) -> HttpResponse:
    form = forms.ShopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data

        def add() -> str:
            shop = create_shop(
                code=d["code"],
                name=d["name"],
                platform=d["platform"],
                user=request.user,
                sender_name=d["sender_name"],
                sender_phone=d["sender_phone"],
                sender_address=d["sender_address"],
                brand_note=d["brand_note"],
            )
            return _("Shop %(name)s added.") % {"name": shop.name}

        if _run(request, add):
            return redirect("setup:shops")
    return _page(request, "shops.html", "shops", form=form, shops=managed_shops(request.user))


# --- warehouses ----------------------------------------------------------------------------------


@owner_only
@require_http_methods(["GET", "POST"])
def warehouses(request: HttpRequest) -> HttpResponse:
    form = forms.WarehouseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _run(
            request,
            lambda: (
                _("Warehouse %(name)s added.")
                % {"name": stock_services.create_warehouse(**form.cleaned_data).name}
            ),
        ):
            return redirect("setup:warehouses")
    rows = Warehouse.objects.prefetch_related("capacities__carrier")
    return _page(request, "warehouses.html", "warehouses", form=form, warehouses=rows)


# --- carriers ------------------------------------------------------------------------------------


@owner_only
@require_http_methods(["GET", "POST"])
def carriers(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action", "")
    add_form = forms.CarrierForm(request.POST if action == "add" else None)
    account_form = forms.AccountForm(request.POST if action == "account" else None, prefix="account")
    capacity_form = forms.CapacityForm(request.POST if action == "capacity" else None)
    if action == "add" and add_form.is_valid():
        d = add_form.cleaned_data
        done = _run(
            request,
            lambda: (
                _("Carrier %(name)s added.")
                % {
                    "name": carriers_setup.add_carrier(
                        code=d["code"], name=d["name"], provider=d["provider"], test=d["test"]
                    ).name
                }
            ),
        )
        if done:
            return redirect("setup:carriers")
    elif action == "account" and account_form.is_valid():
        d = account_form.cleaned_data
        if _run(
            request, lambda: _("Account %(name)s saved.") % {"name": carriers_setup.connect_account(**d).name}
        ):
            return redirect("setup:carriers")
    elif action == "capacity" and capacity_form.is_valid():
        d = capacity_form.cleaned_data

        def capacity() -> str:
            cap = carriers_setup.set_capacity(
                carrier_code=d["carrier"],
                warehouse_code=d["warehouse"],
                max_parcels=d["max_parcels"],
                per_hour=d["per_hour"],
            )
            return _("Capacity set: %(carrier)s @ %(warehouse)s %(n)d parcels.") % {
                "carrier": cap.carrier.name,
                "warehouse": cap.warehouse.name,
                "n": cap.max_parcels,
            }

        if _run(request, capacity):
            return redirect("setup:carriers")
    elif action == "test":
        account = ProviderAccount.objects.filter(pk=request.POST.get("account") or 0).first()
        if account is None:
            messages.error(request, _("No such account."))
        else:
            try:
                messages.success(request, carriers_setup.test_connection(account=account))
            except FahuoError as exc:
                messages.error(request, _("Connection failed: %(error)s") % {"error": exc.message})
        return redirect("setup:carriers")
    return _page(
        request,
        "carriers.html",
        "carriers",
        add_form=add_form,
        account_form=account_form,
        capacity_form=capacity_form,
        carriers=Carrier.objects.all(),
        accounts=ProviderAccount.objects.filter(provider__in=["kdniao", "kuaidi100"]),
        capacities=Capacity.objects.select_related("carrier", "warehouse"),
    )


# --- products ------------------------------------------------------------------------------------


@owner_only
@require_http_methods(["GET", "POST"])
def products(request: HttpRequest) -> HttpResponse:
    form = forms.FileForm(request.POST or None, request.FILES or None)
    errors: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            with transaction.atomic():
                report = import_skus(fileobj=upload, filename=upload.name)
        except FahuoError as exc:
            messages.error(request, exc.message)
        else:
            if report.errors:
                errors = report.errors
                messages.error(
                    request,
                    _("%(n)d row(s) with errors, nothing imported. Fix them and import again.")
                    % {"n": len(errors)},
                )
            else:
                messages.success(
                    request,
                    _("Products: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.")
                    % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
                )
                return redirect("setup:products")
    if request.method == "POST" and request.POST.get("from_line"):
        return _create_from_line(request)
    unknown = _unknown_lines(request).exclude(sku_code="").values_list("sku_code", "title").distinct()[:50]
    return _page(
        request,
        "products.html",
        "products",
        form=form,
        errors=errors,
        skus=Sku.objects.all()[:500],
        unknown_lines=list(unknown),
    )


def _create_from_line(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("from_line", "").strip()
    line = _unknown_lines(request).filter(sku_code=code).first()
    if line is None:
        messages.error(request, _("No unknown product line with this SKU code."))
        return redirect("setup:products")
    with transaction.atomic():
        sku, _created = Sku.objects.get_or_create(
            code=code, defaults={"name": line.title[:200], "spec": line.spec[:200]}
        )
        _unknown_lines(request).filter(sku_code=code).update(sku=sku)
    messages.success(
        request, _("Product %(code)s created: add its weight, size and traits.") % {"code": code}
    )
    return redirect("setup:product_edit", code=sku.code)


@owner_only
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, code: str) -> HttpResponse:
    try:
        sku = get_sku(code=code)
    except FahuoError as exc:
        return error_page(request, exc.message, status=404)
    initial = {f: getattr(sku, f) for f in forms.SkuForm.base_fields}
    form = forms.SkuForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        for field, value in form.cleaned_data.items():
            setattr(sku, field, value)
        sku.declared_value_fen = sku.declared_value_fen or 0
        sku.save()
        messages.success(request, _("%(code)s saved.") % {"code": sku.code})
        return redirect("setup:products")
    return _page(request, "product_edit.html", "products", form=form, sku=sku)


@owner_only
def product_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("\ufeff" + template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="fahuo-skus.csv"'
    return response


# --- stock ---------------------------------------------------------------------------------------


@owner_only
@require_http_methods(["GET", "POST"])
def stock(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action", "")
    import_form = forms.StockFileForm(request.POST if action == "import" else None, request.FILES or None)
    count_form = forms.StockFileForm(
        request.POST if action == "count" else None, request.FILES or None, prefix="count"
    )
    adjust_form = forms.AdjustForm(request.POST if action == "adjust" else None, prefix="adjust")
    errors: list[Any] = []
    variances: list[dict[str, Any]] = []
    try:
        if action == "import" and import_form.is_valid():
            d = import_form.cleaned_data
            with transaction.atomic():
                wh = stock_services.get_warehouse(code=d["warehouse"])
                report = stock_services.import_stock(
                    fileobj=d["file"], filename=d["file"].name, warehouse=wh, user=request.user
                )
            if report.errors:
                errors = report.errors
                messages.error(request, _("%(n)d row(s) with errors, nothing imported.") % {"n": len(errors)})
            else:
                messages.success(
                    request,
                    _("Stock import %(warehouse)s: %(rows)d row(s), %(changed)d changed.")
                    % {"warehouse": wh.name, "rows": report.rows, "changed": report.changed},
                )
                return redirect("setup:stock")
        elif action == "count" and count_form.is_valid():
            d = count_form.cleaned_data
            with transaction.atomic():
                wh = stock_services.get_warehouse(code=d["warehouse"])
                count = stock_services.import_count_file(
                    fileobj=d["file"], filename=d["file"].name, warehouse=wh, user=request.user
                )
            variances = stock_services.variance_report(count=count)
            messages.success(
                request,
                _("Stock count #%(pk)d recorded: %(n)d SKU(s) differ.")
                % {"pk": count.pk, "n": len(variances)},
            )
        elif action == "adjust" and adjust_form.is_valid():
            d = adjust_form.cleaned_data
            with transaction.atomic():
                wh = stock_services.get_warehouse(code=d["warehouse"])
                movement = stock_services.adjust_stock(
                    warehouse=wh,
                    sku=get_sku(code=d["sku_code"]),
                    delta=d["delta"],
                    note=d["reason"],
                    user=request.user,
                )
            messages.success(
                request,
                _("Adjusted %(sku)s %(delta)+d (%(note)s).")
                % {"sku": d["sku_code"], "delta": movement.on_hand_delta, "note": movement.note},
            )
            return redirect("setup:stock")
    except FahuoError as exc:
        messages.error(request, exc.message)
    return _page(
        request,
        "stock.html",
        "stock",
        import_form=import_form,
        count_form=count_form,
        adjust_form=adjust_form,
        errors=errors,
        variances=variances,
        levels=stock_services.stock_levels(),
        ledger=stock_services.ledger()[:100],
        shortfalls=next_stream_shortfalls(user=request.user),
    )


@owner_only
def stock_export(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Stock")
    sheet.append([_("Warehouse"), _("SKU code"), _("On hand"), _("Reserved"), _("Available")])
    for row in stock_services.stock_levels():
        sheet.append([row["warehouse"], row["sku_code"], row["on_hand"], row["reserved"], row["available"]])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="fahuo-stock.xlsx"'
    return response
