"""The weekly settlement (周结对账) as one pure calculation: plain data in, a statement out.

No ORM here. ``fahuo settle --scenario DIR`` feeds it from CSV files (:mod:`.scenario`); the desk's
weekly statement feeds it from the database (:mod:`.services`). The rules are those of
``docs/contracts.md`` (the contract clauses of the domain article §4 made exact): money integer
fen, weights grams, sizes mm, aware datetimes; "past a deadline" and "more than" are strict.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from fahuo.kit.errors import InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")
CARRIER_RESPONSIBLE = frozenset({"handling", "carrier_packaging"})
RESPONSIBILITIES = ("handling", "carrier_packaging", "seller_packaging", "undetermined")
REFUND_AFTER_DAYS = 30


@dataclass(frozen=True)
class Tier:
    min_daily_avg: Decimal
    first_price_delta_fen: int


@dataclass(frozen=True)
class Terms:
    """The contract's numbers that the settlement needs (defaults: the article's clauses)."""

    carrier: str
    week_start: date
    as_of: datetime
    volumetric_divisor: int = 8000
    tiers: tuple[Tier, ...] = ()
    min_daily_parcels: int = 20
    shortfall_price_fen: int = 0
    peak_capacity_per_stream: int = 500
    pickup_hours: int = 24
    pickup_target_pct: Decimal = Decimal(98)
    ship_hours: int = 48
    ship_target_pct: Decimal = Decimal(100)
    late_penalty_pct: Decimal = Decimal(20)
    late_before_week: int = 0
    terminate_after_late: int = 50
    privacy_fine_fen: int = 50000
    verify_hours: int = 24
    pay_hours: int = 48
    deposit_fen: int = 0
    ends_on: date | None = None
    weight_tolerance_g: int = 50
    origin_province: str = ""


@dataclass(frozen=True)
class Lane:
    first_weight_g: int
    first_price_fen: int
    step_weight_g: int
    step_price_fen: int
    remote_surcharge_fen: int = 0


@dataclass(frozen=True)
class Shipment:
    tracking_no: str
    dest_province: str
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int
    ready_at: datetime
    picked_up_at: datetime | None = None
    departed_at: datetime | None = None
    session_id: str = ""
    order_id: str = ""


@dataclass(frozen=True)
class Incident:
    tracking_no: str
    kind: str
    occurred_at: datetime
    carrier_fault: bool


@dataclass(frozen=True)
class Claim:
    claim_id: str
    tracking_no: str
    kind: str
    reported_at: datetime
    verified_at: datetime | None
    paid_at: datetime | None
    amount_fen: int
    responsibility: str


@dataclass(frozen=True)
class BillLine:
    tracking_no: str
    billed_weight_g: int
    billed_fen: int


@dataclass(frozen=True)
class Week:
    """Everything one weekly statement is computed from."""

    terms: Terms
    lanes: Mapping[str, Lane]
    shipments: Sequence[Shipment]
    incidents: Sequence[Incident] = ()
    claims: Sequence[Claim] = ()
    bill: Sequence[BillLine] | None = None


@dataclass
class ParcelResult:
    tracking_no: str
    billable_g: int
    freight_fen: int
    late: bool
    exempt: bool
    penalty_fen: int


@dataclass
class Statement:
    data: dict[str, Any]
    parcels: list[ParcelResult] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` object: decimals become JSON numbers."""
        return _jsonable(self.data)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def billable_weight_g(s: Shipment, divisor: int) -> int:
    """max(actual, ceil(L×W×H / divisor)) in grams."""
    volume = s.length_mm * s.width_mm * s.height_mm
    return max(s.weight_g, -(-volume // divisor))


def lane_freight_fen(lane: Lane, billable_g: int, delta_fen: int) -> int:
    steps = -(-max(billable_g - lane.first_weight_g, 0) // lane.step_weight_g)
    return lane.first_price_fen + delta_fen + steps * lane.step_price_fen + lane.remote_surcharge_fen


def _round_half_up(value: Fraction, places: int) -> Decimal:
    """Exact half-up rounding (away from zero) of a rational to ``places`` decimals."""
    scaled = abs(value) * 10**places
    q = math.floor(scaled + Fraction(1, 2))
    return Decimal(q if value >= 0 else -q).scaleb(-places)


def _pct_of(amount_fen: int, pct: Decimal) -> int:
    """amount × pct / 100 rounded half up to the fen."""
    exact = Fraction(amount_fen) * Fraction(pct) / 100
    return int(_round_half_up(exact, 0))


def _seen(at: datetime | None, as_of: datetime) -> datetime | None:
    """A time later than ``as_of`` has not happened yet."""
    return at if at is not None and at <= as_of else None


def tier_for(tiers: Sequence[Tier], parcels: int) -> Tier | None:
    """The tier with the largest ``min_daily_avg`` ≤ the week's exact daily average."""
    avg = Fraction(parcels, 7)
    reached = [t for t in tiers if Fraction(t.min_daily_avg) <= avg]
    return max(reached, key=lambda t: t.min_daily_avg) if reached else None


def _late(done: datetime | None, ready: datetime, hours: int, as_of: datetime) -> bool:
    deadline = ready + timedelta(hours=hours)
    return done > deadline if done is not None else as_of > deadline


def settle(week: Week) -> Statement:
    """Compute the week's statement for one carrier (see docs/contracts.md for every rule)."""
    t = week.terms
    start = datetime.combine(t.week_start, datetime.min.time(), SHANGHAI)
    end = start + timedelta(days=7)
    shipments = list(week.shipments)
    n = len(shipments)
    avg = Fraction(n, 7)
    tier = tier_for(t.tiers, n)
    delta = tier.first_price_delta_fen if tier else 0
    billable, freight = _freight(week, delta)
    freight_fen = sum(freight.values())
    per_day = Counter(s.ready_at.astimezone(SHANGHAI).date() for s in shipments)
    topup = sum(
        max(t.min_daily_parcels - per_day.get(t.week_start + timedelta(days=d), 0), 0) * t.shortfall_price_fen
        for d in range(7)
    )
    per_session = Counter(s.session_id for s in shipments if s.session_id)
    exempt_sessions = sorted(k for k, c in per_session.items() if c > t.peak_capacity_per_stream)
    exempt_set = set(exempt_sessions)
    parcel_figures = _parcel_results(week, billable, freight, exempt_set)
    results, late_nos, penalty, late_counted, pick_rate, ship_rate, breached = parcel_figures
    cumulative = t.late_before_week + late_counted
    leaked = _leaked(week, start, end)
    privacy_fine = len(leaked) * t.privacy_fine_fen
    credited, credited_ids, verify_overdue, pay_overdue, open_claims = _claim_figures(week)

    net = freight_fen + topup - penalty - privacy_fine - credited
    payable = max(net, 0)
    drawn = min(-net, t.deposit_fen) if net < 0 else 0
    carried = -net - drawn if net < 0 else 0
    deposit_after = t.deposit_fen - drawn
    refund_on: date | None = None
    refund_fen: int | None = None
    if t.ends_on is not None and not open_claims:
        refund_on = t.ends_on + timedelta(days=REFUND_AFTER_DAYS)
        refund_fen = deposit_after

    data: dict[str, Any] = {
        "carrier": t.carrier,
        "week_start": t.week_start.isoformat(),
        "parcels": n,
        "daily_avg": _round_half_up(avg, 2),
        "tier_min_daily_avg": tier.min_daily_avg if tier else None,
        "tier_delta_fen": delta,
        "freight_fen": freight_fen,
        "minimum_topup_fen": topup,
        "late_parcels": len(late_nos),
        "late_tracking_nos": sorted(late_nos),
        "exempt_sessions": exempt_sessions,
        "late_penalty_fen": penalty,
        "pickup_rate_24h": _round_half_up(pick_rate, 4),
        "shipped_rate_48h": _round_half_up(ship_rate, 4),
        "sla_breached": breached,
        "cumulative_late": cumulative,
        "may_terminate": cumulative > t.terminate_after_late,
        "privacy_fine_fen": privacy_fine,
        "claims_credited_fen": credited,
        "claims_verify_overdue": sorted(verify_overdue),
        "claims_pay_overdue": sorted(pay_overdue),
        "open_claims": sorted(open_claims),
        "net_fen": net,
        "payable_fen": payable,
        "deposit_drawn_fen": drawn,
        "carried_forward_fen": carried,
        "deposit_after_fen": deposit_after,
        "deposit_refund_due_on": refund_on.isoformat() if refund_on else None,
        "deposit_refund_fen": refund_fen,
        "privacy_leaked_tracking_nos": sorted(leaked),
        "claims_credited": sorted(credited_ids),
        **sla_breakdown(week, exempt_set),
    }
    if week.bill is not None:
        data["bill"] = audit_bill(
            bill=week.bill, billable=billable, freight=freight, tolerance_g=t.weight_tolerance_g
        )
    return Statement(data=data, parcels=results)


def _freight(week: Week, delta: int) -> tuple[dict[str, int], dict[str, int]]:
    """Each parcel's billable grams and freight (the tier's first-weight delta applied)."""
    t = week.terms
    billable: dict[str, int] = {}
    freight: dict[str, int] = {}
    for s in week.shipments:
        lane = week.lanes.get(s.dest_province)
        if lane is None:
            raise InvalidInput(
                f"{t.carrier}: no rate for {s.dest_province or '(no province)'} ({s.tracking_no})"
            )
        billable[s.tracking_no] = billable_weight_g(s, t.volumetric_divisor)
        freight[s.tracking_no] = lane_freight_fen(lane, billable[s.tracking_no], delta)
    return billable, freight


def _parcel_results(
    week: Week, billable: dict[str, int], freight: dict[str, int], exempt_set: set[str]
) -> tuple[list[ParcelResult], list[str], int, int, Fraction, Fraction, bool]:
    """Per parcel: late or not, exempt, penalty; and whether the SLA rates missed their targets."""
    t, as_of = week.terms, week.terms.as_of
    results: list[ParcelResult] = []
    late_nos: list[str] = []
    penalty = 0
    late_counted = 0
    pick_due = pick_ok = ship_due = ship_ok = 0
    for s in week.shipments:
        picked = _seen(s.picked_up_at, as_of)
        departed = _seen(s.departed_at, as_of)
        exempt = s.session_id in exempt_set
        late = _late(picked, s.ready_at, t.pickup_hours, as_of) or _late(
            departed, s.ready_at, t.ship_hours, as_of
        )
        p = 0
        if late:
            late_nos.append(s.tracking_no)
            if not exempt:
                late_counted += 1
                p = _pct_of(freight[s.tracking_no], t.late_penalty_pct)
                penalty += p
        if not exempt:
            pick_deadline = s.ready_at + timedelta(hours=t.pickup_hours)
            if as_of > pick_deadline:
                pick_due += 1
                pick_ok += picked is not None and picked <= pick_deadline
            ship_deadline = s.ready_at + timedelta(hours=t.ship_hours)
            if as_of > ship_deadline:
                ship_due += 1
                ship_ok += departed is not None and departed <= ship_deadline
        results.append(
            ParcelResult(s.tracking_no, billable[s.tracking_no], freight[s.tracking_no], late, exempt, p)
        )
    pick_rate = Fraction(pick_ok, pick_due) if pick_due else Fraction(1)
    ship_rate = Fraction(ship_ok, ship_due) if ship_due else Fraction(1)
    breached = (
        pick_rate < Fraction(t.pickup_target_pct) / 100 or ship_rate < Fraction(t.ship_target_pct) / 100
    )
    return results, late_nos, penalty, late_counted, pick_rate, ship_rate, breached


def _leaked(week: Week, start: datetime, end: datetime) -> set[str]:
    """Parcels whose buyer data the carrier leaked in the week (as known at the statement's time)."""
    as_of = week.terms.as_of
    return {
        i.tracking_no
        for i in week.incidents
        if i.kind == "privacy_leak"
        and i.carrier_fault
        and start <= i.occurred_at < end
        and i.occurred_at <= as_of
    }


def _claim_figures(week: Week) -> tuple[int, list[str], list[str], list[str], list[str]]:
    """Claims credited (amount, ids), overdue to verify, overdue to pay, still open."""
    t, as_of = week.terms, week.terms.as_of
    credited = 0
    credited_ids: list[str] = []
    verify_overdue: list[str] = []
    pay_overdue: list[str] = []
    open_claims: list[str] = []
    for c in week.claims:
        if c.reported_at > as_of:
            continue  # not reported yet at the statement's time
        verified = _seen(c.verified_at, as_of)
        paid = _seen(c.paid_at, as_of)
        carrier_fault = c.responsibility in CARRIER_RESPONSIBLE
        if verified is not None and carrier_fault and paid is None:
            credited += c.amount_fen
            credited_ids.append(c.claim_id)
        if _late(verified, c.reported_at, t.verify_hours, as_of):
            verify_overdue.append(c.claim_id)
        if verified is not None and carrier_fault and _late(paid, verified, t.pay_hours, as_of):
            pay_overdue.append(c.claim_id)
        if verified is None or c.responsibility == "undetermined":
            open_claims.append(c.claim_id)
    return credited, credited_ids, verify_overdue, pay_overdue, open_claims


def sla_breakdown(week: Week, exempt: set[str]) -> dict[str, list[dict[str, Any]]]:
    """The same SLA rates per day (of ``ready_at``, non-exempt parcels) and per live session."""
    t = week.terms
    groups: dict[tuple[str, str], list[int]] = {}  # (axis, key) → [parcels, late, p_ok, p_due, s_ok, s_due]
    for s in week.shipments:
        picked, departed = _seen(s.picked_up_at, t.as_of), _seen(s.departed_at, t.as_of)
        late = _late(picked, s.ready_at, t.pickup_hours, t.as_of) or _late(
            departed, s.ready_at, t.ship_hours, t.as_of
        )
        keys = [("session", s.session_id)] if s.session_id else []
        if s.session_id not in exempt:
            keys.append(("day", s.ready_at.astimezone(SHANGHAI).date().isoformat()))
        for key in keys:
            g = groups.setdefault(key, [0, 0, 0, 0, 0, 0])
            g[0] += 1
            g[1] += late
            for (ok_i, due_i), done, hours in (
                ((2, 3), picked, t.pickup_hours),
                ((4, 5), departed, t.ship_hours),
            ):
                deadline = s.ready_at + timedelta(hours=hours)
                if t.as_of > deadline:
                    g[due_i] += 1
                    g[ok_i] += done is not None and done <= deadline

    def row(axis: str, key: str, g: list[int]) -> dict[str, Any]:
        out: dict[str, Any] = {axis: key, "parcels": g[0], "late": g[1]}
        out["pickup_rate_24h"] = _round_half_up(Fraction(g[2], g[3]) if g[3] else Fraction(1), 4)
        out["shipped_rate_48h"] = _round_half_up(Fraction(g[4], g[5]) if g[5] else Fraction(1), 4)
        if axis == "session":
            out["exempt"] = key in exempt
        return out

    return {
        "sla_by_day": [row("day", k, g) for (axis, k), g in sorted(groups.items()) if axis == "day"],
        "sla_by_session": [
            row("session", k, g) for (axis, k), g in sorted(groups.items()) if axis == "session"
        ],
    }


def audit_bill(
    *, bill: Sequence[BillLine], billable: Mapping[str, int], freight: Mapping[str, int], tolerance_g: int
) -> dict[str, Any]:
    """Check the carrier's bill against our own freight; the lists make the dispute list."""
    seen: set[str] = set()
    overcharged: set[str] = set()
    heavy: set[str] = set()
    unknown: set[str] = set()
    duplicates: set[str] = set()
    dispute = 0
    for line in bill:
        no = line.tracking_no
        if no in seen:
            duplicates.add(no)
            dispute += line.billed_fen
            continue
        seen.add(no)
        if no not in freight:
            unknown.add(no)
            dispute += line.billed_fen
            continue
        if line.billed_fen > freight[no]:
            overcharged.add(no)
            dispute += line.billed_fen - freight[no]
        if line.billed_weight_g > billable[no] + tolerance_g:
            heavy.add(no)
    missing = set(freight) - seen
    return {
        "overcharged": sorted(overcharged),
        "weight_disputed": sorted(heavy),
        "unknown": sorted(unknown),
        "duplicates": sorted(duplicates),
        "missing": sorted(missing),
        "dispute_fen": dispute,
    }
