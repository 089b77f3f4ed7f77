"""Desk pages for carrier contracts (owners edit; every desk role reads): terms, weekly statements
with their PDF / Excel / dispute list, carrier bill import with a column-mapping preview, claims and
privacy incidents. They span every shop's parcels, so only users who see every shop open them."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fahuo.accounts.selectors import sees_every_shop
from fahuo.carriers.models import Carrier
from fahuo.contracts import bills, claim_sources, documents, evidence, selectors, services
from fahuo.contracts.forms import (
    BillUploadForm,
    ClaimForm,
    DepositForm,
    GenerateForm,
    IncidentForm,
    MappingForm,
    PhotosForm,
    TermsForm,
    VerifyForm,
)
from fahuo.contracts.models import Claim, ClaimAttachment, StatementStatus, WeeklyStatement
from fahuo.kit.errors import FahuoError, InvalidInput
from fahuo.kit.money import format_yuan, yuan_to_fen
from fahuo.kit.sheets import read_upload
from fahuo.kit.web import can, desk_view, error_page, private

READ = "orders.view_order"
COMPANY_WIDE = gettext_lazy(
    "Carrier contracts, weekly settlement and claims span every shop: only an account that sees every shop can open them."
)
EDIT = "contracts.change_contractterms"  # owners
NEXT_STATUS = {
    StatementStatus.DRAFT: [("sent", gettext_lazy("Mark as sent"))],
    StatementStatus.SENT: [
        ("agreed", gettext_lazy("Carrier agreed")),
        ("disputed", gettext_lazy("Raise a dispute")),
    ],
    StatementStatus.DISPUTED: [
        ("sent", gettext_lazy("Send again")),
        ("agreed", gettext_lazy("Carrier agreed")),
    ],
    StatementStatus.AGREED: [("paid", gettext_lazy("Mark as paid"))],
    StatementStatus.PAID: [],
}


def company_wide(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Contracts, statements and claims span every shop's parcels: a user who cannot see every shop
    gets a 403 instead of other shops' parcels (shop separation)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not sees_every_shop(request.user):
            return error_page(request, str(COMPANY_WIDE), status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _last_monday() -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday() + 7)


def _refused(request: HttpRequest, form: forms.BaseForm, to: str) -> HttpResponse:
    """A posted form that did not validate: its errors as one message, back to the page ``to``."""
    messages.error(request, "；".join(f"{e}" for errs in form.errors.values() for e in errs))
    return redirect(to)


def _file(name: str, data: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


@require_GET
@desk_view(READ)
def home(request: HttpRequest) -> HttpResponse:
    if not sees_every_shop(request.user):  # a one-shop owner: their shops' parts of the statements
        return render(
            request,
            "contracts/home_shop.html",
            {"nav": "contracts", "parts": selectors.shop_parts(user=request.user),
             "claims": selectors.claims_for(request.user)[:20]},
        )  # fmt: skip
    today = timezone.localdate()
    return render(
        request,
        "contracts/home.html",
        {
            "nav": "contracts",
            "rows": selectors.overview(on=today),
            "alerts": selectors.open_alerts()[:20],
            "statements": selectors.statements()[:20],
            "generate_form": GenerateForm(initial={"week": _last_monday()}),
            "deposit_form": DepositForm(initial={"on": timezone.localdate()}, prefix="dep"),
            "can_edit": can(request.user, EDIT),
        },
    )


@desk_view(READ)
def terms(request: HttpRequest, code: str) -> HttpResponse:
    carrier = get_object_or_404(Carrier, code=code)
    contract = services.contract_for(carrier=carrier, on=timezone.localdate())
    if contract is None:
        return error_page(
            request,
            _("%(carrier)s has no contract yet: add one on the Rates page first.")
            % {"carrier": carrier.name},
            status=404,
        )
    current = services.terms_for(contract=contract)
    form = TermsForm(instance=current)
    if request.method == "POST":
        if not can(request.user, EDIT):
            return error_page(request, _("Only the owner can change the contract terms."), status=403)
        form = TermsForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    saved = services.save_terms(
                        contract=contract, values=form.cleaned_data, user=request.user
                    )
            except FahuoError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("Contract terms version %(version)d saved") % {"version": saved.version}
                )
                return redirect("contracts:terms", code=carrier.code)
    versions = contract.terms_versions.select_related("created_by").order_by("-version")
    return render(
        request,
        "contracts/terms.html",
        {"nav": "contracts", "carrier": carrier, "contract": contract, "form": form, "current": current,
         "versions": versions, "tiers": contract.tiers.all(), "can_edit": can(request.user, EDIT)},
        status=400 if form.errors and request.method == "POST" else 200,
    )  # fmt: skip


@require_POST
@desk_view(EDIT)
def generate(request: HttpRequest) -> HttpResponse:
    form = GenerateForm(request.POST)
    if not form.is_valid():
        return _refused(request, form, "contracts:home")
    try:
        with transaction.atomic():
            stmt = services.generate_statement(
                carrier_code=form.cleaned_data["carrier"].code,
                week_start=form.cleaned_data["week"],
                user=request.user,
            )
    except FahuoError as exc:
        messages.error(request, exc.message)
        return redirect("contracts:home")
    return redirect("contracts:statement", pk=stmt.pk)


def _statement_context(request: HttpRequest, stmt: WeeklyStatement) -> dict[str, Any]:
    d = stmt.data
    late = [(n, d.get("late_detail", {}).get(n, 0)) for n in d.get("late_tracking_nos", [])]
    bill = d.get("bill")
    dispute = []
    if bill:
        dispute = bills.dispute_rows(
            statement_data=d, parcels={k: tuple(v) for k, v in d.get("bill_detail", {}).items()},
            bill=selectors.bill_lines_for(stmt),
        )  # fmt: skip
    return {
        "nav": "contracts",
        "stmt": stmt,
        "lines": documents.statement_lines(stmt),
        "late": late,
        "bill": bill,
        "dispute": dispute,
        "actions": NEXT_STATUS[StatementStatus(stmt.status)],
        "can_edit": can(request.user, EDIT),
        "upload_form": BillUploadForm(initial={"week": stmt.week_start}),
        "deposit": stmt.carrier.deposit_entries.order_by("-on", "-pk")[:10],
    }


@require_GET
@desk_view(READ)
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    stmt = get_object_or_404(WeeklyStatement.objects.select_related("carrier", "contract"), pk=pk)
    if not sees_every_shop(request.user):
        parts = [p for p in selectors.shop_parts(user=request.user, statement=stmt) if p.part is not None]
        if not parts:
            raise Http404("no part of this statement is the user's")
        late = stmt.data.get("late_detail", {})
        return render(
            request,
            "contracts/statement_shop.html",
            {"nav": "contracts", "stmt": stmt, "late": late,
             "parts": [(p, [(n, late.get(n, 0)) for n in p.part["late_tracking_nos"]]) for p in parts if p.part]},
        )  # fmt: skip
    return render(request, "contracts/statement.html", _statement_context(request, stmt))


@require_POST
@desk_view(EDIT)
def statement_status(request: HttpRequest, pk: int) -> HttpResponse:
    stmt = get_object_or_404(WeeklyStatement, pk=pk)
    try:
        with transaction.atomic():
            services.set_status(
                statement=stmt,
                status=request.POST.get("status", ""),
                note=request.POST.get("note", ""),
                user=request.user,
            )
    except FahuoError as exc:
        messages.error(request, exc.message)
    return redirect("contracts:statement", pk=pk)


@require_GET
@desk_view(READ)
def statement_file(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    stmt = get_object_or_404(WeeklyStatement.objects.select_related("carrier", "contract"), pk=pk)
    base = f"{stmt.carrier.code}-{stmt.week_start:%Y%m%d}"
    if kind == "pdf":
        return _file(f"statement-{base}.pdf", documents.statement_pdf(stmt), "application/pdf")
    if kind == "xlsx":
        return _file(f"statement-{base}.xlsx", documents.statement_xlsx(stmt), bills.XLSX)
    if kind == "disputes":
        ctx = _statement_context(request, stmt)
        if not ctx["bill"]:
            return error_page(request, _("No carrier bill has been imported for this week yet."), status=404)
        data = bills.dispute_xlsx(
            title=_("%(carrier)s bill disputes, week of %(week)s")
            % {"carrier": stmt.carrier.name, "week": f"{stmt.week_start:%Y-%m-%d}"}, rows=ctx["dispute"],
            total_fen=int(ctx["bill"]["dispute_fen"]),
        )  # fmt: skip
        return _file(f"disputes-{base}.xlsx", data, bills.XLSX)
    if kind == "termination":
        if not stmt.data.get("may_terminate"):
            return error_page(
                request,
                _("Late parcels have not exceeded the contract limit: no termination notice."),
                status=409,
            )
        threshold = (
            stmt.terms.terminate_after_late
            if stmt.terms
            else services.terms_for(contract=stmt.contract).terminate_after_late
        )
        return _file(
            f"termination-{base}.pdf", documents.termination_pdf(stmt, threshold=threshold), "application/pdf"
        )
    return error_page(request, _("Unknown file type"), status=404)


# --- carrier bill import ---------------------------------------------------------------------------


def _upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "uploads" / "bills"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stash(data: bytes, filename: str) -> str:
    token = secrets.token_hex(12)
    suffix = ".xlsx" if filename.lower().endswith((".xlsx", ".xlsm")) else ".csv"
    (_upload_dir() / f"{token}{suffix}").write_bytes(data)
    (_upload_dir() / f"{token}.name").write_text(filename[:200], encoding="utf-8")
    return token


def _unstash(token: str) -> tuple[bytes, str]:
    if not token.isalnum():
        raise InvalidInput(_("The upload has expired: choose the file again"))
    for suffix in (".xlsx", ".csv"):
        path = _upload_dir() / f"{token}{suffix}"
        if path.exists():
            return path.read_bytes(), (_upload_dir() / f"{token}.name").read_text(encoding="utf-8")
    raise InvalidInput(_("The upload has expired: choose the file again"))


@desk_view(EDIT)
def bill_upload(request: HttpRequest, code: str) -> HttpResponse:
    """Step 1: the file and the week → a preview with the guessed (or remembered) mapping."""
    carrier = get_object_or_404(Carrier, code=code)
    form = BillUploadForm(request.POST or None, request.FILES or None, initial={"week": _last_monday()})
    if request.method == "POST" and form.is_valid():
        week = form.cleaned_data["week"]
        if week.weekday() != 0:
            form.add_error("week", _("%(day)s is not a Monday") % {"day": f"{week:%Y-%m-%d}"})
        else:
            upload = form.cleaned_data["file"]
            try:
                data = read_upload(upload)
                parsed = bills.preview(data=data, filename=upload.name, carrier=carrier)
            except FahuoError as exc:
                form.add_error("file", exc.message)
            else:
                token = _stash(data, upload.name)
                return _preview_page(request, carrier, token, week, upload.name, parsed)
    return render(request, "contracts/bill_upload.html", {"nav": "contracts", "carrier": carrier, "form": form},
                  status=400 if form.errors else 200)  # fmt: skip


def _preview_page(
    request: HttpRequest,
    carrier: Carrier,
    token: str,
    week: dt.date,
    filename: str,
    parsed: bills.Parsed,
    status: int = 200,
) -> HttpResponse:
    initial = {"token": token, "week": week, **{f"map_{k}": v for k, v in parsed.mapping.items()}}
    form = MappingForm(initial=initial, headers=parsed.headers)
    return render(
        request,
        "contracts/bill_preview.html",
        {"nav": "contracts", "carrier": carrier, "form": form, "parsed": parsed, "week": week, "filename": filename,
         "labels": bills.FIELD_LABELS},
        status=status,
    )  # fmt: skip


@require_POST
@desk_view(EDIT)
def bill_confirm(request: HttpRequest, code: str) -> HttpResponse:
    """Step 2: re-preview with a changed mapping, or import every row (all or nothing) and re-audit."""
    carrier = get_object_or_404(Carrier, code=code)
    try:
        data, filename = _unstash(request.POST.get("token", ""))
        week = services.parse_week(request.POST.get("week", ""))
    except FahuoError as exc:
        return error_page(request, exc.message, status=exc.status)
    headers = bills.parse(data=data, filename=filename, carrier=carrier, limit=0).headers
    form = MappingForm(request.POST, headers=headers)
    if not form.is_valid():
        return error_page(request, _("Invalid mapping"), status=400)
    mapping = form.mapping()
    if request.POST.get("action") == "preview":
        return _preview_page(request, carrier, request.POST["token"], week, filename,
                             bills.preview(data=data, filename=filename, carrier=carrier, mapping=mapping))  # fmt: skip
    try:
        with transaction.atomic():
            bills.import_bill(carrier=carrier, week_start=week, data=data, filename=filename, mapping=mapping)
            stmt = services.generate_statement(carrier_code=carrier.code, week_start=week, user=request.user)
    except FahuoError as exc:
        parsed = bills.preview(data=data, filename=filename, carrier=carrier, mapping=mapping)
        if isinstance(exc.detail, list):
            parsed.errors = list(exc.detail)
        messages.error(request, exc.message)
        return _preview_page(
            request, carrier, request.POST["token"], week, filename, parsed, status=exc.status
        )
    messages.success(
        request,
        _("Bill %(file)s imported (%(n)d lines) and checked")
        % {"file": filename, "n": len(selectors.bill_lines_for(stmt))},
    )
    return redirect("contracts:statement", pk=stmt.pk)


# --- claims and privacy incidents ---------------------------------------------------------------


def _own_parcel(user: Any, carrier: Carrier, tracking_no: str) -> bool:
    """A user who does not see every shop opens claims only on their own shops' parcels."""
    from fahuo.accounts.selectors import shops_for

    return sees_every_shop(user) or services.parcel_in_shops(
        carrier=carrier, tracking_no=tracking_no, shops=shops_for(user)
    )


