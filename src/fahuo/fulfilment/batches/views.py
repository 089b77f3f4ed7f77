"""Desk pages for print batches (波次): create from a filter or a selection, watch the progress,
download the PDF, resume, and reprint or void (作废) single orders.

Printing (create, resume, reprint, download) needs ``fulfilment.print_labels`` (packers have it);
voiding a waybill or cancelling a batch needs ``orders.change_order`` (operators and owners).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fahuo.accounts.selectors import visible
from fahuo.accounts.services import audit, require
from fahuo.carriers.models import Carrier
from fahuo.fulfilment.batches import services as svc
from fahuo.fulfilment.labels import audit as label_audit
from fahuo.fulfilment.labels import platform_print
from fahuo.fulfilment.labels.voids import VOID_REASONS, cancel_waybill
from fahuo.fulfilment.models import BatchItemStatus, BatchStatus, PrintBatch, Waybill
from fahuo.fulfilment.services import print_orders
from fahuo.integrations.registry import PRINTS_ENCRYPTED
from fahuo.inventory.models import Warehouse
from fahuo.kit.errors import FahuoError
from fahuo.kit.web import desk_view, fahuo_error, htmx_target, private, vary_on_htmx
from fahuo.orders.forms import LABEL_SIZES, OrderFilterForm
from fahuo.orders.models import Order, OrderStatus
from fahuo.orders.selectors import order_list

PRINT = "fulfilment.print_labels"
VOID = "orders.change_order"
ITEMS_PER_PAGE = 100
BATCHES_PER_PAGE = 30

BATCH_STATUS_LABELS: dict[str, Any] = {
    BatchStatus.QUEUED: gettext_lazy("Queued"),
    BatchStatus.RUNNING: gettext_lazy("Printing"),
    BatchStatus.DONE: gettext_lazy("Done"),
    BatchStatus.FAILED: gettext_lazy("Failed"),
    BatchStatus.CANCELLED: gettext_lazy("Cancelled"),
    "interrupted": gettext_lazy("Interrupted"),
}
ITEM_STATUS_LABELS: dict[str, Any] = {
    BatchItemStatus.PENDING: gettext_lazy("Pending"),
    BatchItemStatus.ISSUED: gettext_lazy("Issued"),
    BatchItemStatus.FAILED: gettext_lazy("Failed"),
}
VOID_REASON_LABELS: dict[str, Any] = {
    "address": gettext_lazy("Wrong address"),
    "customer_cancelled": gettext_lazy("Customer cancelled"),
    "duplicate": gettext_lazy("Printed twice"),
    "damaged": gettext_lazy("Damaged label"),
    "other": gettext_lazy("Other"),
}
assert set(VOID_REASON_LABELS) == set(VOID_REASONS)


class BatchForm(OrderFilterForm):
    """The order list's filters (same query parameters) plus what a batch needs."""

    carrier = forms.ModelChoiceField(queryset=Carrier.objects.filter(active=True), required=False)
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.filter(active=True), required=False)
    name = forms.CharField(required=False, max_length=60)
    size = forms.ChoiceField(choices=LABEL_SIZES, required=False)
    by_pickup_hour = forms.BooleanField(required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.user = user
        for name, label, empty in (
            ("carrier", _("Carrier"), _("All carriers")),
            ("warehouse", _("Warehouse"), _("All warehouses")),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.label, field.empty_label = label, empty
        self.fields["name"].label = _("Batch name")
        self.fields["name"].widget.attrs["placeholder"] = _("optional, e.g. tonight's stream")
        self.fields["size"].label = _("Label size")
        self.fields["by_pickup_hour"].label = _("One batch per pickup hour")

    def order_filters(self) -> dict[str, Any]:
        filters = self.filters()
        for key in ("name", "size", "status", "by_pickup_hour"):
            filters.pop(key, None)
        return filters

    def orders(self) -> Any:
        """The ready orders this filter selects (a batch only ever takes ready orders)."""
        filters = self.order_filters()
        carrier, warehouse = filters.pop("carrier", None), filters.pop("warehouse", None)
        qs = order_list(status=OrderStatus.READY, user=self.user, **filters)
        if carrier is not None:
            qs = qs.filter(carrier=carrier)
        if warehouse is not None:
            qs = qs.filter(warehouse=warehouse)
        return qs

    def criteria(self) -> dict[str, Any]:
        return {
            k: (v.pk if hasattr(v, "pk") else str(v))
            for k, v in self.order_filters().items()
            if v not in (None, "")
        }


def _status(batch: PrintBatch) -> str:
    return "interrupted" if svc.is_interrupted(batch) else batch.status


def _decorate(batch: PrintBatch) -> PrintBatch:
    """Attach what the templates show (status key and label, percent, actions)."""
    state = _status(batch)
    batch.state = state  # type: ignore[attr-defined]
    batch.state_label = BATCH_STATUS_LABELS.get(state, state)  # type: ignore[attr-defined]
    batch.percent = svc.percent(batch)  # type: ignore[attr-defined]
    batch.issued_pct = batch.issued * 100 // batch.total if batch.total else 0  # type: ignore[attr-defined]
    batch.failed_pct = batch.failed * 100 // batch.total if batch.total else 0  # type: ignore[attr-defined]
    batch.active = state in (BatchStatus.QUEUED, BatchStatus.RUNNING)  # type: ignore[attr-defined]
    batch.resumable = svc.can_resume(batch)  # type: ignore[attr-defined]
    batch.pending = max(batch.total - batch.issued - batch.failed, 0)  # type: ignore[attr-defined]
    batch.rendering = state == BatchStatus.RUNNING and batch.pending == 0  # type: ignore[attr-defined]
    # 抖音电子面单: labels the desk's print component prints (no PDF)
    platform = batch.carrier is not None and batch.carrier.provider in PRINTS_ENCRYPTED
    batch.platform = platform_print.batch_counts(batch.pk) if platform else None  # type: ignore[attr-defined]
    return batch


# --- list and create -----------------------------------------------------------------------------


@require_GET
@desk_view(PRINT)
def batch_list(request: HttpRequest) -> HttpResponse:
    form = BatchForm(request.GET, user=request.user)
    target = htmx_target(request)
    if target == "batch-preview":  # the form changed: recount
        context: dict[str, Any] = {"matching": svc.free_orders(form.orders()).count()}
        return vary_on_htmx(render(request, "fulfilment/batch_preview.html", context))
    page = Paginator(svc.batch_list(user=request.user), BATCHES_PER_PAGE).get_page(request.GET.get("page"))
    rows = [_decorate(b) for b in page.object_list]
    context = {"page": page, "rows": rows, "polling": any(b.active for b in rows)}  # type: ignore[attr-defined]
    if target == "batch-rows":  # the list polls while a batch runs
        return vary_on_htmx(render(request, "fulfilment/batch_rows.html", context))
    context.update(nav="batches", form=form, matching=svc.free_orders(form.orders()).count())
    return vary_on_htmx(render(request, "fulfilment/batch_list.html", context))


@require_POST
@desk_view(PRINT)
def batch_create(request: HttpRequest) -> HttpResponse:
    """From a selection (``order`` ids, e.g. the order list's bulk form) or from the filter fields."""
    ids = [int(v) for v in request.POST.getlist("order") if v.isdigit()]
    form = BatchForm(request.POST, user=request.user)
    form.is_valid()
    size = form.cleaned_data.get("size") or "100x180"
    if ids:
        orders: Any = visible(Order.objects.filter(pk__in=ids), request.user)
        criteria: dict[str, Any] = {"source": "selection", "orders": len(ids)}
    elif request.POST.get("action") == "batch":
        # The order list's button with nothing ticked: confirm its filter on the batches page.
        query = urlsplit(request.POST.get("next", "")).query
        messages.info(
            request, _("No orders were ticked: check the filter below and create the batch from it.")
        )
        return redirect(reverse("fulfilment:batch_list") + (f"?{query}" if query else ""))
    else:
        orders, criteria = form.orders(), {"source": "filter", **form.criteria()}
    try:
        with transaction.atomic():
            made = svc.create_batch(
                orders=orders,
                name=form.cleaned_data.get("name") or None,
                user=request.user,
                size=size,
                criteria=criteria,
                by_pickup_hour=bool(form.cleaned_data.get("by_pickup_hour")),
            )
            for batch in made:
                audit(
                    user=request.user,
                    action="batch.create",
                    object_type="print_batch",
                    object_id=batch.pk,
                    request=request,
                    detail={"orders": batch.total, **criteria},
                )
    except FahuoError as exc:
        return fahuo_error(request, exc)
    if made:
        messages.success(
            request,
            _("Created %(batches)s batch(es) with %(orders)s orders; the worker is printing them.")
            % {"batches": len(made), "orders": made.orders},
        )
    else:
        messages.warning(request, _("No batch was created: no ready orders matched."))
    if made.skipped:
        reasons = sorted({reason.split("「")[0] for _oid, reason in made.skipped})
        messages.warning(
            request,
            _("%(n)s orders were left out: %(reasons)s")
            % {"n": len(made.skipped), "reasons": "；".join(reasons)},
        )
    if len(made) == 1:
        return redirect("fulfilment:batch_detail", pk=made[0].pk)
    return redirect("fulfilment:batch_list")


# --- one batch -----------------------------------------------------------------------------------


def _items(batch: PrintBatch, status: str, page_number: str | None) -> Any:
    page = Paginator(svc.batch_items(batch=batch, status=status or None), ITEMS_PER_PAGE).get_page(
        page_number
    )
    items = list(page.object_list)
    order_ids = [i.order_id for i in items]
    waybills = {
        w.parcel.order_id: w
        for w in Waybill.objects.select_related("parcel").filter(
            parcel__order_id__in=order_ids, parcel__seq=1
        )
    }
    lines: dict[int, list[str]] = {}
    for order in Order.objects.filter(pk__in=order_ids).prefetch_related("lines__sku"):
        lines[order.pk] = [
            f"{(line.sku.label_name if line.sku else line.title)}×{line.quantity}"
            for line in order.lines.all()
        ]
    for item in items:
        item.waybill = waybills.get(item.order_id)  # type: ignore[attr-defined]
        item.goods = "; ".join(lines.get(item.order_id, []))  # type: ignore[attr-defined]
        item.status_label = ITEM_STATUS_LABELS.get(item.status, item.status)  # type: ignore[attr-defined]
    return page, items


@require_GET
@desk_view(PRINT)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _decorate(svc.get_batch(pk=pk, user=request.user))
    status = request.GET.get("status", "")
    if status not in {str(k) for k in ITEM_STATUS_LABELS}:
        status = ""
    page, items = _items(batch, status, request.GET.get("page"))
    context = {
        "nav": "batches",
        "batch": batch,
        "page": page,
        "items": items,
        "status": status,
        "tabs": _tabs(batch),
        "reasons": list(VOID_REASON_LABELS.items()),
        "can_void": request.user.has_perm(VOID),
        "sizes": LABEL_SIZES,
    }
    return private(render(request, "fulfilment/batch_detail.html", context))


def _tabs(batch: PrintBatch) -> list[tuple[str, Any, int]]:
    counts: dict[str, int] = {
        BatchItemStatus.ISSUED: batch.issued,
        BatchItemStatus.FAILED: batch.failed,
        BatchItemStatus.PENDING: batch.pending,  # type: ignore[attr-defined]
    }
    return [("", _("All"), batch.total)] + [(k, label, counts[k]) for k, label in ITEM_STATUS_LABELS.items()]


@require_GET
@desk_view(PRINT)
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress block, polled by htmx while the batch runs (the state badge and the tab counts
    ride along out of band); the page reloads when the batch ends."""
    batch = _decorate(svc.get_batch(pk=pk, user=request.user))
    status = request.GET.get("status", "")
    context = {"batch": batch, "poll": True, "tabs": _tabs(batch), "status": status}
    response = render(request, "fulfilment/batch_progress.html", context)
    if request.GET.get("was") == "active" and not batch.active:  # type: ignore[attr-defined]
        response["HX-Refresh"] = "true"
    return private(response)


@require_GET
@desk_view(PRINT)
def batch_pdf(request: HttpRequest, pk: int) -> HttpResponseBase:
    batch = svc.get_batch(pk=pk, user=request.user)
    response = label_audit.batch_pdf_response(batch=batch, user=request.user, request=request, via="desk")
    if response is None:
        raise Http404("this batch has no labels file")
    return private(response)


@require_POST
@desk_view(PRINT)
def batch_resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _batch_action(request, pk, svc.resume_batch, _("The batch continues from where it stopped."))


@require_POST
@desk_view(VOID)
def batch_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    done = _("Batch cancelled: its unprinted orders are back in the ready queue.")
    return _batch_action(request, pk, svc.cancel_batch, done)


def _batch_action(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    """Resume or cancel a batch of the user's shops (another shop's: 404) and say how it went."""
    svc.get_batch(pk=pk, user=request.user)
    try:
        with transaction.atomic():
            action(batch_id=pk, user=request.user, request=request)
    except FahuoError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("fulfilment:batch_detail", pk=pk)


def _back(pk: int, request: HttpRequest) -> str:
    query = {
        k: v
        for k, v in (("status", request.POST.get("status", "")), ("page", request.POST.get("page", "")))
        if v
    }
    return reverse("fulfilment:batch_detail", args=[pk]) + (f"?{urlencode(query)}" if query else "")


def _batch_order(request: HttpRequest, pk: int, order_pk: int) -> tuple[PrintBatch, Order]:
    """A batch of the user's shops and one of its orders; 404 for anything else."""
    batch = svc.get_batch(pk=pk, user=request.user)
    order = Order.objects.filter(pk=order_pk, batch_items__batch=batch).first()
    if order is None:
        raise Http404("order not in this batch")
    return batch, order


@require_POST
@desk_view(PRINT)
def batch_reprint(request: HttpRequest, pk: int, order_pk: int) -> HttpResponseBase:
    """One order's label again as a PDF download: the same waybill, or a new one after a void."""
    batch, order = _batch_order(request, pk, order_pk)
    posted = request.POST.get("size", "")
    size = posted if posted in dict(LABEL_SIZES) else batch.size
    result = print_orders(orders=Order.objects.filter(pk=order.pk), size=size, user=request.user)
    audit(
        user=request.user,
        action="labels.reprint",
        object_type="order",
        object_id=order.pk,
        request=request,
        detail={"batch": batch.pk, "pages": result.pages, "issued": result.issued},
    )
    if not result.pages:
        reason = result.failed[0][1] if result.failed else _("No label to print.")
        messages.error(
            request,
            _("Order %(no)s was not printed: %(reason)s") % {"no": order.platform_order_id, "reason": reason},
        )
        return redirect(_back(pk, request))
    response = FileResponse(
        result.path.open("rb"), as_attachment=True, filename=f"fahuo-{order.platform_order_id}.pdf"
    )
    response["Content-Type"] = "application/pdf"
    return private(response)


@require_POST
@desk_view(VOID)
def batch_void(request: HttpRequest, pk: int, order_pk: int) -> HttpResponse:
    """Void (作废) one order's waybill with the provider; the order goes back to the ready queue."""
    order = _batch_order(request, pk, order_pk)[1]
    require(request, VOID, order.shop_id)  # the role in this order's shop
    try:
        voided = cancel_waybill(
            order=order,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
            user=request.user,
            request=request,
        )
    except FahuoError as exc:
        messages.error(request, _("Could not void the waybill: %(reason)s") % {"reason": exc.message})
    else:
        messages.success(
            request,
            _("Waybill %(no)s voided (%(reason)s). Order %(order)s is ready to print again.")
            % {"no": voided.tracking_no, "reason": voided.reason, "order": order.platform_order_id},
        )
    return redirect(_back(pk, request))
