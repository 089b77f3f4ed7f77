"""The alert sweep: every rule is one set-based query; new alerts are inserted, cleared ones resolved.

Per parcel rule the sweep runs two statements whatever the number of parcels:

1. ``INSERT INTO alert … SELECT`` from the parcels the rule fires on that have no open alert of
   that kind yet (``NOT EXISTS`` against the open-alert unique index), skipping conflicts with the
   partial unique constraints (one open alert per kind and parcel) — a concurrent sweep is harmless;
2. one UPDATE resolving the open alerts whose condition has cleared (see ``rules.ParcelRule``).

The two ship-by rules read the unshipped orders once (the status index; they are the few orders
waiting to ship), decide in Python (platform ship_by, else paid_at + the shop's hours — no date
arithmetic in SQL), ``bulk_create(ignore_conflicts=True)`` the new alerts against the per-order
constraint and resolve the cleared ones with one UPDATE per 900.

Buyer messages: each INSERT also decides, per new alert, what becomes of the message the buyer should
get (``Alert.buyer_message``, a CASE in the same SELECT): ``auto`` when the seller left auto-messaging
on for the kind and the condition began within the freshness horizon, ``held`` when it began earlier
(a first sweep or one after downtime must not message every old problem; the seller decides in the
alert queue), ``off`` when the kind's switch is off. After the rules, one query reads the new
``auto`` alerts (by primary key above the largest one before the sweep) and fires
``tracking.events.alerts_opened`` with them; notify, listening, queues them once the transaction
commits, and its worker job renders and bulk-inserts the outbox rows, deduplicated per order,
message and parcel.

The edge (Huey task, CLI) wraps a sweep in a transaction.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, CharField, DateTimeField, Exists, F, OuterRef, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from fahuo.orders.models import Order, Shop
from fahuo.tracking import events, rules
from fahuo.tracking.ingest import db_column
from fahuo.tracking.models import Alert, AlertKind, AlertStatus, BuyerMessage, Track
from fahuo.tracking.unpacked import unpacked_rule

INSERT_BATCH = 2000
ANALYZE_AFTER = 5000  # alerts opened in one sweep
# Alert columns filled by INSERT … SELECT from Track, and the select expressions feeding them.
PARCEL_ALERT_COLUMNS = [
    "kind",
    "track_id",
    "order_id",
    "tracking_no",
    "since",
    "severity",
    "status",
    "note",
    "detail",
    "created_at",
    "buyer_message",
]
PARCEL_ALERT_SELECT = [
    "a_kind",
    "pk",
    "order_id",
    "tracking_no",
    "a_since",
    "a_severity",
    "a_status",
    "a_blank",
    "a_blank",
    "a_created",
    "a_message",
]


@dataclass(slots=True)
class SweepResult:
    at: dt.datetime
    created: Counter[str] = field(default_factory=Counter)
    resolved: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)  # per rule, for the benchmark and logs
    messaged: int = 0  # new alerts whose buyer message was handed to the outbox

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    @property
    def total_resolved(self) -> int:
        return sum(self.resolved.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "created": dict(self.created),
            "resolved": dict(self.resolved),
            "messaged": self.messaged,
        }


@dataclass(frozen=True, slots=True)
class MessagePlan:
    """Which new alerts message the buyer: kinds that have a buyer message, and of those the ones
    the seller left on (``AlertRule.message_buyer``)."""

    buyer_kinds: frozenset[str]
    auto_kinds: frozenset[str]

    @classmethod
    def load(cls, rows: dict[str, Any]) -> MessagePlan:
        buyer = events.buyer_message_kinds.get()  # notify builds on tracking, not the reverse
        return cls(buyer_kinds=buyer, auto_kinds=frozenset(rules.auto_message_kinds(rows)) & buyer)

    def state(self, kind: str, fresh: bool) -> str:
        if kind not in self.buyer_kinds:
            return BuyerMessage.NONE.value
        if kind not in self.auto_kinds:
            return BuyerMessage.OFF.value
        return (BuyerMessage.AUTO if fresh else BuyerMessage.HELD).value

    def expression(self, rule: rules.ParcelRule, p: dict[str, Any], now: dt.datetime) -> Any:
        """The buyer_message of a parcel rule's new alerts, as a SELECT expression."""
        if rule.kind not in self.buyer_kinds or rule.kind not in self.auto_kinds:
            return Value(self.state(rule.kind, False), output_field=CharField())
        fresh = rule.began_after(p, now - rules.message_max_age(p))
        return Case(
            When(fresh, then=Value(BuyerMessage.AUTO.value)),
            default=Value(BuyerMessage.HELD.value),
            output_field=CharField(),
        )


