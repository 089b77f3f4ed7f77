"""Static tables for the demo data set: provinces, carriers and their rate tiers, the catalog, names.

Everything here is synthetic. Names are built from common surnames and given-name characters,
streets from generic road words; nothing identifies a real person. Rate levels follow the
shared allocation sample (``/work/shared/samples/allocation-scenario``) and typical 2025 e-commerce
contract prices: 通达系 ¥3–5 for the first kilogram nearby, 顺丰 ¥12–23, 京东 ¥10–20, EMS in
between, and 新疆/西藏/青海 as the expensive, slow "remote" tier.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
LIVE_SHOP = "demo"  # shop codes
PRIVATE_SHOP = "siyu"
BATCH = 1000  # rows per bulk insert
PACKAGING_G = 80  # carton and filling on top of the goods

# --- provinces --------------------------------------------------------------------------------


class Province(NamedTuple):
    adcode: str
    name: str
    lat: float  # provincial capital, for the distance tier of a lane
    lon: float
    population_m: float  # 2020 census, millions
    ecommerce: float  # online-shopping propensity relative to the national mean


# The 31 mainland provinces (Taiwan, Hong Kong and Macao are not served by the demo's carriers).
PROVINCES: tuple[Province, ...] = (
    Province("110000", "北京市", 39.90, 116.40, 21.9, 1.35),
    Province("120000", "天津市", 39.13, 117.20, 13.9, 1.1),
    Province("130000", "河北省", 38.04, 114.51, 74.6, 0.9),
    Province("140000", "山西省", 37.87, 112.55, 34.9, 0.8),
    Province("150000", "内蒙古自治区", 40.84, 111.75, 24.0, 0.75),
    Province("210000", "辽宁省", 41.80, 123.43, 42.6, 0.9),
    Province("220000", "吉林省", 43.82, 125.32, 24.1, 0.8),
    Province("230000", "黑龙江省", 45.80, 126.53, 31.9, 0.8),
    Province("310000", "上海市", 31.23, 121.47, 24.9, 1.45),
    Province("320000", "江苏省", 32.06, 118.80, 84.7, 1.3),
    Province("330000", "浙江省", 30.27, 120.15, 64.6, 1.5),
    Province("340000", "安徽省", 31.82, 117.23, 61.0, 1.0),
    Province("350000", "福建省", 26.07, 119.30, 41.5, 1.2),
    Province("360000", "江西省", 28.68, 115.86, 45.2, 0.9),
    Province("370000", "山东省", 36.65, 117.12, 101.5, 1.05),
    Province("410000", "河南省", 34.75, 113.62, 99.4, 0.9),
    Province("420000", "湖北省", 30.59, 114.31, 57.8, 1.0),
    Province("430000", "湖南省", 28.23, 112.94, 66.4, 0.95),
    Province("440000", "广东省", 23.13, 113.26, 126.0, 1.3),
    Province("450000", "广西壮族自治区", 22.82, 108.37, 50.1, 0.85),
    Province("460000", "海南省", 20.04, 110.34, 10.1, 0.9),
    Province("500000", "重庆市", 29.56, 106.55, 32.1, 1.0),
    Province("510000", "四川省", 30.57, 104.07, 83.7, 1.0),
    Province("520000", "贵州省", 26.65, 106.63, 38.6, 0.8),
    Province("530000", "云南省", 25.04, 102.71, 47.2, 0.8),
    Province("540000", "西藏自治区", 29.65, 91.11, 3.6, 0.5),
    Province("610000", "陕西省", 34.34, 108.94, 39.5, 0.9),
    Province("620000", "甘肃省", 36.06, 103.83, 25.0, 0.7),
    Province("630000", "青海省", 36.62, 101.78, 5.9, 0.6),
    Province("640000", "宁夏回族自治区", 38.49, 106.23, 7.2, 0.7),
    Province("650000", "新疆维吾尔自治区", 43.83, 87.62, 25.9, 0.6),
)
PROVINCE_BY_NAME = {p.name: p for p in PROVINCES}
REMOTE_PROVINCES = frozenset({"西藏自治区", "新疆维吾尔自治区", "青海省"})


def distance_km(a: Province, b: Province) -> float:
    """Great-circle distance between two provincial capitals."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def lane_tier(origin: str, dest: str) -> int:
    """0 same province, 1 near (≤ 500 km), 2 middle (≤ 1300 km), 3 far, 4 remote (新疆/西藏/青海)."""
    if origin == dest:
        return 0
    if dest in REMOTE_PROVINCES:
        return 4
    km = distance_km(PROVINCE_BY_NAME[origin], PROVINCE_BY_NAME[dest])
    if km <= 500:
        return 1
    if km <= 1300:
        return 2
    return 3


