"""Contract terms, the database path of the weekly statement, claims and privacy incidents.

The statement is computed by :func:`fahuo.contracts.settlement.settle` — the same pure function
``fahuo settle --scenario`` uses; :func:`week_from_db` only gathers its plain inputs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fahuo.accounts.services import audit
from fahuo.carriers.models import Carrier, Contract
from fahuo.contracts import settlement as st
from fahuo.contracts import week_data
from fahuo.contracts.models import (
    Claim,
    ContractAlert,
    ContractTerms,
    DepositEntry,
    DepositKind,
    PrivacyIncident,
    Responsibility,
    StatementStatus,
    WeeklyStatement,
)
from fahuo.kit.errors import Conflict, InvalidInput, NotFound

TERM_FIELDS = (
    "origin_province", "pickup_hours", "pickup_target_pct", "ship_hours", "ship_target_pct",
    "crew_confirm_days_before", "pickups_per_hour", "late_penalty_pct", "terminate_after_late",
    "privacy_mask_middle_digits", "privacy_fine_fen", "door_delivery_pct", "remote_by_appointment",
    "returns_pickup_hours", "verify_hours", "pay_hours", "liability_note", "price_notice_days",
    "settlement_weekday", "deposit_min_fen", "deposit_max_fen", "deposit_refund_days", "weight_tolerance_g",
)  # fmt: skip
TRANSITIONS = {
    StatementStatus.DRAFT: {StatementStatus.SENT},
    StatementStatus.SENT: {StatementStatus.AGREED, StatementStatus.DISPUTED},
    StatementStatus.DISPUTED: {StatementStatus.SENT, StatementStatus.AGREED},
    StatementStatus.AGREED: {StatementStatus.PAID},
    StatementStatus.PAID: set(),
}


# --- terms -----------------------------------------------------------------------------------------


def parse_week(text: str) -> dt.date:
    """A week is named by its Monday."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInput(f"week: {text!r} is not a date (YYYY-MM-DD)") from exc
    if day.weekday() != 0:
        raise InvalidInput(f"week: {day.isoformat()} is a {day.strftime('%A')}, not a Monday")
    return day


def contract_for(*, carrier: Carrier, on: dt.date) -> Contract | None:
    """The contract in force on ``on`` (else the last one started before it, e.g. an ended one)."""
    return (
        Contract.objects.filter(carrier=carrier, starts_on__lte=on)
        .prefetch_related("tiers")
        .order_by("-starts_on", "-pk")
        .first()
    )


def terms_for(*, contract: Contract | None) -> ContractTerms:
    """The contract's latest terms version; unsaved defaults (the article's numbers) when it has none."""
    if contract is not None:
        found = ContractTerms.objects.filter(contract=contract).order_by("-version").first()
        if found is not None:
            return found
    return ContractTerms(contract=contract, version=0, effective_from=dt.date.min)


def terms_for_carrier(*, carrier: Carrier, on: dt.date) -> tuple[Contract | None, ContractTerms]:
    contract = contract_for(carrier=carrier, on=on)
    return contract, terms_for(contract=contract)


def peak_promise(*, carrier: Carrier, on: dt.date) -> str:
    """The SLA sentence peak notices print, from the contract's own numbers."""
    _contract, terms = terms_for_carrier(carrier=carrier, on=on)
    return (
        f"{terms.pickup_hours}小时内揽收率≥{_pct(terms.pickup_target_pct)}%，"
        f"{terms.ship_hours}小时内{_pct(terms.ship_target_pct)}%发出"
    )


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}"


