"""Order intake: files (抖店 export, fahuo template) and API batches become verified orders, set-wise.

``create_orders`` is the one core both edges use: it skips orders the shop already has, verifies
every recipient, finds or creates customers and SKUs, and bulk-inserts orders and lines in batches,
so the number of queries depends on the number of batches, not of orders.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.utils import timezone

from fahuo.catalog.models import Sku
from fahuo.kit.bulk import CHUNK, bulk_insert, chunked
from fahuo.orders.exports import WITHHELD_REASONS, after_sale_state, withheld
from fahuo.orders.models import (
    ImportBatch,
    Order,
    OrderLine,
    OrderStatus,
    Platform,
    Shop,
)
from fahuo.orders.services import (
    Verification,
    apply_verification,
    attach_customers,
    recipient_fields,
    verify_recipient,
)

CHANNELS = {"live": "live", "直播": "live", "private": "private", "私域": "private", "微信": "private"}
CHANNELS |= {"shelf": "shelf", "货架": "shelf", "商品卡": "shelf"}
Progress = Callable[[str, int, int], None]  # (step: read / verify / write, done, total)
PROGRESS_EVERY = 2000  # orders between two progress reports


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
    ship_by: dt.datetime | None = None  # the platform's own deadline (承诺发货时间); else paid + hours
    withheld: str = ""  # "encrypted" / "masked": the receiver was not exported in clear (not stored)
    reasons: list[dict[str, str]] = field(default_factory=list)  # other reasons to hold the order
    shipped_elsewhere: bool = False  # already carries a waybill from elsewhere: kept, not printed
    address_changed: bool = False  # 是否修改过地址=是: a known order's address is verified again


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
    """A request still open (退款中, 待退货 …); 退款成功, 换货成功, 补寄成功, 售后关闭 … are finished."""
    return after_sale_state(text) == "open"


def default_channel(shop: Shop) -> str:
    return "private" if shop.platform == Platform.WECHAT else "live"


# --- the core ------------------------------------------------------------------------------------


def create_orders(
    *,
    shop: Shop,
    drafts: Sequence[OrderDraft],
    source: str,
    batch: ImportBatch | None = None,
    on_progress: Progress | None = None,
) -> IntakeResult:
    """Create the drafts the shop does not have yet (idempotent on platform order id), verified."""
    prepared = prepare_orders(shop=shop, drafts=drafts, source=source, batch=batch, on_progress=on_progress)
    result = write_orders(prepared, recheck=False)
    if on_progress is not None:
        on_progress("write", len(result.created), len(result.created))
    return result


@dataclass(slots=True)
class Prepared:
    """Drafts checked and built into unsaved orders; nothing written yet (``write_orders`` does)."""

    shop: Shop
    outcomes: list[Outcome]
    new: list[tuple[Order, OrderDraft]]


def prepare_orders(
    *,
    shop: Shop,
    drafts: Sequence[OrderDraft],
    source: str,
    batch: ImportBatch | None = None,
    on_progress: Progress | None = None,
) -> Prepared:
    """Look up the orders the shop already has and verify and build the others: reads only, so a
    chunked import does this CPU-heavy part outside its short write transaction."""
    existing: dict[str, Order] = {}
    ids = [d.platform_order_id for d in drafts]
    for part in chunked(ids):
        for order in Order.objects.filter(shop=shop, platform_order_id__in=part):
            existing[order.platform_order_id] = order
    now = timezone.now()
    outcomes: list[Outcome] = []
    new: list[tuple[Order, OrderDraft]] = []
    for done, draft in enumerate(drafts, 1):
        if on_progress is not None and (done % PROGRESS_EVERY == 0 or done == len(drafts)):
            on_progress("verify", done, len(drafts))
        known = existing.get(draft.platform_order_id)
        if known is not None:
            outcomes.append(Outcome(order=known, created=False))
            continue
        order = _build_order(shop=shop, draft=draft, source=source, batch=batch, now=now)
        existing[draft.platform_order_id] = order  # a repeated id in one batch is a duplicate
        outcomes.append(Outcome(order=order, created=True))
        new.append((order, draft))
    return Prepared(shop=shop, outcomes=outcomes, new=new)


def write_orders(prepared: Prepared, *, recheck: bool = True) -> IntakeResult:
    """Insert the prepared new orders, their customers, SKUs and lines, and reserve their stock.

    ``recheck``: orders another writer created since ``prepare_orders`` looked are duplicates, not
    inserted (run it inside the write transaction)."""
    shop, outcomes, new = prepared.shop, prepared.outcomes, prepared.new
    if recheck and new:
        taken: dict[str, Order] = {}
        for part in chunked([o.platform_order_id for o, _ in new]):
            taken.update(
                (o.platform_order_id, o) for o in Order.objects.filter(shop=shop, platform_order_id__in=part)
            )
        if taken:
            new = [(o, d) for o, d in new if o.platform_order_id not in taken]
            outcomes = [
                Outcome(order=taken[o.order.platform_order_id], created=False)
                if o.created and o.order.platform_order_id in taken
                else o
                for o in outcomes
            ]
    attach_customers(shop=shop, orders=[o for o, _ in new])
    skus, skus_created = _skus_for([line for _, d in new for line in d.lines])
    bulk_insert([o for o, _ in new])
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
    bulk_insert(lines, return_ids=False)
    # Reserve stock for the new orders; those no warehouse can cover are flagged 缺货 (needs review).
    from fahuo.inventory.reservations import reserve_orders

    reserve_orders(orders=[o for o, _ in new])
    return IntakeResult(outcomes=outcomes, lines_created=len(lines), skus_created=skus_created)


def verify_draft(draft: OrderDraft, *, raw_address: str = "") -> Verification:
    """``verify_recipient`` on a draft's recipient (the raw address only where the edge parses it)."""
    return verify_recipient(**recipient_fields(draft), raw_address=raw_address)


