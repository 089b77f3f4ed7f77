"""Warehouses and the stock books: opening stock, adjustments, counts (盘点) and the movement ledger.

Every change of ``Stock.on_hand`` or ``Stock.reserved`` goes through :func:`move`, which writes one
:class:`StockMovement` row and refuses a change that would leave ``available = on_hand − reserved``
(or ``on_hand``/``reserved``) below zero. Reservations (orders holding units) live in
``fahuo.inventory.reservations``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.db import transaction
from django.db.models import F, Q, QuerySet

from fahuo.catalog.models import Sku
from fahuo.inventory.models import (
    MovementReason,
    Stock,
    StockCount,
    StockCountLine,
    StockMovement,
    Warehouse,
)
from fahuo.kit.errors import Conflict, InvalidInput, NotFound

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")
MAX_ROWS = 50_000


class StockShort(InvalidInput):
    """A change would leave available stock (on hand − reserved) below zero."""

    code = "stock_short"


# --- warehouses ----------------------------------------------------------------------------------


def create_warehouse(
    *,
    code: str,
    name: str,
    province: str,
    city: str,
    district: str = "",
    address: str = "",
    pickup_hours: str = "",
    packers: int = 0,
    packing_rate: int = 0,
) -> Warehouse:
    """A new warehouse; ``Conflict`` when the code is taken, ``InvalidInput`` for a bad field."""
    from fahuo.kit.address import resolve_region

    code = code.strip()
    if not CODE_RE.match(code):
        raise InvalidInput(f"仓库编码无效：{code!r}（字母、数字、-、_，最多 16 位）")
    if not name.strip():
        raise InvalidInput("仓库名称不能为空")
    if Warehouse.objects.filter(code=code).exists():
        raise Conflict(f"仓库编码已存在：{code}")
    region = resolve_region(province=province, city=city, district=district)
    # A warehouse may leave out its district (routing prices by province); a wrong one is an error.
    errors = [e for e in region.errors if district.strip() or "区县" not in e]
    if errors or not region.province or not region.city:
        problem = "；".join(errors) or f"{province} {city} {district}".strip()
        raise InvalidInput(f"无法识别仓库所在地区：{problem}")
    if packers < 0 or packing_rate < 0:
        raise InvalidInput("打包人数和打包效率不能为负数")
    return Warehouse.objects.create(
        code=code,
        name=name.strip()[:80],
        province=region.province,
        city=region.city,
        district=region.district or district.strip(),
        address=address.strip()[:200],
        pickup_hours=pickup_hours.strip()[:40],
        packers=packers,
        packing_rate=packing_rate,
    )


def get_warehouse(*, code: str) -> Warehouse:
    warehouse = Warehouse.objects.filter(code=code).first()
    if warehouse is None:
        codes = ", ".join(Warehouse.objects.values_list("code", flat=True)) or "（还没有仓库）"
        raise NotFound(f"仓库不存在：{code}。已有仓库：{codes}")
    return warehouse


# --- the books -----------------------------------------------------------------------------------


def locked_stock(*, warehouse_id: int, sku_ids: Iterable[int]) -> dict[int, Stock]:
    """The Stock rows of these SKUs in one warehouse, created if missing and locked (PostgreSQL)."""
    ids = sorted(set(sku_ids))
    have = set(
        Stock.objects.filter(warehouse_id=warehouse_id, sku_id__in=ids).values_list("sku_id", flat=True)
    )
    missing = [Stock(warehouse_id=warehouse_id, sku_id=s) for s in ids if s not in have]
    if missing:
        Stock.objects.bulk_create(missing, ignore_conflicts=True)
    rows = Stock.objects.select_for_update().filter(warehouse_id=warehouse_id, sku_id__in=ids).order_by("pk")
    return {row.sku_id: row for row in rows}


def change_stock(*, stock: Stock, on_hand_delta: int = 0, reserved_delta: int = 0) -> None:
    """Change one Stock row without a ledger row (the caller writes those); ``StockShort`` if
    anything would go below 0. The update is conditional in the database, so two writers can never
    both take the last unit."""
    condition = Q(pk=stock.pk)
    if on_hand_delta < 0 or reserved_delta > 0:
        # available after = on_hand + dh − reserved − dr ≥ 0
        condition &= Q(on_hand__gte=F("reserved") + reserved_delta - on_hand_delta)
    if on_hand_delta < 0:
        condition &= Q(on_hand__gte=-on_hand_delta)
    if reserved_delta < 0:
        condition &= Q(reserved__gte=-reserved_delta)
    updated = Stock.objects.filter(condition).update(
        on_hand=F("on_hand") + on_hand_delta, reserved=F("reserved") + reserved_delta
    )
    if not updated:
        stock.refresh_from_db()
        sku_code = Sku.objects.filter(pk=stock.sku_id).values_list("code", flat=True).first()
        raise StockShort(
            f"库存不足：{sku_code} 现有 {stock.on_hand}，已占用 {stock.reserved}，"
            f"可用 {stock.on_hand - stock.reserved}（变动 {on_hand_delta:+d}/占用 {reserved_delta:+d}）"
        )
    stock.on_hand += on_hand_delta
    stock.reserved += reserved_delta


def move(
    *,
    stock: Stock,
    on_hand_delta: int = 0,
    reserved_delta: int = 0,
    reason: str,
    note: str = "",
    order_id: int | None = None,
    user: Any = None,
) -> StockMovement:
    """Change one Stock row and write its ledger row; ``StockShort`` if anything would go below 0.

    The update is conditional in the database, so two writers can never both take the last unit.
    """
    change_stock(stock=stock, on_hand_delta=on_hand_delta, reserved_delta=reserved_delta)
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    return StockMovement.objects.create(
        warehouse_id=stock.warehouse_id,
        sku_id=stock.sku_id,
        on_hand_delta=on_hand_delta,
        reserved_delta=reserved_delta,
        reason=reason,
        note=note[:200],
        order_id=order_id,
        user_id=user_id,
    )


@transaction.atomic
def adjust_stock(*, warehouse: Warehouse, sku: Sku, delta: int, note: str, user: Any = None) -> StockMovement:
    """A manual adjustment (破损, 找到, 调拨 …): the reason is required."""
    if not note.strip():
        raise InvalidInput("库存调整必须填写原因")
    if delta == 0:
        raise InvalidInput("调整数量不能为 0")
    stock = locked_stock(warehouse_id=warehouse.pk, sku_ids=[sku.pk])[sku.pk]
    movement = move(
        stock=stock, on_hand_delta=delta, reason=MovementReason.ADJUST, note=note.strip(), user=user
    )
    _recheck_short_orders()
    return movement


# --- stock import (opening stock) ----------------------------------------------------------------


@dataclass(slots=True)
class RowProblem:
    row: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "reason": self.reason}


@dataclass(slots=True)
class StockImport:
    rows: int = 0  # rows applied
    changed: int = 0  # of which changed the books
    errors: list[RowProblem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "changed": self.changed, "errors": [e.as_dict() for e in self.errors]}


STOCK_COLUMNS = {
    "sku_code": ("sku_code", "sku", "商家编码", "商品编码", "sku编码"),
    "quantity": ("quantity", "qty", "on_hand", "数量", "库存", "在库数量"),
    "shelf": ("shelf", "location", "货位", "库位"),
}


def _int_cell(text: str, what: str) -> int:
    text = text.strip().replace(",", "")
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError(f"{what}不是整数：{text!r}")
    return int(text)


def read_quantities(
    *, fileobj: BinaryIO, filename: str
) -> tuple[dict[int, tuple[int, int, str]], list[RowProblem]]:
    """A (sku_code, quantity[, shelf]) file → ({SKU pk: (row, quantity, shelf)}, row problems)."""
    from fahuo.orders.formats import read_table

    table = read_table(fileobj=fileobj, filename=filename)
    cols = table.columns_of(STOCK_COLUMNS)
    missing = [k for k in ("sku_code", "quantity") if k not in cols]
    if missing:
        raise InvalidInput(f"缺少列：{', '.join(missing)}（需要 sku_code, quantity）")
    if len(table.rows) > MAX_ROWS:
        raise InvalidInput(f"行数超过 {MAX_ROWS}")
    errors: list[RowProblem] = []
    codes = {cells[cols["sku_code"]].strip() for _, cells in table.rows if cols["sku_code"] < len(cells)}
    skus = {s.code: s for s in Sku.objects.filter(code__in=codes)}
    wanted: dict[int, tuple[int, int, str]] = {}
    for number, cells in table.rows:

        def cell(key: str, cells: list[str] = cells) -> str:
            i = cols.get(key)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        code = cell("sku_code")
        sku = skus.get(code)
        if not code:
            errors.append(RowProblem(number, "缺少 sku_code"))
            continue
        if sku is None:
            errors.append(RowProblem(number, f"商品不存在：{code}（请先导入商品资料）"))
            continue
        try:
            quantity = _int_cell(cell("quantity"), "数量")
        except ValueError as exc:
            errors.append(RowProblem(number, str(exc)))
            continue
        if quantity < 0:
            errors.append(RowProblem(number, f"数量不能为负数：{quantity}"))
            continue
        if sku.pk in wanted:
            errors.append(RowProblem(number, f"SKU 重复：{code}，已在第 {wanted[sku.pk][0]} 行"))
            continue
        wanted[sku.pk] = (number, quantity, cell("shelf"))
    return wanted, errors


@transaction.atomic
def import_stock(*, fileobj: BinaryIO, filename: str, warehouse: Warehouse, user: Any = None) -> StockImport:
    """Set on-hand quantities from a file (sku_code, quantity[, shelf]); all rows or none.

    Importing the same file twice changes nothing the second time (quantities are absolute).
    """
    result = StockImport()
    wanted, result.errors = read_quantities(fileobj=fileobj, filename=filename)
    if result.errors:
        return result
    stock = locked_stock(warehouse_id=warehouse.pk, sku_ids=wanted)
    for sku_pk, (number, quantity, _shelf) in wanted.items():
        row = stock[sku_pk]
        if quantity < row.reserved:
            result.errors.append(RowProblem(number, f"数量 {quantity} 低于已被订单占用的 {row.reserved} 件"))
    if result.errors:
        return result
    for sku_pk, (_number, quantity, shelf) in wanted.items():
        row = stock[sku_pk]
        delta = quantity - row.on_hand
        if delta:
            first = not StockMovement.objects.filter(
                warehouse_id=row.warehouse_id, sku_id=row.sku_id
            ).exists()
            reason = MovementReason.OPENING if first else MovementReason.IMPORT
            move(stock=row, on_hand_delta=delta, reason=reason, note=filename[:200], user=user)
            result.changed += 1
        if shelf and shelf != row.location:
            Stock.objects.filter(pk=row.pk).update(location=shelf[:30])
        result.rows += 1
    _recheck_short_orders()
    return result


def import_count_file(
    *, fileobj: BinaryIO, filename: str, warehouse: Warehouse, user: Any = None
) -> StockCount:
    """A stock count from a file (sku_code, quantity); ``InvalidInput`` with the row problems."""
    wanted, errors = read_quantities(fileobj=fileobj, filename=filename)
    if errors:
        raise InvalidInput(
            "盘点文件有错误：" + "；".join(f"第 {e.row} 行 {e.reason}" for e in errors[:20]),
            detail=[e.as_dict() for e in errors],
        )
    return record_count(
        warehouse=warehouse, counted={s: q for s, (_r, q, _sh) in wanted.items()}, user=user, note=filename
    )


# --- counts (盘点) ---------------------------------------------------------------------------------


@transaction.atomic
def record_count(
    *, warehouse: Warehouse, counted: dict[int, int], user: Any = None, note: str = ""
) -> StockCount:
    """Record counted quantities (SKU pk → units); the books follow the count, variances kept."""
    if any(q < 0 for q in counted.values()):
        raise InvalidInput("盘点数量不能为负数")
    stock = locked_stock(warehouse_id=warehouse.pk, sku_ids=counted)
    short = [s for s, q in counted.items() if q < stock[s].reserved]
    if short:
        codes = dict(Sku.objects.filter(pk__in=short).values_list("pk", "code"))
        raise StockShort(
            "盘点数低于已被订单占用的数量："
            + "、".join(f"{codes[s]}（占用 {stock[s].reserved}）" for s in short)
        )
    count = StockCount.objects.create(
        warehouse=warehouse, user=user if _is_user(user) else None, note=note[:200]
    )
    lines = []
    for sku_pk, quantity in counted.items():
        row = stock[sku_pk]
        lines.append(StockCountLine(count=count, sku_id=sku_pk, expected=row.on_hand, counted=quantity))
        if quantity != row.on_hand:
            move(
                stock=row,
                on_hand_delta=quantity - row.on_hand,
                reason=MovementReason.COUNT,
                note=f"盘点 #{count.pk}",
                user=user,
            )
    StockCountLine.objects.bulk_create(lines)
    _recheck_short_orders()
    return count


def variance_report(*, count: StockCount) -> list[dict[str, Any]]:
    """The count's lines with a variance, largest first."""
    rows = [
        {
            "sku_code": line.sku.code,
            "name": line.sku.name,
            "expected": line.expected,
            "counted": line.counted,
            "variance": line.variance,
        }
        for line in count.lines.select_related("sku")
    ]
    return sorted((r for r in rows if r["variance"]), key=lambda r: (-abs(r["variance"]), r["sku_code"]))


