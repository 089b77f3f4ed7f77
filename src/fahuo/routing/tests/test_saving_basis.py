"""The saving against cheapest-first compares one order set (issue #18: ``saving_pct: -235.5``)."""

from __future__ import annotations

import numpy as np

from fahuo.routing.plan_summary import common_set as _common_set
from fahuo.routing.services import saving_figures


def test_plans_serving_different_orders_are_compared_over_the_orders_both_serve() -> None:
    real = np.array([500, 300, 800, 400])  # price of option 0..3
    best = np.array([1, 3, 2, -1])  # the optimiser serves orders 0-2 (more orders, more money)
    greedy = np.array([0, 1, -1, -1])  # cheapest-first serves orders 0-1 only
    common = _common_set(real, best, greedy)
    assert common == {"common_orders": 2, "common_total_fen": 700, "common_greedy_fen": 800}
    f = saving_figures(total_fen=1500, greedy_fen=800, served=3, greedy_served=2, common=common)
    # Over all orders the optimiser "loses" 700 fen (-87.5 %) only because it ships one more order.
    assert f["saving_fen"] == 100 and f["saving_pct"] == 12.5
    assert "served by both plans (2)" in f["saving_basis"] and "served 3 vs 2" in f["saving_basis"]


def test_the_same_order_set_compares_the_totals() -> None:
    f = saving_figures(total_fen=900, greedy_fen=1000, served=2, greedy_served=2, common={})
    assert (f["saving_fen"], f["saving_pct"], f["saving_basis"]) == (100, 10.0, "all orders (same order set)")
