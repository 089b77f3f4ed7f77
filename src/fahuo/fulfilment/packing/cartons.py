"""Carton choice: the smallest box that physically holds an order's items (pure, no Django).

The packer is fahuo's own heuristic, not a library. ``py3dbp`` (the usual PyPI answer) was
looked at and left out: its last release is from 2020 and its placement step gives up on an item
after the first orientation that fits the box bounds, so it misses easy fits. What is used instead:

* **Extreme-point first fit** (Crainic, Perboli & Tadei 2008, simplified): items are sorted
  (largest first), each goes to the first extreme point (lowest, then nearest the back-left
  corner) where one of its six orientations fits inside the box without overlapping an item
  already placed; the corners the new item creates (and their projections onto the items below
  and behind) become new extreme points. Three sort orders are tried before giving up.
* **Never a false fit.** A carton is only chosen with a *certificate*: the integer (mm) position
  and orientation of every unit, each inside the box and none overlapping another, checked again
  by :func:`verify` before it is returned. Cheap necessary conditions (total volume, each item
  fitting some orientation) reject most cartons before any placement is tried. The heuristic may
  miss a fit that exists (then a bigger carton is chosen), never claim one that does not.
* Stability, weight distribution and "this side up" are not modelled; ``padding_mm`` keeps room
  for filling around fragile goods (the box's inner size shrinks by twice the padding).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import permutations
from typing import Any, Protocol

__all__ = [
    "MAX_UNITS",
    "CartonChoice",
    "CartonLike",
    "Placement",
    "choose_carton",
    "fits_some_orientation",
    "pack_box",
    "verify",
    "volumetric_weight_g",
]

MAX_UNITS = 80
"""Units above which no placement is tried (the order should be split into several parcels)."""

Dims = tuple[int, int, int]


class CartonLike(Protocol):
    """What :func:`choose_carton` reads from a carton (``fulfilment.Carton`` has all of it)."""

    length_mm: int
    width_mm: int
    height_mm: int
    rigid: bool
    insulated: bool
    active: bool


@dataclass(frozen=True, slots=True)
class Placement:
    """One unit in the box: its corner (x, y, z) and its size along each axis, in mm."""

    item: int  # index into the expanded unit list (the order ``items`` were given in)
    x: int
    y: int
    z: int
    dx: int
    dy: int
    dz: int


@dataclass(frozen=True, slots=True)
class CartonChoice:
    """The chosen carton (``None`` with a ``reason`` code and ``message`` when there is none)."""

    carton: Any | None
    reason: str = ""  # "", no_items, missing_size, too_many_units, too_big, no_carton
    message: str = ""
    placements: tuple[Placement, ...] = ()
    items_volume_mm3: int = 0

    @property
    def ok(self) -> bool:
        return self.carton is not None

    @property
    def fill(self) -> float:
        """Share of the carton's inner volume the goods take (0 when there is no carton)."""
        if self.carton is None:
            return 0.0
        return self.items_volume_mm3 / _volume(_carton_dims(self.carton))

    def volumetric_weight_g(self, divisor: int) -> int | None:
        if self.carton is None:
            return None
        return volumetric_weight_g(_carton_dims(self.carton), divisor)


def volumetric_weight_g(dims: Sequence[int], divisor: int) -> int:
    """抛重: L×W×H in cm³ / divisor gives kg, i.e. mm³ / divisor gives grams (rounded up)."""
    if divisor <= 0:
        raise ValueError("volumetric divisor must be positive")
    return math.ceil(dims[0] * dims[1] * dims[2] / divisor)


def _volume(d: Sequence[int]) -> int:
    return d[0] * d[1] * d[2]


def _carton_dims(c: Any) -> Dims:
    return (int(c.length_mm), int(c.width_mm), int(c.height_mm))


def fits_some_orientation(item: Sequence[int], box: Sequence[int]) -> bool:
    """An axis-aligned box fits in another in some orientation iff its sorted sides are each <=."""
    return all(a <= b for a, b in zip(sorted(item), sorted(box), strict=True))


@lru_cache(maxsize=1024)
def _orientations(d: Dims) -> tuple[Dims, ...]:
    """Distinct orientations, flattest first (the lowest height makes the steadiest stack)."""
    options = {(a, b, c) for a, b, c in permutations(d)}
    return tuple(sorted(options, key=lambda o: (o[2], -o[0] * o[1], o)))


def _overlaps(a: Placement, x: int, y: int, z: int, dx: int, dy: int, dz: int) -> bool:
    return (
        x < a.x + a.dx
        and a.x < x + dx
        and y < a.y + a.dy
        and a.y < y + dy
        and z < a.z + a.dz
        and a.z < z + dz
    )


def _project(point: Dims, placed: Sequence[Placement], axis: int) -> Dims:
    """Slide ``point`` towards 0 along ``axis`` until it meets an item's face (or the wall)."""
    x, y, z = point
    stop = 0
    for p in placed:
        if axis == 0:
            if p.y <= y < p.y + p.dy and p.z <= z < p.z + p.dz and p.x + p.dx <= x:
                stop = max(stop, p.x + p.dx)
        elif axis == 1:
            if p.x <= x < p.x + p.dx and p.z <= z < p.z + p.dz and p.y + p.dy <= y:
                stop = max(stop, p.y + p.dy)
        elif p.x <= x < p.x + p.dx and p.y <= y < p.y + p.dy and p.z + p.dz <= z:
            stop = max(stop, p.z + p.dz)
    out = [x, y, z]
    out[axis] = stop
    return (out[0], out[1], out[2])