def _open(kind: str) -> Any:
    return Alert.objects.filter(kind=kind).exclude(status=AlertStatus.RESOLVED)


def sweep(*, now: dt.datetime | None = None, kinds: set[str] | None = None) -> SweepResult:
    """Run every active rule once: open the alerts that fire, resolve the ones that cleared.

    Each rule runs in its own short transaction: a sweep over tens of thousands of overdue orders
    must not hold the database's write lock for the whole sweep while pushes, imports and API writes
    wait (on SQLite one writer at a time). Every step is idempotent (open alerts are unique, resolving
    is a no-op the second time), so a sweep stopped part-way is completed by the next one.
    """
    now = now or timezone.now()
    rows = rules.load_rows()
    params = rules.load_params(rows)
    plan = MessagePlan.load(rows)
    result = SweepResult(at=now)
    # The newest alert before this sweep: its new alerts are the ones above it.
    before = Alert.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for rule in rules.PARCEL_RULES:
        if rule.kind in params and (kinds is None or rule.kind in kinds):
            started = time.perf_counter()
            with transaction.atomic():
                _sweep_parcel_rule(rule, params[rule.kind], now, result, plan)
            result.seconds[rule.kind] = round(time.perf_counter() - started, 3)
    order_params: dict[str, dict[str, Any]] = {
        str(k): params[k] for k in rules.ORDER_KINDS if k in params and (kinds is None or k in kinds)
    }
    if order_params:
        started = time.perf_counter()
        with transaction.atomic():
            _sweep_order_rules(order_params, now, result, plan)
        result.seconds["ship_by"] = round(time.perf_counter() - started, 3)
    if AlertKind.UNPACKED in params and (kinds is None or AlertKind.UNPACKED in kinds):
        started = time.perf_counter()
        with transaction.atomic():
            unpacked_rule(params[AlertKind.UNPACKED], now, result, plan.state)
        result.seconds[AlertKind.UNPACKED] = round(time.perf_counter() - started, 3)
    if kinds is None or AlertKind.AFTER_SALE in kinds:
        with transaction.atomic():
            events.sweep_rules.fire(now=now, result=result)
    if any(result.created[k] for k in plan.auto_kinds):
        with transaction.atomic():
            result.messaged = _message_buyers(after_pk=before, kinds=plan.auto_kinds)
    if result.total_created >= ANALYZE_AFTER:
        _analyze_alerts()
    return result


def _message_buyers(*, after_pk: int, kinds: frozenset[str]) -> int:
    """Hand this sweep's fresh alerts to the outbox (one query; notify queues them after commit)."""
    new = list(
        Alert.objects.filter(pk__gt=after_pk, kind__in=kinds, buyer_message=BuyerMessage.AUTO)
        .order_by()
        .values_list("pk", "kind")
    )
    events.alerts_opened.fire(new)
    return len(new)


def _analyze_alerts() -> None:
    """Refresh the planner's statistics of the alert table after a large insert.

    Every rule's ``NOT EXISTS (open alert)`` is planned from them: with the statistics of an empty
    table the planner picks a nested loop over the open alerts per parcel, which turns quadratic
    once tens of thousands are open (autovacuum would catch up, minutes later).
    """
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Alert._meta.db_table)}")


def _sweep_parcel_rule(
    rule: rules.ParcelRule, p: dict[str, Any], now: dt.datetime, result: SweepResult, plan: MessagePlan
) -> None:
    fires = rule.fires(p, now)
    has_open = Exists(_open(rule.kind).filter(track_id=OuterRef("pk")))
    rows = (
        Track.objects.filter(fires)
        .filter(~has_open)
        .annotate(
            a_kind=Value(rule.kind, output_field=CharField()),
            a_since=Coalesce(F(rule.since), Value(now, output_field=DateTimeField())),
            a_severity=Value(str(p.get("severity", "warning")), output_field=CharField()),
            a_status=Value(AlertStatus.OPEN.value, output_field=CharField()),
            a_blank=Value("", output_field=CharField()),
            a_created=Value(now, output_field=DateTimeField()),
            a_message=plan.expression(rule, p, now),
        )
        .values_list(*PARCEL_ALERT_SELECT)
    )
    created = _insert_alerts(rows, PARCEL_ALERT_COLUMNS)
    result.created[rule.kind] += created
    if rule.manual:
        return
    cleared: Any
    if rule.clears is None:
        cleared = ~Exists(Track.objects.filter(fires, pk=OuterRef("track_id")))
    else:
        cleared = Exists(Track.objects.filter(rule.clears(p, now), pk=OuterRef("track_id")))
    n = (
        _open(rule.kind)
        .filter(track__isnull=False)
        .filter(cleared)
        .update(status=AlertStatus.RESOLVED, resolved_at=now)
    )
    result.resolved[rule.kind] += n


