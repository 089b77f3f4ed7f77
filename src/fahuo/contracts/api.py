"""JSON API of carrier contracts (mounted at ``/api/contracts``): weekly statements, their status,
contract terms, claims. Reading needs ``orders.view_order``; changes need the owner's
``contracts.change_contractterms``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from fahuo.accounts.selectors import sees_every_shop, shops_for
from fahuo.accounts.services import require as require_perm
from fahuo.carriers.models import Carrier
from fahuo.contracts import selectors, services
from fahuo.contracts.models import Claim, WeeklyStatement
from fahuo.kit.errors import InvalidInput, NotFound, PermissionDenied

router = Router()


def require(request: HttpRequest, perm: str) -> None:
    """``perm``, and a view of every shop: contracts and statements span every shop's parcels."""
    require_perm(request, perm)
    if not sees_every_shop(request.user):
        raise PermissionDenied(
            _(
                "Carrier contracts, weekly settlement and claims span every shop: this account or token cannot see every shop"
            )
        )


def _shop_out(stmt: WeeklyStatement, user: Any) -> dict[str, Any] | None:
    """A statement as a user who does not see every shop reads it: only their shops' parts."""
    parts = {
        p.shop.code: p.part for p in selectors.shop_parts(user=user, statement=stmt) if p.part is not None
    }
    if not parts:
        return None
    return {"id": stmt.pk, "carrier": stmt.carrier.code, "week_start": stmt.week_start.isoformat(),
            "status": stmt.status, "shops": parts}  # fmt: skip


def _claim_out(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.pk, "claim_id": claim.claim_id, "carrier": claim.carrier.code, "tracking_no": claim.tracking_no,
        "shop": claim.shop.code if claim.shop else None, "kind": claim.kind, "amount_fen": claim.amount_fen,
        "reported_at": claim.reported_at, "verified_at": claim.verified_at, "paid_at": claim.paid_at,
        "responsibility": claim.responsibility,
        "photos": [{"sha256": a.sha256, "content_type": a.content_type, "size": a.size, "name": a.original_name,
                    "duration_ms": a.duration_ms} for a in claim.attachments.all()],
    }  # fmt: skip


VIEW = "orders.view_order"
EDIT = "contracts.change_contractterms"


class GenerateIn(Schema):
    carrier: str
    week_start: str


class StatusIn(Schema):
    status: str
    note: str = ""


class ClaimIn(Schema):
    carrier: str
    tracking_no: str
    kind: str
    amount_fen: int
    source: str = "buyer"
    note: str = ""


class VerifyIn(Schema):
    responsibility: str


def _stmt(pk: int) -> WeeklyStatement:
    stmt = WeeklyStatement.objects.select_related("carrier").filter(pk=pk).first()
    if stmt is None:
        raise NotFound(_("Statement not found"))
    return stmt


def _out(stmt: WeeklyStatement) -> dict[str, Any]:
    return {"id": stmt.pk, "carrier": stmt.carrier.code, "week_start": stmt.week_start.isoformat(),
            "status": stmt.status, "statement": stmt.data}  # fmt: skip


def _carrier(code: str) -> Carrier:
    carrier = Carrier.objects.filter(code=code).first()
    if carrier is None:
        raise NotFound(f"carrier {code!r} not found")
    return carrier


@router.get("/statements")
def list_statements(request: HttpRequest, carrier: str | None = None) -> list[dict[str, Any]]:
    """Every statement for a user who sees every shop; otherwise the user's shops' parts of them."""
    require_perm(request, VIEW)
    qs = WeeklyStatement.objects.select_related("carrier").order_by("-week_start")
    if carrier:
        qs = qs.filter(carrier__code=carrier)
    if sees_every_shop(request.user):
        return [_out(s) for s in qs[:100]]
    return [out for s in qs[:100] if (out := _shop_out(s, request.user)) is not None]


@router.post("/statements")
def generate(request: HttpRequest, payload: GenerateIn) -> dict[str, Any]:
    """Compute (or recompute, while a draft) a carrier's statement for the week starting that Monday."""
    require(request, EDIT)
    week = services.parse_week(payload.week_start)
    with transaction.atomic():
        return _out(
            services.generate_statement(carrier_code=payload.carrier, week_start=week, user=request.user)
        )


