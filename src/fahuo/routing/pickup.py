"""Pickup slots and the promise check, shared by the scenario reader and the database path.

A carrier × warehouse pair is either *slotted* — it ships only on its pickups, each ``depart``
hours after the run starts and optionally capped — or not (one option, no slot). An order with a
promise may take a pickup only when ``depart + transit_hours ≤ promise_hours``; ``earliest`` is a
pair's first departure, so a candidate the promise excludes even then is removed with the
``promise`` rule. Without pickups ``earliest`` is 0 and the check is ``transit ≤ promise``.

The scenario gets its pickups from ``slots.csv``; the database path from a pickup window and
``Capacity.max_parcels_per_hour`` (:mod:`fahuo.routing.window`). Also the readers of a contract's
pickup window ("18:00-22:00") and of the whole hours of a time span, used here and by the live-stream
plan. Pure numpy, no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class PickupSlots:
    labels: list[str]
    capacity: IntArray  # (C, W, S), -1 = no cap
    depart: IntArray  # (C, W, S) hours after the run starts, -1 = the pair has no pickup at s
    earliest: IntArray  # (C, W) the departure the promise check uses, 0 where the pair has none

    @property
    def slotted(self) -> BoolArray:
        """(C, W): the pair ships only on its pickups."""
        return np.asarray((self.depart >= 0).any(axis=2), dtype=bool)


def too_late(transit: IntArray, promise: IntArray, earliest: IntArray | None = None) -> BoolArray:
    """(n, C, W): the promise excludes the candidate even at the pair's earliest pickup.

    ``transit`` (n, C, W) hours, ``promise`` (n,) hours (-1 = none), ``earliest`` (C, W).
    ``promise == transit`` is kept.
    """
    p = promise[:, None, None]
    late = transit if earliest is None else transit + earliest[None, :, :]
    return np.asarray((p >= 0) & (late > p), dtype=bool)


def slot_options(
    ok: BoolArray, transit: IntArray, promise: IntArray, depart: IntArray
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Options when some pairs are slotted: one per pickup in time for the promise, one per
    unslotted pair.

    ``ok`` (n, C, W) allowed candidates. One carrier × warehouse × slot at a time (O(orders)
    memory, not orders × slots); the result is sorted by order, then carrier, warehouse, slot.
    """
    parts: list[tuple[IntArray, int, int, int]] = []
    for c, w in np.ndindex(ok.shape[1], ok.shape[2]):
        offered = np.flatnonzero(depart[c, w] >= 0)
        if offered.size == 0:
            parts.append((np.flatnonzero(ok[:, c, w]), c, w, -1))
        for s in offered.tolist():
            in_time = (promise < 0) | (transit[:, c, w] + depart[c, w, s] <= promise)
            parts.append((np.flatnonzero(ok[:, c, w] & in_time), c, w, s))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    sizes = [len(orders) for orders, *_ in parts]
    opt_order = np.concatenate([orders for orders, *_ in parts]).astype(np.int64)
    by_order = np.argsort(opt_order, kind="stable")  # parts come in carrier, warehouse, slot order

    def spread(k: int) -> IntArray:
        return np.repeat(np.array([part[k] for part in parts], dtype=np.int64), sizes)[by_order]

    return opt_order[by_order], spread(1), spread(2), spread(3)


def hours_full(slots: PickupSlots, used: IntArray, transit: IntArray, promise: IntArray) -> BoolArray:
    """(n, C, W): the pair is slotted and every pickup the order could take is full.

    ``used`` (C, W, S) parcels per pickup. The pickups in time for a promise are those departing
    by ``promise − transit``; without a promise, all of the pair's pickups.
    """
    n = transit.shape[0]
    nc, nw, _ = slots.depart.shape
    out = np.zeros((n, nc, nw), dtype=bool)
    for c, w in np.ndindex(nc, nw):
        offered = np.flatnonzero(slots.depart[c, w] >= 0)
        if offered.size == 0:
            continue
        order = offered[np.argsort(slots.depart[c, w, offered], kind="stable")]
        dep = slots.depart[c, w, order]
        cap = slots.capacity[c, w, order]
        has_room = (cap < 0) | (used[c, w, order] < cap)
        room_before = np.concatenate([[0], np.cumsum(has_room)])  # pickups with room among the first k
        latest = np.where(promise >= 0, promise - transit[:, c, w], np.iinfo(np.int64).max)
        k = np.searchsorted(dep, latest, side="right")
        out[:, c, w] = (k > 0) & (room_before[k] == 0)
    return out


