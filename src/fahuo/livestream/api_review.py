"""JSON API of the live board and the session review (mounted at ``/api/live/review``).

``{ref}`` is a session id, ``latest``, ``next`` or ``current``. Reading needs ``orders.view_order``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Router

from fahuo.accounts.services import require
from fahuo.livestream import board as live_board
from fahuo.livestream import exports, review

router = Router()
VIEW = "orders.view_order"


@router.get("/sessions/{ref}/review")
def session_review(
    request: HttpRequest, ref: str, kind: str = "24h", refresh: bool = False
) -> dict[str, Any]:
    """The 24 h (pickup/shipped rates per carrier, late parcels) or 7 d (loss/damage) review."""
    require(request, VIEW)
    session = review.resolve_session(ref, user=request.user)
    with transaction.atomic():
        return review.stored_or_computed(session=session, kind=kind, refresh=refresh)


def _file(request: HttpRequest, ref: str, fmt: str) -> HttpResponse:
    require(request, VIEW)
    session = review.resolve_session(ref, user=request.user)
    body, ctype, filename = exports.review_file(session, fmt)
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/sessions/{ref}/review.xlsx")
def session_review_xlsx(request: HttpRequest, ref: str) -> HttpResponse:
    """The review (24 h and 7 d) as an Excel workbook."""
    return _file(request, ref, "xlsx")


@router.get("/sessions/{ref}/review.pdf")
def session_review_pdf(request: HttpRequest, ref: str) -> HttpResponse:
    """The review (24 h and 7 d) as an A4 PDF."""
    return _file(request, ref, "pdf")


@router.get("/sessions/{ref}/board")
def session_board(request: HttpRequest, ref: str) -> dict[str, Any]:
    """The live board's panels right now (orders per minute vs forecast, pipeline, carriers, alerts)."""
    require(request, VIEW)
    data = live_board.board(review.resolve_session(ref, user=request.user))
    session = data.pop("session")
    return {**data, "session": {"id": session.pk, "title": session.title}}


@router.get("/history")
def session_history(
    request: HttpRequest, shop_id: int | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """Past sessions side by side: orders, forecast error, pickup 24 h, shipped 48 h, damage rate."""
    require(request, VIEW)
    return review.history(shop_id=shop_id, limit=min(max(limit, 1), 100), user=request.user)
