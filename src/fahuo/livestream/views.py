"""Live pages: sessions list, session form, session detail (forecast, capacity check, plan, notices)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fahuo.accounts.selectors import shops_for
from fahuo.kit.errors import FahuoError
from fahuo.kit.web import desk_view, error_page
from fahuo.livestream import consistency, notices, selectors, services
from fahuo.livestream.models import LiveSession
from fahuo.livestream.planning import Plan, plan_session

READ = "orders.view_order"
WRITE = "orders.change_order"


class SessionForm(forms.ModelForm):
    featured_text = forms.CharField(
        label=gettext_lazy("Featured SKUs (one per line: SKU code, planned units)"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": gettext_lazy("SKU code and planned units, one per line")}
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shop_field = self.fields["shop"]
        assert isinstance(shop_field, forms.ModelChoiceField)
        shop_field.queryset = shops_for(user)  # a session only for one of the user's shops

    class Meta:
        model = LiveSession
        fields = [
            "shop", "title", "host", "room", "starts_at", "ends_at", "tail_hours", "status", "expected_orders",
            "packers", "orders_per_packer_hour", "pickup_address", "contact", "notes",
        ]  # fmt: skip
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "shop": gettext_lazy("Shop"),
            "title": gettext_lazy("Title"),
            "host": gettext_lazy("Host"),
            "room": gettext_lazy("Room"),
            "starts_at": gettext_lazy("Starts"),
            "ends_at": gettext_lazy("Ends"),
            "tail_hours": gettext_lazy("Tail hours (orders after the stream)"),
            "status": gettext_lazy("Status"),
            "expected_orders": gettext_lazy("Expected orders (your estimate)"),
            "packers": gettext_lazy("Packers"),
            "orders_per_packer_hour": gettext_lazy("Orders per packer per hour"),
            "pickup_address": gettext_lazy("Pickup address"),
            "contact": gettext_lazy("Contact"),
            "notes": gettext_lazy("Notes"),
        }


def _fresh_session(user: Any) -> LiveSession:
    tomorrow = timezone.localdate() + timedelta(days=1)
    start = timezone.make_aware(datetime.combine(tomorrow, datetime.min.time()).replace(hour=20))
    shop = shops_for(user).order_by("pk").first()
    return LiveSession(
        shop=shop, starts_at=start, ends_at=start + timedelta(hours=2),
        pickup_address=shop.sender_address if shop else "",
        contact=f"{shop.sender_name} {shop.sender_phone}".strip() if shop else "",
    )  # fmt: skip


@desk_view(READ)
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.sessions(user=request.user).prefetch_related("notices"))
    return render(request, "livestream/session_list.html", {"nav": "live", "rows": rows})


@desk_view(WRITE)
def session_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    session = selectors.resolve_session(pk, user=request.user) if pk else _fresh_session(request.user)
    form = SessionForm(
        request.POST or None,
        user=request.user,
        instance=session,
        initial={"featured_text": services.featured_text(session) if pk else ""},
    )
    if request.method == "POST" and form.is_valid():
        try:
            featured = services.parse_featured(form.cleaned_data["featured_text"])
            with transaction.atomic():
                saved = services.save_session(session=form.save(commit=False), featured=featured)
                services.refresh_forecast(session=saved)
        except FahuoError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Session saved."))
            return redirect("live:session_detail", pk=saved.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "livestream/session_form.html",
        {"nav": "live", "form": form, "session": session},
        status=status,
    )


@desk_view(READ)
@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        session = selectors.resolve_session(pk, user=request.user)
    except FahuoError as exc:
        return error_page(request, exc.message, status=exc.status)
    plan = plan_session(session=session)
    f = plan.forecast
    peak = max(f.hourly or [0]) or 1
    bars = [
        {"label": (timezone.localtime(session.starts_at) + timedelta(hours=k)).strftime("%H:00"), "n": n,
         "pct": round(100 * n / peak)}
        for k, n in enumerate(f.hourly)
    ]  # fmt: skip
    context: dict[str, Any] = {
        "nav": "live",
        "session": session,
        "plan": plan,
        **plan_display(plan),
        "bars": bars,
        "actual": selectors.session_orders(session).count() if session.status != "planned" else None,
        **_notice_context(session, plan),
        "basis": consistency.basis_sessions(plan.forecast.basis),
        "can_write": request.user.has_perm(WRITE),
    }
    return render(request, "livestream/session_detail.html", context)


SOURCES = {
    "shop": gettext_lazy("this shop's past orders"),
    "seller": gettext_lazy("all your shops' past orders"),
    "national": gettext_lazy("a national default mix"),
}


def pickup_chart(plan: Plan) -> dict[str, Any] | None:
    """ECharts option: pickups per hour and carrier at the forecast point (stacked bars), the high
    end's pickups per hour (dashed line)."""
    hours_ = sorted({s.start for s in plan.slots} | {s.start for s in plan.peak_slots})
    if not hours_:
        return None
    at = {t: k for k, t in enumerate(hours_)}
    labels = [timezone.localtime(t).strftime("%m-%d %H:00") for t in hours_]
    series: list[dict[str, Any]] = []
    for c in plan.carriers:
        data = [0] * len(hours_)
        for s in plan.slots_for(c.code):
            data[at[s.start]] = s.parcels
        if any(data):
            series.append({"name": c.name, "type": "bar", "stack": "pickups", "data": data})
    peak = [0] * len(hours_)
    for s in plan.peak_slots:
        peak[at[s.start]] += s.parcels
    series.append({"name": _("At the high end"), "type": "line", "data": peak, "showSymbol": False,
                   "lineStyle": {"type": "dashed"}})  # fmt: skip
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll"},
        "grid": {"left": 40, "right": 16, "top": 40, "bottom": 28},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": series,
    }