def _place_all(box: Dims, units: Sequence[tuple[int, Dims]]) -> list[Placement] | None:
    bx, by, bz = box
    placed: list[Placement] = []
    points: set[Dims] = {(0, 0, 0)}
    for index, dims in units:
        spot: Placement | None = None
        for x, y, z in sorted(points, key=lambda p: (p[2], p[1], p[0])):
            for dx, dy, dz in _orientations(dims):
                if x + dx > bx or y + dy > by or z + dz > bz:
                    continue
                if any(_overlaps(p, x, y, z, dx, dy, dz) for p in placed):
                    continue
                spot = Placement(index, x, y, z, dx, dy, dz)
                break
            if spot is not None:
                break
        if spot is None:
            return None
        placed.append(spot)
        points.discard((spot.x, spot.y, spot.z))
        corners = (
            (spot.x + spot.dx, spot.y, spot.z),
            (spot.x, spot.y + spot.dy, spot.z),
            (spot.x, spot.y, spot.z + spot.dz),
        )
        for corner in corners:
            if corner[0] >= bx or corner[1] >= by or corner[2] >= bz:
                continue
            points.add(corner)
            for axis in range(3):
                points.add(_project(corner, placed, axis))
    return placed


_ORDERS = (
    lambda d: (-_volume(d), -max(d), d),  # biggest first
    lambda d: (-max(d), -_volume(d), d),  # longest first
    lambda d: (-(sorted(d)[1] * sorted(d)[2]), -_volume(d), d),  # largest face first
)


def verify(box: Sequence[int], placements: Iterable[Placement]) -> bool:
    """True iff every placement lies inside ``box`` and no two overlap (the fit certificate)."""
    placed = list(placements)
    for i, p in enumerate(placed):
        if min(p.x, p.y, p.z) < 0 or min(p.dx, p.dy, p.dz) <= 0:
            return False
        if p.x + p.dx > box[0] or p.y + p.dy > box[1] or p.z + p.dz > box[2]:
            return False
        for q in placed[:i]:
            if _overlaps(q, p.x, p.y, p.z, p.dx, p.dy, p.dz):
                return False
    return True


@lru_cache(maxsize=4096)
def _pack_cached(box: Dims, units: tuple[Dims, ...]) -> tuple[Placement, ...] | None:
    if any(min(d) <= 0 for d in (box, *units)):
        return None
    if sum(_volume(u) for u in units) > _volume(box):
        return None
    if not all(fits_some_orientation(u, box) for u in units):
        return None
    tried: set[tuple[int, ...]] = set()
    for key in _ORDERS:
        order = sorted(range(len(units)), key=lambda i: key(units[i]))
        if tuple(order) in tried:
            continue
        tried.add(tuple(order))
        placed = _place_all(box, [(i, units[i]) for i in order])
        if placed is not None:
            result = tuple(sorted(placed, key=lambda p: p.item))
            if verify(box, result):  # belt and braces: the certificate is what is promised
                return result
    return None


def pack_box(box: Sequence[int], units: Sequence[Sequence[int]]) -> tuple[Placement, ...] | None:
    """Positions for every unit inside ``box`` (all mm), or ``None`` when the heuristic finds none."""
    b = (int(box[0]), int(box[1]), int(box[2]))
    return _pack_cached(b, tuple((int(u[0]), int(u[1]), int(u[2])) for u in units))


def _expand(items: Sequence[tuple[int | None, int | None, int | None, int]]) -> list[Dims] | None:
    units: list[Dims] = []
    for length, width, height, qty in items:
        if not length or not width or not height:
            return None
        units.extend([(int(length), int(width), int(height))] * int(qty))
    return units


def choose_carton(
    *,
    items: Sequence[tuple[int | None, int | None, int | None, int]],
    cartons: Iterable[CartonLike],
    needs_rigid: bool = False,
    needs_insulated: bool = False,
    padding_mm: int = 0,
) -> CartonChoice:
    """The smallest (by inner volume) active carton that holds all ``items`` — (L, W, H, qty) in mm.

    ``needs_rigid`` leaves out soft mailers (易碎); ``needs_insulated`` (冷链) takes only insulated
    boxes, and without it insulated boxes (foam + ice packs) are never used. ``padding_mm`` is kept
    free on every side of the goods.
    """
    units = _expand([i for i in items if i[3] > 0])
    if units is None:
        return CartonChoice(None, "missing_size", "商品缺少尺寸，无法选箱")
    if not units:
        return CartonChoice(None, "no_items", "订单没有商品")
    if len(units) > MAX_UNITS:
        return CartonChoice(None, "too_many_units", f"件数超过 {MAX_UNITS}，请拆成多个包裹")
    total = sum(_volume(u) for u in units)
    usable = [
        c
        for c in cartons
        if c.active and (c.rigid or not needs_rigid) and bool(c.insulated) == needs_insulated
    ]
    usable.sort(key=lambda c: (_volume(_carton_dims(c)), _carton_dims(c)))
    if not usable:
        kind = "保温箱" if needs_insulated else "硬纸箱" if needs_rigid else "纸箱"
        return CartonChoice(None, "no_carton", f"仓库没有可用的{kind}", items_volume_mm3=total)
    pad = max(0, int(padding_mm)) * 2
    for carton in usable:
        length, width, height = _carton_dims(carton)
        inner = (length - pad, width - pad, height - pad)
        placements = pack_box(inner, units)
        if placements is not None:
            return CartonChoice(carton, placements=placements, items_volume_mm3=total)
    inner_sizes = [[d - pad for d in _carton_dims(c)] for c in usable]
    if any(not any(fits_some_orientation(u, box) for box in inner_sizes) for u in set(units)):
        return CartonChoice(None, "too_big", "商品超出最大纸箱尺寸", items_volume_mm3=total)
    return CartonChoice(None, "no_carton", "没有装得下全部商品的纸箱，请拆包", items_volume_mm3=total)
