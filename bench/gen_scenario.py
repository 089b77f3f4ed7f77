"""Seeded generator of realistic allocation scenarios (same CSV format as the shared sample).

31 provincial-level destinations weighted by e-commerce demand, 3 warehouses (杭州/广州/成都),
6 carriers with the usual profile (通达系 cheap without cold chain or insurance and without
some remote lanes; 顺丰/京东 cold chain + insurance, 顺丰 with a 6000 divisor; EMS insured,
everywhere), zone-based 首重/续重 tariffs and transit times, realistic parcel weights and
sizes, traits, 80% of orders with a fixed warehouse, promises of 24/48/72 h, and per
carrier × warehouse caps that bind (about 1.3× demand overall, tight on the cheap carriers).

    python bench/gen_scenario.py --orders 20000 --seed 7 --out /tmp/scenario-20k
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

import numpy as np

# province, capital latitude, longitude, relative parcel demand
PROVINCES: tuple[tuple[str, float, float, float], ...] = (
    ("北京市", 39.9, 116.4, 4.0),
    ("天津市", 39.1, 117.2, 1.6),
    ("河北省", 38.0, 114.5, 4.2),
    ("山西省", 37.9, 112.5, 1.9),
    ("内蒙古自治区", 40.8, 111.7, 1.2),
    ("辽宁省", 41.8, 123.4, 2.6),
    ("吉林省", 43.9, 125.3, 1.2),
    ("黑龙江省", 45.8, 126.5, 1.6),
    ("上海市", 31.2, 121.5, 4.6),
    ("江苏省", 32.1, 118.8, 7.5),
    ("浙江省", 30.3, 120.2, 6.8),
    ("安徽省", 31.9, 117.3, 3.5),
    ("福建省", 26.1, 119.3, 3.4),
    ("江西省", 28.7, 115.9, 2.4),
    ("山东省", 36.7, 117.0, 6.3),
    ("河南省", 34.8, 113.7, 5.2),
    ("湖北省", 30.6, 114.3, 3.9),
    ("湖南省", 28.2, 112.9, 3.6),
    ("广东省", 23.1, 113.3, 11.0),
    ("广西壮族自治区", 22.8, 108.3, 2.3),
    ("海南省", 20.0, 110.3, 0.7),
    ("重庆市", 29.6, 106.5, 2.2),
    ("四川省", 30.7, 104.1, 4.6),
    ("贵州省", 26.6, 106.7, 1.5),
    ("云南省", 25.0, 102.7, 2.0),
    ("西藏自治区", 29.7, 91.1, 0.15),
    ("陕西省", 34.3, 108.9, 2.5),
    ("甘肃省", 36.1, 103.8, 1.0),
    ("青海省", 36.6, 101.8, 0.3),
    ("宁夏回族自治区", 38.5, 106.3, 0.4),
    ("新疆维吾尔自治区", 43.8, 87.6, 0.9),
)
REMOTE = {"西藏自治区", "青海省", "新疆维吾尔自治区"}

WAREHOUSES: tuple[tuple[str, str, str, str, float], ...] = (
    # code, name, province, city, share of orders fixed to it
    ("HZ", "杭州仓", "浙江省", "杭州市", 0.42),
    ("GZ", "广州仓", "广东省", "广州市", 0.20),
    ("CD", "成都仓", "四川省", "成都市", 0.20),
)

# code, name, cold, insured, divisor, max weight, first-price base (fen), step base, zone
# price factor, transit factor, covers remote, capacity at HZ per 2000 orders
CARRIERS: tuple[tuple[str, str, int, int, int, int, int, int, float, float, bool, int], ...] = (
    ("ZTO", "中通快递", 0, 0, 8000, 30000, 300, 100, 1.00, 1.00, True, 220),
    ("YTO", "圆通速递", 0, 0, 8000, 30000, 310, 100, 1.00, 1.05, False, 200),
    ("YD", "韵达快递", 0, 0, 8000, 30000, 290, 100, 1.02, 1.10, False, 180),
    ("SF", "顺丰速运", 1, 1, 6000, 50000, 1000, 300, 1.55, 0.55, True, 250),
    ("JD", "京东快递", 1, 1, 8000, 50000, 900, 300, 1.40, 0.65, True, 200),
    ("EMS", "中国邮政EMS", 0, 1, 8000, 40000, 700, 250, 1.20, 1.50, True, 300),
)
SAMPLE_ORDERS = 2000


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def _zone(origin: str, dest: str, km: float) -> int:
    if origin == dest:
        return 0
    if dest in REMOTE:
        return 4
    if km < 600:
        return 1
    if km < 1300:
        return 2
    return 3


def generate(n_orders: int, seed: int, *, totals: bool = False) -> dict[str, list[list[str]]]:
    """Rows (header first) of every scenario file.

    ``totals`` adds ``max_parcels`` per warehouse (dispatch dock) and per carrier (daily
    contract volume); both at once cross each other and need the MIP.
    """
    rng = np.random.default_rng(seed)
    coords = {p: (lat, lon) for p, lat, lon, _ in PROVINCES}
    warehouses = [["code", "name", "province", "city"]] + [[c, n, p, city] for c, n, p, city, _ in WAREHOUSES]
    carriers = [["carrier", "name", "cold_chain", "insured", "volumetric_divisor", "max_weight_g"]] + [
        [c[0], c[1], str(c[2]), str(c[3]), str(c[4]), str(c[5])] for c in CARRIERS
    ]
    rates = [
        [
            "carrier",
            "origin_province",
            "dest_province",
            "first_weight_g",
            "first_price_fen",
            "step_weight_g",
            "step_price_fen",
            "transit_hours",
        ]
    ]
    zone_first = (0, 100, 140, 190, 1200)  # extra fen on the first kilo per zone
    zone_step = (0, 50, 100, 200, 1100)
    zone_hours = (24, 36, 48, 60, 120)
    for code, _, _, _, _, _, first, step, pf, tf, remote, _ in CARRIERS:
        for _, _, origin, _, _ in WAREHOUSES:
            for dest, _, _, _ in PROVINCES:
                if dest in REMOTE and not remote:
                    continue
                z = _zone(origin, dest, _distance_km(coords[origin], coords[dest]))
                jitter = int(rng.integers(-2, 3)) * 10
                price = round((first + zone_first[z] * pf) / 10) * 10 + jitter
                step_price = round((step + zone_step[z] * pf) / 50) * 50
                hours = max(12, round(zone_hours[z] * tf / 6) * 6)
                rates.append([code, origin, dest, "1000", str(price), "1000", str(step_price), str(hours)])

    scale = n_orders / SAMPLE_ORDERS
    capacity = [["carrier", "warehouse", "max_parcels"]]
    for code, *_, hz_cap in CARRIERS:
        for wcode, *_ in WAREHOUSES:
            cap = hz_cap if wcode == "HZ" else int(hz_cap * 0.45)
            capacity.append([code, wcode, str(max(1, round(cap * scale)))])

    if totals:
        per_cw = {(r[0], r[1]): int(r[2]) for r in capacity[1:]}
        warehouses[0].append("max_parcels")
        for row in warehouses[1:]:
            row.append(str(int(0.8 * sum(v for (_, w), v in per_cw.items() if w == row[0]))))
        carriers[0].append("max_parcels")
        for row in carriers[1:]:
            row.append(str(int(0.75 * sum(v for (c, _), v in per_cw.items() if c == row[0]))))

    # orders
    names = [p for p, *_ in PROVINCES]
    demand = np.array([d for *_, d in PROVINCES])
    dest = rng.choice(len(names), size=n_orders, p=demand / demand.sum())
    weight = np.clip(rng.lognormal(mean=6.4, sigma=0.75, size=n_orders), 50, 29000).astype(np.int64)
    heavy = rng.random(n_orders) < 0.004  # furniture-ish outliers, some over every limit
    weight[heavy] = rng.integers(20000, 60000, size=int(heavy.sum()))
    density = rng.uniform(0.12, 0.45, size=n_orders)  # g per cm³
    volume_cm3 = weight / density
    shape = rng.dirichlet((4, 3, 2), size=n_orders)
    side = np.cbrt(volume_cm3)[:, None] * (shape * 3) ** 0.8
    dims_mm = np.clip(np.sort(side * 10, axis=1)[:, ::-1], 20, 1500).astype(np.int64)
    fragile = rng.random(n_orders) < 0.06
    valuable = rng.random(n_orders) < 0.27
    cold = rng.random(n_orders) < 0.055
    liquid = rng.random(n_orders) < 0.03
    shares = np.array([s for *_, s in WAREHOUSES])
    wh_choice = rng.choice(len(WAREHOUSES) + 1, size=n_orders, p=[*shares, 1 - shares.sum()])
    promise = rng.choice([-1, 24, 48, 72], size=n_orders, p=[0.6, 0.03, 0.19, 0.18])
    orders = [
        [
            "order_id",
            "warehouse",
            "dest_province",
            "dest_city",
            "weight_g",
            "length_mm",
            "width_mm",
            "height_mm",
            "traits",
            "declared_value_fen",
            "promise_hours",
        ]
    ]
    for i in range(n_orders):
        traits = [
            t
            for t, on in (
                ("fragile", fragile[i]),
                ("valuable", valuable[i]),
                ("cold", cold[i]),
                ("liquid", liquid[i]),
            )
            if on
        ]
        value = (
            int(rng.choice([5900, 9900, 19900, 59900]))
            if not valuable[i]
            else int(rng.choice([129900, 299900, 899900]))
        )
        orders.append(
            [
                f"G{seed}-{i:06d}",
                WAREHOUSES[wh_choice[i]][0] if wh_choice[i] < len(WAREHOUSES) else "",
                names[dest[i]],
                "",
                str(weight[i]),
                str(dims_mm[i, 0]),
                str(dims_mm[i, 1]),
                str(dims_mm[i, 2]),
                "|".join(traits),
                str(value),
                "" if promise[i] < 0 else str(promise[i]),
            ]
        )
    return {
        "warehouses.csv": warehouses,
        "carriers.csv": carriers,
        "rates.csv": rates,
        "capacity.csv": capacity,
        "orders.csv": orders,
    }


def write(directory: Path, files: dict[str, list[list[str]]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        with (directory / name).open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    return directory


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--totals", action="store_true", help="add per-warehouse and per-carrier totals")
    args = ap.parse_args()
    write(args.out, generate(args.orders, args.seed, totals=args.totals))
    print(args.out)


if __name__ == "__main__":
    main()
