"""Trace ingestion: provider events -> TrackEvent rows and each parcel's normalised state, set-wise.

``ingest_events`` works per chunk of events with a fixed number of statements (find the tracks,
find the keys already stored, insert the new events, update the touched tracks), never one per
event. A duplicate event (same provider, carrier, number, time and text) changes nothing. A parcel's
status is its latest event by time: a late-arriving older event is stored but never moves a parcel
backwards, so a delivered parcel stays delivered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connection, models
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from fahuo.carriers.models import RateLine
from fahuo.fulfilment.models import Waybill
from fahuo.integrations.base import TraceEvent
from fahuo.kit.bulk import bulk_insert, chunked
from fahuo.orders.models import Order, OrderStatus
from fahuo.orders.selectors import _has_reason as has_review_reason
from fahuo.tracking import events as tracking_events
from fahuo.tracking.models import FINAL_STATUSES, AlertKind, AlertRule, Track, TrackEvent, TrackStatus

CHUNK = 900  # values per IN (...) and events per round (SQLite allows 999 parameters per query)

# Tie-break between events stamped with the same minute: the further-along status wins, so the
# result does not depend on the order pushes arrive in.
STATUS_RANK: dict[str, int] = {
    s: i
    for i, s in enumerate(
        [
            TrackStatus.CREATED,
            TrackStatus.AWAITING_PICKUP,
            TrackStatus.PICKED_UP,
            TrackStatus.IN_TRANSIT,
            TrackStatus.OUT_FOR_DELIVERY,
            TrackStatus.IN_LOCKER,
            TrackStatus.EXCEPTION,
            TrackStatus.REFUSED,
            TrackStatus.RETURNING,
            TrackStatus.DELIVERED,
            TrackStatus.RETURNED,
            TrackStatus.LOST,
        ]
    )
}
# Statuses that can only be reported once a carrier holds the parcel (an exception or a loss can
# happen before pickup, so they do not count).
PICKED_UP_STATUSES = frozenset(
    {
        TrackStatus.PICKED_UP,
        TrackStatus.IN_TRANSIT,
        TrackStatus.OUT_FOR_DELIVERY,
        TrackStatus.IN_LOCKER,
        TrackStatus.DELIVERED,
        TrackStatus.REFUSED,
        TrackStatus.RETURNING,
        TrackStatus.RETURNED,
    }
)
TRACK_FIELDS = [
    "status",
    "status_at",
    "last_event_at",
    "picked_up_at",
    "delivered_at",
    "due_at",
    "last_location",
    "provider_code",
    "signed_by_proxy",
    "active",
]
UNKNOWN_KEPT = 50  # unknown numbers listed in the result (all are counted)
STATE_COLUMNS = ["pk", "tracking_no", "carrier_code", "promised_hours", "order_id", *TRACK_FIELDS]


@dataclass(slots=True)
class TrackState:
    """The columns of a Track that ingestion reads and writes (a plain row: no model instance)."""

    pk: int
    tracking_no: str
    carrier_code: str
    promised_hours: int | None
    order_id: int | None
    status: str
    status_at: dt.datetime | None
    last_event_at: dt.datetime | None
    picked_up_at: dt.datetime | None
    delivered_at: dt.datetime | None
    due_at: dt.datetime | None
    last_location: str
    provider_code: str
    signed_by_proxy: bool
    active: bool


@dataclass(slots=True)
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    unknown: int = 0
    tracks_updated: int = 0
    unknown_numbers: list[str] = field(default_factory=list)

    def add(self, other: IngestResult) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.unknown += other.unknown
        self.tracks_updated += other.tracks_updated
        room = UNKNOWN_KEPT - len(self.unknown_numbers)
        self.unknown_numbers.extend(other.unknown_numbers[: max(room, 0)])

    def as_dict(self) -> dict[str, int]:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "unknown": self.unknown}


def event_key(event: TraceEvent) -> str:
    """hash(provider, carrier, tracking number, time, description): the natural key of a trace line."""
    at = event.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    raw = "\x1f".join((event.provider, event.carrier_code.upper(), event.tracking_no, at, event.description))
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()  # 128 bits: 32 hex characters


def ingest_events(events: Sequence[TraceEvent]) -> IngestResult:
    """Store new trace events and bring the touched parcels' state up to date (idempotent)."""
    result = IngestResult()
    late_default: list[int] = []  # loaded once, only when a parcel without a lane promise is picked up
    for chunk in chunked(list(events), CHUNK):
        result.add(_ingest_chunk(chunk, late_default))
    return result