def _table(text: str) -> list[list[str]]:
    """The rows of a ``|``-separated table (blank lines and ``#`` comments skipped), cells stripped."""
    rows = (line.strip() for line in text.splitlines())
    return [[cell.strip() for cell in row.split("|")] for row in rows if row and not row.startswith("#")]


def _number(cell: str) -> int | float:
    return float(cell) if "." in cell else int(cell)


def _size(cell: str) -> tuple[int, int, int]:
    """``LxWxH`` in millimetres."""
    length, width, height = (int(side) for side in cell.split("x"))
    return length, width, height


def _names(cell: str) -> tuple[str, ...]:
    """A comma-separated list; ``-`` is the empty one."""
    return () if cell == "-" else tuple(cell.split(","))


class WarehouseSpec(NamedTuple):
    code: str
    name: str
    province: str
    city: str
    district: str
    address: str
    contact_name: str
    contact_phone: str
    stock_share: float  # share of the stock held here
    aisles: int


# code | name | province | city | district | address | contact | phone | stock share | aisles
_WAREHOUSE_TABLE = """
HZ | 杭州仓 | 浙江省 | 杭州市 | 余杭区 | 仓前街道良睦路 998 号 云仓 3 号库 | 仓管甲 | 0571-86660001 | 0.55 | 8
GZ | 广州仓 | 广东省 | 广州市 | 白云区 | 太和镇广从七路 66 号 物流园 B2 库 | 仓管乙 | 020-36660002 | 0.3 | 5
CD | 成都仓 | 四川省 | 成都市 | 双流区 | 西航港街道空港一路 18 号 2 号库 | 仓管丙 | 028-85660003 | 0.25 | 4
"""
WAREHOUSES: tuple[WarehouseSpec, ...] = tuple(
    WarehouseSpec(code, name, province, city, district, address, contact, phone, float(share), int(aisles))
    for code, name, province, city, district, address, contact, phone, share, aisles in _table(
        _WAREHOUSE_TABLE
    )
)


# --- carriers ---------------------------------------------------------------------------------


class Tier(NamedTuple):
    first_price_fen: int
    step_price_fen: int
    transit_hours: int


@dataclass(frozen=True, slots=True)
class CarrierSpec:
    code: str
    name: str
    service_name: str
    cold_chain: bool
    insured: bool
    door_delivery: bool
    volumetric_divisor: int
    max_weight_g: int
    # tiers 0..4: same province, near, middle, far, remote
    tiers: tuple[Tier, Tier, Tier, Tier, Tier]
    not_served: frozenset[str] = frozenset()  # destination provinces with no lane (deliberate gaps)
    capacity_hz: int = 200  # parcels per run from the main warehouse (2,000-order demo)


# code | name | service | cold chain, insured, door delivery (Y/-) | volumetric divisor | max weight g |
# capacity_hz | tiers 0..4 as first-kg fen/step fen/transit hours | provinces not served
_CARRIER_TABLE = """
ZTO | 中通快递 | 标准快递 | --- | 8000 | 30000 | 220 | 300/100/24 350/150/36 420/200/48 500/300/60 1500/1200/96 | -
YTO | 圆通速递 | 标准快递 | --- | 8000 | 30000 | 200 | 310/100/24 360/150/36 430/200/48 510/300/66 1550/1250/96 | 西藏自治区,新疆维吾尔自治区
YD | 韵达快递 | 标准快递 | --- | 8000 | 30000 | 180 | 280/100/30 340/160/44 440/220/56 540/320/72 1600/1300/96 | 西藏自治区,青海省,新疆维吾尔自治区
SF | 顺丰速运 | 顺丰标快 | YYY | 6000 | 50000 | 250 | 1200/300/24 1250/500/24 1400/800/30 1800/1200/40 2300/2000/72 | -
JD | 京东快递 | 京东标快 | YYY | 8000 | 50000 | 200 | 1000/300/24 1100/450/24 1300/700/32 1700/1100/44 2000/1800/80 | -
EMS | 中国邮政EMS | EMS标准快递 | -YY | 8000 | 40000 | 300 | 1000/400/48 1050/400/48 1210/600/72 1500/900/96 1800/1200/96 | -
"""


