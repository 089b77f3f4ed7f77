"""The synthetic order population of a stream that has not happened yet (input to the optimiser).

Before the stream there are no orders, only a forecast count. The population gives that count the
shape real orders will have, as a few *classes* with multiplicities — never one object per order:

* **Destinations**: the province mix of the shop's past orders; with fewer than
  ``MIN_HISTORY_ORDERS`` of them, the seller's (every shop's) past orders; else
  ``NATIONAL_DEFAULT``.
* **Parcels**: one unit of a featured SKU per order, SKUs drawn in the proportions of their planned
  units (equal shares when none are planned). A SKU gives the parcel its weight, box, cold-chain and
  valuable traits and declared value; a SKU without a weight is planned at ``DEFAULT_WEIGHT_G``.
  SKUs with the same physical profile merge into one parcel type (the "weight band").
* **Classes** = province × parcel type, with shares ``p(province) × p(type)``.
* **Arrival order**: :func:`interleave` lays the units out as orders would arrive (every class
  spread evenly through the sequence), so the first hours get the same mix as the last ones and the
  cheapest-first baseline sees a realistic order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt
from django.db.models import Count

from fahuo.livestream.models import LiveSession
from fahuo.orders.models import Order, OrderStatus

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

MIN_HISTORY_ORDERS = 50  # fewer past orders with a province: the mix is too thin to trust
DEFAULT_WEIGHT_G = 500  # a featured SKU without a weight (and a stream without featured SKUs)

# Rough shape of online-retail parcels by destination province, in per-mille of all parcels: the
# population weighted by online spending, with the coastal provinces and the big municipalities
# ahead. Used only when neither the shop nor the seller has MIN_HISTORY_ORDERS orders with a
# province; the names are the official ones the rate cards and verified addresses use.
NATIONAL_DEFAULT: dict[str, int] = {
    "广东省": 130, "浙江省": 90, "江苏省": 90, "山东省": 65, "河南省": 55, "四川省": 50,
    "上海市": 50, "北京市": 45, "河北省": 40, "湖北省": 40, "湖南省": 38, "福建省": 38,
    "安徽省": 35, "陕西省": 25, "辽宁省": 25, "江西省": 24, "广西壮族自治区": 23, "重庆市": 22,
    "云南省": 20, "山西省": 17, "黑龙江省": 16, "天津市": 15, "贵州省": 14, "吉林省": 12,
    "内蒙古自治区": 11, "新疆维吾尔自治区": 10, "甘肃省": 9, "海南省": 7, "宁夏回族自治区": 3,
    "青海省": 3, "西藏自治区": 2,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ParcelType:
    """One physical parcel profile (grams, millimetres, fen) and its share of the orders."""

    weight_g: int
    length_mm: int = 0
    width_mm: int = 0
    height_mm: int = 0
    cold: bool = False
    valuable: bool = False
    declared_value_fen: int = 0
    share: float = 1.0
    skus: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[int, int, int, int, bool, bool, int]:
        return (
            self.weight_g,
            self.length_mm,
            self.width_mm,
            self.height_mm,
            self.cold,
            self.valuable,
            self.declared_value_fen,
        )


@dataclass(slots=True)
class Population:
    """Destinations and parcel types; class ``k`` is province ``k // T`` × type ``k % T``."""

    provinces: list[str]
    province_shares: FloatArray
    types: list[ParcelType]
    source: str  # shop, seller, national
    orders_seen: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def n_classes(self) -> int:
        return len(self.provinces) * len(self.types)

    def class_shares(self) -> FloatArray:
        types = np.asarray([t.share for t in self.types], dtype=np.float64)
        shares = np.outer(self.province_shares, types / types.sum()).reshape(-1)
        return np.asarray(shares / shares.sum(), dtype=np.float64)

    def province_of(self, k: int) -> str:
        return self.provinces[k // len(self.types)]

    def type_of(self, k: int) -> ParcelType:
        return self.types[k % len(self.types)]

    def describe(self) -> dict[str, object]:
        top = sorted(zip(self.provinces, self.province_shares.tolist(), strict=True), key=lambda x: -x[1])
        return {
            "source": self.source,
            "orders_seen": self.orders_seen,
            "provinces": len(self.provinces),
            "top_provinces": [{"province": p, "share": round(s, 4)} for p, s in top[:5]],
            "parcel_types": [
                {
                    "skus": list(t.skus),
                    "weight_g": t.weight_g,
                    "cold": t.cold,
                    "valuable": t.valuable,
                    "share": round(t.share, 4),
                }
                for t in self.types
            ],
        }


# --- pure helpers -------------------------------------------------------------------------------------


def interleave(counts: IntArray) -> IntArray:
    """Class of each unit in arrival order: class k's ``counts[k]`` units spread evenly (unit j of
    class k sits at ``(j + ½) / counts[k]``), ties by class. Length ``counts.sum()``, O(n log n)."""
    counts = np.asarray(counts, dtype=np.int64)
    cls = np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    j = np.arange(cls.shape[0], dtype=np.int64) - starts
    pos = (j + 0.5) / np.maximum(counts[cls], 1)
    return cls[np.lexsort((cls, pos))]


def apportion(total: int, shares: FloatArray) -> IntArray:
    """``total`` split by ``shares`` in whole units, largest remainders first (ties: lower index)."""
    shares = np.asarray(shares, dtype=np.float64)
    if total <= 0 or shares.size == 0 or shares.sum() <= 0:
        return np.zeros(shares.shape[0], dtype=np.int64)
    exact = total * shares / shares.sum()
    out = np.floor(exact).astype(np.int64)
    left = total - int(out.sum())
    if left > 0:
        order = np.lexsort((np.arange(shares.shape[0]), -(exact - out)))
        out[order[:left]] += 1
    return out


def merge_types(types: list[ParcelType]) -> list[ParcelType]:
    """SKUs with the same physical profile become one parcel type (shares added, SKU codes kept)."""
    merged: dict[tuple[int, int, int, int, bool, bool, int], ParcelType] = {}
    for t in types:
        seen = merged.get(t.key)
        if seen is None:
            merged[t.key] = t
        else:
            merged[t.key] = ParcelType(*t.key, share=seen.share + t.share, skus=(*seen.skus, *t.skus))
    return list(merged.values())


# --- reads ------------------------------------------------------------------------------------------


def _province_counts(*, shop_id: int | None, before: datetime) -> Counter[str]:
    qs = Order.objects.filter(paid_at__lt=before).exclude(province="").exclude(status=OrderStatus.CANCELLED)
    if shop_id is not None:
        qs = qs.filter(shop_id=shop_id)
    rows = qs.values("province").annotate(n=Count("id")).order_by()
    return Counter({str(r["province"]): int(r["n"]) for r in rows})


def destinations(*, shop_id: int, before: datetime) -> tuple[list[str], FloatArray, str, int]:
    """(provinces, shares, source, orders seen): the shop's past orders, else the seller's, else the
    national default (two grouped queries at most)."""
    for scope, source in ((shop_id, "shop"), (None, "seller")):
        counts = _province_counts(shop_id=scope, before=before)
        seen = sum(counts.values())
        if seen >= MIN_HISTORY_ORDERS:
            names = sorted(counts)
            shares = np.asarray([counts[p] for p in names], dtype=np.float64)
            return names, shares / shares.sum(), source, seen
    names = list(NATIONAL_DEFAULT)
    shares = np.asarray([NATIONAL_DEFAULT[p] for p in names], dtype=np.float64)
    return names, shares / shares.sum(), "national", 0


def parcel_types(session: LiveSession) -> tuple[list[ParcelType], list[str]]:
    """The featured SKUs as parcel types in their planned mix, with warnings for missing weights."""
    featured = list(session.featured.select_related("sku"))
    warnings: list[str] = []
    if not featured:
        warnings.append(f"没有主推商品：按每单 {DEFAULT_WEIGHT_G} 克估算运费")
        return [ParcelType(DEFAULT_WEIGHT_G, share=1.0)], warnings
    planned = sum(f.planned_units for f in featured)
    types = []
    for f in featured:
        sku = f.sku
        if not sku.weight_g:
            warnings.append(f"{sku.code} 没有重量：按 {DEFAULT_WEIGHT_G} 克估算运费")
        traits = set(sku.traits or [])
        types.append(
            ParcelType(
                weight_g=sku.weight_g or DEFAULT_WEIGHT_G,
                length_mm=sku.length_mm or 0,
                width_mm=sku.width_mm or 0,
                height_mm=sku.height_mm or 0,
                cold="cold" in traits,
                valuable="valuable" in traits,
                declared_value_fen=sku.declared_value_fen if "valuable" in traits else 0,
                share=float(f.planned_units) if planned else 1.0,
                skus=(sku.code,),
            )
        )
    types = [t for t in merge_types(types) if t.share > 0] or [ParcelType(DEFAULT_WEIGHT_G)]
    return types, warnings


def population_for(session: LiveSession) -> Population:
    """The session's synthetic population (destinations × parcel types)."""
    names, shares, source, seen = destinations(shop_id=session.shop_id, before=session.starts_at)
    types, warnings = parcel_types(session)
    return Population(names, shares, types, source, seen, warnings)