def _ingest_chunk(events: Sequence[TraceEvent], late_default: list[int]) -> IngestResult:
    result = IngestResult()
    numbers = sorted({e.tracking_no for e in events})
    by_number = _tracks_by_number(numbers)
    missing = [n for n in numbers if n not in by_number]
    if missing:
        # Waybills issued before tracking knew about them get their Track now.
        waybills = Waybill.objects.filter(tracking_no__in=missing).values_list("pk", flat=True)
        create_tracks(waybill_ids=list(waybills), subscribe=False)
        by_number.update(_tracks_by_number(missing))
    # Match on carrier + number; a number only one parcel has also matches when the provider's
    # carrier code is spelled differently (YD/YUNDA).
    keyed: dict[str, tuple[TrackState, TraceEvent]] = {}
    unknown: set[str] = set()
    for event in events:
        candidates = by_number.get(event.tracking_no, [])
        track = next((t for t in candidates if t.carrier_code == event.carrier_code.upper()), None)
        if track is None and len(candidates) == 1:
            track = candidates[0]
        if track is None:
            unknown.add(event.tracking_no)
            result.unknown += 1
            continue
        key = event_key(event)
        if key in keyed:
            result.duplicates += 1
            continue
        keyed[key] = (track, event)
    result.unknown_numbers = sorted(unknown)[:UNKNOWN_KEPT]
    if unknown:
        tracking_events.unmatched_events.fire([e for e in events if e.tracking_no in unknown])
    if not keyed:
        return result
    inserted = insert_events(keyed)
    result.accepted = inserted
    result.duplicates += len(keyed) - inserted
    # Folding an event in twice changes nothing, so the state is recomputed from every matched
    # event without asking which of them were new.
    per_track: dict[int, list[TraceEvent]] = defaultdict(list)
    tracks: dict[int, TrackState] = {}
    for track, e in keyed.values():
        per_track[track.pk].append(e)
        tracks[track.pk] = track
    before = {pk: t.status for pk, t in tracks.items()}
    changed = [tracks[pk] for pk, evs in per_track.items() if apply_events(tracks[pk], evs, late_default)]
    write_tracks(changed)
    result.tracks_updated = len(changed)
    moved = [t for t in changed if t.status != before[t.pk]]
    # An order moves when its parcel first reaches a carrier or is signed; other moves (in transit
    # -> out for delivery, another "in transit" line) cannot move it, so they cost no statement.
    advance_orders(
        [t for t in moved if before[t.pk] not in PICKED_UP_STATUSES or t.status == TrackStatus.DELIVERED]
    )
    if moved:
        # Milestones (派送中, 待取件, 已签收 …) for whoever listens: notify tells the buyer after commit.
        tracking_events.parcel_status_changed.fire(
            [Track(pk=t.pk, order_id=t.order_id, status=t.status) for t in moved]
        )
    return result


# Orders a parcel may move forward: printed -> shipped (picked up) -> delivered (signed). Cancelled
# orders, orders sent back to review and anything already further along are left alone.
SHIPPABLE = (OrderStatus.PRINTED,)
DELIVERABLE = (OrderStatus.PRINTED, OrderStatus.SHIPPED)


def advance_orders(tracks: Sequence[TrackState], *, now: dt.datetime | None = None) -> int:
    """Move the orders of these parcels forward with them, in one UPDATE: shipped once a carrier
    holds a parcel, delivered once it is signed and the order has no other parcel on its way.

    Never backwards (a late "in transit" push after delivery changes nothing: only printed orders
    ship, only printed/shipped ones are delivered), and never an order with an after-sale request
    under way (review reason ``after_sale``). Returns how many orders moved.
    """
    held = {t.order_id for t in tracks if t.order_id is not None and t.picked_up_at is not None}
    signed = {t.order_id for t in tracks if t.order_id is not None and t.status == TrackStatus.DELIVERED}
    if not held and not signed:
        return 0
    # A parcel still on its way (an active Track with a live waybill) keeps its order "shipped".
    on_its_way = Exists(
        Track.objects.filter(order_id=OuterRef("pk"), active__in=[True], waybill__isnull=False)
    )
    deliver = Q(pk__in=signed) & ~on_its_way
    return (
        Order.objects.filter(pk__in=held | signed)
        .filter(Q(status__in=SHIPPABLE) | (Q(status__in=DELIVERABLE) & deliver))
        .exclude(has_review_reason("after_sale"))
        .update(
            status=Case(
                When(deliver, then=Value(OrderStatus.DELIVERED.value)),
                default=Value(OrderStatus.SHIPPED.value),
            ),
            updated_at=now or timezone.now(),
        )
    )