def _carrier(row: list[str]) -> CarrierSpec:
    code, name, service, flags, divisor, max_weight, capacity, tiers, not_served = row
    cold_chain, insured, door = (flag == "Y" for flag in flags)
    a, b, c, d, e = (Tier(*map(int, tier.split("/"))) for tier in tiers.split())
    return CarrierSpec(
        code,
        name,
        service,
        cold_chain,
        insured,
        door,
        int(divisor),
        int(max_weight),
        (a, b, c, d, e),
        not_served=frozenset(_names(not_served)),
        capacity_hz=int(capacity),
    )


CARRIERS: tuple[CarrierSpec, ...] = tuple(_carrier(row) for row in _table(_CARRIER_TABLE))
# Capacity at the smaller warehouses relative to the main one.
CAPACITY_SHARE = {"HZ": 1.0, "GZ": 0.45, "CD": 0.45}
SANDBOX_CARRIER = ("SANDBOX", "沙箱快递", "沙箱面单")


# --- catalog ----------------------------------------------------------------------------------


class SkuSpec(NamedTuple):
    code: str
    name: str
    spec: str
    product_id: str
    weight_g: int
    size_mm: tuple[int, int, int]
    traits: tuple[str, ...]
    price_fen: int  # live-stream price; the declared value is the same
    short_name: str
    popularity: float  # weight among "add-on" lines


