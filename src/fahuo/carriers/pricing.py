"""Pure freight pricing: billable weight and 首重/续重 (first weight / step) tariffs.

Money is integer fen, weights integer grams, dimensions integer millimetres. No floats
touch a price: the volumetric weight ``L×W×H / divisor`` is a rational number and is
rounded **up** to the next whole gram (``ceil``). Because every tariff boundary
(``first_weight_g``, ``first_weight_g + k·step_weight_g``, ``max_weight_g``) is a whole
number of grams, rounding up to a gram gives exactly the same price and the same
weight-limit verdict as pricing the exact rational weight; it is also the rounding that
reproduces the reference optimum of the shared allocation sample (docs/allocation.md).

The scalar functions are the reference; the ``*_np`` functions are their vectorised
twins for batches (100k orders × every lane) and are property-tested against them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]

# A rate line's 首重/续重 terms, in the order every rate table (database, card file, scenario) lists them.
FREIGHT_FIELDS = ("first_weight_g", "first_price_fen", "step_weight_g", "step_price_fen")

__all__ = [
    "billable_weight_g",
    "billable_weight_g_np",
    "freight_fen",
    "freight_fen_np",
    "insurance_fen",
    "insurance_fen_np",
    "volumetric_weight_g",
    "volumetric_weight_g_np",
]


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def volumetric_weight_g(*, length_mm: int, width_mm: int, height_mm: int, volumetric_divisor: int) -> int:
    """``ceil(L×W×H / divisor)`` grams (mm³ per kg divisor, e.g. 6000 or 8000 cm³/kg ≙ mm³/g)."""
    if volumetric_divisor <= 0:
        raise ValueError("volumetric_divisor must be positive")
    if length_mm < 0 or width_mm < 0 or height_mm < 0:
        raise ValueError("dimensions must not be negative")
    return _ceil_div(length_mm * width_mm * height_mm, volumetric_divisor)


def billable_weight_g(
    *, weight_g: int, length_mm: int, width_mm: int, height_mm: int, volumetric_divisor: int
) -> int:
    """Billable (chargeable) weight: ``max(actual weight, ceil(volumetric weight))`` in grams.

    With dimensions in millimetres, ``L×W×H / divisor`` is grams when the divisor is the
    usual cm³/kg figure (8000 → mm³/g is the same number).
    """
    if weight_g < 0:
        raise ValueError("weight_g must not be negative")
    vol = volumetric_weight_g(
        length_mm=length_mm, width_mm=width_mm, height_mm=height_mm, volumetric_divisor=volumetric_divisor
    )
    return max(weight_g, vol)


def freight_fen(
    *, billable_g: int, first_weight_g: int, first_price_fen: int, step_weight_g: int, step_price_fen: int
) -> int:
    """Price in fen: ``first`` up to ``first_weight_g``, then each started step costs ``step_price_fen``."""
    if billable_g < 0:
        raise ValueError("billable_g must not be negative")
    if first_weight_g < 0 or step_weight_g <= 0:
        raise ValueError("first_weight_g must be ≥ 0 and step_weight_g > 0")
    if first_price_fen < 0 or step_price_fen < 0:
        raise ValueError("prices must not be negative")
    if billable_g <= first_weight_g:
        return first_price_fen
    steps = _ceil_div(billable_g - first_weight_g, step_weight_g)
    return first_price_fen + steps * step_price_fen


def volumetric_weight_g_np(
    length_mm: npt.ArrayLike,
    width_mm: npt.ArrayLike,
    height_mm: npt.ArrayLike,
    volumetric_divisor: npt.ArrayLike,
) -> IntArray:
    """Vectorised :func:`volumetric_weight_g` (broadcasting; int64 throughout)."""
    vol = (
        np.asarray(length_mm, dtype=np.int64)
        * np.asarray(width_mm, dtype=np.int64)
        * np.asarray(height_mm, dtype=np.int64)
    )
    div = np.asarray(volumetric_divisor, dtype=np.int64)
    if np.any(div <= 0):
        raise ValueError("volumetric_divisor must be positive")
    return np.asarray(-((-vol) // div), dtype=np.int64)


def billable_weight_g_np(
    weight_g: npt.ArrayLike,
    length_mm: npt.ArrayLike,
    width_mm: npt.ArrayLike,
    height_mm: npt.ArrayLike,
    volumetric_divisor: npt.ArrayLike,
) -> IntArray:
    """Vectorised :func:`billable_weight_g`.

    Broadcasting lets one call price every order against every carrier's divisor, e.g.
    ``billable_weight_g_np(w[:, None], l[:, None], wd[:, None], h[:, None], divisors[None, :])``.
    """
    vol = volumetric_weight_g_np(length_mm, width_mm, height_mm, volumetric_divisor)
    return np.maximum(np.asarray(weight_g, dtype=np.int64), vol)


def freight_fen_np(
    billable_g: npt.ArrayLike,
    first_weight_g: npt.ArrayLike,
    first_price_fen: npt.ArrayLike,
    step_weight_g: npt.ArrayLike,
    step_price_fen: npt.ArrayLike,
) -> IntArray:
    """Vectorised :func:`freight_fen` (broadcasting; int64 fen)."""
    b = np.asarray(billable_g, dtype=np.int64)
    first = np.asarray(first_weight_g, dtype=np.int64)
    step = np.asarray(step_weight_g, dtype=np.int64)
    if np.any(step <= 0):
        raise ValueError("step_weight_g must be positive")
    over = np.maximum(b - first, 0)
    steps = -((-over) // step)
    return np.asarray(
        np.asarray(first_price_fen, dtype=np.int64) + steps * np.asarray(step_price_fen, dtype=np.int64),
        dtype=np.int64,
    )


def insurance_fen(*, declared_value_fen: int, rate_permille: int, min_fen: int) -> int:
    """保价费: declared value × per-mille rate / 1000, rounded up to the fen, at least ``min_fen``."""
    return max(_ceil_div(declared_value_fen * rate_permille, 1000), min_fen)


def insurance_fen_np(
    declared_value_fen: npt.ArrayLike, rate_permille: npt.ArrayLike, min_fen: npt.ArrayLike
) -> IntArray:
    """Vectorised :func:`insurance_fen` (broadcasting; int64 fen)."""
    value = np.asarray(declared_value_fen, dtype=np.int64)
    rate = np.asarray(rate_permille, dtype=np.int64)
    return np.asarray(
        np.maximum(np.asarray(min_fen, dtype=np.int64), -((-value * rate) // 1000)), dtype=np.int64
    )
