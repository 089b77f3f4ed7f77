"""Order intake: files (抖店 export, fahuo template) and API batches become verified orders, set-wise.

``create_orders`` is the one core both edges use: it skips orders the shop already has, verifies
every recipient, finds or creates customers and SKUs, and bulk-inserts orders and lines in batches,
so the number of queries depends on the number of batches, not of orders.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TypeVar

from django.db.models import F
from django.utils import timezone

from fahuo.catalog.models import Sku
from fahuo.kit.privacy import lookup_hash
from fahuo.orders.formats import (
    DOUYIN,
    LAYOUTS,
    CellError,
    Layout,
    detect_layout,
    parse_flag,
    parse_id,
    parse_int,
    parse_local_time,
    parse_quantity,
    parse_yuan,
    read_table,
)
from fahuo.orders.models import (
    Customer,
    ImportBatch,
    ImportRowError,
    Order,
    OrderLine,
    OrderStatus,
    Platform,
    Shop,
)
from fahuo.orders.services import apply_verification, customer_for, verify_recipient

CHUNK = 500  # ids per IN (...) query and rows per INSERT batch
CHANNELS = {"live": "live", "直播": "live", "private": "private", "私域": "private", "微信": "private"}
CHANNELS |= {"shelf": "shelf", "货架": "shelf", "商品卡": "shelf"}
# 抖店 order states that still need shipping; every other state (已发货, 已完成, 已关闭, 待支付,
# 部分发货 …) is skipped and counted.
SHIPPABLE_STATES = frozenset({"", "待发货", "备货中"})
# An after-sale cell means "nothing in progress" when empty/"-" or when the request ended.
_AFTER_SALE_NONE = frozenset({"", "-", "--", "无"})
_AFTER_SALE_ENDED = ("关闭", "撤销", "取消", "拒绝", "失败")

T = TypeVar("T")


# --- drafts: what an edge hands to the core ------------------------------------------------------


@dataclass(slots=True)
class LineDraft:
    line_id: str
    sku_code: str
    title: str
    quantity: int
    unit_price_fen: int
    spec: str = ""
    product_id: str = ""
    after_sale: str = ""


@dataclass(slots=True)
class OrderDraft:
    platform_order_id: str
    lines: list[LineDraft]
    name: str = ""
    phone: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    street: str = ""
    detail: str = ""
    raw_address: str = ""  # a whole pasted address; parsed when province/city/district are empty
    buyer_note: str = ""
    seller_note: str = ""
    total_fen: int | None = None  # None: the lines plus freight
    freight_fen: int = 0
    ordered_at: dt.datetime | None = None
    paid_at: dt.datetime | None = None
    promise_hours: int | None = None
    door_delivery: bool = False
    channel: str = ""
    influencer: str = ""


@dataclass(slots=True)
class Outcome:
    order: Order
    created: bool


@dataclass(slots=True)
class IntakeResult:
    outcomes: list[Outcome]
    lines_created: int = 0
    skus_created: int = 0

    @property
    def created(self) -> list[Order]:
        return [o.order for o in self.outcomes if o.created]

    @property
    def duplicates(self) -> int:
        return sum(1 for o in self.outcomes if not o.created)


def after_sale_in_progress(text: str) -> bool:
    text = (text or "").strip()
    return text not in _AFTER_SALE_NONE and not any(word in text for word in _AFTER_SALE_ENDED)


def default_channel(shop: Shop) -> str:
    return "private" if shop.platform == Platform.WECHAT else "live"


def chunked(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- the core ------------------------------------------------------------------------------------


def create_orders(
    *, shop: Shop, drafts: Sequence[OrderDraft], source: str, batch: ImportBatch | None = None
) -> IntakeResult:
    """Create the drafts the shop does not have yet (idempotent on platform order id), verified."""
    existing: dict[str, Order] = {}
    ids = [d.platform_order_id for d in drafts]
    for part in chunked(ids):
        for order in Order.objects.filter(shop=shop, platform_order_id__in=part):
            existing[order.platform_order_id] = order
    now = timezone.now()
    outcomes: list[Outcome] = []
    new: list[tuple[Order, OrderDraft]] = []
    for draft in drafts:
        known = existing.get(draft.platform_order_id)
        if known is not None:
            outcomes.append(Outcome(order=known, created=False))
            continue
        order = _build_order(shop=shop, draft=draft, source=source, batch=batch, now=now)
        existing[draft.platform_order_id] = order  # a repeated id in one batch is a duplicate
        outcomes.append(Outcome(order=order, created=True))
        new.append((order, draft))
    _attach_customers(shop=shop, orders=[o for o, _ in new])
    skus, skus_created = _skus_for([line for _, d in new for line in d.lines])
    Order.objects.bulk_create([o for o, _ in new], batch_size=CHUNK)
    lines = [
        OrderLine(
            order=order,
            platform_line_id=line.line_id,
            sku=skus.get(line.sku_code),
            sku_code=line.sku_code,
            title=line.title[:200],
            spec=line.spec[:200],
            quantity=line.quantity,
            unit_price_fen=line.unit_price_fen,
            after_sale=line.after_sale[:40],
        )
        for order, draft in new
        for line in draft.lines
    ]
    OrderLine.objects.bulk_create(lines, batch_size=CHUNK)
    return IntakeResult(outcomes=outcomes, lines_created=len(lines), skus_created=skus_created)


def _build_order(
    *, shop: Shop, draft: OrderDraft, source: str, batch: ImportBatch | None, now: dt.datetime
) -> Order:
    verification = verify_recipient(
        name=draft.name,
        phone=draft.phone,
        province=draft.province,
        city=draft.city,
        district=draft.district,
        street=draft.street,
        detail=draft.detail,
        raw_address=draft.raw_address,
    )
    paid_at = draft.paid_at or draft.ordered_at or now
    total = draft.total_fen
    if total is None:
        total = sum(line.quantity * line.unit_price_fen for line in draft.lines) + draft.freight_fen
    order = Order(
        shop=shop,
        platform_order_id=draft.platform_order_id,
        status=OrderStatus.READY,
        source=source,
        channel=draft.channel or default_channel(shop),
        buyer_note=draft.buyer_note[:500],
        seller_note=draft.seller_note[:500],
        total_fen=total,
        freight_paid_fen=draft.freight_fen,
        ordered_at=draft.ordered_at,
        paid_at=paid_at,
        ship_by=paid_at + dt.timedelta(hours=draft.promise_hours or shop.default_ship_hours),
        promise_hours=draft.promise_hours,
        door_delivery=draft.door_delivery,
        influencer=draft.influencer[:80],
        import_batch=batch,
    )
    apply_verification(order=order, verification=verification, street=draft.street[:60])
    refunds = [line for line in draft.lines if after_sale_in_progress(line.after_sale)]
    if refunds:
        ids = "、".join(line.line_id for line in refunds)
        order.review_reasons = [
            *order.review_reasons,
            {
                "code": "after_sale",
                "message": f"售后处理中 (after_sale): 子订单 {ids} 有进行中的售后/退款，请确认后再发货",
            },
        ]
        order.status = OrderStatus.NEEDS_REVIEW
    return order


def _attach_customers(*, shop: Shop, orders: list[Order]) -> None:
    """One customer per (shop, phone hash): fetch the known ones, bulk-create the rest, link them."""
    wanted: dict[str, Order] = {}
    for order in orders:
        if order.recipient_phone and not any(r["code"] == "phone" for r in order.review_reasons):
            wanted.setdefault(lookup_hash(order.recipient_phone), order)
    cache: dict[str, Customer] = {}
    for part in chunked(list(wanted)):
        for customer in Customer.objects.filter(shop=shop, phone_hash__in=part):
            cache[customer.phone_hash] = customer
    missing = [
        Customer(shop=shop, phone_hash=key, name=o.recipient_name, phone=o.recipient_phone)
        for key, o in wanted.items()
        if key not in cache
    ]
    Customer.objects.bulk_create(missing, batch_size=CHUNK)
    if any(c.pk is None for c in missing):  # backends that cannot return ids from a bulk insert
        for part in chunked([c.phone_hash for c in missing]):
            for customer in Customer.objects.filter(shop=shop, phone_hash__in=part):
                cache[customer.phone_hash] = customer
    else:
        cache.update((c.phone_hash, c) for c in missing)
    counts: dict[int, int] = defaultdict(int)
    for order in orders:
        if order.recipient_phone and not any(r["code"] == "phone" for r in order.review_reasons):
            # every key is in the cache by now, so customer_for makes no query
            order.customer = customer_for(
                shop=shop, name=order.recipient_name, phone=order.recipient_phone, cache=cache
            )
            if order.customer is not None:
                counts[order.customer.pk] += 1
    # One UPDATE per distinct increment (almost always just 1 and 2), not one per customer.
    by_increment: dict[int, list[int]] = defaultdict(list)
    for pk, n in counts.items():
        by_increment[n].append(pk)
    for n, pks in by_increment.items():
        for pk_part in chunked(pks):
            Customer.objects.filter(pk__in=pk_part).update(orders_count=F("orders_count") + n)


def _skus_for(lines: Iterable[LineDraft]) -> tuple[dict[str, Sku], int]:
    """The catalog SKUs for these seller codes; unknown codes are created (weight unknown)."""
    first: dict[str, LineDraft] = {}
    for line in lines:
        if line.sku_code:
            first.setdefault(line.sku_code, line)
    skus: dict[str, Sku] = {}
    for part in chunked(list(first)):
        skus.update((s.code, s) for s in Sku.objects.filter(code__in=part))
    missing = [
        Sku(code=code, name=line.title[:200], spec=line.spec[:200], platform_product_id=line.product_id[:64])
        for code, line in first.items()
        if code not in skus
    ]
    Sku.objects.bulk_create(missing, batch_size=CHUNK)
    if any(s.pk is None for s in missing):
        for part in chunked([s.code for s in missing]):
            skus.update((s.code, s) for s in Sku.objects.filter(code__in=part))
    else:
        skus.update((s.code, s) for s in missing)
    return skus, len(missing)


# --- files ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    reason: str


@dataclass(slots=True)
class ImportReport:
    orders_created: int = 0
    order_lines: int = 0
    needs_review: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    skipped: int = 0  # orders no longer waiting to ship (已发货, 已关闭 …): not imported
    skus_created: int = 0
    file_format: str = ""
    batch_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "orders_created": self.orders_created,
            "order_lines": self.order_lines,
            "needs_review": self.needs_review,
            "duplicates": self.duplicates,
            "errors": [{"row": e.row, "reason": e.reason} for e in self.errors],
        }


@dataclass(slots=True)
class _Row:
    number: int
    values: dict[str, str]  # field -> text
    cells: list[str]
    order_id: str = ""
    line: LineDraft | None = None  # None when the row cannot be read
    error: str = ""


def import_orders_file(*, fileobj: BinaryIO, filename: str, shop: Shop, user: Any = None) -> ImportReport:
    """Import a 抖店 order export or a fahuo template (CSV or XLSX) into ``shop``; see docs/import.md."""
    table = read_table(fileobj=fileobj, filename=filename)
    layout, positions = detect_layout(table.header)
    rows = [_read_row(layout, positions, number, cells) for number, cells in table.rows]
    drafts, failed, skipped = _drafts_from_rows(layout, rows)
    batch = ImportBatch.objects.create(
        shop=shop, filename=filename[:255], file_format=layout.key, created_by=_user_or_none(user)
    )
    result = create_orders(shop=shop, drafts=drafts, source="import", batch=batch)
    ImportRowError.objects.bulk_create(
        [
            ImportRowError(
                batch=batch,
                row_number=r.number,
                reason=r.error[:300],
                raw=_raw_json(table.header, r.cells),
            )
            for r in failed
        ],
        batch_size=CHUNK,
    )
    created = result.created
    report = ImportReport(
        orders_created=len(created),
        order_lines=result.lines_created,
        needs_review=sum(1 for o in created if o.status == OrderStatus.NEEDS_REVIEW),
        duplicates=result.duplicates,
        errors=[RowError(row=r.number, reason=r.error) for r in failed],
        skipped=skipped,
        skus_created=result.skus_created,
        file_format=layout.key,
        batch_id=batch.pk,
    )
    batch.orders_created = report.orders_created
    batch.order_lines = report.order_lines
    batch.needs_review = report.needs_review
    batch.duplicates = report.duplicates
    batch.error_count = len(report.errors)
    batch.save(update_fields=["orders_created", "order_lines", "needs_review", "duplicates", "error_count"])
    resolve_row_errors(
        shop=shop, order_ids={o.order.platform_order_id for o in result.outcomes}, exclude_batch=batch
    )
    return report


def _drafts_from_rows(layout: Layout, rows: list[_Row]) -> tuple[list[OrderDraft], list[_Row], int]:
    """Group rows into orders: (drafts, rejected rows sorted by number, orders skipped by state)."""
    groups: dict[str, list[_Row]] = {}
    failed: list[_Row] = []
    for row in rows:
        if row.order_id:
            groups.setdefault(row.order_id, []).append(row)
        else:
            failed.append(row)
    drafts: list[OrderDraft] = []
    skipped = 0
    for order_id, group in groups.items():
        bad = [r for r in group if r.line is None]
        if bad:
            # Hold the whole order back: importing part of it would make the fixed row a
            # "duplicate" on re-import, and its line would never arrive.
            where = "、".join(f"第 {r.number} 行" for r in bad)
            for r in group:
                r.error = r.error or f"订单 {order_id} 的{where}无法读取，整单未导入"
            failed.extend(group)
            continue
        seen: dict[str, int] = {}
        for n, r in enumerate(group, start=1):
            assert r.line is not None
            r.line.line_id = r.line.line_id or str(n)
            if r.line.line_id in seen:
                r.error = f"子订单编号与第 {seen[r.line.line_id]} 行重复，此行未导入"
                failed.append(r)
            else:
                seen[r.line.line_id] = r.number
        if group[0].values.get("platform_status", "") not in SHIPPABLE_STATES:
            skipped += 1
            continue
        drafts.append(_draft(layout, order_id, [r for r in group if not r.error]))
    failed.sort(key=lambda r: r.number)
    return drafts, failed, skipped


def resolve_row_errors(*, shop: Shop, order_ids: set[str], exclude_batch: ImportBatch | None = None) -> int:
    """Mark earlier rejected rows resolved once their order exists (it was fixed and re-imported)."""
    if not order_ids:
        return 0
    titles = {layout.key: _order_id_titles(layout) for layout in LAYOUTS}
    done: list[int] = []
    pending = ImportRowError.objects.filter(batch__shop=shop, resolved=False).select_related("batch")
    if exclude_batch is not None:
        pending = pending.exclude(batch=exclude_batch)
    for err in pending.only("id", "raw", "batch__file_format"):
        try:
            raw = json.loads(err.raw)
        except ValueError:
            continue
        for title in titles.get(err.batch.file_format, ()):
            value = str(raw.get(title, "")).strip() if isinstance(raw, dict) else ""
            if value and value in order_ids:
                done.append(err.pk)
                break
    for part in chunked(done):
        ImportRowError.objects.filter(pk__in=part).update(resolved=True)
    return len(done)


def _order_id_titles(layout: Layout) -> tuple[str, ...]:
    col = next(c for c in layout.columns if c.field == "order_id")
    return (col.label, *col.aliases)


def _raw_json(header: list[str], cells: list[str]) -> str:
    """The row's cells by column title, as the seller sees them, for correction and re-import."""
    raw = {title or f"列{i + 1}": cells[i] if i < len(cells) else "" for i, title in enumerate(header)}
    raw.update((f"列{i + 1}", cell) for i, cell in enumerate(cells) if i >= len(header) and cell)
    return json.dumps(raw, ensure_ascii=False)