# The six codes of the shared Douyin sample export come first, with its titles, specs and prices.
# code | name | spec | product id | weight g | size mm | traits | price fen | short name | popularity
_SKU_TABLE = """
SKU-3401 | 玻尿酸补水面膜 | 10片装 | 3700123401 | 320 | 200x150x30 | - | 5990 | 补水面膜10片 | 6
SKU-3402 | 玻尿酸补水面膜 | 20片装 | 3700123402 | 640 | 200x150x60 | - | 9990 | 补水面膜20片 | 4
SKU-3510 | 手工牛轧糖 | 原味 500g | 3700123510 | 560 | 180x120x80 | - | 3990 | 牛轧糖原味 | 5
SKU-3511 | 手工牛轧糖 | 抹茶 500g | 3700123511 | 560 | 180x120x80 | - | 4290 | 牛轧糖抹茶 | 4
SKU-3620 | 玻璃香薰瓶 | 琥珀色 200ml | 3700123620 | 480 | 90x90x180 | fragile,liquid | 6900 | 香薰琥珀200ml | 3
SKU-3730 | 冻干草莓 | 100g | 3700123730 | 130 | 220x160x60 | - | 2990 | 冻干草莓100g | 4
# skin care
SKU-3403 | 玻尿酸补水面膜 | 5片体验装 | 3700123403 | 170 | 200x150x16 | - | 2990 | 补水面膜5片 | 2
SKU-3410 | 烟酰胺精华液 | 30ml | 3700123410 | 120 | 45x45x120 | liquid,fragile | 12900 | 烟酰胺精华30ml | 3
SKU-3411 | 烟酰胺精华液 | 50ml 双支装 | 3700123411 | 260 | 100x50x130 | liquid,fragile | 19900 | 烟酰胺精华双支 | 1.5
SKU-3420 | 氨基酸洗面奶 | 120g | 3700123420 | 160 | 50x40x170 | liquid | 5900 | 氨基酸洁面 | 2
SKU-3430 | 清透防晒乳 | 50ml | 3700123430 | 80 | 40x30x130 | liquid,light_sensitive | 8900 | 防晒乳50ml | 2
SKU-3440 | 丝绒口红礼盒 | 3支装 | 3700123440 | 210 | 160x110x40 | fragile | 29900 | 口红礼盒 | 1
# snacks and food
SKU-3512 | 手工牛轧糖 | 蔓越莓 500g | 3700123512 | 560 | 180x120x80 | - | 4290 | 牛轧糖蔓越莓 | 2
SKU-3520 | 手工雪花酥 | 400g | 3700123520 | 450 | 200x140x70 | fragile | 3590 | 雪花酥400g | 2
SKU-3530 | 云南玫瑰鲜花饼 | 10枚礼盒 | 3700123530 | 650 | 260x200x60 | cold,fragile | 4990 | 鲜花饼10枚 | 2
SKU-3731 | 冻干草莓 | 200g 家庭装 | 3700123731 | 250 | 260x180x80 | - | 4990 | 冻干草莓200g | 2
SKU-3732 | 冻干芒果 | 100g | 3700123732 | 130 | 220x160x60 | - | 2690 | 冻干芒果100g | 1.5
SKU-3740 | 每日坚果 | 30包 | 3700123740 | 780 | 300x200x120 | - | 8990 | 每日坚果30包 | 2
SKU-3750 | 速冻手工水饺 | 1kg 荠菜猪肉 | 3700123750 | 1150 | 280x200x90 | cold | 4590 | 荠菜水饺1kg | 2
SKU-3751 | 冷冻虾仁 | 500g | 3700123751 | 600 | 240x170x50 | cold | 6990 | 冻虾仁500g | 1.5
SKU-3752 | 手作雪糕 | 12支装 | 3700123752 | 900 | 300x220x110 | cold,irregular | 7990 | 雪糕12支 | 1
SKU-3760 | 特级初榨橄榄油 | 1L 玻璃瓶 | 3700123760 | 1350 | 85x85x300 | liquid,fragile | 9900 | 橄榄油1L | 1
SKU-3770 | 古法红糖 | 400g | 3700123770 | 420 | 160x110x60 | powder | 2590 | 古法红糖 | 1
SKU-3780 | 东北长粒香大米 | 5kg | 3700123780 | 5100 | 400x280x90 | - | 5990 | 大米5kg | 1
# jewellery and gifts
SKU-3810 | 淡水珍珠项链 | 8-9mm 45cm | 3700123810 | 60 | 120x120x40 | valuable | 89900 | 珍珠项链 | 1.5
SKU-3811 | 足金转运珠手链 | 约1.2g | 3700123811 | 40 | 100x100x35 | valuable | 129900 | 足金转运珠 | 1
SKU-3820 | 和田玉手镯 | 圈口56mm | 3700123820 | 180 | 110x110x45 | valuable,fragile | 299900 | 和田玉手镯 | 0.5
SKU-3830 | 水晶摆件 | 白水晶簇 中号 | 3700123830 | 900 | 180x160x140 | fragile,irregular | 15900 | 水晶摆件 | 0.5
SKU-3621 | 玻璃香薰瓶 | 琥珀色 500ml | 3700123621 | 980 | 110x110x230 | fragile,liquid | 12900 | 香薰琥珀500ml | 1
SKU-3630 | 陶瓷马克杯 | 350ml 对杯 | 3700123630 | 820 | 220x120x120 | fragile | 7900 | 陶瓷对杯 | 1.5
# nutrition
SKU-3910 | 婴幼儿配方奶粉 | 3段 800g | 3700123910 | 1050 | 130x130x180 | powder | 26800 | 奶粉3段 | 1.5
SKU-3911 | 乳清蛋白粉 | 香草味 900g | 3700123911 | 1100 | 140x140x200 | powder | 19900 | 蛋白粉900g | 1
SKU-3912 | 宇治抹茶粉 | 100g 罐装 | 3700123912 | 160 | 80x80x100 | powder,light_sensitive | 5900 | 抹茶粉100g | 1
SKU-3920 | 益生菌冻干粉 | 30袋 | 3700123920 | 120 | 150x100x60 | powder,cold | 15900 | 益生菌30袋 | 1
# home
SKU-4010 | 316不锈钢保温杯 | 500ml | 3700124010 | 380 | 80x80x240 | - | 8900 | 保温杯500ml | 1.5
SKU-4020 | 桑蚕丝睡衣套装 | L 香槟色 | 3700124020 | 300 | 300x250x40 | - | 39900 | 真丝睡衣L | 0.8
SKU-4040 | 加厚瑜伽垫 | 183×61cm 10mm | 3700124040 | 1100 | 620x160x160 | irregular | 6900 | 瑜伽垫10mm | 0.8
"""
SKUS: tuple[SkuSpec, ...] = tuple(
    SkuSpec(
        code,
        name,
        spec,
        product_id,
        int(weight),
        _size(size),
        _names(traits),
        int(price),
        short_name,
        _number(popularity),
    )
    for code, name, spec, product_id, weight, size, traits, price, short_name, popularity in _table(
        _SKU_TABLE
    )
)


