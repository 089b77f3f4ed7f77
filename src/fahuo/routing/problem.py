"""The allocation solver's data: a :class:`Problem` of plain arrays, the :class:`Solution`, the
per-order explanations, and the rule, reason and binding codes they carry. Pure and DB-free; split
from :mod:`fahuo.routing.solver`, which re-exports every name here."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
U8Array = npt.NDArray[np.uint8]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]

# --- rule codes -------------------------------------------------------------------------------
# A candidate (order, carrier, warehouse) is checked in this order; its code is the first check
# it fails (0 = allowed). An order without any feasible option is reported with the *largest*
# code among its candidates: the candidate that got furthest ("a lane, cold chain, insured, but
# over the weight limit" → weight).
RULE_OK = 0
RULE_WAREHOUSE = 1  # the order is fixed to another warehouse
RULE_NO_LANE = 2  # no rate row for carrier × origin province × destination province
RULE_COLD_CHAIN = 3  # trait "cold", carrier without cold chain
RULE_INSURANCE = 4  # trait "valuable", carrier without insurance
RULE_WEIGHT = 5  # billable weight over the carrier's max_weight_g
RULE_PROMISE = 6  # promise_hours < (pickup departure +) transit_hours
RULE_NAMES: tuple[str, ...] = ("", "warehouse", "no_lane", "cold_chain", "insurance", "weight", "promise")

REASON_CAPACITY = "capacity"  # had options, but the caps could not take it
REASON_STOCK = "stock"  # had options with room in the caps, but their warehouses' stock ran out
REASON_NO_OPTION = "no_option"  # no options, and the problem carries no candidate rules
UNSERVED_REASONS: tuple[str, ...] = (*RULE_NAMES[2:], REASON_CAPACITY, REASON_STOCK, REASON_NO_OPTION)

# Why an assigned order got its option rather than a cheaper candidate.
BINDING_CHEAPEST = "cheapest"  # no candidate, feasible or not, is cheaper
BINDING_CAPACITY = "capacity"  # a cheaper feasible option exists; its cap is full
BINDING_PROMISE = "promise"  # cheaper candidates are excluded, one of them by the promise
BINDING_RULE = "rule"  # cheaper candidates are excluded by warehouse/cold/insurance/weight

Method = Literal["auto", "flow", "lp", "mip"]


def _int64(value: object, name: str, shape: tuple[int, ...] | None = None) -> IntArray:
    arr = np.ascontiguousarray(value, dtype=np.int64)
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    return arr


def _limited(arr: IntArray | None) -> bool:
    return arr is not None and bool(np.any(arr >= 0))


@dataclass(frozen=True, eq=False)
class Problem:
    """An allocation instance as arrays.

    Options in COO form, one entry per feasible (order, carrier, warehouse[, slot]) with its
    price in fen, grouped by order (``opt_order`` non-decreasing). Caps: ``-1`` = no cap.

    ``candidate_price`` / ``candidate_rule`` (both ``(n, C, W)``) are optional explanation
    data: every carrier × warehouse's tariff price for every order (``-1``: no lane) and the
    rule excluding it (:data:`RULE_OK` when allowed). Without them unservable orders get reason
    ``no_option`` and explanations list the feasible options only.

    Stock (optional): ``stock`` (W, K) units each warehouse can give of SKU k in this run (-1 = no
    limit) and each order's demand as COO entries ``demand_order`` / ``demand_sku`` /
    ``demand_qty`` (one entry per order × SKU). An order takes its whole demand from the
    warehouse of its option; orders without entries draw no stock (e.g. a fixed warehouse).
    """

    order_ids: Sequence[str]
    carriers: Sequence[str]
    warehouses: Sequence[str]
    opt_order: IntArray
    opt_carrier: IntArray
    opt_warehouse: IntArray
    opt_cost: IntArray
    capacity: IntArray  # (C, W)
    opt_slot: IntArray | None = None  # (m,), -1 = not slot-bound; None = no slots at all
    slots: Sequence[str] = ()
    slot_capacity: IntArray | None = None  # (C, W, S)
    carrier_capacity: IntArray | None = None  # (C,)
    warehouse_capacity: IntArray | None = None  # (W,)
    candidate_price: IntArray | None = None  # (n, C, W)
    candidate_rule: U8Array | None = None  # (n, C, W)
    stock: IntArray | None = None  # (W, K), -1 = no limit
    demand_order: IntArray | None = None  # (d,)
    demand_sku: IntArray | None = None  # (d,)
    demand_qty: IntArray | None = None  # (d,)

    def __post_init__(self) -> None:
        n, nc, nw, ns = len(self.order_ids), len(self.carriers), len(self.warehouses), len(self.slots)
        m = len(self.opt_order)
        arrays: dict[str, object] = {
            "opt_order": _int64(self.opt_order, "opt_order", (m,)),
            "opt_carrier": _int64(self.opt_carrier, "opt_carrier", (m,)),
            "opt_warehouse": _int64(self.opt_warehouse, "opt_warehouse", (m,)),
            "opt_cost": _int64(self.opt_cost, "opt_cost", (m,)),
            "opt_slot": _int64(np.full(m, -1) if self.opt_slot is None else self.opt_slot, "opt_slot", (m,)),
            "capacity": _int64(self.capacity, "capacity", (nc, nw)),
        }
        for name, shape in (
            ("slot_capacity", (nc, nw, ns)),
            ("carrier_capacity", (nc,)),
            ("warehouse_capacity", (nw,)),
        ):
            value = getattr(self, name)
            arrays[name] = None if value is None else _int64(value, name, shape)
        for name, value in arrays.items():
            object.__setattr__(self, name, value)
        if m:
            if np.any(np.diff(self.opt_order) < 0):
                raise ValueError("options must be grouped by order (opt_order non-decreasing)")
            for name, hi in (("opt_order", n), ("opt_carrier", nc), ("opt_warehouse", nw), ("opt_slot", ns)):
                arr = getattr(self, name)
                if arr.min() < (-1 if name == "opt_slot" else 0) or arr.max() >= hi:
                    raise ValueError(f"{name} out of range")
            if self.opt_cost.min() < 0 or self.opt_cost.max() > np.iinfo(np.int32).max:
                raise ValueError("option costs must be between 0 and 2^31 fen")
        if (self.candidate_price is None) != (self.candidate_rule is None):
            raise ValueError("candidate_price and candidate_rule go together")
        if self.candidate_price is not None:
            object.__setattr__(
                self, "candidate_price", _int64(self.candidate_price, "candidate_price", (n, nc, nw))
            )
            rule = np.asarray(self.candidate_rule, dtype=np.uint8)
            if rule.shape != (n, nc, nw):
                raise ValueError(f"candidate_rule must have shape {(n, nc, nw)}")
            object.__setattr__(self, "candidate_rule", rule)
        self._check_stock(n, nw)

    def _check_stock(self, n: int, nw: int) -> None:
        demand = (self.demand_order, self.demand_sku, self.demand_qty)
        if self.stock is None:
            if any(a is not None for a in demand):
                raise ValueError("demand needs stock")
            return
        stock = np.ascontiguousarray(self.stock, dtype=np.int64)
        if stock.ndim != 2 or stock.shape[0] != nw:
            raise ValueError(f"stock must have shape ({nw}, K), got {stock.shape}")
        d = 0 if self.demand_order is None else len(self.demand_order)
        order, sku, qty = (_int64(np.zeros(0) if a is None else a, "demand", (d,)) for a in demand)
        if d:
            if order.min() < 0 or order.max() >= n or sku.min() < 0 or sku.max() >= stock.shape[1]:
                raise ValueError("demand out of range")
            if qty.min() < 1:
                raise ValueError("demand quantities must be at least 1")
            by = np.lexsort((sku, order))
            order, sku, qty = order[by], sku[by], qty[by]
            if np.any((np.diff(order) == 0) & (np.diff(sku) == 0)):
                raise ValueError("one demand entry per order and SKU")
        for name, value in (
            ("stock", stock),
            ("demand_order", order),
            ("demand_sku", sku),
            ("demand_qty", qty),
        ):
            object.__setattr__(self, name, value)

    @property
    def has_stock(self) -> bool:
        """Stock limits that some order's demand meets."""
        return (
            self.stock is not None
            and self.demand_order is not None
            and self.demand_order.shape[0] > 0
            and bool(np.any(self.stock >= 0))
        )

    @functools.cached_property
    def stock_may_bind(self) -> bool:
        """Some warehouse × SKU limit is below what the orders able to ship from there ask for.

        When not, the stock rows can never bind: the solver leaves them (and the demand in the
        class key) out, and the problem stays a min-cost flow.
        """
        if not self.has_stock:
            return False
        assert self.stock is not None and self.demand_order is not None
        assert self.demand_sku is not None and self.demand_qty is not None
        nw = self.stock.shape[0]
        reach = np.zeros((self.n_orders, nw), dtype=bool)
        reach[self.opt_order, self.opt_warehouse] = True
        reach_d = reach[self.demand_order]  # (d, W)
        most = np.zeros(self.stock.shape, dtype=np.int64)
        for w in range(nw):
            np.add.at(most[w], self.demand_sku[reach_d[:, w]], self.demand_qty[reach_d[:, w]])
        return bool(np.any((self.stock >= 0) & (most > self.stock)))

    @property
    def n_orders(self) -> int:
        return len(self.order_ids)

    @property
    def n_options(self) -> int:
        return int(self.opt_order.shape[0])

    @property
    def option_slot(self) -> IntArray:
        """Slot per option (-1 = not slot-bound); always an array after construction."""
        assert self.opt_slot is not None
        return self.opt_slot

    @property
    def laminar(self) -> bool:
        """True when the caps nest (flow-solvable): not both carrier and warehouse totals."""
        return not (_limited(self.carrier_capacity) and _limited(self.warehouse_capacity))


