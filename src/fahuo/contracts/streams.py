"""Per-stream breach alerts while a live stream is on (直播中): for each carrier of the stream's
parcels, will the carrier pick them up within the contract's pickup hours at its contracted pickups
per hour, and is the stream still within the contract's peak per stream?

The projection is deliberately simple and explainable: the parcels not yet picked up are taken in the
order they were labelled. The pickups already booked for the stream (the slots of the peak notice sent
to the carrier) come first, each at its time with at most its parcels; after the last of them the
carrier picks up ``pickups_per_hour`` an hour, only in the hours of the contract's pickup window
(``Contract.pickup_window``, Beijing time; none: every hour). A parcel whose pickup comes after
``issued_at + pickup_hours`` will be late; the penalty at stake is the contract's late penalty (% of
the parcel's freight) on those. Over the peak, the whole stream is
exempt from penalties (the settlement's rule): that alert says how much penalty is then forfeited.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from fahuo.carriers.models import Carrier
from fahuo.contracts import services, week_data
from fahuo.contracts import settlement as st
from fahuo.contracts.models import ContractAlert
from fahuo.kit.money import format_yuan
from fahuo.orders.models import Order
from fahuo.routing.pickup import parse_window

KINDS = ("stream_pickup", "stream_capacity")


@dataclass
class StreamRisk:
    session_key: str
    title: str
    carrier: Carrier
    parcels: int
    peak: int
    awaiting: int
    late: int  # already late or projected late
    penalty_fen: int
    pickup_hours: int
    per_hour: int


def live_sessions(now: dt.datetime) -> list[Any]:
    """Streams on now (between the start and the end of the order tail)."""
    # livestream is a sibling domain (import-linter layers): its rows through the app registry.
    session = apps.get_model("livestream", "LiveSession")
    found = session.objects.filter(starts_at__lte=now, ends_at__gte=now - dt.timedelta(hours=48))
    return [s for s in found.select_related("shop") if now <= s.ends_at + dt.timedelta(hours=s.tail_hours)]


def stream_risks(*, session: Any, now: dt.datetime) -> list[StreamRisk]:
    """Each carrier's projected pickup breach and peak for one live stream."""
    from fahuo.tracking.models import Track

    window_end = session.ends_at + dt.timedelta(hours=session.tail_hours)
    orders = Order.objects.filter(
        shop_id=session.shop_id, paid_at__gte=session.starts_at, paid_at__lt=window_end
    )
    rows = (
        Track.objects.filter(order__in=orders.values("pk"))
        .values_list(
            "carrier_code", "issued_at", "picked_up_at", "dest_province",
            "waybill__parcel__weight_g", "waybill__parcel__packed_weight_g", "waybill__parcel__volumetric_weight_g",
        )
        .order_by("issued_at", "pk")
    )  # fmt: skip
    by_carrier: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        by_carrier[row[0]].append(row[1:])
    allocated = dict(
        orders.exclude(carrier__isnull=True)
        .values_list("carrier__code")
        .annotate(n=Count("pk"))
        .values_list("carrier__code", "n")
    )
    out = []
    for carrier in Carrier.objects.filter(code__in=set(by_carrier) | set(allocated)).order_by("code"):
        out.append(
            _risk(session, carrier, by_carrier.get(carrier.code, []), allocated.get(carrier.code, 0), now)
        )
    return out


def _risk(
    session: Any, carrier: Carrier, parcels: list[tuple[Any, ...]], allocated: int, now: dt.datetime
) -> StreamRisk:
    contract, terms = services.terms_for_carrier(carrier=carrier, on=timezone.localdate(now))
    per_hour = (contract.pickup_capacity_per_hour if contract else None) or terms.pickups_per_hour or 1
    peak = (contract.peak_capacity_per_stream if contract else None) or week_data.DEFAULT_PEAK_CAPACITY
    lanes = week_data.lanes(carrier, terms.origin_province, timezone.localdate(now))
    hours = dt.timedelta(hours=terms.pickup_hours)
    waiting = sum(1 for row in parcels if row[1] is None)
    window = parse_window(contract.pickup_window) if contract and contract.pickup_window else None
    booked = _booked(session, carrier, now)
    times = iter(pickup_times(waiting, now=now, per_hour=per_hour, window=window, booked=booked))
    late = penalty = 0
    for issued, picked, dest, weight, packed, volumetric in parcels:
        if (picked if picked is not None else next(times)) <= (issued or now) + hours:
            continue
        late += 1
        lane = lanes.get(dest)
        if lane is not None:
            billable = max(packed or weight or 0, volumetric or 0)
            penalty += st._pct_of(st.lane_freight_fen(lane, billable, 0), terms.late_penalty_pct)
    return StreamRisk(
        session_key=f"LIVE{session.pk}", title=session.title, carrier=carrier, parcels=max(len(parcels), allocated),
        peak=peak, awaiting=waiting, late=late, penalty_fen=penalty, pickup_hours=terms.pickup_hours, per_hour=per_hour,
    )  # fmt: skip


