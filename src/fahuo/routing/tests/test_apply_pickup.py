"""Applying a run gives the orders its pickup hours (``Order.pickup_at``), set-based."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fahuo.orders.models import Order
from fahuo.routing import services
from fahuo.routing.tests.test_pickup_window import H18, H19, cap, decisions, lane, plan


def hours() -> dict[int, object]:
    return dict(Order.objects.values_list("pk", "pickup_at"))


def test_apply_sets_the_pickup_hour_of_a_window_run_and_a_run_without_window_clears_it(world, owner):
    cap(world, "ZTO", world.hz, 10, 2)
    cap(world, "ZTO", world.gz, 10, 1)
    for _ in range(5):
        world.order("北京市")
    run = plan()
    planned = {d.order_id: d.pickup_at for d in decisions(run)}
    assert set(planned.values()) == {H18, H19}
    result = services.apply_run(run=run, user=owner)
    assert result.applied == 5
    assert hours() == planned
    # a second plan without a window, applied: the hours are cleared
    again = services.plan_allocation(orders=Order.objects.all())
    assert services.apply_run(run=again, user=owner).applied == 5
    assert set(hours().values()) == {None}


def test_an_override_that_changes_the_hour_is_what_apply_sets(world, owner):
    cap(world, "ZTO", world.hz, 10, 1)
    for _ in range(3):
        world.order("北京市")
    run = plan()
    late = next(d for d in decisions(run) if lane(d) == "ZTO@HZ" and d.pickup_at == H19)
    services.override(
        run=run, order_ids=[late.order_id], carrier=world.carriers["SF"], warehouse=world.hz, user=owner
    )
    services.apply_run(run=run, user=owner)
    order = Order.objects.get(pk=late.order_id)
    assert order.carrier is not None and (order.carrier.code, order.pickup_at) == (
        "SF",
        H18,
    )  # SF has no per-hour cap: its first hour


def test_apply_takes_the_same_queries_for_few_or_many_orders(world, owner):
    cap(world, "ZTO", world.hz, 100, 10)

    def queries(n: int) -> int:
        Order.objects.all().delete()
        for _ in range(n):
            world.order("北京市")
        run = plan()
        with CaptureQueriesContext(connection) as ctx:
            assert services.apply_run(run=run, user=owner).applied == n
        return len(ctx.captured_queries)

    few, many = queries(2), queries(25)
    assert few == many <= 10
    assert set(hours().values()) == {H18, H19}
