"""Allocation pages: plan a run, read its preview and explanations, override, apply; seller rules.

Views parse input, call a service or selector, and render; htmx requests get fragments. Reading
needs ``orders.view_order``; planning, overriding, applying and editing rules need
``orders.change_order`` (owners and operators; packers are read-only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fahuo.accounts.services import require
from fahuo.carriers.models import Carrier
from fahuo.inventory.models import Warehouse
from fahuo.kit.errors import FahuoError, InvalidInput
from fahuo.kit.web import desk_view, fahuo_error, htmx_target, is_htmx, private, vary_on_htmx
from fahuo.routing import rules as seller_rules
from fahuo.routing import selectors, services
from fahuo.routing.forms import (
    CHANNEL_LABELS,
    RULE_KIND_LABELS,
    TRAIT_LABELS,
    DecisionFilterForm,
    GroupOverrideForm,
    KindForm,
    OverrideForm,
    PlanForm,
    RuleForm,
)
from fahuo.routing.models import AllocationRun, RuleKind

VIEW = "orders.view_order"
CHANGE = "orders.change_order"
PAGE_SIZE = 50


# --- runs --------------------------------------------------------------------------------------------


@require_GET
@desk_view(VIEW)
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "nav": "allocation",
        "ready": selectors.ready_count(user=request.user),
        "runs": selectors.recent_runs(limit=12, user=request.user),
        "rules": [r for r in selectors.rules() if r.active],
        "plan_form": PlanForm(),
    }
    return render(request, "routing/home.html", context)


@require_POST
@desk_view(CHANGE)
def plan(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.POST)
    if not form.is_valid():
        for error in form.non_field_errors():
            messages.error(request, str(error))
        return redirect("routing:home")
    window = form.cleaned_data["window"] or (None, None)
    try:
        with transaction.atomic():
            run = services.plan_allocation(
                orders=services.ready_orders(user=request.user),
                user=request.user,
                pickup_start=window[0],
                pickup_end=window[1],
            )
    except FahuoError as exc:
        return fahuo_error(request, exc)
    if not run.orders:
        messages.info(request, _("There are no ready orders to allocate."))
    return redirect("routing:run", pk=run.pk)


@require_GET
@desk_view(VIEW)
def run_page(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run(pk=pk, user=request.user)
    lanes = selectors.lanes_of(run)
    provinces = selectors.run_provinces(run=run)
    form = DecisionFilterForm(
        request.GET, carriers=lanes["carriers"], warehouses=lanes["warehouses"], provinces=provinces
    )
    filters = form.filters()
    decisions = selectors.decisions(
        run=run,
        carrier=filters.get("carrier"),
        warehouse=filters.get("warehouse"),
        province=filters.get("province"),
        reason=filters.get("reason"),
    )
    page = Paginator(decisions, PAGE_SIZE).get_page(request.GET.get("page"))
    show = request.GET.get("show", "")
    context: dict[str, Any] = {
        "shown_id": int(show) if show.isdigit() else None,
        "nav": "allocation",
        "run": run,
        "form": form,
        "page": page,
        "filtered": bool(filters),
        "editable": run.status == services.STATUS_PREVIEW and request.user.has_perm(CHANGE),
    }
    if htmx_target(request) == "decision-results":
        return vary_on_htmx(render(request, "routing/_decisions.html", context))
    figures = services.figures(run)
    context.update(
        figures=figures,
        summary=run.summary or {},
        capacity_rows=_capacity_rows(run),
        pickup_table=_pickup_table(run),
        provinces=provinces,
        reasons=selectors.run_reasons(run=run),
        group_form=GroupOverrideForm(),
    )
    if context["shown_id"]:
        try:
            context["shown"] = _explain_context(run, context["shown_id"])
        except FahuoError:
            pass
    return vary_on_htmx(private(render(request, "routing/run.html", context)))


def _capacity_rows(run: AllocationRun) -> list[dict[str, Any]]:
    """Per carrier: orders, freight, and per warehouse the parcels used of the cap."""
    s = run.summary or {}
    caps, lanes = s.get("capacity", {}), s.get("lanes", {})
    names = s.get("carrier_names", {})
    warehouses = list(s.get("warehouse_names", {}))
    by_code = {row["code"]: row for row in s.get("carriers", [])}
    rows = []
    for code, name in names.items():
        row = by_code.get(code, {"orders": 0, "freight_fen": 0})
        cells = []
        for w in warehouses:
            key = services.lane_key(code, w)
            used, cap = lanes.get(key, 0), caps.get(key, -1)
            cells.append({"used": used, "cap": cap, "full": 0 <= cap <= used})
        rows.append(
            {
                "code": code,
                "name": name,
                "orders": row["orders"],
                "freight_fen": row["freight_fen"],
                "cells": cells,
            }
        )
    rows.sort(key=lambda r: (-r["orders"], r["code"]))
    return rows


def _pickup_table(run: AllocationRun) -> dict[str, Any] | None:
    """Parcels per carrier × warehouse and pickup hour against the per-hour cap (a run with a window)."""
    window = (run.summary or {}).get("pickup")
    if not window:
        return None
    counts = (run.summary or {}).get("pickup_counts", {})
    hours = [dt.datetime.fromisoformat(h) for h in window["hours"]]
    names = (run.summary or {}).get("carrier_names", {})
    lanes = sorted(set(counts) | set(window["per_hour"]), key=lambda k: (k.split("@")[0], k))
    rows = []
    for key in lanes:
        carrier = key.split("@")[0]
        cap = int(window["per_hour"].get(key, -1))
        open_hours = set(window["open"].get(carrier, []))
        used = counts.get(key, {})
        cells = []
        for k, h in enumerate(hours):
            n = int(used.get(h.isoformat(), 0))
            cells.append(
                {"used": n, "cap": cap, "open": k in open_hours, "full": k in open_hours and 0 <= cap <= n}
            )
        rows.append({"key": key, "name": names.get(carrier, carrier), "cap": cap, "cells": cells})
    return {"hours": hours, "rows": rows}


def _explain_context(run: AllocationRun, order_id: int) -> dict[str, Any]:
    decision = selectors.decision(run=run, order_id=order_id)
    exp = decision.explanation or {}
    options = exp.get("options", [])
    return {
        "decision": decision,
        "exp": exp,
        "options": options,
        "feasible": [o for o in options if o.get("allowed")],
        "removed_by_rule": sorted({o["seller_rule"] for o in options if o.get("seller_rule")}),
        "warehouse_names": (run.summary or {}).get("warehouse_names", {}),
        "carrier_names": (run.summary or {}).get("carrier_names", {}),
    }


@require_GET
@desk_view(VIEW)
def explain(request: HttpRequest, pk: int, order_id: int) -> HttpResponse:
    run = selectors.run(pk=pk, user=request.user)
    if not is_htmx(request):
        return redirect(f"{reverse('routing:run', args=[pk])}?{urlencode({'show': order_id})}")
    try:
        context = _explain_context(run, order_id)
    except FahuoError as exc:
        return fahuo_error(request, exc)
    context.update(run=run, editable=run.status == services.STATUS_PREVIEW and request.user.has_perm(CHANGE))
    return private(render(request, "routing/_explain.html", context))


def _back(request: HttpRequest, run: AllocationRun, **params: Any) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "")}
    url = reverse("routing:run", args=[run.pk])
    return f"{url}?{urlencode(query)}" if query else url


def _override(
    request: HttpRequest,
    run: AllocationRun,
    ids: list[int],
    carrier_code: str,
    warehouse_code: str,
    *,
    skip_infeasible: bool = False,
) -> tuple[services.OverrideResult, Carrier, Warehouse] | None:
    """Override in one transaction; a refusal becomes the page's error message (None)."""
    try:
        with transaction.atomic():
            carrier, warehouse = _lane(carrier_code, warehouse_code)
            result = services.override(
                run=run,
                order_ids=ids,
                carrier=carrier,
                warehouse=warehouse,
                user=request.user,
                skip_infeasible=skip_infeasible,
            )
    except FahuoError as exc:
        messages.error(request, exc.message)
        return None
    return result, carrier, warehouse


