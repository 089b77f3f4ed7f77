"""Drawing the demo's orders (pure Python): when each was paid, who bought what, what happened since."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from fahuo.demo import data
from fahuo.demo.data import LIVE_SHOP, PRIVATE_SHOP, TZ, SkuSpec
from fahuo.demo.people import People, Recipient, Weighted

STREAM_SHARE = 0.85  # of all orders, paid during last evening's stream
PRIVATE_SHARE = 0.03  # of all orders, from the 私域 shop
PROBLEM_SHARE = 0.03  # recipients with a deliberate defect (bad phone, no district, ambiguous …)
REPEAT_SHARE = 0.06  # live orders placed by an earlier buyer again


# --- order planning (pure Python) ---------------------------------------------------------------


@dataclass(slots=True)
class Plan:
    shop: str
    channel: str
    paid_at: datetime
    recipient: Recipient
    lines: list[tuple[SkuSpec, int]]
    note: str = ""
    door_delivery: bool = False
    promise_hours: int | None = None
    history: str = ""  # "shipped"/"printed" when already handled on an earlier day
    problem: str = ""
    seq: int = 0


class Planner:
    """Draws the orders: when they were paid, who bought what, and what happened to them since."""

    def __init__(self, *, rng: random.Random, now: datetime, stream_start: datetime, people: People) -> None:
        self.rng = rng
        self.now = now
        self.stream_start = stream_start
        self.people = people
        self.sku_by_code = {s.code: s for s in data.SKUS}
        self.drops = Weighted((d, d.weight) for d in data.STREAM_DROPS)
        self.drop_skus = {d: Weighted(d.skus) for d in data.STREAM_DROPS}
        self.catalog = Weighted((s, s.popularity) for s in data.SKUS)
        featured: dict[str, float] = {}
        for d in data.STREAM_DROPS:
            for code, share in d.skus:
                featured[code] = featured.get(code, 0.0) + d.weight * share
        self.featured = Weighted((self.sku_by_code[c], w) for c, w in featured.items())
        premium = [(s, s.popularity * (3 if {"valuable", "cold"} & set(s.traits) else 1)) for s in data.SKUS]
        self.premium = Weighted(premium)
        self.notes = Weighted(data.BUYER_NOTES)
        self.hours = Weighted(enumerate(data.HOURLY_WEIGHTS))
        self.buyers: list[Recipient] = []

    # quantities: mostly one, some two, few three
    def qty(self) -> int:
        r = self.rng.random()
        return 1 if r < 0.75 else 2 if r < 0.95 else 3

    def lines(self, main: SkuSpec, extra_pool: Weighted) -> list[tuple[SkuSpec, int]]:
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

    def buyer(self) -> Recipient:
        rng = self.rng
        if self.buyers and rng.random() < REPEAT_SHARE:
            old = rng.choice(self.buyers)
            return Recipient(
                old.name, old.phone, old.province, old.city, old.district, old.street, old.detail
            )
        r = self.people.recipient()
        self.buyers.append(r)
        return r

    def stream_order(self) -> Plan:
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
        return Plan(
            LIVE_SHOP, "live", paid, self.buyer(), self.lines(main, self.featured), self.notes.pick(rng)
        )

    def earlier_live_order(self) -> Plan:
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
        plan = Plan(
            LIVE_SHOP, "live", paid, self.buyer(), self.lines(main, self.catalog), self.notes.pick(rng)
        )
        plan.history = history
        return plan

    def private_order(self) -> Plan:
        rng = self.rng
        today = self.now.astimezone(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
        while True:
            day = rng.randrange(8)
            paid = today - timedelta(days=day) + timedelta(hours=rng.uniform(9, 23))
            if paid < self.now:
                break
        recipient = self.people.recipient()
        main: SkuSpec = self.premium.pick(rng)
        plan = Plan(
            PRIVATE_SHOP, "private", paid, recipient, self.lines(main, self.premium), self.notes.pick(rng)
        )
        plan.door_delivery = rng.random() < 0.6
        plan.promise_hours = 24 if rng.random() < 0.5 else 48
        if paid < self.now - timedelta(hours=30):
            plan.history = "shipped"
        elif paid < self.now - timedelta(hours=6) and rng.random() < 0.5:
            plan.history = "printed"
        return plan


def plan_orders(rng: random.Random, n: int, now: datetime, stream_start: datetime) -> list[Plan]:
    planner = Planner(rng=rng, now=now, stream_start=stream_start, people=People(rng))
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
            plan.recipient = Recipient(r.name, r.phone, r.province, r.city, r.district, r.street, r.detail)
            plan.problem = people.spoil(plan.recipient)
        if plan.shop == PRIVATE_SHOP:
            plan.recipient.raw = people.pasted(plan.recipient)
    plans.sort(key=lambda p: p.paid_at)
    for i, plan in enumerate(plans):
        plan.seq = i + 1
    return plans