def _notice_context(session: LiveSession, plan: Plan) -> dict[str, Any]:
    """The notices next to the plan they are shown under (stale ones flagged), channels in words."""
    rows = consistency.notices_against_plan(session=session, plan=plan)
    return {
        "notices": rows,
        "notices_stale": any(row.stale for row in rows),
        "channels": [(c, consistency.channel_label(c)) for c in notices.SEND_CHANNELS],
    }


def plan_display(plan: Plan) -> dict[str, Any]:
    """Yuan strings, the pickups chart and the over-capacity rows for the plan card."""
    from fahuo.livestream.exports import yuan

    rows = [{**asdict(c), "freight_yuan": yuan(c.freight_fen)} for c in plan.carriers]
    details = plan.optimiser
    over = [
        {"hour": datetime.fromisoformat(r["hour"]), "parcels": r["parcels"]}
        for r in (details.get("peak", {}).get("over_capacity_by_hour", []) if details else [])
    ]
    saving = plan.saving_fen
    return {
        "carrier_rows": rows,
        "pickup_chart": pickup_chart(plan),
        "over_capacity": over,
        "money": {
            "freight": yuan(plan.freight_fen),
            "greedy": yuan(plan.greedy_fen),
            "saving": yuan(saving) if saving and saving > 0 else "",
            "source": SOURCES.get(details.get("population", {}).get("source", ""), "") if details else "",
        },
    }


@desk_view(WRITE)
@require_POST
def notices_create(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.resolve_session(pk, user=request.user)
    with transaction.atomic():
        services.refresh_forecast(session=session)
        made = notices.create_notices(session=session)
    messages.success(request, _("%(n)d peak notices written.") % {"n": len(made)})
    return redirect("live:session_detail", pk=session.pk)


@desk_view(WRITE)
@require_POST
def notice_sent(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    session = selectors.resolve_session(pk, user=request.user)
    with transaction.atomic():
        notice = notices.notice_for(session=session, code=code)
        notices.mark_sent(notice=notice, user=request.user, via=request.POST.get("via", "manual"))
    messages.success(request, _("Marked as sent to %(carrier)s.") % {"carrier": notice.carrier.name})
    return redirect("live:session_detail", pk=session.pk)


@desk_view(READ)
@require_GET
def notice_file(request: HttpRequest, pk: int, code: str, ext: str) -> HttpResponse:
    try:
        session = selectors.resolve_session(pk, user=request.user)
        found = notices.notices_for(session=session, code=code)
    except FahuoError as exc:
        return error_page(request, exc.message, status=exc.status)
    name = f"peak-notice-{session.pk}-{code.upper()}.{ext}"
    if ext == "pdf":
        response = HttpResponse(notices.render_pdf(found), content_type="application/pdf")
    else:
        response = HttpResponse(
            notices.render_xlsx(found),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
