"""Desk pages for tracking: the alert queue (filter, assign, note, resolve, tell the buyer, the
per-kind auto-messaging switches) and a parcel's trace.

Everyone with a desk role reads; owners and operators work alerts (packers only read).
htmx posts get the alert's row back; plain posts redirect to the queue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fahuo.accounts.selectors import can, is_global_owner, visible
from fahuo.kit.errors import FahuoError, InvalidInput, NotSupported, PermissionDenied
from fahuo.kit.web import desk_view, fahuo_error, htmx_target, is_htmx, private, vary_on_htmx
from fahuo.tracking import events, rules, selectors, services
from fahuo.tracking.forms import KIND_LABELS, AlertFilterForm, AssignForm, AutoMessageForm, NoteForm
from fahuo.tracking.models import Alert, AlertStatus, MessageStatus, PlatformMessage

PAGE_SIZE = 50
VIEW = "orders.view_order"
CHANGE = selectors.CHANGE_PERMISSION


def _kind_tabs(request: HttpRequest, counts: dict[str, int], current: str) -> list[dict[str, Any]]:
    """One tab per kind with its count, keeping the other filters; "all" first."""
    params = request.GET.copy()
    params.pop("page", None)
    tabs = []
    for kind, label in [("", None), *KIND_LABELS.items()]:
        if kind and not counts.get(kind) and kind != current:
            continue
        params["kind"] = kind
        tabs.append(
            {
                "kind": kind,
                "label": label,
                "n": counts.get(kind, 0) if kind else sum(counts.values()),
                "query": params.urlencode(),
                "current": kind == current,
            }
        )
    return tabs


@require_GET
@desk_view(VIEW)
def alert_list(request: HttpRequest) -> HttpResponse:
    form = AlertFilterForm(request.GET, user=request.user)
    filters = form.filters()
    queue = selectors.alert_queue(user=request.user, **filters)
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    can_work = request.user.has_perm(CHANGE)
    if can_work:  # each row's "assign to" list names only people of that alert's shop
        page.object_list = selectors.with_assignable_users(page.object_list)
    counts = selectors.alert_counts(user=request.user, **filters)
    context = {
        "nav": "alerts",
        "form": form,
        "page": page,
        "tabs": _kind_tabs(request, counts, filters.get("kind", "")),
        "can_work": can_work,
        "filtered": bool(filters),
    }
    target = htmx_target(request)
    if target == "alert-counts":
        template = "tracking/_alert_tabs.html"
    elif target == "alert-results":
        template = "tracking/_alert_results.html"
    else:
        template = "tracking/alert_list.html"
        context.update(_switches())
        context["stuck_messages"] = (
            visible(PlatformMessage.objects.all(), request.user)
            .filter(status__in=[MessageStatus.PENDING_FETCH, MessageStatus.FAILED])
            .count()
        )
    return vary_on_htmx(render(request, template, context))


def _back(request: HttpRequest) -> str:
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return reverse("tracking:alert_list")


def _act(
    request: HttpRequest, pk: int, action: Callable[[Alert], str], *, changed: bool = True
) -> HttpResponse:
    alert = selectors.alert_for_update(pk=pk, user=request.user)
    if alert.order is not None and not can(request.user, CHANGE, alert.order.shop_id):
        return fahuo_error(request, PermissionDenied(_("Your role does not allow this.")))
    try:
        with transaction.atomic():
            done = action(alert)
    except FahuoError as exc:
        if is_htmx(request):
            return fahuo_error(request, exc)
        messages.error(request, exc.message)
        return redirect(_back(request))
    if not is_htmx(request):
        messages.success(request, done)
        return redirect(_back(request))
    alert = selectors.alert_for_update(pk=pk, user=request.user)
    alert.assignable = selectors.assignable_users(alert=alert)  # type: ignore[attr-defined]
    context = {
        "alert": alert,
        "can_work": True,
        "flash": done,
        "next": request.POST.get("next", ""),
    }
    response = render(request, "tracking/_alert_row.html", context)
    if changed:
        response["HX-Trigger"] = "alerts-changed"  # the kind tabs recount
    return response


@require_POST
@desk_view(CHANGE)
def alert_assign(request: HttpRequest, pk: int) -> HttpResponse:
    def action(alert: Alert) -> str:
        if request.POST.get("me"):
            services.assign_alert(alert=alert, assignee=request.user, user=request.user)
            return _("Assigned to you.")
        form = AssignForm(request.POST)
        if not form.is_valid():
            raise InvalidInput(_("Choose a person."))
        user_id = form.cleaned_data["assignee"]
        assignee = None
        if user_id:
            assignee = next((u for u in selectors.assignable_users(alert=alert) if u.pk == user_id), None)
            if assignee is None:
                raise InvalidInput(_("This person cannot work alerts."))
        services.assign_alert(alert=alert, assignee=assignee, user=request.user)
        if assignee is None:
            return _("Back in the queue.")
        return _("Assigned to %(name)s.") % {"name": assignee.get_username()}

    return _act(request, pk, action)


@require_POST
@desk_view(CHANGE)
def alert_note(request: HttpRequest, pk: int) -> HttpResponse:
    def action(alert: Alert) -> str:
        form = NoteForm(request.POST)
        if not form.is_valid():
            raise InvalidInput(_("The note is too long."))
        services.note_alert(alert=alert, note=form.cleaned_data["note"], user=request.user)
        return _("Note saved.")

    return _act(request, pk, action, changed=False)


@require_POST
@desk_view(CHANGE)
def alert_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    def action(alert: Alert) -> str:
        services.resolve_alert(alert=alert, user=request.user, note=request.POST.get("note"))
        return _("Resolved.")

    return _act(request, pk, action)


@require_POST
@desk_view(CHANGE)
def alert_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    def action(alert: Alert) -> str:
        services.reopen_alert(alert=alert, user=request.user)
        return _("Reopened.")

    return _act(request, pk, action)


@require_POST
@desk_view(CHANGE)
def alert_message(request: HttpRequest, pk: int) -> HttpResponse:
    """Tell the buyer about this alert now (the message auto-messaging held back or never sent)."""
    send_for_alert = events.message_buyer.get()  # provided by notify (tracking never imports it)

    def action(alert: Alert) -> str:
        if alert.status == AlertStatus.RESOLVED:
            raise InvalidInput(_("This alert is resolved."))
        if send_for_alert is None:
            raise NotSupported(_("Buyer messages are not enabled."))
        message = send_for_alert(alert=alert, user=request.user)
        if message is None:
            return _("This message is switched off for the shop.")
        return _("Queued for the buyer.")

    return _act(request, pk, action, changed=False)


def _switches() -> dict[str, Any]:
    hours = rules.message_max_age({}).total_seconds() / 3600
    return {"switches": selectors.auto_message_switches(), "horizon": f"{hours:g}"}


@require_POST
@desk_view(CHANGE)
def auto_message(request: HttpRequest) -> HttpResponse:
    """Switch the buyer's automatic message on or off for one alert kind."""
    form = AutoMessageForm(request.POST)
    if form.is_valid():
        with transaction.atomic():
            rules.set_message_buyer(
                kind=form.cleaned_data["kind"], on=form.cleaned_data["on"], user=request.user
            )
        done = _("Auto-messaging saved.")
    else:
        done = ""
    if not is_htmx(request):
        if done:
            messages.success(request, done)
        return redirect(_back(request))
    context = {**_switches(), "can_work": True, "flash": done}
    return render(request, "tracking/_auto_messages.html", context, status=200 if done else 400)