def _is_user(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


# --- reads ---------------------------------------------------------------------------------------


def stock_rows(*, warehouse_code: str | None = None) -> QuerySet[Stock]:
    qs = Stock.objects.select_related("warehouse", "sku").order_by("warehouse__code", "sku__code")
    if warehouse_code:
        qs = qs.filter(warehouse=get_warehouse(code=warehouse_code))
    return qs


def stock_levels(*, warehouse_code: str | None = None) -> list[dict[str, Any]]:
    """``[{warehouse, sku_code, on_hand, reserved, available}]`` (the ``fahuo stock list`` shape)."""
    return [
        {
            "warehouse": s.warehouse.code,
            "sku_code": s.sku.code,
            "on_hand": s.on_hand,
            "reserved": s.reserved,
            "available": s.on_hand - s.reserved,
        }
        for s in stock_rows(warehouse_code=warehouse_code)
    ]


def ledger(*, warehouse: Warehouse | None = None, sku: Sku | None = None) -> QuerySet[StockMovement]:
    qs = StockMovement.objects.select_related("warehouse", "sku", "user")
    if warehouse is not None:
        qs = qs.filter(warehouse=warehouse)
    if sku is not None:
        qs = qs.filter(sku=sku)
    return qs


def _recheck_short_orders() -> None:
    from fahuo.inventory.reservations import retry_short_orders

    retry_short_orders()
