"""Desk pages: dashboard, order list and detail (edit, reveal), import, label printing.

Views parse input, call a service or selector, and render; htmx requests get fragments.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fahuo.accounts.services import audit, require
from fahuo.desk import print_summary, selectors
from fahuo.desk.forms import ImportForm, PrintForm, RecipientForm
from fahuo.fulfilment.labels import platform_print
from fahuo.fulfilment.services import print_orders
from fahuo.fulfilment.shipback.services import shipbacks_for_order
from fahuo.kit.errors import FahuoError
from fahuo.kit.web import desk_view, fahuo_error, htmx_target, is_htmx, private, vary_on_htmx
from fahuo.livestream.selectors import next_stream_shortfalls
from fahuo.orders import import_runs, phone_search
from fahuo.orders import selectors as order_selectors
from fahuo.orders.forms import OrderFilterForm
from fahuo.orders.models import Order, OrderStatus
from fahuo.orders.selectors import dashboard_counts
from fahuo.orders.services import reveal_recipient, update_recipient

PAGE_SIZE = 50
KEPT_PRINT_JOBS = 20  # print results remembered in the session, newest first


# --- dashboard -----------------------------------------------------------------------------------


@require_GET
@desk_view("orders.view_order")
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    counts = dashboard_counts(day=today, user=request.user)
    day = today.isoformat()
    cards = [
        ("new", _("New today"), counts.get("new_today", 0), f"?created_on={day}", "info"),
        ("needs_review", _("Needs review"), counts.get("needs_review", 0), "?status=needs_review", "warn"),
        ("ready", _("Ready to print"), counts.get("ready", 0), "?status=ready", "info"),
        ("printed", _("Printed"), counts.get("printed", 0), "?status=printed", "ok"),
    ]
    context = {
        "nav": "dashboard",
        "cards": cards,
        "imports": selectors.recent_imports(user=request.user, limit=8),
        "today": today,
        "shortfalls": next_stream_shortfalls(user=request.user),
    }
    return render(request, "desk/dashboard.html", context)


# --- orders --------------------------------------------------------------------------------------


@require_GET
@desk_view("orders.view_order")
def order_list(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET, user=request.user)
    filters = form.filters()
    _guard_phone_search(request, filters)
    page = Paginator(order_selectors.order_list(user=request.user, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"nav": "orders", "form": form, "page": page, "filtered": bool(filters)}
    # A filter change or a page link swaps only the results; everything else gets the whole page.
    template = (
        "desk/_order_results.html" if htmx_target(request) == "order-results" else "desk/order_list.html"
    )
    return vary_on_htmx(render(request, template, context))


def _guard_phone_search(request: HttpRequest, filters: dict[str, Any]) -> None:
    """A phone number typed in the search box: owners only, rate-limited, audited; a refused one is
    dropped from the filters with the reason shown (issue #12, finding 2)."""
    try:
        phone_search.guard(user=request.user, q=filters.get("q"), request=request)
    except FahuoError as exc:
        messages.error(request, exc.message)
        filters.pop("q", None)


def _recipient_form(order: Order) -> RecipientForm:
    return RecipientForm(initial={"province": order.province, "city": order.city, "district": order.district})


def _detail(request: HttpRequest, order: Order, *, status: int = 200, **extra: Any) -> HttpResponse:
    context = {
        "nav": "orders",
        "order": order,
        "lines": list(order.lines.all()),
        "trail": selectors.order_audit_trail(order=order),
        "parcels": list(order.parcels.select_related("waybill__carrier")),
        "shipbacks": shipbacks_for_order(order=order),
        "form": _recipient_form(order),
        "editable": order.status in (OrderStatus.NEEDS_REVIEW, OrderStatus.READY),
        **extra,
    }
    return private(render(request, "desk/order_detail.html", context, status=status))


@require_GET
@desk_view("orders.view_order")
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.order_for_page(pk=pk, user=request.user))