# --- a parcel's trace ----------------------------------------------------------------------------


@require_GET
@desk_view(VIEW)
def track_detail(request: HttpRequest, pk: int) -> HttpResponse:
    track = selectors.track_for_page(pk=pk, user=request.user)
    context = {
        "nav": "alerts",
        "track": track,
        "events": selectors.track_events(track=track),
        "alerts": selectors.track_alerts(track=track),
    }
    return private(render(request, "tracking/track_detail.html", context))


@require_GET
@desk_view(VIEW)
def track_lookup(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("no", "").strip()
    track = selectors.track_by_number(tracking_no=number, user=request.user) if number else None
    if track is None:
        messages.warning(request, _("No parcel with tracking number %(no)s.") % {"no": number[:40]})
        return redirect("tracking:alert_list")
    return redirect("tracking:track_detail", pk=track.pk)


@require_GET
@desk_view(VIEW)
def shop_message_list(request: HttpRequest) -> HttpResponse:
    """抖店 messages whose order could not be read yet (waiting for a retry, or given up)."""
    stuck = (
        visible(PlatformMessage.objects.all(), request.user)
        .filter(status__in=[MessageStatus.PENDING_FETCH, MessageStatus.FAILED])
        .select_related("shop")
        .order_by("-received_at", "-pk")
    )
    page = Paginator(stuck, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"nav": "alerts", "page": page, "can_work": request.user.has_perm(CHANGE)}
    return render(request, "tracking/shop_messages.html", context)


@require_POST
@desk_view(CHANGE)
def shop_message_retry(request: HttpRequest) -> HttpResponse:
    from fahuo.tracking.shop_fetch import retry_now

    raw = request.POST.getlist("message")
    try:
        ids = [int(v) for v in raw] if raw else None
    except ValueError:
        messages.error(request, _("Unknown message."))
        return redirect("tracking:shop_message_list")
    if ids is not None or not is_global_owner(request.user):
        # Only the user's shops' messages: another shop's ids are dropped, "retry all" means theirs.
        mine = visible(PlatformMessage.objects.all(), request.user)
        ids = list((mine if ids is None else mine.filter(pk__in=ids)).values_list("pk", flat=True))
    with transaction.atomic():
        n = retry_now(ids=ids)
    messages.success(request, _("%(n)d order fetch(es) queued again.") % {"n": n})
    return redirect("tracking:shop_message_list")