@desk_view(READ)
def claims(request: HttpRequest) -> HttpResponse:
    initial = claim_sources.prefill(user=request.user, query=request.GET)
    form = ClaimForm(request.POST or None, request.FILES or None, initial=initial)
    incident_form = IncidentForm(prefix="inc")
    every = sees_every_shop(request.user)
    if request.method == "POST":
        if not can(request.user, EDIT):
            return error_page(request, _("Only the owner can open claims."), status=403)
        if form.is_valid():
            carrier, number = form.cleaned_data["carrier"], form.cleaned_data["tracking_no"].strip()
            if not _own_parcel(request.user, carrier, number):
                form.add_error("tracking_no", _("No such parcel in your shops"))
        if form.is_valid():
            try:
                with transaction.atomic():
                    claim = services.open_claim(
                        carrier=carrier, tracking_no=number,
                        kind=form.cleaned_data["kind"], source=form.cleaned_data["source"],
                        amount_fen=yuan_to_fen(form.cleaned_data["amount_yuan"]), note=form.cleaned_data["note"],
                        user=request.user,
                    )  # fmt: skip
                    files = evidence.read_files(form.cleaned_data.get("photos") or [])
                    evidence.add_files(claim=claim, files=files)
                    claim_sources.attach_evidence(
                        claim=claim, user=request.user, ids=form.cleaned_data.get("evidence") or ""
                    )
            except FahuoError as exc:
                form.add_error("photos", exc.message)
            else:
                messages.success(request, _("Claim %(claim)s opened") % {"claim": claim.claim_id})
                return redirect("contracts:claim", pk=claim.pk)
    return render(
        request,
        "contracts/claims.html",
        {"nav": "contracts", "form": form, "incident_form": incident_form,
         "claims": selectors.claims_for(request.user).prefetch_related("attachments")[:100],
         "incidents": selectors.incidents()[:50] if every else [], "every_shop": every,
         "verify_form": VerifyForm(), "can_edit": can(request.user, EDIT),
         "verify_actions": every and can(request.user, EDIT)},
        status=400 if form.errors else 200,
    )  # fmt: skip