def save_terms(*, contract: Contract, values: Mapping[str, Any], user: Any = None) -> ContractTerms:
    """Store a new version of the contract's terms (earlier versions are kept)."""
    from django.core.exceptions import ValidationError

    previous = terms_for(contract=contract)
    terms = ContractTerms(
        contract=contract,
        version=previous.version + 1,
        effective_from=values.get("effective_from") or timezone.localdate(),
        created_by=user if getattr(user, "pk", None) else None,
        **{f: values.get(f, getattr(previous, f)) for f in TERM_FIELDS},
    )
    try:
        terms.full_clean(exclude=["contract", "created_by"])
    except ValidationError as exc:
        problems = "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in exc.message_dict.items())
        raise InvalidInput(problems) from exc
    for key in ("pickup_target_pct", "ship_target_pct", "late_penalty_pct", "door_delivery_pct"):
        if not Decimal(0) <= Decimal(getattr(terms, key)) <= Decimal(100):
            raise InvalidInput(f"{key}: must be between 0 and 100")
    if terms.deposit_min_fen > terms.deposit_max_fen:
        raise InvalidInput("deposit_min_fen: must not exceed deposit_max_fen")
    for key in ("pickup_hours", "ship_hours", "verify_hours", "pay_hours"):
        if int(getattr(terms, key)) <= 0:
            raise InvalidInput(f"{key}: must be positive")
    terms.save()
    audit(
        user=user,
        action="contract.terms",
        object_type="contract",
        object_id=contract.pk,
        detail={"version": terms.version},
    )
    return terms


# --- the week's inputs from the database ----------------------------------------------------------


# The gathering itself is in :mod:`fahuo.contracts.week` (week_from_db, lanes, deposit_balance, ...).


def compute_statement(
    *, carrier_code: str, week_start: dt.date, as_of: dt.datetime | None = None
) -> st.Statement:
    """The statement of one carrier's week from the database (nothing stored)."""
    carrier = Carrier.objects.filter(code=carrier_code).first()
    if carrier is None:
        raise NotFound(f"carrier {carrier_code!r} not found")
    return st.settle(week_data.week_from_db(carrier=carrier, week_start=week_start, as_of=as_of))


def generate_statement(
    *, carrier_code: str, week_start: dt.date, as_of: dt.datetime | None = None, user: Any = None
) -> WeeklyStatement:
    """Compute and store the week's statement as a draft (a draft is recomputed; a sent one is not)."""
    carrier = Carrier.objects.filter(code=carrier_code).first()
    if carrier is None:
        raise NotFound(f"carrier {carrier_code!r} not found")
    existing = WeeklyStatement.objects.filter(carrier=carrier, week_start=week_start).first()
    if existing is not None and existing.status != StatementStatus.DRAFT:
        raise Conflict(
            _("Statement %(carrier)s %(week)s is already %(status)s and cannot be generated again")
            % {"carrier": carrier.code, "week": week_start, "status": existing.get_status_display()}
        )
    detect_trace_leaks(carrier=carrier, week_start=week_start)
    gathered = week_data.week_from_db(carrier=carrier, week_start=week_start, as_of=as_of)
    result = st.settle(gathered)
    data = result.as_json()
    # Per-parcel figures the desk and the dispute list show (our billable weight and freight).
    bill = data.get("bill") or {}
    disputed = {
        n for k in ("overcharged", "weight_disputed", "duplicates", "missing") for n in bill.get(k, [])
    }
    data["bill_detail"] = {
        p.tracking_no: [p.billable_g, p.freight_fen] for p in result.parcels if p.tracking_no in disputed
    }
    data["late_detail"] = {p.tracking_no: p.penalty_fen for p in result.parcels if p.late}
    data["door_delivery"] = week_data.door_delivery(carrier=carrier, week_start=week_start)
    data["by_shop"] = shop_parts(carrier=carrier, week_start=week_start, result=result, data=data)
    contract, terms = terms_for_carrier(carrier=carrier, on=week_start)
    stmt, _created = WeeklyStatement.objects.update_or_create(
        carrier=carrier,
        week_start=week_start,
        defaults={
            "contract": contract,
            "terms": terms if terms.pk else None,
            "as_of": gathered.terms.as_of,
            "data": data,
            "net_fen": data["net_fen"],
            "payable_fen": data["payable_fen"],
        },
    )
    DepositEntry.objects.filter(statement=stmt).delete()
    if data["deposit_drawn_fen"]:
        DepositEntry.objects.create(
            carrier=carrier, kind=DepositKind.DRAWN, amount_fen=data["deposit_drawn_fen"], on=week_start,
            statement=stmt, note=f"{week_start} 周结抵扣",
        )  # fmt: skip
    _statement_alerts(carrier, stmt, data)
    audit(
        user=user,
        action="contract.statement",
        object_type="statement",
        object_id=stmt.pk,
        detail={"week": str(week_start)},
    )
    return stmt


