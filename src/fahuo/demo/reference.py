"""The demo's reference data, upserted in place: shops, warehouses, carriers with rate cards and
capacities, the catalog with stock, desk users, packing defaults, seller rules and message templates."""

from __future__ import annotations

import math
import random
import secrets
import zlib
from collections import Counter

from django.contrib.auth.models import User

from fahuo.accounts.models import Role
from fahuo.accounts.services import add_member, assign_role
from fahuo.carriers.models import Capacity, Carrier, RateLine
from fahuo.catalog.models import Sku
from fahuo.demo import data
from fahuo.demo.data import BATCH, LIVE_SHOP, PRIVATE_SHOP
from fahuo.inventory.models import Stock, Warehouse
from fahuo.orders.models import Platform, Shop

DEMO_USERS: tuple[tuple[str, str], ...] = (
    ("owner", Role.OWNER.value),
    ("operator", Role.OPERATOR.value),
    ("packer", Role.PACKER.value),
)
FAR_CORNERS = frozenset({"黑龙江省", "云南省", "海南省"})


def _jitter(*parts: str, spread: int = 2) -> int:
    """A stable small offset (−spread..+spread) per lane, so rate cards do not look machine-made."""
    return zlib.crc32("|".join(parts).encode()) % (2 * spread + 1) - spread


# --- reference data ---------------------------------------------------------------------------


def upsert_shops() -> dict[str, Shop]:
    sender = {
        "sender_name": "小雨仓",
        "sender_phone": "0571-86660001",
        "sender_address": "浙江省杭州市余杭区仓前街道良睦路998号",
    }
    shops = (  # code, name, platform, ship-by hours, note on the packing slip
        (LIVE_SHOP, "小雨直播间", Platform.DOUYIN, 48, "谢谢你来小雨直播间！收到有任何问题，私信小雨就好～"),
        (PRIVATE_SHOP, "小雨私域·老客群", Platform.WECHAT, 24, "老朋友的单，小雨亲自打包。群里见！"),
    )
    out: dict[str, Shop] = {}
    for code, name, platform, hours, note in shops:
        out[code], _ = Shop.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "platform": platform,
                "default_ship_hours": hours,
                "brand_note": note,
                **sender,
            },
        )
    return out


def upsert_warehouses() -> dict[str, Warehouse]:
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


def upsert_carriers(warehouses: dict[str, Warehouse], scale: float) -> dict[str, Carrier]:
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


def upsert_skus() -> dict[str, Sku]:
    rows = [
        {
            "code": s.code,
            "name": s.name,
            "spec": s.spec,
            "platform_product_id": s.product_id,
            "weight_g": s.weight_g,
            "length_mm": s.size_mm[0],
            "width_mm": s.size_mm[1],
            "height_mm": s.size_mm[2],
            "traits": list(s.traits),
            "declared_value_fen": s.price_fen,
            "short_name": s.short_name,
        }
        for s in data.SKUS
    ]
    # an existing SKU (same code) gets every other field of the demo's catalog
    Sku.objects.bulk_create(
        [Sku(**row) for row in rows],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=[field for field in rows[0] if field != "code"],
    )
    return Sku.objects.in_bulk([s.code for s in data.SKUS], field_name="code")


def restock(
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


def upsert_users() -> list[tuple[str, str, str]]:
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


def seed_packing(shops: dict[str, Shop], warehouses: dict[str, Warehouse], skus: dict[str, Sku]) -> None:
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


def seed_message_templates() -> None:
    """The default buyer-message library (话术库) comes with migration notify 0002; this only puts
    back a default someone deleted (idempotent, no duplicates; texts a seller edited are kept)."""
    from fahuo.notify.services import ensure_default_templates

    ensure_default_templates()


def upsert_rules() -> None:
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