def _build_order(
    *, shop: Shop, draft: OrderDraft, source: str, batch: ImportBatch | None, now: dt.datetime
) -> Order:
    # Every edge (file, API, push) is checked: platform ciphertext or a masked receiver is never kept.
    found = withheld(name=draft.name, phone=draft.phone, detail=f"{draft.detail}{draft.raw_address}")
    if found and not draft.withheld:
        draft.withheld = found
        draft.name = draft.phone = draft.detail = draft.raw_address = ""
    verification = verify_draft(draft, raw_address=draft.raw_address)
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
        ship_by=draft.ship_by or paid_at + dt.timedelta(hours=draft.promise_hours or shop.default_ship_hours),
        promise_hours=draft.promise_hours,
        door_delivery=draft.door_delivery,
        influencer=draft.influencer[:80],
        import_batch=batch,
    )
    apply_verification(order=order, verification=verification, street=draft.street[:60])
    hold_reasons = list(draft.reasons)
    if draft.withheld:
        # Nothing of a ciphertext or masked receiver is kept, so nothing of it can reach a label;
        # the fields it left empty are not "wrong" (the region, exported in clear, still counts).
        order.recipient_name = order.recipient_phone = order.address_detail = ""
        order.review_reasons = [
            r
            for r in order.review_reasons
            if r["code"] not in ("name", "phone") and r["message"] != "详细地址为空"
        ]
        hold_reasons.insert(0, {"code": draft.withheld, "message": WITHHELD_REASONS[draft.withheld]})
    if hold_reasons:
        order.review_reasons = [*hold_reasons, *order.review_reasons]
        order.status = OrderStatus.NEEDS_REVIEW
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
    if draft.shipped_elsewhere:
        order.status = OrderStatus.SHIPPED
    return order


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


# --- files (the file import lives in file_import; its names stay importable from here) ------------

from fahuo.orders.file_import import (  # noqa: E402  (file_import builds on the core above)
    ImportReport,
    RowError,
    resolve_row_errors,
)


def import_orders_file(
    *, fileobj: BinaryIO, filename: str, shop: Shop, user: Any = None, on_progress: Progress | None = None
) -> ImportReport:
    """Import an order file in this process, in short chunked transactions (``import_runs``)."""
    from fahuo.orders.import_runs import import_orders_file as run_inline

    return run_inline(fileobj=fileobj, filename=filename, shop=shop, user=user, on_progress=on_progress)


__all__ = [
    "ImportReport",
    "IntakeResult",
    "LineDraft",
    "OrderDraft",
    "Prepared",
    "RowError",
    "create_orders",
    "import_orders_file",
    "prepare_orders",
    "resolve_row_errors",
    "write_orders",
]
