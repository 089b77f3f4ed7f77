"""Database allocation with a pickup window: hourly pickups, per-hour caps, promise, contract hours.

Prices to 北京市 (conftest): ZTO@HZ 500 (48 h), ZTO@GZ 600 (60 h), EMS@HZ 1000 (48 h), EMS@GZ 1100,
SF@HZ 1400 (24 h), SF@GZ 1500. The window 18:00–20:00 (Beijing) has two pickup hours.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from fahuo.carriers.models import Capacity, Contract
from fahuo.cli import main
from fahuo.kit.errors import InvalidInput
from fahuo.orders.models import Order
from fahuo.routing import services, window
from fahuo.routing.models import AllocationDecision, AllocationRun
from fahuo.routing.services import InfeasibleOverride

TZ = ZoneInfo("Asia/Shanghai")
H18 = dt.datetime(2026, 6, 1, 18, tzinfo=TZ)
H19 = dt.datetime(2026, 6, 1, 19, tzinfo=TZ)
H20 = dt.datetime(2026, 6, 1, 20, tzinfo=TZ)


def utc(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat()


def cap(world, carrier: str, warehouse, most: int, per_hour: int | None) -> None:
    Capacity.objects.update_or_create(
        carrier=world.carriers[carrier],
        warehouse=warehouse,
        defaults={"max_parcels": most, "max_parcels_per_hour": per_hour},
    )


def plan(**kwargs) -> AllocationRun:
    kwargs.setdefault("pickup_start", H18)
    kwargs.setdefault("pickup_end", H20)
    return services.plan_allocation(orders=Order.objects.all(), **kwargs)


def lane(d: AllocationDecision) -> str:
    if d.carrier is None:
        return ""
    assert d.warehouse is not None
    return f"{d.carrier.code}@{d.warehouse.code}"


def decisions(run: AllocationRun) -> list[AllocationDecision]:
    return list(run.decisions.select_related("carrier", "warehouse").order_by("order_id"))


def option(d: AllocationDecision, key: str) -> dict:
    c, w = key.split("@")
    return next(o for o in d.explanation["options"] if o["carrier"] == c and o["warehouse"] == w)


def test_per_hour_caps_split_the_orders_across_hours_and_carriers(world):
    cap(world, "ZTO", world.hz, 10, 2)
    cap(world, "ZTO", world.gz, 10, 1)
    for _ in range(7):
        world.order("北京市")
    run = plan()
    ds = decisions(run)
    # ZTO@HZ takes 2 an hour (4), ZTO@GZ 1 an hour (2), the 7th goes to EMS@HZ at the first hour
    got = sorted((lane(d), d.pickup_at) for d in ds)
    assert got == sorted(
        [("ZTO@HZ", H18)] * 2 + [("ZTO@HZ", H19)] * 2 + [("ZTO@GZ", H18), ("ZTO@GZ", H19), ("EMS@HZ", H18)]
    )
    assert run.total_fen == 4 * 500 + 2 * 600 + 1000 == run.lp_bound_fen == run.greedy_fen
    assert (run.pickup_start, run.pickup_end) == (H18, H20)
    assert run.summary["pickup_counts"] == {
        "ZTO@HZ": {utc(H18): 2, utc(H19): 2},
        "ZTO@GZ": {utc(H18): 1, utc(H19): 1},
        "EMS@HZ": {utc(H18): 1},
    }
    assert run.summary["pickup"]["per_hour"] == {"ZTO@HZ": 2, "ZTO@GZ": 1}
    # the cheaper ZTO@HZ has room for the run (4 of 10) but its pickup hours are full
    for d in ds:
        if lane(d) in ("ZTO@GZ", "EMS@HZ"):
            assert d.reason == "pickup_hour"
            assert d.explanation["binding_option"]["carrier"] == "ZTO"
            assert d.explanation["binding_option"]["warehouse"] == "HZ"
            assert option(d, "ZTO@HZ")["hour_full"] is True and option(d, "ZTO@HZ")["full"] is False
            assert d.pickup_at is not None and d.explanation["pickup_at"] == d.pickup_at.isoformat()
        else:
            assert d.reason == "cheapest"


def test_the_per_run_cap_still_applies_and_is_reported_as_capacity(world):
    cap(world, "ZTO", world.hz, 3, 2)
    cap(world, "ZTO", world.gz, 10, 1)
    for _ in range(5):
        world.order("北京市")
    run = plan()
    ds = decisions(run)
    assert sorted(lane(d) for d in ds) == ["ZTO@GZ"] * 2 + ["ZTO@HZ"] * 3
    assert run.total_fen == 3 * 500 + 2 * 600
    bumped = [d for d in ds if lane(d) == "ZTO@GZ"]
    assert {d.reason for d in bumped} == {"capacity"}
    assert option(bumped[0], "ZTO@HZ")["full"] is True and "hour_full" not in option(bumped[0], "ZTO@HZ")


@pytest.mark.parametrize(("zto_run_cap", "reason"), [(10, "pickup_hour"), (2, "capacity")])
def test_an_order_left_out_by_full_pickup_hours_gets_reason_pickup_hour(world, zto_run_cap, reason):
    # every order must leave from HZ: ZTO@HZ collects 1 an hour (2 in the window), EMS@HZ takes 1
    # for the run, SF@HZ none — the 4th order has no room; with ZTO's run cap at 10 only its pickup
    # hours are full (pickup_hour), with 2 its run cap is full as well (capacity)
    cap(world, "ZTO", world.hz, zto_run_cap, 1)
    cap(world, "EMS", world.hz, 1, None)
    cap(world, "SF", world.hz, 0, None)
    for _ in range(4):
        world.order("北京市", warehouse=world.hz)
    ds = decisions(plan())
    assert sorted(lane(d) for d in ds) == ["", "EMS@HZ", "ZTO@HZ", "ZTO@HZ"]
    left = next(d for d in ds if not d.carrier)
    assert left.reason == reason
    assert option(left, "ZTO@HZ")["full"] is (reason == "capacity")


def test_a_promise_excludes_pickup_hours_that_depart_too_late(world):
    cap(world, "ZTO", world.hz, 10, 1)
    a = world.order("北京市", promise_hours=48)  # ZTO@HZ takes 48 h: only the 18:00 pickup is in time
    b = world.order("北京市")
    c = world.order("北京市", promise_hours=48)
    run = plan()
    by = {d.order_id: d for d in decisions(run)}
    assert (lane(by[b.pk]), by[b.pk].pickup_at) == ("ZTO@HZ", H19)
    urgent = sorted((lane(by[o.pk]), by[o.pk].pickup_at) for o in (a, c))
    assert urgent == [("EMS@HZ", H18), ("ZTO@HZ", H18)]
    assert run.total_fen == 500 + 500 + 1000
    late = next(by[o.pk] for o in (a, c) if lane(by[o.pk]) == "EMS@HZ")
    assert late.reason == "pickup_hour"
    assert option(late, "ZTO@HZ")["hour_full"] is True
    assert option(late, "ZTO@GZ")["rule"] == "promise"  # 60 h


def test_carriers_collect_only_in_their_contracted_pickup_hours(world):
    on = dt.date(2026, 6, 1)
    Contract.objects.create(
        carrier=world.carriers["ZTO"], name="ZTO", starts_on=dt.date(2026, 1, 1), pickup_window="19:00-22:00"
    )
    Contract.objects.create(
        carrier=world.carriers["SF"], name="SF", starts_on=dt.date(2026, 1, 1), pickup_window="08:00-12:00"
    )
    cap(world, "ZTO", world.hz, 10, 5)
    tea = world.order("北京市")
    to_gz = world.order("广东省")  # ZTO@GZ has no hourly cap: the carrier's first pickup hour
    fish = world.order("北京市", [("FISH", 1)])  # only SF carries cold, and SF does not come
    run = plan(on=on)
    by = {d.order_id: d for d in decisions(run)}
    assert (lane(by[tea.pk]), by[tea.pk].pickup_at) == ("ZTO@HZ", H19)
    assert (lane(by[to_gz.pk]), by[to_gz.pk].pickup_at) == ("ZTO@GZ", H19)
    assert by[fish.pk].carrier is None and by[fish.pk].reason == "no_pickup"  # the furthest check
    assert option(by[fish.pk], "SF@HZ")["rule"] == "no_pickup"
    assert run.summary["pickup"]["open"] == {"EMS": [0, 1], "SF": [], "ZTO": [1]}


def test_without_a_window_nothing_changes(world):
    cap(world, "ZTO", world.hz, 10, 1)
    orders = [world.order("北京市") for _ in range(3)]
    run = services.plan_allocation(orders=Order.objects.all())
    ds = decisions(run)
    assert [lane(d) for d in ds] == ["ZTO@HZ"] * 3  # the hourly cap needs a window to apply
    assert all(d.pickup_at is None and "pickup_at" not in d.explanation for d in ds)
    assert run.pickup_start is None and "pickup" not in run.summary and "pickup_counts" not in run.summary
    assert run.total_fen == 1500 and len(orders) == 3


def test_a_window_must_have_both_ends_in_order_and_at_most_two_days(world):
    with pytest.raises(InvalidInput, match="both"):
        plan(pickup_end=None)
    with pytest.raises(InvalidInput, match="end after"):
        plan(pickup_start=H20, pickup_end=H18)
    with pytest.raises(InvalidInput, match="48 hours"):
        plan(pickup_end=H18 + dt.timedelta(hours=49))


def test_pickup_times_read_iso_or_hh_mm_today_in_beijing():
    now = dt.datetime(2026, 6, 1, 3, 0, tzinfo=dt.UTC)  # 11:00 in Beijing
    assert window.parse_pickup_time("18:00", now=now) == H18
    start = window.parse_pickup_time("22:00", now=now)
    assert window.parse_pickup_time("02:00", now=now, after=start) == dt.datetime(2026, 6, 2, 2, tzinfo=TZ)
    assert window.parse_pickup_time("2026-06-01T18:00") == H18
    assert window.parse_pickup_time("2026-06-01 10:00+00:00") == H18
    with pytest.raises(InvalidInput):
        window.parse_pickup_time("soon")


def test_override_onto_a_pair_picks_an_hour_with_room_or_refuses(world, owner):
    cap(world, "ZTO", world.hz, 10, 1)
    a, b, c = (world.order("北京市") for _ in range(3))
    run = plan()
    third = next(d for d in decisions(run) if lane(d) != "ZTO@HZ")
    with pytest.raises(InfeasibleOverride, match="pickup_hour"):
        services.override(
            run=run, order_ids=[third.order_id], carrier=world.carriers["ZTO"], warehouse=world.hz, user=owner
        )
    services.override(
        run=run, order_ids=[third.order_id], carrier=world.carriers["SF"], warehouse=world.hz, user=owner
    )
    moved = run.decisions.get(order_id=third.order_id)
    assert moved.carrier is not None and moved.carrier.code == "SF" and moved.pickup_at == H18
    assert moved.explanation["pickup_at"] == H18.astimezone(dt.UTC).isoformat()
    run.refresh_from_db()
    assert run.summary["pickup_counts"]["SF@HZ"] == {utc(H18): 1}
    assert {a.pk, b.pk, c.pk} == set(run.decisions.values_list("order_id", flat=True))


# --- edges: CLI, API, desk --------------------------------------------------------------------------


def test_cli_pending_takes_the_pickup_window(world, capsys, tmp_path):
    cap(world, "ZTO", world.hz, 10, 1)
    world.order("北京市")
    world.order("北京市")
    out = tmp_path / "alloc.csv"
    args = ["allocate", "--pending", "--pickup-start", "2026-06-01T18:00", "--pickup-end", "2026-06-01T20:00"]
    assert main([*args, "--json", "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["total_fen"] == 1000 and summary["served"] == 2
    assert dt.datetime.fromisoformat(summary["pickup_start"]) == H18
    assert summary["pickup_counts"] == {"ZTO@HZ": {utc(H18): 1, utc(H19): 1}}
    run = AllocationRun.objects.get()
    assert (run.pickup_start, run.pickup_end) == (H18, H20)
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "order_id,carrier,warehouse,freight_fen,reason,pickup"
    assert sorted(r.rsplit(",", 1)[1] for r in rows[1:]) == [
        "2026-06-01T18:00:00+08:00",
        "2026-06-01T19:00:00+08:00",
    ]
    assert main(["allocate", "--pending", "--pickup-start", "18:00"]) == 2
    assert "both" in capsys.readouterr().err
    assert main(["allocate", "--scenario", str(tmp_path), "--pickup-start", "18:00"]) == 2
    assert "goes with --pending" in capsys.readouterr().err


def test_cli_prints_the_window_and_the_parcels_per_hour(world, capsys):
    cap(world, "ZTO", world.hz, 10, 1)
    world.order("北京市")
    assert main(["allocate", "--pending", "--pickup-start", "2026-06-01 18:00", "--pickup-end", "20:00"]) == 0
    text = capsys.readouterr().out
    assert "pickup       06-01 18:00 – " in text and "ZTO@HZ     18:00 1" in text


def test_api_plans_with_a_window_and_returns_the_pickup_hours(world, operator):
    from fahuo.routing.tests.test_api import client_for, post

    cap(world, "ZTO", world.hz, 10, 1)
    world.order("北京市")
    world.order("北京市")
    api = client_for(operator)
    body = {"pickup_start": "2026-06-01T18:00", "pickup_end": "2026-06-01T20:00+08:00"}
    r = post(api, "/api/allocation/runs", body)
    assert r.status_code == 200, r.content
    run = r.json()
    assert dt.datetime.fromisoformat(run["pickup_start"]) == H18
    assert run["pickup_per_hour"] == {"ZTO@HZ": 1}
    assert run["pickup_counts"] == {"ZTO@HZ": {utc(H18): 1, utc(H19): 1}}
    items = api.get(f"/api/allocation/runs/{run['id']}").json()["decisions"]["items"]
    assert sorted(dt.datetime.fromisoformat(d["pickup_at"]) for d in items) == [H18, H19]
    r = post(api, "/api/allocation/runs", {"pickup_start": "2026-06-01T18:00"})
    assert r.status_code == 422 and "both" in r.json()["message"]


def test_the_desk_plans_with_a_window_and_shows_the_pickup_hours(world, owner):
    from fahuo.desk.tests.conftest import login

    client = login(owner)
    cap(world, "ZTO", world.hz, 10, 1)
    first, _ = world.order("北京市"), world.order("北京市")
    assert 'id="pickup-window"' in client.get("/allocation/").content.decode()
    r = client.post(
        "/allocation/plan/", {"pickup_start": "2026-06-01 18:00", "pickup_end": "2026-06-01 20:00"}
    )
    assert r.status_code == 302
    run = AllocationRun.objects.latest("id")
    html = client.get(r["Location"]).content.decode()
    assert 'id="by-pickup-hour"' in html and 'data-lane="ZTO@HZ"' in html
    assert 'class="num cap cap-full">1<span class="muted">/1<' in html
    assert '<td class="nowrap pickup">18:00</td>' in html and '<td class="nowrap pickup">19:00</td>' in html
    panel = client.get(f"/allocation/runs/{run.pk}/orders/{first.pk}/", headers={"HX-Request": "true"})
    assert 'id="pickup-at"' in panel.content.decode()
    r = client.post("/allocation/plan/", {"pickup_start": "18:00"}, follow=True)
    assert "msg-error" in r.content.decode() and AllocationRun.objects.count() == 1