def _open(at: dt.datetime, window: tuple[int, int] | None) -> bool:
    """Whether the carrier collects in the hour of ``at`` (Beijing time); a window may pass midnight."""
    if window is None or window[0] == window[1]:
        return True
    hour, (start, end) = at.astimezone(st.SHANGHAI).hour, window
    return start <= hour < end if start < end else hour >= start or hour < end


def _booked(session: Any, carrier: Carrier, now: dt.datetime) -> list[tuple[dt.datetime, int]]:
    """The stream's pickups booked with the carrier (its sent peak notice's slots) not over yet."""
    notice = apps.get_model("livestream", "PeakNotice")
    found = notice.objects.filter(session_id=session.pk, carrier=carrier, sent_at__isnull=False).first()
    slots = found.pickup_slots if found is not None else []
    return [
        (dt.datetime.fromisoformat(s["from"]), int(s["parcels"]))
        for s in slots
        if dt.datetime.fromisoformat(s["to"]) > now and int(s["parcels"]) > 0
    ]


def pickup_times(
    count: int, *, now: dt.datetime, per_hour: int, window: tuple[int, int] | None,
    booked: list[tuple[dt.datetime, int]],
) -> list[dt.datetime]:  # fmt: skip
    """When each of ``count`` waiting parcels is picked up, in label order: the booked pickups first
    (each at its time, at most its parcels), then ``per_hour`` an hour in the window's hours."""
    out: list[dt.datetime] = []
    for at, n in sorted(booked):
        out += [max(at, now)] * min(n, count - len(out))
    t = max([now, *(at for at, _ in booked)])
    step = need = dt.timedelta(hours=1) / max(per_hour, 1)
    horizon = t + dt.timedelta(days=7)
    while len(out) < count and t < horizon:
        hour_end = t.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        if not _open(t, window):
            t = hour_end
        elif t + need <= hour_end:
            t, need = t + need, step
            out.append(t)
        else:
            need, t = need - (hour_end - t), hour_end
    return out + [horizon] * (count - len(out))  # beyond a week: late whatever the deadline


def _upsert(carrier: Carrier, kind: str, key: str, message: str) -> bool:
    """Open (or refresh the numbers of) the alert; True when it was not open before."""
    alert, made = ContractAlert.objects.get_or_create(
        carrier=carrier, kind=kind, key=key, defaults={"message": message[:300]}
    )
    if not made:
        reopened = alert.resolved_at is not None
        ContractAlert.objects.filter(pk=alert.pk).update(message=message[:300], resolved_at=None)
        return reopened
    return True


def _resolve(carrier: Carrier, kind: str, key: str, now: dt.datetime) -> None:
    ContractAlert.objects.filter(carrier=carrier, kind=kind, key=key, resolved_at__isnull=True).update(
        resolved_at=now
    )


def stream_breach_alerts(*, now: dt.datetime | None = None) -> int:
    """Raise, refresh or resolve the per-stream alerts of every live stream; returns how many opened."""
    now = now or timezone.now()
    opened = 0
    for session in live_sessions(now):
        for r in stream_risks(session=session, now=now):
            if r.late:
                opened += _upsert(
                    r.carrier, "stream_pickup", r.session_key,
                    _("Stream “%(title)s”: %(late)d %(carrier)s parcels will pass %(hours)d hours without pickup "
                      "(%(awaiting)d awaiting pickup, contract pickups per hour %(per_hour)d), late penalty about %(penalty)s")
                    % {"title": r.title, "carrier": r.carrier.name, "late": r.late, "hours": r.pickup_hours,
                       "awaiting": r.awaiting, "per_hour": r.per_hour, "penalty": format_yuan(r.penalty_fen)},
                )  # fmt: skip
            else:
                _resolve(r.carrier, "stream_pickup", r.session_key, now)
            if r.parcels > r.peak:
                opened += _upsert(
                    r.carrier, "stream_capacity", r.session_key,
                    _("Stream “%(title)s”: %(carrier)s already has %(parcels)d parcels, over the contract's "
                      "per-stream cap of %(peak)d: late parcels of this stream carry no penalty (about %(penalty)s "
                      "cannot be claimed): switch to another carrier")
                    % {"title": r.title, "carrier": r.carrier.name, "parcels": r.parcels, "peak": r.peak,
                       "penalty": format_yuan(r.penalty_fen)},
                )  # fmt: skip
    return opened
