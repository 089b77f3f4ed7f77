"""Write small settlement scenarios (the shared offline format) for tests."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")
WEEK = datetime(2026, 11, 9, tzinfo=SH)  # a Monday
AS_OF = WEEK + timedelta(days=7, hours=10)


def at(day: int, hour: float = 9.0) -> datetime:
    return WEEK + timedelta(days=day, hours=hour)


def iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


CONTRACT: dict[str, Any] = {
    "carrier": "YTO",
    "week_start": "2026-11-09",
    "as_of": AS_OF.isoformat(),
    "origin_province": "浙江省",
    "volumetric_divisor": 8000,
    "tiers": [
        {"min_daily_avg": 50, "first_price_delta_fen": -50},
        {"min_daily_avg": 100, "first_price_delta_fen": -70},
    ],
    "min_daily_parcels": 0,
    "shortfall_price_fen": 400,
    "peak_capacity_per_stream": 3,
    "pickup_hours": 24,
    "pickup_target_pct": 98,
    "ship_hours": 48,
    "ship_target_pct": 100,
    "late_penalty_pct": 20,
    "late_before_week": 0,
    "terminate_after_late": 50,
    "privacy_fine_fen": 50000,
    "verify_hours": 24,
    "pay_hours": 48,
    "deposit_fen": 0,
    "ends_on": "",
    "weight_tolerance_g": 50,
}
# One lane: 1 kg first weight ¥5.00, then ¥2.00 per 1 kg.
RATES = [("上海市", 1000, 500, 1000, 200, 0), ("新疆维吾尔自治区", 1000, 1200, 1000, 1000, 1000)]


@dataclass
class Sc:
    contract: dict[str, Any] = field(default_factory=lambda: dict(CONTRACT))
    shipments: list[list[Any]] = field(default_factory=list)
    incidents: list[list[Any]] = field(default_factory=list)
    claims: list[list[Any]] = field(default_factory=list)
    bill: list[list[Any]] | None = None

    def parcel(
        self, no: str, ready: datetime, picked: datetime | None = None, departed: datetime | None = None,
        *, session: str = "", weight_g: int = 800, dims: tuple[int, int, int] = (100, 100, 100),
        dest: str = "上海市",
    ) -> Sc:  # fmt: skip
        self.shipments.append(
            [no, f"O{no}", session, dest, weight_g, *dims, iso(ready), iso(picked), iso(departed)]
        )
        return self

    def on_time(self, no: str, ready: datetime, **kw: Any) -> Sc:
        return self.parcel(no, ready, ready + timedelta(hours=2), ready + timedelta(hours=6), **kw)

    def claim(
        self,
        cid: str,
        reported: datetime,
        verified: datetime | None,
        paid: datetime | None,
        amount: int,
        resp: str,
    ) -> Sc:
        self.claims.append([cid, "T" + cid, "damage", iso(reported), iso(verified), iso(paid), amount, resp])
        return self

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "contract.json").write_text(
            json.dumps(self.contract, ensure_ascii=False), encoding="utf-8"
        )
        tables: dict[str, tuple[str, Sequence[Sequence[Any]]]] = {
            "rates.csv": (
                "dest_province,first_weight_g,first_price_fen,step_weight_g,step_price_fen,remote_surcharge_fen",
                RATES,
            ),
            "shipments.csv": (
                "tracking_no,order_id,session_id,dest_province,weight_g,length_mm,width_mm,height_mm,"
                "ready_at,picked_up_at,departed_at",
                self.shipments,
            ),
            "incidents.csv": ("tracking_no,kind,occurred_at,carrier_fault", self.incidents),
            "claims.csv": (
                "claim_id,tracking_no,kind,reported_at,verified_at,paid_at,amount_fen,responsibility",
                self.claims,
            ),
        }
        if self.bill is not None:
            tables["carrier_bill.csv"] = ("tracking_no,billed_weight_g,billed_fen", self.bill)
        for name, (header, rows) in tables.items():
            with (directory / name).open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(header.split(","))
                w.writerows(rows)
        return directory