def _claim(request: HttpRequest, pk: int) -> Claim:
    """The claim if the user may see it (another shop's claim is a 404)."""
    return get_object_or_404(selectors.claims_for(request.user).select_related("carrier", "shop"), pk=pk)


@desk_view(READ)
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = _claim(request, pk)
    form = PhotosForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can(request.user, EDIT):
            return error_page(request, _("Only the owner can upload claim photos."), status=403)
        if form.is_valid():
            try:
                with transaction.atomic():
                    added = evidence.add_files(
                        claim=found, files=evidence.read_files(form.cleaned_data["photos"])
                    )
            except FahuoError as exc:
                form.add_error("photos", exc.message)
            else:
                messages.success(request, _("%(n)d file(s) uploaded") % {"n": len(added)})
                return redirect("contracts:claim", pk=found.pk)
    return render(
        request,
        "contracts/claim.html",
        {"nav": "contracts", "claim": found, "lines": evidence.claim_lines(found),
         "photos": found.attachments.all(), "form": form, "can_edit": can(request.user, EDIT),
         "max_photos": evidence.MAX_PHOTOS},
        status=400 if form.errors else 200,
    )  # fmt: skip


@require_GET
@desk_view(READ)
def claim_photo(request: HttpRequest, pk: int, photo: int) -> HttpResponseBase:
    found = _claim(request, pk)
    attachment = get_object_or_404(ClaimAttachment, claim=found, pk=photo)
    kind = attachment.content_type or "image/jpeg"
    response: HttpResponseBase = (  # a video streams; a photo (≤ 10 MB) is sent whole
        FileResponse(default_storage.open(attachment.file.name or "", "rb"), content_type=kind)
        if attachment.is_video
        else HttpResponse(evidence.photo_bytes(attachment), content_type=kind)
    )
    response["X-Content-Type-Options"] = "nosniff"
    return private(response)