class Drop(NamedTuple):
    """A product put on the shelf (上链接) during the stream: minute offset, weight, SKUs sold."""

    minute: float
    weight: float
    skus: tuple[tuple[str, float], ...]  # (code, share) of the drop's main line


# Last evening's stream (20:00–22:00): early drops pull the most orders, then the crowd thins.
STREAM_DROPS: tuple[Drop, ...] = (
    Drop(2, 0.24, (("SKU-3401", 0.65), ("SKU-3402", 0.3), ("SKU-3403", 0.05))),
    Drop(17, 0.19, (("SKU-3510", 0.45), ("SKU-3511", 0.4), ("SKU-3512", 0.15))),
    Drop(33, 0.14, (("SKU-3620", 0.8), ("SKU-3621", 0.2))),
    Drop(50, 0.12, (("SKU-3410", 0.75), ("SKU-3411", 0.25))),
    Drop(66, 0.10, (("SKU-3730", 0.7), ("SKU-3731", 0.2), ("SKU-3732", 0.1))),
    Drop(82, 0.08, (("SKU-3810", 0.8), ("SKU-3811", 0.2))),
    Drop(97, 0.07, (("SKU-3750", 0.6), ("SKU-3751", 0.25), ("SKU-3530", 0.15))),
    Drop(110, 0.06, (("SKU-3401", 0.5), ("SKU-3510", 0.5))),  # 返场 (encore of the best sellers)
)
STREAM_START_HOUR = 20
STREAM_MINUTES = 120
STREAM_RUSH_MINUTES = 6.0  # mean decay of a drop's rush
STREAM_BASELINE = 0.1  # share of stream orders spread evenly (viewers buying older links)
INFLUENCER = "小雨直播间"

# Orders per hour of day outside the stream (relative): quiet at night, busy in the evening.
HOURLY_WEIGHTS: tuple[float, ...] = (
    2,
    1,
    0.5,
    0.3,
    0.2,
    0.3,
    0.8,
    1.5,
    2.5,
    3,
    3.5,
    3.5,
    4,
    3.5,
    3,
    3,
    3.5,
    4,
    4.5,
    5,
    6,
    6.5,
    5,
    3.5,
)

# --- people and streets -----------------------------------------------------------------------

SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.1),
    ("李", 7.0),
    ("张", 6.7),
    ("刘", 5.4),
    ("陈", 4.6),
    ("杨", 3.1),
    ("黄", 2.4),
    ("赵", 2.3),
    ("吴", 2.0),
    ("周", 2.0),
    ("徐", 1.5),
    ("孙", 1.5),
    ("马", 1.3),
    ("朱", 1.3),
    ("胡", 1.2),
    ("郭", 1.1),
    ("何", 1.1),
    ("林", 1.0),
    ("高", 1.0),
    ("罗", 1.0),
    ("郑", 0.9),
    ("梁", 0.9),
    ("谢", 0.8),
    ("宋", 0.7),
    ("唐", 0.7),
    ("许", 0.7),
    ("韩", 0.7),
    ("冯", 0.7),
    ("邓", 0.7),
    ("曹", 0.6),
    ("彭", 0.6),
    ("曾", 0.6),
    ("肖", 0.6),
    ("田", 0.5),
    ("董", 0.5),
    ("潘", 0.5),
    ("袁", 0.5),
    ("蔡", 0.5),
    ("蒋", 0.5),
    ("余", 0.5),
    ("于", 0.5),
    ("杜", 0.4),
    ("叶", 0.4),
    ("程", 0.4),
    ("魏", 0.4),
    ("苏", 0.4),
    ("吕", 0.4),
    ("丁", 0.4),
    ("任", 0.4),
    ("卢", 0.4),
    ("姚", 0.3),
    ("沈", 0.3),
    ("钟", 0.3),
    ("姜", 0.3),
    ("崔", 0.3),
    ("谭", 0.3),
    ("陆", 0.3),
    ("范", 0.3),
    ("汪", 0.3),
    ("廖", 0.3),
    ("石", 0.3),
    ("金", 0.3),
    ("韦", 0.3),
    ("贾", 0.3),
    ("夏", 0.2),
    ("付", 0.2),
    ("方", 0.2),
    ("邹", 0.2),
    ("熊", 0.2),
    ("白", 0.2),
    ("孟", 0.2),
    ("秦", 0.2),
    ("欧阳", 0.05),
    ("司马", 0.02),
    ("上官", 0.02),
    ("诸葛", 0.02),
)
# Given-name characters; buyers of a beauty/food stream skew female, so the female pool weighs more.
GIVEN_FEMALE = "婷娜静丽敏燕艳芳娟霞秀英慧欣怡佳雪琳颖倩晶蕾薇梦瑶雨涵思悦可馨月彤琪璐洁玲萍红丹"
GIVEN_MALE = "伟强磊军勇杰涛斌超明辉刚鹏浩宇航峰建华亮林晨阳俊凯文博志"
FEMALE_SHARE = 0.72

