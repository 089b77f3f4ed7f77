"""Packing pages: the scan-to-verify station (验货), packaging rules, pick list and slip PDFs.

Views parse input, call :mod:`fahuo.fulfilment.packing.services` / :mod:`fahuo.fulfilment.packing.documents`, and
render; htmx requests get fragments.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fahuo.accounts.models import Role
from fahuo.accounts.selectors import visible
from fahuo.accounts.services import role_of
from fahuo.fulfilment import events
from fahuo.fulfilment.batches.services import visible_batches
from fahuo.fulfilment.models import BrandInsert, Carton, PackagingRule
from fahuo.fulfilment.packing import services as packing
from fahuo.fulfilment.packing.documents import carton_text, render_packing_slips, render_picklist
from fahuo.fulfilment.packing.forms import InsertForm, RuleForm
from fahuo.kit.errors import FahuoError
from fahuo.kit.web import desk_view, error_page, is_htmx, private
from fahuo.orders.models import Order, OrderStatus

SCAN_PERMISSION = "fulfilment.print_labels"  # every desk role packs
RULE_EDITORS = {str(Role.OWNER), str(Role.OPERATOR)}


# --- scan-to-verify ------------------------------------------------------------------------------


def _evidence_url(result: packing.ScanResult) -> str:
    provider = events.packing_evidence_url.get()
    if provider is None or result.parcel is None or result.state != "found":
        return ""
    return provider(result.parcel.pk)


def _camera(response: HttpResponse) -> HttpResponse:
    """The station may use the camera for packing videos/photos (the site default forbids it)."""
    response["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"
    return response


def _result_context(result: packing.ScanResult, **extra: Any) -> dict[str, Any]:
    carton = result.carton
    return {
        "evidence_url": _evidence_url(result),
        "result": result,
        "order": result.order,
        "carton_text": carton_text(carton.carton, carton.message) if carton is not None else "",
        "units": sum(line.quantity for line in result.lines),
        **extra,
    }


@require_GET
@desk_view(SCAN_PERMISSION)
def scan_station(request: HttpRequest) -> HttpResponse:
    return _camera(private(render(request, "fulfilment/packing_scan.html", {"nav": "packing"})))


@require_GET
@desk_view(SCAN_PERMISSION)
def scan_lookup(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "")
    template = "fulfilment/packing_scan_result.html" if is_htmx(request) else "fulfilment/packing_scan.html"
    try:
        result = packing.scan(code=code, user=request.user)
    except FahuoError as exc:
        context = {"nav": "packing", "error": exc.message, "code": code.strip()}
        return private(render(request, template, context, status=exc.status))
    status = 409 if result.state == "voided" else 200
    context = _result_context(result, nav="packing")
    return _camera(private(render(request, template, context, status=status)))


@require_POST
@desk_view(SCAN_PERMISSION)
def scan_pack(request: HttpRequest, parcel_id: int) -> HttpResponse:
    template = "fulfilment/packing_scan_result.html" if is_htmx(request) else "fulfilment/packing_scan.html"
    lines = [int(v) for v in request.POST.getlist("line") if v.isdigit()]
    try:
        with transaction.atomic():
            parcel = packing.mark_packed(
                parcel_id=parcel_id, user=request.user, verified_lines=lines, request=request
            )
    except FahuoError as exc:
        code = request.POST.get("code", "")
        context: dict[str, Any] = {"nav": "packing", "error": exc.message}
        try:
            context |= _result_context(packing.scan(code=code, user=request.user))
        except FahuoError:
            pass
        return private(render(request, template, context, status=exc.status))
    context = {
        "nav": "packing",
        "done": parcel,
        "order": parcel.order,
        "carton_text": carton_text(parcel.carton) if parcel.carton is not None else "",
    }
    return private(render(request, template, context))


# --- packaging rules -----------------------------------------------------------------------------


def _carton_rows() -> list[dict[str, Any]]:
    """Cartons grouped by size, with the warehouses that stock each (the same box is listed once)."""
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    cartons = Carton.objects.select_related("warehouse").order_by(
        "length_mm", "width_mm", "height_mm", "code"
    )
    for c in cartons:
        key = (
            c.code,
            c.name,
            c.length_mm,
            c.width_mm,
            c.height_mm,
            c.weight_g,
            c.rigid,
            c.insulated,
            c.active,
        )
        row = rows.setdefault(key, {"carton": c, "warehouses": []})
        row["warehouses"].append(c.warehouse.name if c.warehouse is not None else _("All warehouses"))
    return list(rows.values())


def _can_edit(request: HttpRequest) -> bool:
    return role_of(request.user) in RULE_EDITORS


def _rules_page(
    request: HttpRequest,
    *,
    form: RuleForm | None = None,
    insert_form: InsertForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rules = list(
        PackagingRule.objects.select_related("shop", "sku", "carton").order_by("priority", "trait", "pk")
    )
    context = {
        "nav": "packing",
        "rules": [(rule, packing.render_rule(rule), packing.trait_label(rule.trait)) for rule in rules],
        "form": form or RuleForm(initial={"priority": 100, "active": True}, user=request.user),
        "insert_form": insert_form or InsertForm(initial={"active": True}, user=request.user),
        "can_edit": _can_edit(request),
        "cartons": _carton_rows(),
        "inserts": list(
            visible(BrandInsert.objects.all(), request.user)
            .select_related("shop", "sku")
            .order_by("shop__code", "kind", "pk")
        ),
        "insert_kinds": packing.INSERT_KINDS,
    }
    return render(request, "fulfilment/packing_rules.html", context, status=status)


def add_from_rules_page(request: HttpRequest, form: Any, *, key: str, done: str) -> HttpResponse:
    """A rule or an insert added from the rules page; an invalid form shows the page again (400)."""
    if not _can_edit(request):
        return error_page(request, _("Your role does not allow this."), status=403)
    if not form.is_valid():
        return _rules_page(request, status=400, **{key: form})
    with transaction.atomic():
        form.save()
    messages.success(request, done)
    return redirect("fulfilment:packing_rules")


def edit_page(request: HttpRequest, form: Any, *, done: str, **context: Any) -> HttpResponse:
    """The edit page of a rule or an insert: save and back to the rules, or the form with its errors."""
    if not _can_edit(request):
        return error_page(request, _("Your role does not allow this."), status=403)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, done)
        return redirect("fulfilment:packing_rules")
    status = 400 if request.method == "POST" else 200
    context = {"nav": "packing", "form": form, **context}
    return render(request, "fulfilment/packing_rule_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@desk_view("orders.view_order")
def rules(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _rules_page(request)
    form = RuleForm(request.POST, user=request.user)
    return add_from_rules_page(request, form, key="form", done=_("Packaging rule added."))


@require_http_methods(["GET", "POST"])
@desk_view("orders.view_order")
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(PackagingRule, pk=pk)
    form = RuleForm(request.POST or None, instance=rule, user=request.user)
    return edit_page(request, form, done=_("Packaging rule saved."), rule=rule)


@require_POST
@desk_view("orders.view_order")
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    if not _can_edit(request):
        return error_page(request, _("Your role does not allow this."), status=403)
    with transaction.atomic():
        rule = get_object_or_404(PackagingRule.objects.select_for_update(), pk=pk)
        rule.active = not rule.active
        rule.save(update_fields=["active"])
    if is_htmx(request):
        context = {
            "rule": rule,
            "text": packing.render_rule(rule),
            "label": packing.trait_label(rule.trait),
            "can_edit": True,
        }
        return render(request, "fulfilment/packing_rule_row.html", context)
    return redirect("fulfilment:packing_rules")


@require_POST
@desk_view("orders.view_order")
def rule_defaults(request: HttpRequest) -> HttpResponse:
    if not _can_edit(request):
        return error_page(request, _("Your role does not allow this."), status=403)
    with transaction.atomic():
        created = packing.ensure_default_packaging_rules()
    messages.success(request, _("%(n)d default rules added.") % {"n": created})
    return redirect("fulfilment:packing_rules")


# --- documents -----------------------------------------------------------------------------------


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return private(response)


def _stamp() -> str:
    return timezone.localtime(timezone.now()).strftime("%Y%m%d-%H%M")


@require_GET
@desk_view(SCAN_PERMISSION)
def picklist_pdf(request: HttpRequest, batch_id: int | None = None) -> HttpResponse:
    """The pick list of a print batch, or of every ready order (``/picklist/ready.pdf``)."""
    if batch_id is not None:
        batch = get_object_or_404(visible_batches(request.user), pk=batch_id)
        return _pdf(render_picklist(batch=batch), f"picklist-B{batch.pk}.pdf")
    ready = visible(Order.objects.filter(status=OrderStatus.READY), request.user)
    if not ready.exists():
        return error_page(request, _("No ready orders to pick."), status=404)
    return _pdf(render_picklist(orders=ready), f"picklist-ready-{_stamp()}.pdf")


@require_GET
@desk_view(SCAN_PERMISSION)
def slips_pdf(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(visible_batches(request.user), pk=batch_id)
    if not batch.items.exists():
        return error_page(request, _("This batch has no orders."), status=404)
    return _pdf(render_packing_slips(batch=batch), f"packslips-B{batch.pk}.pdf")