EVENT_COLUMNS = (
    "track_id",
    "at",
    "status",
    "provider",
    "provider_code",
    "description",
    "location",
    "event_key",
    "received_at",
)


# Raw statements below are built from model metadata only (table and column names); every value
# travels as a parameter.


def db_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """A concrete field by name (``track_id`` finds ``track``)."""
    field = model._meta.get_field(name.removesuffix("_id"))
    assert isinstance(field, models.Field)
    return field


def db_column(model: type[models.Model], name: str) -> str:
    return str(db_field(model, name).column)


def insert_events(keyed: dict[str, tuple[TrackState, TraceEvent]]) -> int:
    """Insert trace events, skipping keys already stored; returns how many were new.

    The statement ``bulk_create(ignore_conflicts=True)`` sends (ON CONFLICT DO NOTHING / INSERT OR
    IGNORE on the unique ``event_key``), fed with plain values instead of model instances, and with
    the database's own count of inserted rows — which bulk_create cannot report.
    """
    if not keyed:
        return 0
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (
            track.pk,
            ops.adapt_datetimefield_value(e.at),
            e.status,
            e.provider[:20],
            e.provider_code[:20],
            e.description[:500],
            e.location[:100],
            key,
            now,
        )
        for key, (track, e) in keyed.items()
    ]
    meta = TrackEvent._meta
    table = ops.quote_name(meta.db_table)
    columns = ", ".join(ops.quote_name(db_column(TrackEvent, c)) for c in EVENT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = [
                "bigint",
                "timestamptz",
                "varchar",
                "varchar",
                "varchar",
                "varchar",
                "varchar",
                "varchar",
                "timestamptz",
            ]
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING",  # noqa: S608
                [list(col) for col in zip(*rows, strict=True)],
            )
        else:
            marks = ", ".join(["%s"] * len(EVENT_COLUMNS))
            cursor.executemany(f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608
        return max(cursor.rowcount, 0)


def write_tracks(tracks: Sequence[TrackState]) -> None:
    """Save the state fields of many tracks in one statement.

    ``QuerySet.bulk_update`` builds a CASE WHEN per row and field in Python (~8 ms per parcel);
    this sends the values as data instead: on PostgreSQL one UPDATE … FROM unnest(arrays), elsewhere
    one prepared UPDATE executed for every row (executemany, in C on SQLite).
    """
    if not tracks:
        return
    meta = Track._meta
    fields = [db_field(Track, name) for name in TRACK_FIELDS]
    ops = connection.ops
    rows = []
    for t in tracks:
        row: list[Any] = []
        for f in fields:
            value = getattr(t, f.attname)
            if isinstance(value, dt.datetime):
                value = ops.adapt_datetimefield_value(value)
            row.append(value)
        row.append(t.pk)
        rows.append(row)
    table = ops.quote_name(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = [f.db_type(connection) for f in fields]
            names = [ops.quote_name(str(f.column)) for f in fields]
            sets = ", ".join(f"{n} = v.{n}" for n in names)
            arrays = ", ".join(f"%s::{typ}[]" for typ in [*[_array_type(t) for t in types], "bigint"])
            columns = ", ".join([*names, "id"])
            sql = f"UPDATE {table} AS t SET {sets} FROM unnest({arrays}) AS v({columns}) WHERE t.id = v.id"  # noqa: S608
            cursor.execute(sql, [list(col) for col in zip(*rows, strict=True)])
        else:
            sets = ", ".join(f"{ops.quote_name(str(f.column))} = %s" for f in fields)
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", rows)  # noqa: S608


def _array_type(db_type: str | None) -> str:
    """A column type usable as an array element type in a cast (varchar(20) -> varchar)."""
    base = (db_type or "text").split("(")[0].strip()
    return {"timestamp with time zone": "timestamptz"}.get(base, base)


def _tracks_by_number(numbers: Sequence[str]) -> dict[str, list[TrackState]]:
    out: dict[str, list[TrackState]] = defaultdict(list)
    for part in chunked(numbers, CHUNK):
        for row in Track.objects.filter(tracking_no__in=part).values_list(*STATE_COLUMNS):
            state = TrackState(*row)
            out[state.tracking_no].append(state)
    return out


def _rank(at: dt.datetime | None, status: str) -> tuple[dt.datetime, int]:
    return (at or dt.datetime.min.replace(tzinfo=dt.UTC), STATUS_RANK.get(status, 0))


def apply_events(track: TrackState, events: Iterable[TraceEvent], late_default: list[int]) -> bool:
    """Fold new events into a parcel's state (in memory); True when something changed."""
    before = tuple(getattr(track, f) for f in TRACK_FIELDS)
    events = list(events)
    latest = max(events, key=lambda e: _rank(e.at, e.status))
    if track.last_event_at is None or _rank(latest.at, latest.status) > _rank(
        track.last_event_at, track.status
    ):
        if latest.status != track.status:
            track.status_at = latest.at
        track.status = latest.status
        track.last_event_at = latest.at
        track.last_location = (latest.location or track.last_location)[:100]
        track.provider_code = latest.provider_code[:20]
    picked = [e.at for e in events if e.status in PICKED_UP_STATUSES]
    if picked and (track.picked_up_at is None or min(picked) < track.picked_up_at):
        track.picked_up_at = min(picked)
    if track.picked_up_at is not None:
        hours = track.promised_hours or _late_default_hours(late_default)
        track.due_at = track.picked_up_at + dt.timedelta(hours=hours)
    if track.status == TrackStatus.DELIVERED:
        track.delivered_at = track.last_event_at
    if any(e.signed_by_proxy or e.status == TrackStatus.IN_LOCKER for e in events):
        track.signed_by_proxy = True
    track.active = track.status not in FINAL_STATUSES
    return tuple(getattr(track, f) for f in TRACK_FIELDS) != before


def _late_default_hours(cache: list[int]) -> int:
    if not cache:
        from fahuo.tracking.rules import DEFAULT_PARAMS

        row = AlertRule.objects.filter(kind=AlertKind.LATE).first()
        params = {**DEFAULT_PARAMS[AlertKind.LATE], **(row.params if row is not None else {})}
        cache.append(int(params["default_hours"]))
    return cache[0]


# --- tracks for issued waybills ------------------------------------------------------------------


def ensure_tracks(waybills: Iterable[Waybill] | QuerySet[Waybill], *, subscribe: bool = True) -> list[Track]:
    """Create the Track of each waybill that has none (idempotent); returns the waybills' tracks.

    Call it where waybills are issued (in the same transaction). With ``subscribe`` the new parcels
    are subscribed to the tracking provider's push after commit (when a tracking account is configured).

    The promise used for LATE comes from the lane's rate line (``transit_hours``) in force on the
    issue day, else from the order's ``promise_hours``; a parcel with neither gets the LATE rule's
    ``default_hours`` when it is picked up.
    """
    if isinstance(waybills, QuerySet):
        ids = list(waybills.values_list("pk", flat=True))
    else:
        ids = [w.pk for w in waybills if w.pk is not None]
    create_tracks(waybill_ids=ids, subscribe=subscribe)
    return [t for part in chunked(ids, CHUNK) for t in Track.objects.filter(waybill_id__in=part)]


def create_tracks(*, waybill_ids: Sequence[int], subscribe: bool = True) -> int:
    """``ensure_tracks`` without loading the tracks back (the batch path: thousands of waybills);
    returns how many tracks were created."""
    created = sum(_create_tracks(part) for part in chunked(waybill_ids, CHUNK))
    if not (subscribe and created):
        return created
    from fahuo.tracking.subscriptions import enqueue_subscriptions, tracking_configured

    if tracking_configured():  # before reading the ids back: no tracking account, nothing to subscribe
        unsubscribed = Track.objects.filter(subscribed_provider="")
        enqueue_subscriptions(
            [
                pk
                for part in chunked(waybill_ids, CHUNK)
                for pk in unsubscribed.filter(waybill_id__in=part).values_list("pk", flat=True)
            ]
        )
    return created


def backfill_tracks(*, days: int = 30) -> int:
    """Tracks for waybills issued in the last ``days`` that have none (issued before tracking ran)."""
    since = timezone.now() - dt.timedelta(days=days)
    return len(ensure_tracks(Waybill.objects.filter(track__isnull=True, issued_at__gte=since)))


class _Issued(NamedTuple):
    """The columns of a waybill, its parcel and order that its Track is made from."""

    pk: int
    carrier_id: int
    carrier_code: str
    tracking_no: str
    issued_at: dt.datetime | None
    order_id: int
    province: str
    door_delivery: bool
    promise_hours: int | None
    parcel_warehouse_id: int | None
    parcel_warehouse_province: str | None
    order_warehouse_id: int | None
    order_warehouse_province: str | None

    @property
    def origin(self) -> str:
        """The province the parcel leaves from: its warehouse's, else its order's, else unknown."""
        if self.parcel_warehouse_id is not None:
            return self.parcel_warehouse_province or ""
        if self.order_warehouse_id is not None:
            return self.order_warehouse_province or ""
        return ""


ISSUED_COLUMNS = (
    "pk",
    "carrier_id",
    "carrier__code",
    "tracking_no",
    "issued_at",
    "parcel__order_id",
    "parcel__order__province",
    "parcel__order__door_delivery",
    "parcel__order__promise_hours",
    "parcel__warehouse_id",
    "parcel__warehouse__province",
    "parcel__order__warehouse_id",
    "parcel__order__warehouse__province",
)


def _create_tracks(waybill_ids: Sequence[int]) -> int:
    # Plain rows (values_list), not five model instances per waybill: thousands per printed batch.
    rows = [
        _Issued(*row)
        for row in Waybill.objects.filter(pk__in=waybill_ids, track__isnull=True).values_list(*ISSUED_COLUMNS)
    ]
    if not rows:
        return 0
    lanes = _lane_hours(rows)
    now = timezone.now()
    new = []
    for w in rows:
        issued = w.issued_at or now
        day = timezone.localtime(issued).date()
        hours = (
            _lane_for(lanes, w.carrier_id, w.origin, w.province, day)
            or _lane_for(lanes, w.carrier_id, "", w.province, day)
            or w.promise_hours
        )
        new.append(
            Track(
                waybill_id=w.pk,
                order_id=w.order_id,
                tracking_no=w.tracking_no,
                carrier_code=w.carrier_code.upper(),
                status=TrackStatus.AWAITING_PICKUP,
                status_at=issued,
                issued_at=issued,
                dest_province=w.province,
                door_delivery=w.door_delivery,
                promised_hours=hours,
            )
        )
    bulk_insert(new, ignore_conflicts=True)
    return len(new)


LaneKey = tuple[int, str, str]


def _lane_hours(rows: Sequence[_Issued]) -> dict[LaneKey, list[tuple[dt.date, int]]]:
    """Transit hours per (carrier, origin, destination), each with the day it took effect (ascending)."""
    lanes: dict[LaneKey, list[tuple[dt.date, int]]] = defaultdict(list)
    qs = RateLine.objects.filter(
        carrier_id__in={w.carrier_id for w in rows},
        dest_province__in={w.province for w in rows},
    ).order_by("effective_from")
    for carrier_id, origin, dest, since, hours in qs.values_list(
        "carrier_id", "origin_province", "dest_province", "effective_from", "transit_hours"
    ):
        lanes[(carrier_id, origin, dest)].append((since, hours))
        lanes[(carrier_id, "", dest)].append((since, hours))  # any origin, when the parcel's is unknown
    return lanes


def _lane_for(
    lanes: dict[LaneKey, list[tuple[dt.date, int]]], carrier_id: int, origin: str, dest: str, day: dt.date
) -> int | None:
    hours = None
    for since, h in lanes.get((carrier_id, origin, dest), []):
        if since <= day:
            hours = h
    return hours
