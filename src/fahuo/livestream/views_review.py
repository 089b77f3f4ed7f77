"""Desk pages for the live board (auto-refreshing with htmx) and the session review with exports.

Reading needs ``orders.view_order``; a session that is unknown or another shop's raises, and
``desk_view`` answers with the error page. Charts are ECharts options built here and handed to the page
with ``json_script``; ``livestream/charts.js`` draws every ``[data-echart]`` (again after a swap).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fahuo.kit.errors import FahuoError
from fahuo.kit.web import desk_view, fahuo_error, is_htmx, private, vary_on_htmx
from fahuo.livestream import board as live_board
from fahuo.livestream import exports, review

VIEW = "orders.view_order"
REFRESH_SECONDS = 8


def board_chart(chart: dict[str, Any]) -> dict[str, Any]:
    """ECharts option: orders per minute (bars) against the forecast per minute (line)."""
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [_("Orders per minute"), _("Forecast")]},
        "grid": {"left": 40, "right": 16, "top": 36, "bottom": 28},
        "xAxis": {"type": "category", "data": chart["labels"]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": _("Orders per minute"),
                "type": "line",
                "data": chart["actual"],
                "showSymbol": False,
                "areaStyle": {"opacity": 0.15},
            },
            {
                "name": _("Forecast"),
                "type": "line",
                "data": chart["forecast"],
                "showSymbol": False,
                "lineStyle": {"type": "dashed"},
            },
        ],
    }


def history_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """ECharts option: orders per session (bars) with pickup/shipped/damage rates (lines, %)."""

    def pct(key: str) -> list[float | None]:
        return [None if r[key] is None else round(r[key] * 100, 1) for r in rows]

    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [_("Orders"), _("Pickup 24 h"), _("Shipped 48 h"), _("Damage rate")]},
        "grid": {"left": 48, "right": 48, "top": 36, "bottom": 28},
        "xAxis": {"type": "category", "data": [r["starts_at"][:10] if r["starts_at"] else "" for r in rows]},
        "yAxis": [
            {"type": "value", "minInterval": 1},
            {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        ],
        "series": [
            {"name": _("Orders"), "type": "bar", "data": [r["orders"] for r in rows]},
            {"name": _("Pickup 24 h"), "type": "line", "yAxisIndex": 1, "data": pct("pickup_rate_24h")},
            {"name": _("Shipped 48 h"), "type": "line", "yAxisIndex": 1, "data": pct("shipped_rate_48h")},
            {"name": _("Damage rate"), "type": "line", "yAxisIndex": 1, "data": pct("damage_rate")},
        ],
    }


def _rows_display(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        row["pickup_pct"] = exports.pct(row["pickup_rate_24h"])
        row["shipped_pct"] = exports.pct(row["shipped_rate_48h"])
        row["damage_pct"] = exports.pct(row["damage_rate"])


def _with_display(r24: dict[str, Any], r7: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """Add ``*_pct`` / ``*_yuan`` display strings next to the fractions and fen (in place)."""
    pct, yuan = exports.pct, exports.yuan
    for key in ("pickup_rate_24h", "shipped_rate_48h"):
        r24[f"{key}_pct"] = pct(r24[key])
    r24["has_freight"] = (
        r24.get("actual_freight_fen") is not None or r24.get("planned_freight_fen") is not None
    )
    for row in (r24, *r24["carriers"]):
        row["freight_yuan"] = yuan(row["freight_fen"])
        row["planned_freight_yuan"] = yuan(row.get("planned_freight_fen"))
        row["actual_freight_yuan"] = yuan(row.get("actual_freight_fen", row["freight_fen"]))
        row["freight_diff_text"] = exports.diff_text(row.get("freight_diff_fen"), row.get("freight_diff_pct"))
        row["freight_over_plan"] = (row.get("freight_diff_fen") or 0) > 0
    for c in r24["carriers"]:
        for key in ("pickup_rate_24h", "shipped_rate_48h", "capacity_used"):
            c[f"{key}_pct"] = pct(c[key])
    for key in ("loss_rate", "damage_rate"):
        r7[f"{key}_pct"] = pct(r7[key])
    for r in [*r7["regions"], *r7["carriers"], *r7["advice"]]:
        for key in ("loss_rate", "damage_rate"):
            if key in r:
                r[f"{key}_pct"] = pct(r[key])
    _rows_display(rows)


@require_GET
@desk_view(VIEW)
def board_page(request: HttpRequest, ref: str) -> HttpResponse:
    session = review.resolve_session(ref, user=request.user)
    data = live_board.board(session)
    context = {
        "nav": "live",
        "ref": ref,
        "b": data,
        "chart": board_chart(data["chart"]),
        "refresh": REFRESH_SECONDS,
    }
    template = "livestream/board_panel.html" if is_htmx(request) else "livestream/board.html"
    return vary_on_htmx(private(render(request, template, context)))


@require_GET
@desk_view(VIEW)
def review_page(request: HttpRequest, ref: str) -> HttpResponse:
    session = review.resolve_session(ref, user=request.user)
    try:
        with transaction.atomic():
            r24 = review.stored_or_computed(session=session, kind="24h", refresh="refresh" in request.GET)
            r7 = review.stored_or_computed(session=session, kind="7d", refresh="refresh" in request.GET)
    except FahuoError as exc:
        return fahuo_error(request, exc)
    rows = review.history(shop_id=session.shop_id, limit=12, user=request.user)
    _with_display(r24, r7, rows)
    context = {
        "nav": "live",
        "session": session,
        "r24": r24,
        "r7": r7,
        "late": r24["late"][:50],
        "history": rows,
        "history_chart": history_chart(rows),
    }
    return private(render(request, "livestream/review.html", context))


@require_GET
@desk_view(VIEW)
def review_history(request: HttpRequest) -> HttpResponse:
    rows = review.history(limit=30, user=request.user)
    _rows_display(rows)
    context = {"nav": "live", "history": rows, "history_chart": history_chart(rows)}
    return render(request, "livestream/review_history.html", context)


def _export(request: HttpRequest, ref: str, fmt: str) -> HttpResponse:
    session = review.resolve_session(ref, user=request.user)
    body, ctype, filename = exports.review_file(session, fmt)
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return private(response)


@require_GET
@desk_view(VIEW)
def review_xlsx(request: HttpRequest, ref: str) -> HttpResponse:
    return _export(request, ref, "xlsx")


@require_GET
@desk_view(VIEW)
def review_pdf(request: HttpRequest, ref: str) -> HttpResponse:
    return _export(request, ref, "pdf")
