"""Freight per order × carrier × warehouse: the rate lines laid out per destination, billable grams
and insurance, and the price of every candidate (-1 where no lane)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from fahuo.carriers.pricing import freight_fen_np, insurance_fen_np

if TYPE_CHECKING:
    from fahuo.routing.candidates import CarrierInfo, WarehouseInfo

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Lanes:
    """Rate cards as (destination, carrier, warehouse) tables; ``lane`` False = no service."""

    lane: BoolArray  # (D, C, W)
    first_weight_g: IntArray
    first_price_fen: IntArray
    step_weight_g: IntArray
    step_price_fen: IntArray
    transit_hours: IntArray
    remote_fen: IntArray

    @classmethod
    def empty(cls, shape: tuple[int, int, int]) -> Lanes:
        """No lane anywhere yet, every table zero."""
        t = cls(*(np.zeros(shape, dtype=bool if k == 0 else np.int64) for k in range(7)))
        t.step_weight_g[...] = 1  # keeps the vectorised division defined where there is no lane
        return t

    def freight(self, billable: IntArray, dest: IntArray) -> IntArray:
        """(order × carrier × warehouse) 首重/续重 freight of each order's (order × carrier) billable
        grams on the lines to its destination ``dest``; meaningless where there is no lane."""
        return freight_fen_np(
            billable[:, :, None],
            self.first_weight_g[dest],
            self.first_price_fen[dest],
            self.step_weight_g[dest],
            self.step_price_fen[dest],
        )


def lanes(
    rates: Sequence[tuple[Any, ...]],
    carriers: Sequence[CarrierInfo],
    warehouses: Sequence[WarehouseInfo],
    dest_index: dict[str, int],
    delta: dict[int, int],
) -> Lanes:
    t = Lanes.empty((len(dest_index), len(carriers), len(warehouses)))
    c_pos = {c.pk: k for k, c in enumerate(carriers)}
    wh_of_prov: dict[str, list[int]] = {}
    for j, w in enumerate(warehouses):
        wh_of_prov.setdefault(w.province, []).append(j)
    for cid, origin, dest, fw, fp, sw, sp, hours, remote in rates:
        d = dest_index.get(dest)
        c = c_pos.get(cid)
        if d is None or c is None:
            continue
        for j in wh_of_prov.get(origin, ()):
            t.lane[d, c, j] = True
            t.first_weight_g[d, c, j] = fw
            t.first_price_fen[d, c, j] = max(0, fp + delta.get(cid, 0))  # 阶梯价 on the first weight
            t.step_weight_g[d, c, j] = max(1, sw)
            t.step_price_fen[d, c, j] = sp
            t.transit_hours[d, c, j] = hours
            t.remote_fen[d, c, j] = remote
    return t


def billable_and_insurance(
    carriers: Sequence[CarrierInfo], weight: IntArray, volume: IntArray, value: IntArray, insured: BoolArray
) -> tuple[IntArray, IntArray]:
    """(order × carrier) billable grams and insurance premium (0 where not insured or not offered)."""
    nc = len(carriers)
    c_div = np.array([c.volumetric_divisor for c in carriers], dtype=np.int64).reshape(nc)
    c_rate = np.array([c.insurance_rate_permille for c in carriers], dtype=np.int64).reshape(nc)
    c_min = np.array([c.insurance_min_fen for c in carriers], dtype=np.int64).reshape(nc)
    # billable weight: max(actual, ⌈box volume / divisor⌉) — the box is the items' summed volume
    billable = np.maximum(weight[:, None], -((-volume[:, None]) // np.maximum(c_div[None, :], 1)))
    premium = insurance_fen_np(value[:, None], c_rate[None, :], c_min[None, :])
    c_ins = np.array([c.insured for c in carriers], dtype=bool).reshape(nc)
    return billable, np.where(insured[:, None] & c_ins[None, :], premium, 0)


@dataclass(frozen=True, eq=False)
class Prices:
    lane: BoolArray  # (order, carrier, warehouse)
    price: IntArray  # freight + remote + insurance, -1 where no lane
    remote_fen: IntArray
    transit_hours: IntArray


def prices(
    rates: Sequence[tuple[Any, ...]],
    carriers: Sequence[CarrierInfo],
    warehouses: Sequence[WarehouseInfo],
    province: list[str],
    billable: IntArray,
    insurance: IntArray,
    delta: dict[int, int],
) -> Prices:
    """Every priced order's freight on every lane from its province's rate lines."""
    dest_index = {d: k for k, d in enumerate(dict.fromkeys(province))}
    dest = np.fromiter((dest_index[p] for p in province), dtype=np.int64, count=len(province))
    t = lanes(rates, carriers, warehouses, dest_index, delta)
    lane = t.lane[dest]
    freight = t.freight(billable, dest)
    remote = np.where(lane, t.remote_fen[dest], 0)
    price = np.where(lane, freight + remote + insurance[:, :, None], -1)
    return Prices(lane, price, remote, t.transit_hours[dest])