@router.get("/statements/{pk}")
def get_statement(request: HttpRequest, pk: int) -> dict[str, Any]:
    require_perm(request, VIEW)
    if sees_every_shop(request.user):
        return _out(_stmt(pk))
    out = _shop_out(_stmt(pk), request.user)
    if out is None:
        raise NotFound(_("Statement not found"))
    return out


@router.post("/statements/{pk}/status")
def set_status(request: HttpRequest, pk: int, payload: StatusIn) -> dict[str, Any]:
    require(request, EDIT)
    with transaction.atomic():
        return _out(
            services.set_status(
                statement=_stmt(pk), status=payload.status, note=payload.note, user=request.user
            )
        )


@router.get("/terms/{carrier}")
def get_terms(request: HttpRequest, carrier: str) -> dict[str, Any]:
    require(request, VIEW)
    contract, terms = services.terms_for_carrier(carrier=_carrier(carrier), on=dt.date.today())
    return {"contract": contract.name if contract else None, "version": terms.version,
            **{f: str(getattr(terms, f)) if not isinstance(getattr(terms, f), int | bool | str) else getattr(terms, f)
               for f in services.TERM_FIELDS}}  # fmt: skip


@router.put("/terms/{carrier}")
def put_terms(request: HttpRequest, carrier: str) -> dict[str, Any]:
    """Save a new terms version from a JSON object of terms (fields not given keep their value)."""
    require(request, EDIT)
    contract = services.contract_for(carrier=_carrier(carrier), on=dt.date.today())
    if contract is None:
        raise NotFound(f"{carrier} has no contract")
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise InvalidInput("body: not valid JSON") from exc
    if not isinstance(payload, dict):
        raise InvalidInput("body: must be a JSON object of terms")
    unknown = set(payload) - set(services.TERM_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown terms: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        services.save_terms(contract=contract, values=payload, user=request.user)
    return get_terms(request, carrier)


@router.get("/claims")
def list_claims(request: HttpRequest) -> list[dict[str, Any]]:
    """Claims the user may see: all of them, or those of the user's shops' parcels."""
    require_perm(request, VIEW)
    return [
        _claim_out(c)
        for c in selectors.claims_for(request.user)
        .select_related("shop")
        .prefetch_related("attachments")[:200]
    ]


@router.get("/claims/{pk}")
def get_claim(request: HttpRequest, pk: int) -> dict[str, Any]:
    require_perm(request, VIEW)
    claim = selectors.claims_for(request.user).select_related("shop").filter(pk=pk).first()
    if claim is None:
        raise NotFound(_("Claim not found"))
    return _claim_out(claim)


@router.post("/claims")
def open_claim(request: HttpRequest, payload: ClaimIn) -> dict[str, Any]:
    """Open a claim; a user who does not see every shop only on their own shops' parcels."""
    require_perm(request, EDIT)
    carrier = _carrier(payload.carrier)
    if not sees_every_shop(request.user) and not services.parcel_in_shops(
        carrier=carrier, tracking_no=payload.tracking_no, shops=shops_for(request.user)
    ):
        raise NotFound(_("No such parcel in your shops"))
    with transaction.atomic():
        claim = services.open_claim(
            carrier=carrier, tracking_no=payload.tracking_no, kind=payload.kind,
            amount_fen=payload.amount_fen, source=payload.source, note=payload.note, user=request.user,
        )  # fmt: skip
    return {"id": claim.pk, "claim_id": claim.claim_id}


@router.post("/claims/{pk}/verify")
def verify_claim(request: HttpRequest, pk: int, payload: VerifyIn) -> dict[str, Any]:
    require(request, EDIT)
    claim = Claim.objects.filter(pk=pk).first()
    if claim is None:
        raise NotFound(_("Claim not found"))
    with transaction.atomic():
        services.verify_claim(claim=claim, responsibility=payload.responsibility)
    return {"id": claim.pk, "responsibility": claim.responsibility, "verified_at": claim.verified_at}