def _user_or_none(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _read_row(layout: Layout, positions: dict[str, int], number: int, cells: list[str]) -> _Row:
    values = {f: (cells[i].strip() if i < len(cells) else "") for f, i in positions.items()}
    row = _Row(number=number, values=values, cells=cells)
    order_label = next(c.label for c in layout.columns if c.field == "order_id")
    try:
        row.order_id = parse_id(values.get("order_id", ""), order_label)
        if not row.order_id:
            raise CellError(f"{order_label}为空")
        row.line = _read_line(layout, values)
    except CellError as exc:
        row.line = None
        row.error = str(exc)
    return row


def _read_line(layout: Layout, values: dict[str, str]) -> LineDraft:
    title = values.get("title", "")
    if not title and not values.get("sku_code"):
        raise CellError("商品名称为空")
    line = LineDraft(
        line_id=parse_id(values.get("line_id", ""), "子订单编号"),
        sku_code=values.get("sku_code", "")[:64],
        title=title or values.get("sku_code", ""),
        spec=values.get("spec", ""),
        quantity=parse_quantity(values.get("quantity", "")),
        unit_price_fen=parse_yuan(
            values.get("unit_price", ""), "商品单价", default=None if layout is DOUYIN else 0
        ),
        product_id=values.get("product_id", ""),
        after_sale=values.get("after_sale", ""),
    )
    # Order-level cells repeat on every row; checking them on each row names the right row.
    for key, what in (("order_total", "订单应付金额"), ("freight", "运费")):
        parse_yuan(values.get(key, ""), what, default=0)
    for key, what in (("ordered_at", "订单提交时间"), ("paid_at", "支付完成时间")):
        parse_local_time(values.get(key, ""), what)
    parse_int(values.get("promise_hours", ""), "promise_hours（承诺发货小时）")
    channel = values.get("channel", "").lower()
    if channel and channel not in CHANNELS:
        raise CellError(f"渠道「{channel[:10]}」无效（应为 live / private / shelf）")
    return line


def _draft(layout: Layout, order_id: str, rows: list[_Row]) -> OrderDraft:
    """One order from its rows (all readable); order-level values come from the first row."""
    first = rows[0].values
    lines = [row.line for row in rows if row.line is not None]
    address = first.get("address", "")
    region_given = any(first.get(k) for k in ("province", "city", "district"))
    total_text = first.get("order_total", "")
    channel = CHANNELS.get(first.get("channel", "").lower(), "")
    if not channel and layout is DOUYIN:
        channel = "live" if first.get("influencer") else "shelf"
    return OrderDraft(
        platform_order_id=order_id,
        lines=lines,
        name=first.get("name", ""),
        phone=first.get("phone", ""),
        province=first.get("province", ""),
        city=first.get("city", ""),
        district=first.get("district", ""),
        street=first.get("street", ""),
        detail=first.get("detail", "") or (address if region_given else ""),
        raw_address="" if region_given else address,
        buyer_note=_joined(r.values.get("buyer_note", "") for r in rows),
        seller_note=_joined(r.values.get("seller_note", "") for r in rows),
        total_fen=parse_yuan(total_text, "订单应付金额") if total_text else None,
        freight_fen=parse_yuan(first.get("freight", ""), "运费", default=0),
        ordered_at=parse_local_time(first.get("ordered_at", ""), "订单提交时间"),
        paid_at=parse_local_time(first.get("paid_at", ""), "支付完成时间"),
        promise_hours=parse_int(first.get("promise_hours", ""), "promise_hours"),
        door_delivery=parse_flag(first.get("door_delivery", "")),
        channel=channel,
        influencer=first.get("influencer", ""),
    )


def _joined(notes: Iterable[str]) -> str:
    """The distinct non-empty notes of an order's rows (抖店 repeats or splits them per 子订单)."""
    seen: list[str] = []
    for note in notes:
        note = note.strip()
        if note and note not in ("-", "--") and note not in seen:
            seen.append(note)
    return "；".join(seen)