def earliest_first(
    opt_order: IntArray,
    opt_carrier: IntArray,
    opt_warehouse: IntArray,
    opt_slot: IntArray,
    slot_capacity: IntArray,
    depart: IntArray,
    option: IntArray,
) -> IntArray:
    """The same allocation with every slotted pair's orders on its earliest pickups.

    A pair's pickups cost the same, so moving an order between them changes neither the freight
    nor any other cap; the solver may return any of them. Per pair, orders with the tightest
    latest usable pickup go first, each to the earliest pickup in time with room (earliest
    deadline first: it fits whenever any placement fits; if not, ``option`` comes back as it was).
    ``option`` indexes the ``opt_*`` arrays (-1 = unassigned); options of one order, carrier,
    warehouse and slot are unique.
    """
    nc, nw, ns = depart.shape
    key = ((opt_order * nc + opt_carrier) * nw + opt_warehouse) * (ns + 1) + (opt_slot + 1)
    by_key = np.argsort(key, kind="stable")
    chosen = option[option >= 0]
    orders = np.flatnonzero(option >= 0)
    slotted = opt_slot[chosen] >= 0
    orders, chosen = orders[slotted], chosen[slotted]
    out = option.copy()
    for c, w in np.ndindex(nc, nw):
        on_pair = (opt_carrier[chosen] == c) & (opt_warehouse[chosen] == w)
        if not on_pair.any():
            continue
        who = orders[on_pair]
        mine = (opt_carrier == c) & (opt_warehouse == w) & (opt_slot >= 0)
        latest = np.full(option.shape[0], -1, dtype=np.int64)
        np.maximum.at(latest, opt_order[mine], depart[c, w, opt_slot[mine]])
        slots = np.flatnonzero(depart[c, w] >= 0)
        slots = slots[np.argsort(depart[c, w, slots], kind="stable")]
        room = [int(x) if x >= 0 else 1 << 62 for x in slot_capacity[c, w, slots].tolist()]
        times = depart[c, w, slots].tolist()
        seq = who[np.argsort(latest[who], kind="stable")]
        placed = np.zeros(seq.shape[0], dtype=np.int64)
        k = 0
        for n, i in enumerate(seq.tolist()):
            while k < len(slots) and room[k] == 0:
                k += 1
            if k == len(slots) or times[k] > latest[i]:
                return option
            room[k] -= 1
            placed[n] = slots[k]
        wanted = ((seq * nc + c) * nw + w) * (ns + 1) + (placed + 1)
        at = by_key[np.minimum(np.searchsorted(key, wanted, sorter=by_key), key.shape[0] - 1)]
        if not np.array_equal(key[at], wanted):
            return option
        out[seq] = at
    return out


def parse_window(text: str) -> tuple[int, int] | None:
    """ "08:00-20:00" -> (8, 20); None when blank or unreadable."""
    try:
        a, b = text.replace("–", "-").replace("~", "-").split("-")
        return int(a.split(":")[0]), int(b.split(":")[0])
    except ValueError:
        return None


def hours(start: datetime, end: datetime) -> list[datetime]:
    """Whole hours (aware, UTC) from the hour containing ``start`` up to ``end``."""
    t = start.replace(minute=0, second=0, microsecond=0)
    out = []
    while t < end:
        out.append(t)
        t += timedelta(hours=1)
    return out
