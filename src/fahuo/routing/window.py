"""The pickup window of a database allocation: reading it, and its hourly pickups per carrier.

A run may be given a pickup window (``pickup_start`` … ``pickup_end``). Its pickups are the whole
hours from the hour containing the start up to the end (``fahuo.routing.pickup.hours``); a
carrier collects only in the hours of its contract's pickup window (``Contract.pickup_window``,
e.g. "18:00-22:00", read by ``fahuo.routing.pickup.parse_window``; no contract or no window:
every hour). A pickup *departs* at the start of its hour, ``depart`` whole hours after the window
starts (rounded up), so the first pickup departs at 0 — the same as without a window.

A carrier × warehouse whose ``Capacity`` has ``max_parcels_per_hour`` ships only on its pickups,
at most that many parcels each (one option per pickup in time for the order's promise); any other
pair has one option, picked up at the carrier's first open hour.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from fahuo.kit.errors import InvalidInput
from fahuo.routing.pickup import PickupSlots, parse_window
from fahuo.routing.pickup import hours as whole_hours

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

TZ = ZoneInfo("Asia/Shanghai")
MAX_WINDOW_HOURS = 48


def parse_pickup_time(
    text: str, *, now: dt.datetime | None = None, after: dt.datetime | None = None
) -> dt.datetime:
    """An ISO datetime (without an offset: Beijing time) or ``HH:MM`` today in Beijing.

    With ``after`` (the window's start), an ``HH:MM`` is on the start's day, or the next day when
    not later than the start, so "22:00" to "02:00" is a window over midnight.
    """
    raw = (text or "").strip()
    if not raw:
        raise InvalidInput("pickup time is empty")
    try:
        clock = dt.time.fromisoformat(raw) if len(raw) <= 8 and "-" not in raw else None
    except ValueError:
        clock = None
    if clock is not None:
        today = (after or now or dt.datetime.now(dt.UTC)).astimezone(TZ).date()
        at = dt.datetime.combine(today, clock.replace(tzinfo=None), tzinfo=TZ)
        if after is not None and at <= after:
            at += dt.timedelta(days=1)
        return at
    try:
        at = dt.datetime.fromisoformat(raw.replace(" ", "T", 1))
    except ValueError:
        raise InvalidInput(f"pickup time {raw!r}: give an ISO date-time or HH:MM") from None
    return at if at.tzinfo else at.replace(tzinfo=TZ)


def clean_window(
    start: dt.datetime | None, end: dt.datetime | None
) -> tuple[dt.datetime, dt.datetime] | None:
    """Both or neither; aware (naive = Beijing time); ``start < end`` within 48 hours."""
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise InvalidInput("give both the start and the end of the pickup window")
    start = start if start.tzinfo else start.replace(tzinfo=TZ)
    end = end if end.tzinfo else end.replace(tzinfo=TZ)
    if end <= start:
        raise InvalidInput("the pickup window must end after it starts")
    if end - start > dt.timedelta(hours=MAX_WINDOW_HOURS):
        raise InvalidInput(f"the pickup window may span at most {MAX_WINDOW_HOURS} hours")
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _open(at: dt.datetime, window: tuple[int, int] | None) -> bool:
    """The carrier collects in the hour starting ``at`` (local); a window may run over midnight."""
    if window is None:
        return True
    a, b, h = window[0], window[1], at.astimezone(TZ).hour
    if a < b:
        return a <= h < b
    if a > b:
        return h >= a or h < b
    return True


def label(at: dt.datetime) -> str:
    return at.astimezone(TZ).strftime("%m-%d %H:%M")


@dataclass(frozen=True, eq=False)
class Window:
    start: dt.datetime
    end: dt.datetime
    hours: list[dt.datetime]  # pickup hours (aware), in order
    depart: IntArray  # (S,) whole hours after the start each pickup departs
    open: BoolArray  # (C, S) the carrier collects in that hour
    per_hour: IntArray  # (C, W) Capacity.max_parcels_per_hour, -1 = none
    slots: PickupSlots  # slotted pairs: those with a per-hour cap

    @property
    def first_hour(self) -> IntArray:
        """(C,) index of each carrier's first pickup hour, -1 = none in the window."""
        return np.where(self.open.any(axis=1), self.open.argmax(axis=1), -1).astype(np.int64)

    @property
    def collects(self) -> BoolArray:
        """(C,) the carrier has at least one pickup hour in the window."""
        return np.asarray(self.open.any(axis=1), dtype=bool)


def build(
    start: dt.datetime, end: dt.datetime, contract_windows: Sequence[str], per_hour: IntArray
) -> Window:
    """Hourly pickups over the window for carriers with these contract windows and per-hour caps."""
    hours = whole_hours(start, end)
    nc, nw = per_hour.shape
    depart = np.array(
        [max(0, math.ceil((t - start).total_seconds() / 3600)) for t in hours], dtype=np.int64
    ).reshape(len(hours))
    windows = [parse_window(text) if text else None for text in contract_windows]
    open_ = np.array([[_open(t, windows[c]) for t in hours] for c in range(nc)], dtype=bool).reshape(
        nc, len(hours)
    )
    slotted = (per_hour >= 0)[:, :, None] & open_[:, None, :]  # (C, W, S)
    first = np.where(open_.any(axis=1), depart[open_.argmax(axis=1)] if hours else 0, 0)
    slots = PickupSlots(
        labels=[label(t) for t in hours],
        capacity=np.where(slotted, per_hour[:, :, None], -1).astype(np.int64),
        depart=np.where(slotted, depart[None, None, :], -1).astype(np.int64),
        earliest=np.broadcast_to(first[:, None], (nc, nw)).astype(np.int64),
    )
    return Window(
        start=start, end=end, hours=hours, depart=depart, open=open_, per_hour=per_hour, slots=slots
    )