OverrideView = Callable[[HttpRequest, AllocationRun, Any], HttpResponse]
RunView = Callable[[HttpRequest, int], HttpResponse]


def _override_view(form_class: type[forms.Form], error: Promise) -> Callable[[OverrideView], RunView]:
    """An override POST (``orders.change_order``): the view gets the run and the valid posted form;
    an invalid form goes back to the run with ``error``."""

    def decorate(view: OverrideView) -> RunView:
        @require_POST
        @desk_view(CHANGE)
        @wraps(view)
        def wrapper(request: HttpRequest, pk: int) -> HttpResponse:
            run = selectors.run(pk=pk, user=request.user)
            form = form_class(request.POST)
            if not form.is_valid():
                messages.error(request, str(error))
                return redirect(_back(request, run))
            return view(request, run, form)

        return wrapper

    return decorate


@_override_view(OverrideForm, gettext_lazy("Choose a carrier and a warehouse."))
def override_order(request: HttpRequest, run: AllocationRun, form: OverrideForm) -> HttpResponse:
    order_id = form.cleaned_data["order"]
    carrier_code, warehouse_code = form.cleaned_data["lane"]
    _require_role_in_shops(request, run, order_ids=[order_id])
    done = _override(request, run, [order_id], carrier_code, warehouse_code)
    if done is not None:
        carrier, warehouse = done[1], done[2]
        messages.success(
            request,
            _("The order now ships with %(carrier)s from %(warehouse)s.")
            % {"carrier": carrier.name, "warehouse": warehouse.name},
        )
    return redirect(_back(request, run, show=order_id))