# Mobile prefixes of the three operators (and 虚拟运营商-free ranges), weighted roughly by share.
MOBILE_PREFIXES: tuple[tuple[str, float], ...] = (
    ("130", 2),
    ("131", 2),
    ("132", 2),
    ("133", 2),
    ("134", 2),
    ("135", 4),
    ("136", 4),
    ("137", 4),
    ("138", 5),
    ("139", 5),
    ("147", 0.5),
    ("150", 3),
    ("151", 3),
    ("152", 3),
    ("153", 2),
    ("155", 2),
    ("156", 2),
    ("157", 2),
    ("158", 3),
    ("159", 3),
    ("166", 1),
    ("173", 1),
    ("175", 1),
    ("176", 1),
    ("177", 1),
    ("178", 1),
    ("180", 2),
    ("181", 2),
    ("182", 2),
    ("183", 2),
    ("185", 2),
    ("186", 3),
    ("187", 2),
    ("188", 2),
    ("189", 3),
    ("191", 1),
    ("198", 1),
    ("199", 1),
)

# Generic words for synthetic streets and estates; words that begin a real region name (中山, 朝阳 …)
# are filtered out at runtime so a street can never be read as a place.
ROAD_WORDS = (
    "人民 建设 文化 学府 青年 幸福 团结 迎宾 健康 春华 金桥 银河 翠苑 梧桐 枫林 香樟 柳岸 桃源 "
    "杏坛 松柏 兴业 富民 创业 科技 文教 体育 公园 花园 湖光 云栖 锦程 星光 月湾 晨曦 万福 "
    "玉兰 海棠 紫薇 丁香 芙蓉 牡丹 荷花 秋实 凌云 望江 听涛"
).split()
ROAD_SUFFIXES = (
    ("路", 6),
    ("大道", 1.5),
    ("街", 2),
    ("东路", 1),
    ("西路", 1),
    ("南路", 0.8),
    ("北路", 0.8),
    ("巷", 0.5),
)
ESTATE_WORDS = (
    "阳光 锦绣 金色 碧水 翠湖 书香 名都 桂花 梧桐 丽景 悦澜 君悦 欣悦 和鸣 云庭 观澜 "
    "枫丹 紫荆 蓝湾 静安 泊岸 森林 湖畔 星河 春江 青枫 西溪 海悦"
).split()
ESTATE_SUFFIXES = (
    ("小区", 3),
    ("花园", 2),
    ("苑", 1.5),
    ("家园", 1.5),
    ("公寓", 0.8),
    ("新村", 0.8),
    ("府", 0.6),
)
TOWNSHIP_SUFFIXES = (("街道", 4), ("镇", 1.5))

BUYER_NOTES: tuple[tuple[str, float], ...] = (
    ("", 90),
    ("请尽快发货，谢谢", 3),
    ("送人的，不要放价格单", 2),
    ("白天不在家，请放快递柜", 2),
    ("麻烦包装结实一点", 1.5),
    ("能和昨天那单一起发吗", 0.8),
    ("要生日那天前到", 0.7),
)

# Districts that exist in several cities: without province and city the address is ambiguous.
AMBIGUOUS_DETAILS = (
    "朝阳区建国路88号",
    "鼓楼区汉口路100号",
    "普陀区曹杨路1号",
    "江北区建设路66号",
    "白云区机场路9号",
    "和平区民主路18号",
    "新华区团结路3号",
    "铁西区兴华街12号",
)