@require_POST
@desk_view("orders.change_order")
def order_edit(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_for_page(pk=pk, user=request.user)
    require(request, "orders.change_order", order.shop_id)  # the role in this order's shop
    form = RecipientForm(request.POST)
    if not form.is_valid():
        return _detail(request, order, form=form, status=400)
    data = form.cleaned_data
    # Blank name/phone/detail keep the stored values: the editor need not see them to fix the rest.
    try:
        with transaction.atomic():
            verification = update_recipient(
                order=order,
                name=data["name"] or order.recipient_name,
                phone=data["phone"] or order.recipient_phone,
                province=data["province"],
                city=data["city"],
                district=data["district"],
                detail=data["detail"] or f"{order.street}{order.address_detail}",
                user=request.user,
            )
    except FahuoError as exc:
        messages.error(request, exc.message)
    else:
        if verification.ok:
            messages.success(request, _("Recipient verified. The order is ready to print."))
        else:
            reasons = "；".join(r["message"] for r in verification.reasons)
            messages.warning(
                request, _("Saved, but the order still needs review: %(reasons)s") % {"reasons": reasons}
            )
    return redirect("desk:order_detail", pk=order.pk)


@require_POST
@desk_view("orders.view_order")
def order_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_for_page(pk=pk, user=request.user)
    try:
        # No transaction here: the audit row of a denied reveal must outlive the refusal.
        clear = reveal_recipient(order=order, user=request.user, request=request)
    except FahuoError as exc:
        if is_htmx(request):
            context = {"order": order, "error": exc.message}
            return render(request, "desk/_recipient.html", context, status=exc.status)
        return fahuo_error(request, exc)
    if is_htmx(request):
        return private(render(request, "desk/_recipient.html", {"order": order, "clear": clear}))
    return _detail(request, order, clear=clear)


# --- printing ------------------------------------------------------------------------------------


@require_POST
@desk_view("fulfilment.print_labels")
def print_labels(request: HttpRequest) -> HttpResponse:
    form = PrintForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.get_json_data().values():
            for error in errors:
                messages.error(request, error["message"])
        return redirect(_back_to_list(request))
    ids: list[int] = form.cleaned_data["order"]
    # print_orders keeps its own transactions: waybills issued by the provider are recorded
    # chunk by chunk even when a later chunk fails.
    result = print_orders(
        orders=selectors.orders_by_ids(ids=ids, user=request.user),
        size=form.cleaned_data["size"],
        user=request.user,
    )
    numbers = selectors.order_numbers(ids=[oid for oid, _reason in result.failed], user=request.user)
    key = result.path.stem  # unique per run; the file exists only when labels were printed
    job = {
        "key": key,
        "file": result.path.name if result.pages else "",
        "pages": result.pages,
        "issued": result.issued,
        "selected": len(ids),
        "failed": [
            {"id": oid, "no": numbers.get(oid, str(oid)), "reason": reason} for oid, reason in result.failed
        ],
        "at": timezone.now().isoformat(),
        "fetched": False,
        "carriers": print_summary.carriers_of(order_ids=set(ids) - {oid for oid, _reason in result.failed}),
        "platform": platform_print.waiting(order_ids=ids),  # 抖音电子面单 labels for the print component
    }
    jobs = [job, *request.session.get("print_jobs", [])][:KEPT_PRINT_JOBS]
    request.session["print_jobs"] = jobs
    audit(
        user=request.user,
        action="labels.print",
        object_type="print",
        object_id=key,
        request=request,
        detail={
            "orders": len(ids),
            "pages": result.pages,
            "issued": result.issued,
            "failed": len(result.failed),
        },
    )
    return redirect("desk:print_result", key=key)


def _back_to_list(request: HttpRequest) -> str:
    back = request.POST.get("next", "")
    return back if back.startswith(reverse("desk:order_list")) else reverse("desk:order_list")


def _print_job(request: HttpRequest, key: str) -> dict[str, Any]:
    """A print job of this session; another user's (or a guessed) key is not found."""
    for job in request.session.get("print_jobs", []):
        if job["key"] == key:
            return dict(job)
    raise Http404("no such print job")


@require_GET
@desk_view("fulfilment.print_labels")
def print_result(request: HttpRequest, key: str) -> HttpResponse:
    job = _print_job(request, key)
    job["at"] = dt.datetime.fromisoformat(job["at"])
    context = {"nav": "orders", "job": job, "auto_download": bool(job["file"]) and not job["fetched"]}
    return render(request, "desk/print_result.html", context)


@require_GET
@desk_view("fulfilment.print_labels")
def print_download(request: HttpRequest, key: str) -> HttpResponseBase:
    job = _print_job(request, key)
    labels_dir = (Path(settings.FAHUO_OUTPUT_DIR) / "labels").resolve()
    path = (labels_dir / job["file"]).resolve()
    if not job["file"] or path.parent != labels_dir or not path.is_file():
        raise Http404("label file is gone")
    request.session["print_jobs"] = [
        {**j, "fetched": True} if j["key"] == key else j for j in request.session.get("print_jobs", [])
    ]
    response = FileResponse(path.open("rb"), as_attachment=True, filename=f"fahuo-{key}.pdf")
    response["Content-Type"] = "application/pdf"
    return private(response)


# --- import --------------------------------------------------------------------------------------


@desk_view("orders.import_orders")
def import_orders(request: HttpRequest) -> HttpResponse:
    """Upload an order file: checked at once (a wrong file is refused here), then imported by the
    worker in short chunks while the report page shows its progress (docs/import.md)."""
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            shop = form.cleaned_data["shop"]
            try:
                batch = import_runs.stage_import(
                    fileobj=upload, filename=upload.name, shop=shop, user=request.user
                )
            except FahuoError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                import_runs.audit_staged(batch=batch, request=request)
                return redirect("desk:import_report", pk=batch.pk)
        else:
            status = 400
    else:
        form = ImportForm(user=request.user)
    context = {
        "nav": "import",
        "form": form,
        "imports": selectors.recent_imports(user=request.user, limit=10),
    }
    return render(request, "desk/import.html", context, status=status)


@require_GET
@desk_view("orders.import_orders")
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's page: a progress bar and a cancel button while it runs, the row report when done."""
    batch = selectors.import_batch(pk=pk, user=request.user)
    context = {
        "nav": "import",
        "batch": batch,
        "state": import_runs.state_of(batch),
        "can_resume": import_runs.can_resume(batch),
        "row_errors": list(batch.row_errors.all()),
    }
    return render(request, "desk/import_report.html", context)


@require_GET
@desk_view("orders.import_orders")
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress block, polled by htmx while the run is queued or running; the page reloads
    (and shows the report) when it ends."""
    batch = selectors.import_batch(pk=pk, user=request.user)
    context = {"batch": batch, "state": import_runs.state_of(batch)}
    response = render(request, "desk/_import_progress.html", context)
    if request.GET.get("was") == "active" and not batch.active:
        response["HX-Refresh"] = "true"
    return private(response)


@require_POST
@desk_view("orders.import_orders")
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.import_batch(pk=pk, user=request.user)
    try:
        batch = import_runs.cancel_import(batch=batch)
    except FahuoError as exc:
        messages.error(request, exc.message)
    else:
        import_runs.audit_run("orders.import_cancel", batch=batch, request=request)
        if batch.active:  # the worker stops after its chunk; a queued run ended at once (the page says so)
            messages.info(
                request,
                _("The import stops after the orders it is writing now. Orders already imported stay."),
            )
    return redirect("desk:import_report", pk=pk)


@require_POST
@desk_view("orders.import_orders")
def import_resume(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.import_batch(pk=pk, user=request.user)
    try:
        import_runs.resume_import(batch=batch)
    except FahuoError as exc:
        messages.error(request, exc.message)
    else:
        import_runs.audit_run("orders.import_resume", batch=batch, request=request)
    return redirect("desk:import_report", pk=pk)