@_override_view(GroupOverrideForm, gettext_lazy("Choose a province, a carrier and a warehouse."))
def override_group(request: HttpRequest, run: AllocationRun, form: GroupOverrideForm) -> HttpResponse:
    data = form.cleaned_data
    ids = selectors.group_order_ids(run=run, province=data["province"])
    _require_role_in_shops(request, run, order_ids=ids)
    done = _override(
        request, run, ids, data["carrier"], data["warehouse"], skip_infeasible=data["skip_infeasible"]
    )
    if done is not None:
        result, carrier, warehouse = done
        text = _("%(n)s orders to %(province)s now ship with %(carrier)s from %(warehouse)s.") % {
            "n": result.updated,
            "province": data["province"],
            "carrier": carrier.name,
            "warehouse": warehouse.name,
        }
        if result.skipped:
            text += " " + _("%(n)s could not use it and kept their choice.") % {"n": len(result.skipped)}
        messages.success(request, text)
    return redirect(_back(request, run, province=data["province"]))


def _require_role_in_shops(request: HttpRequest, run: AllocationRun, order_ids: Any = None) -> None:
    """403 (desk_view's error page) unless the user's role may change orders in every shop whose
    orders this changes — an operator of one shop who only packs for another cannot allocate its orders."""
    for shop_id in selectors.shop_ids(run=run, order_ids=order_ids):
        require(request, CHANGE, shop=shop_id)


def _lane(carrier_code: str, warehouse_code: str) -> tuple[Carrier, Warehouse]:
    carrier = Carrier.objects.filter(code=carrier_code).first()
    warehouse = Warehouse.objects.filter(code=warehouse_code).first()
    if carrier is None or warehouse is None:
        raise InvalidInput(
            _("Unknown carrier or warehouse: %(lane)s") % {"lane": f"{carrier_code}@{warehouse_code}"}
        )
    return carrier, warehouse


@require_POST
@desk_view(CHANGE)
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run(pk=pk, user=request.user)
    _require_role_in_shops(request, run)
    try:
        with transaction.atomic():
            result = services.apply_run(run=run, user=request.user, request=request)
    except FahuoError as exc:
        messages.error(request, exc.message)
        return redirect(_back(request, run))
    if result.already:
        messages.info(request, _("This allocation was applied already."))
    # otherwise the run page itself says what was applied
    return redirect(_back(request, run))


# --- rules ---------------------------------------------------------------------------------------------


@require_GET
@desk_view(VIEW)
def rule_list(request: HttpRequest) -> HttpResponse:
    labels = {**TRAIT_LABELS, **CHANNEL_LABELS}
    rows = [
        {"rule": r, "kind": RULE_KIND_LABELS.get(r.kind, r.kind), "params": seller_rules.describe(r, labels)}
        for r in selectors.rules()
    ]
    context = {"nav": "allocation", "rows": rows, "kind_form": KindForm()}
    return render(request, "routing/rules.html", context)


@desk_view(CHANGE)
def rule_new(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind") or request.GET.get("kind", "")
    if kind not in RULE_KIND_LABELS:
        return redirect("routing:rules")
    return _rule_form(request, kind=kind, rule=None)


@desk_view(CHANGE)
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        rule = selectors.rule(pk=pk)
    except FahuoError as exc:
        return fahuo_error(request, exc)
    return _rule_form(request, kind=rule.kind, rule=rule)


def _rule_form(request: HttpRequest, *, kind: str, rule: Any) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = RuleForm(request.POST, kind=kind)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    seller_rules.save_rule(
                        rule=rule,
                        kind=kind,
                        name=data["name"],
                        params=data["params"],
                        priority=data["priority"],
                        active=data["active"],
                        user=request.user,
                    )
            except FahuoError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Rule saved. It applies from the next plan."))
                return redirect("routing:rules")
        else:
            status = 400
    else:
        form = RuleForm(kind=kind, initial=RuleForm.initial_for(rule) if rule else None)
    context = {
        "nav": "allocation",
        "form": form,
        "kind": kind,
        "kind_label": RULE_KIND_LABELS[RuleKind(kind)],
        "rule": rule,
    }
    return render(request, "routing/rule_form.html", context, status=status)


@require_POST
@desk_view(CHANGE)
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        with transaction.atomic():
            seller_rules.toggle_rule(rule=selectors.rule(pk=pk), user=request.user)
    except FahuoError as exc:
        return fahuo_error(request, exc)
    return redirect("routing:rules")


@require_POST
@desk_view(CHANGE)
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        with transaction.atomic():
            rule = selectors.rule(pk=pk)
            seller_rules.delete_rule(rule=rule, user=request.user)
    except FahuoError as exc:
        return fahuo_error(request, exc)
    messages.success(request, _("Rule deleted."))
    return redirect("routing:rules")