def _insert_alerts(rows: QuerySet[Any, Any], columns: list[str]) -> int:
    """INSERT INTO alert (columns) SELECT …: one statement per rule, whatever the number of parcels.

    Conflicts with the open-alert unique constraints are skipped (ON CONFLICT DO NOTHING / INSERT OR
    IGNORE, as ``bulk_create(ignore_conflicts=True)`` emits), so a concurrent sweep is harmless.
    """
    select, params = rows.query.sql_with_params()
    ops = connection.ops
    meta = Alert._meta
    table = ops.quote_name(meta.db_table)
    cols = ", ".join(ops.quote_name(db_column(Alert, c)) for c in columns)
    if connection.vendor == "postgresql":
        sql = f"INSERT INTO {table} ({cols}) {select} ON CONFLICT DO NOTHING"
    else:
        sql = f"INSERT OR IGNORE INTO {table} ({cols}) {select}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _sweep_order_rules(
    params: dict[str, dict[str, Any]], now: dt.datetime, result: SweepResult, plan: MessagePlan
) -> None:
    """SHIP_BY_SOON / SHIP_BY_OVERDUE over the unshipped orders: one read of them, one of the open
    ship-by alerts, then a bulk insert of the new ones and one UPDATE of the cleared ones."""
    ship_hours = dict(Shop.objects.values_list("pk", "default_ship_hours"))
    firing: dict[str, dict[int, dt.datetime]] = {kind: {} for kind in params}
    # order_by(): Order's default ordering (-paid_at) would make SQLite walk the paid_at index
    # over every order instead of using the status index.
    unshipped = (
        Order.objects.filter(status__in=rules.UNSHIPPED)
        .order_by()
        .values_list("pk", "ship_by", "paid_at", "shop_id")
    )
    for pk, ship_by, paid_at, shop_id in unshipped.iterator(chunk_size=INSERT_BATCH):
        deadline = rules.ship_by_deadline(ship_by, paid_at, ship_hours.get(shop_id))
        fired = rules.ship_by_alert(deadline, now, params)
        if fired is not None and fired[0] in firing:
            firing[fired[0]][pk] = fired[1]
    open_rows = list(
        Alert.objects.filter(kind__in=list(params), track__isnull=True)
        .exclude(status=AlertStatus.RESOLVED)
        .order_by()
        .values_list("pk", "kind", "order_id")
    )
    have = {(kind, order_id) for _, kind, order_id in open_rows}
    horizon = {kind: now - rules.message_max_age(p) for kind, p in params.items()}
    new = [
        Alert(
            kind=kind,
            order_id=order_id,
            since=since,
            severity=str(params[kind].get("severity", "warning")),
            buyer_message=plan.state(kind, since >= horizon[kind]),
        )
        for kind, orders in firing.items()
        for order_id, since in orders.items()
        if (kind, order_id) not in have
    ]
    Alert.objects.bulk_create(new, batch_size=INSERT_BATCH, ignore_conflicts=True)
    for alert in new:
        result.created[alert.kind] += 1
    cleared = [(pk, kind) for pk, kind, order_id in open_rows if order_id not in firing[kind]]
    for start in range(0, len(cleared), 900):
        part = cleared[start : start + 900]
        Alert.objects.filter(pk__in=[pk for pk, _ in part]).update(
            status=AlertStatus.RESOLVED, resolved_at=now
        )
        for _, kind in part:
            result.resolved[kind] += 1


def open_alert_rows(
    *, kinds: set[str] | None = None, created_since: dt.datetime | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Open (unresolved) alerts as plain rows for the CLI: tracking_no, kind, since (aware), order_id."""
    alerts = Alert.objects.exclude(status=AlertStatus.RESOLVED)
    if created_since is not None:
        alerts = alerts.filter(created_at__gte=created_since)
    if kinds:
        alerts = alerts.filter(kind__in=kinds)
    rows = alerts.order_by("since", "id").values(
        "tracking_no", "kind", "since", "order_id", "severity", "order__platform_order_id"
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        {
            "tracking_no": row["tracking_no"],
            "kind": row["kind"],
            "since": row["since"],
            "order_id": row["order_id"],
            "severity": row["severity"],
            "order_no": row["order__platform_order_id"] or "",
        }
        for row in rows.iterator(chunk_size=INSERT_BATCH)
    ]