def shop_parts(
    *, carrier: Carrier, week_start: dt.date, result: st.Statement, data: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """Each shop's part of the statement (by shop id): its parcels' freight, the late penalties and
    privacy fines credited on them, and its claims credited. The 保底 top-up and the deposit stay
    company-wide (they belong to the contract, not to a shop's parcels)."""
    from fahuo.tracking.models import Track

    start, end = week_data.bounds(week_start)
    shop_of = dict(
        Track.objects.filter(carrier_code=carrier.code, issued_at__gte=start, issued_at__lt=end)
        .exclude(order__isnull=True)
        .values_list("tracking_no", "order__shop_id")
    )
    parts: dict[str, dict[str, Any]] = {}

    def part(shop_id: Any) -> dict[str, Any]:
        return parts.setdefault(
            str(shop_id),
            {"parcels": 0, "freight_fen": 0, "late_parcels": 0, "late_penalty_fen": 0, "late_tracking_nos": [],
             "privacy_fine_fen": 0, "claims_credited_fen": 0, "claims_credited": []},
        )  # fmt: skip

    for p in result.parcels:
        shop_id = shop_of.get(p.tracking_no)
        if shop_id is None:
            continue
        row = part(shop_id)
        row["parcels"] += 1
        row["freight_fen"] += p.freight_fen
        if p.late:
            row["late_parcels"] += 1
            row["late_penalty_fen"] += p.penalty_fen
            row["late_tracking_nos"].append(p.tracking_no)
    fine = int(data.get("privacy_fine_fen", 0)) // max(len(data.get("privacy_leaked_tracking_nos", [])), 1)
    for number in data.get("privacy_leaked_tracking_nos", []):
        shop_id = (
            shop_of.get(number)
            or Track.objects.filter(tracking_no=number).values_list("order__shop_id", flat=True).first()
        )
        if shop_id is not None:
            part(shop_id)["privacy_fine_fen"] += fine
    credited = [int(c[2:]) for c in data.get("claims_credited", []) if c[2:].isdigit()]
    for pk, shop_id, amount in Claim.objects.filter(pk__in=credited, shop__isnull=False).values_list(
        "pk", "shop_id", "amount_fen"
    ):
        row = part(shop_id)
        row["claims_credited_fen"] += amount
        row["claims_credited"].append(f"CL{pk:06d}")
    for row in parts.values():
        row["net_fen"] = (
            row["freight_fen"]
            - row["late_penalty_fen"]
            - row["privacy_fine_fen"]
            - row["claims_credited_fen"]
        )
        row["late_tracking_nos"].sort()
        row["claims_credited"].sort()
    return parts


def _alert(carrier: Carrier, kind: str, key: str, message: str) -> None:
    ContractAlert.objects.get_or_create(
        carrier=carrier, kind=kind, key=key, defaults={"message": message[:300]}
    )


def _statement_alerts(carrier: Carrier, stmt: WeeklyStatement, data: dict[str, Any]) -> None:
    week = stmt.week_start.isoformat()
    if data["sla_breached"]:
        _alert(
            carrier, "sla_breach", week,
            _("%(carrier)s missed the SLA in the week of %(week)s: 24 h pickup rate %(pickup)s, 48 h shipped rate "
              "%(shipped)s; %(late)d late parcels")
            % {"carrier": carrier.name, "week": week, "pickup": f"{data['pickup_rate_24h']:.2%}",
               "shipped": f"{data['shipped_rate_48h']:.2%}", "late": data["late_parcels"]},
        )  # fmt: skip
    if data["may_terminate"]:
        _alert(
            carrier, "may_terminate", "contract",
            _("%(carrier)s has %(late)d late parcels in total, over the contract limit: the contract may be "
              "terminated (termination notice generated)")
            % {"carrier": carrier.name, "late": data["cumulative_late"]},
        )  # fmt: skip


def set_status(
    *, statement: WeeklyStatement, status: str, note: str = "", user: Any = None
) -> WeeklyStatement:
    """Move a statement along draft → sent → agreed/disputed → paid."""
    current = StatementStatus(statement.status)
    target = StatementStatus(status) if status in StatementStatus.values else None
    if target is None or target not in TRANSITIONS[current]:
        raise Conflict(
            _("A statement cannot go from “%(current)s” to “%(target)s”")
            % {"current": current.label, "target": status}
        )
    if target == StatementStatus.DISPUTED and not note.strip():
        raise InvalidInput(_("Write down what is disputed"))
    statement.status = target
    if note:
        statement.dispute_note = note.strip()
    statement.save(update_fields=["status", "dispute_note", "updated_at"])
    audit(
        user=user,
        action="contract.statement.status",
        object_type="statement",
        object_id=statement.pk,
        detail={"status": target},
    )
    return statement


def record_deposit(
    *, carrier: Carrier, kind: str, amount_fen: int, on: dt.date, note: str = ""
) -> DepositEntry:
    if kind not in DepositKind.values or amount_fen <= 0:
        raise InvalidInput(_("A deposit entry needs a kind and a positive amount"))
    return DepositEntry.objects.create(carrier=carrier, kind=kind, amount_fen=amount_fen, on=on, note=note)


# --- claims and privacy -------------------------------------------------------------------------


def open_claim(
    *, carrier: Carrier, tracking_no: str, kind: str, amount_fen: int, reported_at: dt.datetime | None = None,
    source: str = "buyer", note: str = "", user: Any = None,
) -> Claim:  # fmt: skip
    """Open a 破损/丢件 claim (from a tracking problem, a buyer report or the packing evidence)."""
    from fahuo.tracking.models import Track

    if kind not in ("damage", "loss"):
        raise InvalidInput("kind: damage or loss")
    if amount_fen <= 0:
        raise InvalidInput("amount_fen: must be positive")
    track = (
        Track.objects.filter(tracking_no=tracking_no, carrier_code=carrier.code)
        .select_related("order")
        .first()
    )
    shop_id = track.order.shop_id if track is not None and track.order is not None else None
    if shop_id is None:  # a labelled parcel not (yet) tracked: its waybill knows the order
        from fahuo.fulfilment.models import Waybill

        shop_id = (
            Waybill.objects.filter(tracking_no=tracking_no, carrier=carrier)
            .values_list("parcel__order__shop_id", flat=True)
            .first()
        )
    return Claim.objects.create(
        carrier=carrier, tracking_no=tracking_no, track=track, shop_id=shop_id, kind=kind, amount_fen=amount_fen,
        reported_at=reported_at or timezone.now(), source=source, note=note,
        created_by=user if getattr(user, "pk", None) else None,
    )  # fmt: skip


def parcel_in_shops(*, carrier: Carrier, tracking_no: str, shops: Any) -> bool:
    """Whether the carrier's parcel with this number belongs to one of ``shops`` (a Shop queryset)."""
    from fahuo.tracking.models import Track

    return Track.objects.filter(
        tracking_no=tracking_no, carrier_code=carrier.code, order__shop__in=shops.values("pk")
    ).exists()


def verify_claim(*, claim: Claim, responsibility: str, at: dt.datetime | None = None) -> Claim:
    if responsibility not in Responsibility.values:
        raise InvalidInput(f"responsibility: one of {', '.join(Responsibility.values)}")
    claim.responsibility = responsibility
    claim.verified_at = at or timezone.now()
    claim.save(update_fields=["responsibility", "verified_at"])
    return claim


def pay_claim(*, claim: Claim, at: dt.datetime | None = None) -> Claim:
    """The carrier paid the claim directly (it is then not deducted in a statement)."""
    if claim.verified_at is None:
        raise Conflict(_("The claim has not been verified yet"))
    claim.paid_at = at or timezone.now()
    claim.save(update_fields=["paid_at"])
    return claim


def claim_clock_alerts(*, now: dt.datetime | None = None, lead_hours: int = 4) -> int:
    """Alert on claims whose verify or pay clock expires within ``lead_hours`` (or has expired)."""
    now = now or timezone.now()
    raised = 0
    for claim in Claim.objects.filter(Q(verified_at__isnull=True) | Q(paid_at__isnull=True)).select_related(
        "carrier"
    ):
        _contract, terms = terms_for_carrier(carrier=claim.carrier, on=timezone.localdate(claim.reported_at))
        if claim.verified_at is None:
            due = claim.reported_at + dt.timedelta(hours=terms.verify_hours)
            kind = "verify_due"
        elif claim.responsibility in st.CARRIER_RESPONSIBLE:
            due = claim.verified_at + dt.timedelta(hours=terms.pay_hours)
            kind = "pay_due"
        else:
            continue
        if now >= due - dt.timedelta(hours=lead_hours):
            state = _("overdue") if now > due else _("due soon")
            local = timezone.localtime(due, st.SHANGHAI)
            before = ContractAlert.objects.count()
            _alert(
                claim.carrier,
                kind,
                claim.claim_id,
                _("Claim %(claim)s (%(tracking)s) %(step)s %(state)s, deadline %(due)s")
                % {
                    "claim": claim.claim_id,
                    "tracking": claim.tracking_no,
                    "step": _("verification") if kind == "verify_due" else _("payment"),
                    "state": state,
                    "due": f"{local:%m-%d %H:%M}",
                },
            )
            raised += ContractAlert.objects.count() - before
    return raised


def detect_trace_leaks(*, carrier: Carrier, week_start: dt.date) -> int:
    """Record a privacy incident for each parcel whose carrier trace text showed a full mobile number
    during the week (once per parcel); the note keeps the text with the number masked."""
    from fahuo.kit.privacy import PHONE_IN_TEXT, scrub
    from fahuo.tracking.models import TrackEvent

    start, end = week_data.bounds(week_start)
    seen = set(
        PrivacyIncident.objects.filter(carrier=carrier, source="trace_text").values_list(
            "tracking_no", flat=True
        )
    )
    found: list[PrivacyIncident] = []
    events = (
        TrackEvent.objects.filter(
            track__carrier_code=carrier.code, at__gte=start, at__lt=end, description__regex=r"1[3-9][0-9]{9}"
        )
        .order_by("at", "pk")
        .values_list("track__tracking_no", "at", "description")
    )
    for number, at, text in events:
        if number in seen or not PHONE_IN_TEXT.search(text):
            continue
        seen.add(number)
        found.append(
            PrivacyIncident(
                carrier=carrier,
                tracking_no=number,
                occurred_at=at,
                source="trace_text",
                carrier_fault=True,
                note=(_("Full phone number in the tracking trace: %(text)s") % {"text": scrub(text)})[:300],
            )
        )
    PrivacyIncident.objects.bulk_create(found)
    return len(found)


def record_privacy_incident(
    *, carrier: Carrier, tracking_no: str, occurred_at: dt.datetime, source: str = "complaint",
    carrier_fault: bool = True, note: str = "",
) -> PrivacyIncident:  # fmt: skip
    """Record leaked buyer data on one parcel (the note must not contain the data itself)."""
    from fahuo.kit.privacy import scrub

    note = scrub(note)
    return PrivacyIncident.objects.create(
        carrier=carrier, tracking_no=tracking_no, occurred_at=occurred_at, source=source,
        carrier_fault=carrier_fault, note=note[:300],
    )  # fmt: skip