@dataclass(frozen=True, eq=False)
class Solution:
    """Per order: the chosen option (index into the problem's ``opt_*`` arrays) or -1.

    ``reason``: "" for assigned orders, one of :data:`UNSERVED_REASONS` otherwise.
    ``binding``: why the chosen option (``cheapest`` / ``capacity`` / ``promise`` / ``rule``),
    "" for unassigned orders.
    """

    option: IntArray
    carrier: IntArray
    warehouse: IntArray
    slot: IntArray
    cost_fen: IntArray
    reason: StrArray
    binding: StrArray
    total_fen: int
    served: int
    method: str
    n_classes: int
    seconds: float
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def unserved(self) -> int:
        return int(self.option.shape[0]) - self.served

    def reason_counts(self) -> dict[str, int]:
        values, counts = np.unique(self.reason[self.option < 0], return_counts=True)
        return {str(v): int(c) for v, c in zip(values, counts, strict=True)}


@dataclass(frozen=True)
class OptionExplanation:
    carrier: str
    warehouse: str
    slot: str | None
    price_fen: int | None  # None: no lane
    allowed: bool
    rule: str  # "" when allowed, else a RULE_NAMES entry
    full: bool  # a cap containing this option is exhausted in the solution
    chosen: bool


@dataclass(frozen=True)
class OrderExplanation:
    order_id: str
    carrier: str | None
    warehouse: str | None
    slot: str | None
    price_fen: int | None
    reason: str  # unserved reason, "" when assigned
    binding: str  # binding reason, "" when unassigned
    options: list[OptionExplanation]  # allowed first, then by price