@require_GET
@desk_view(READ)
def claim_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    found = _claim(request, pk)
    return private(_file(f"claim-{found.claim_id}.pdf", evidence.claim_pdf(found), "application/pdf"))


@require_POST
@desk_view(EDIT)
def claim_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    claim = get_object_or_404(Claim, pk=pk)
    try:
        with transaction.atomic():
            if action == "verify":
                form = VerifyForm(request.POST)
                if not form.is_valid():
                    raise InvalidInput(_("Choose who is responsible"))
                services.verify_claim(claim=claim, responsibility=form.cleaned_data["responsibility"])
            elif action == "pay":
                services.pay_claim(claim=claim)
            else:
                raise InvalidInput(_("Unknown action"))
    except FahuoError as exc:
        messages.error(request, exc.message)
    return redirect("contracts:claim", pk=claim.pk)


@require_POST
@desk_view(EDIT)
def incident_add(request: HttpRequest) -> HttpResponse:
    form = IncidentForm(request.POST, prefix="inc")
    if not form.is_valid():
        return _refused(request, form, "contracts:claims")
    with transaction.atomic():
        services.record_privacy_incident(
            carrier=form.cleaned_data["carrier"], tracking_no=form.cleaned_data["tracking_no"].strip(),
            occurred_at=form.cleaned_data["occurred_at"], source=form.cleaned_data["source"],
            carrier_fault=form.cleaned_data["carrier_fault"], note=form.cleaned_data["note"],
        )  # fmt: skip
    messages.success(request, _("Privacy leak recorded"))
    return redirect("contracts:claims")


@require_POST
@desk_view(EDIT)
def deposit_add(request: HttpRequest) -> HttpResponse:
    """保证金 paid in by a carrier, or refunded to it."""
    form = DepositForm(request.POST, prefix="dep")
    if not form.is_valid():
        return _refused(request, form, "contracts:home")
    try:
        with transaction.atomic():
            entry = services.record_deposit(
                carrier=form.cleaned_data["carrier"], kind=form.cleaned_data["kind"],
                amount_fen=yuan_to_fen(form.cleaned_data["amount_yuan"]), on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
            )  # fmt: skip
    except FahuoError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Deposit %(kind)s recorded: %(amount)s")
            % {"kind": entry.get_kind_display(), "amount": format_yuan(entry.amount_fen)},
        )
    return redirect("contracts:home")
