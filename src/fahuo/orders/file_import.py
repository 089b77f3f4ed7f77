"""Order files (抖店 exports of both generations and layouts, the fahuo template) into orders.

The rows of one file become order drafts for the intake core (``importing.create_orders``). What a
row means follows the export's own rules (``exports``): status, after-sale, amounts and deadlines
are per 子订单; a 子订单 that is closed or refunded is not a line to ship while its sibling is; an
encrypted or masked receiver is held, never stored. Every order left out or held is in the report
with its reason; every unreadable cell is named by file, row and column.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from fahuo.kit.bulk import chunked
from fahuo.kit.errors import InvalidInput
from fahuo.orders import exports
from fahuo.orders.exports import Recognition, Skip
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
)
from fahuo.orders.importing import CHANNELS, LineDraft, OrderDraft, verify_draft
from fahuo.orders.models import ImportBatch, ImportRowError, Order, OrderStatus, Shop
from fahuo.orders.services import apply_verification


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    reason: str
    column: str = ""  # the column title as the file spells it; "" when the row as a whole is at fault
    file: str = ""


@dataclass(frozen=True, slots=True)
class Held:
    """An order imported but held (待审核), with every reason, as the seller reads them."""

    order_id: str
    reasons: list[str]


@dataclass(slots=True)
class ImportReport:
    orders_created: int = 0
    order_lines: int = 0
    needs_review: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    skipped: int = 0  # whole orders not imported because nothing in them is to ship
    skus_created: int = 0
    file_format: str = ""
    batch_id: int | None = None
    filename: str = ""
    recognised: str = ""  # 识别为：抖店订单导出（75 列，商品维度）
    skipped_orders: list[Skip] = field(default_factory=list)  # orders and 子订单 left out, with reasons
    held: list[Held] = field(default_factory=list)
    shipped_elsewhere: list[str] = field(default_factory=list)  # kept as 已发货: a waybill exists
    address_reverified: list[dict[str, Any]] = field(default_factory=list)  # known orders, new address

    def as_dict(self) -> dict[str, Any]:
        return {
            "orders_created": self.orders_created,
            "order_lines": self.order_lines,
            "needs_review": self.needs_review,
            "duplicates": self.duplicates,
            "errors": [self._error(e) for e in self.errors],
            "file": self.filename,
            "recognised": self.recognised,
            "skipped": [s.as_dict() for s in self.skipped_orders],
            "held": [{"order_id": h.order_id, "reasons": h.reasons} for h in self.held],
            "shipped_elsewhere": self.shipped_elsewhere,
            "address_reverified": self.address_reverified,
        }

    def _error(self, e: RowError) -> dict[str, Any]:
        out: dict[str, Any] = {"row": e.row, "column": e.column, "reason": e.reason}
        if e.file and e.file != self.filename:
            out["file"] = e.file  # a part of a .zip
        return out

    def summary(self) -> dict[str, Any]:
        """What the desk's report page shows besides the counts (kept on the ImportBatch)."""
        data = self.as_dict()
        return {
            k: data[k] for k in ("recognised", "skipped", "held", "shipped_elsewhere", "address_reverified")
        }


@dataclass(slots=True)
class _Row:
    file: str
    number: int
    values: dict[str, str]  # field -> cleaned text
    cells: list[str]
    order_id: str = ""
    lines: list[LineDraft] = field(default_factory=list)
    readable: bool = True
    error: str = ""
    column: str = ""  # the title of the cell at fault


@dataclass(slots=True)
class Parsed:
    """A file read and recognised (no database touched): what a run plans its orders from."""

    sheet: exports.Sheet
    layout: Layout
    positions: dict[str, int]
    recognition: Recognition

    @property
    def rows(self) -> int:
        return len(self.sheet.rows)


def read_file(*, fileobj: BinaryIO, filename: str) -> Parsed:
    """Read and recognise an order file, or refuse it with a sentence (InvalidInput and kin)."""
    sheet = exports.read_export(fileobj=fileobj, filename=filename)
    exports.refuse_other_exports(sheet.header, filename)
    try:
        layout, positions = detect_layout(sheet.header)
    except InvalidInput as exc:
        raise InvalidInput(f"{filename}：{exc.message}", detail=exc.detail) from None
    recognition = exports.recognise(sheet=sheet, layout=layout, positions=positions)
    if not sheet.rows:
        raise InvalidInput(
            f"{filename}：{recognition.sentence}，但只有表头、没有订单行（所选时间段内没有订单？）。未导入任何订单"
        )
    return Parsed(sheet=sheet, layout=layout, positions=positions, recognition=recognition)


@dataclass(slots=True)
class Planned:
    """The file's orders as drafts (in file order), its unreadable rows and what it leaves out."""

    parsed: Parsed
    plan: _Plan

    @property
    def drafts(self) -> list[OrderDraft]:
        return self.plan.drafts

    def row_errors(self, batch: ImportBatch) -> list[ImportRowError]:
        header = self.parsed.sheet.header
        return [
            ImportRowError(
                batch=batch, row_number=r.number, reason=_row_reason(r)[:300], raw=_raw_json(header, r.cells)
            )
            for r in self.plan.failed
        ]

    def errors(self) -> list[RowError]:
        return [
            RowError(row=r.number, reason=r.error, column=r.column, file=r.file) for r in self.plan.failed
        ]


def plan_file(parsed: Parsed) -> Planned:
    """Group the file's rows into order drafts; deterministic, so a resumed run plans the same."""
    layout, positions, sheet = parsed.layout, parsed.positions, parsed.sheet
    titles = {f: sheet.header[i].strip() for f, i in positions.items()}
    rows = [_read_row(layout, positions, titles, file, number, cells) for file, number, cells in sheet.rows]
    return Planned(parsed=parsed, plan=_plan(layout, rows, per_line=parsed.recognition.full_export))


def held_of(order_id: str, review_reasons: list[dict[str, Any]] | None) -> Held:
    return Held(order_id=order_id, reasons=[str(r.get("message", "")) for r in review_reasons or []])


def _messages(order: Order) -> list[str]:
    return [str(r.get("message", "")) for r in order.review_reasons or []]


def _row_reason(row: _Row) -> str:
    return f"「{row.column}」列：{row.error}" if row.column else row.error


def reverify_changed_addresses(drafts: list[OrderDraft], outcomes: list[Any], report: ImportReport) -> None:
    """A known order whose address the buyer changed (是否修改过地址=是) is verified again on the new one."""
    for draft, outcome in zip(drafts, outcomes, strict=True):
        if outcome.created or not draft.address_changed or draft.withheld:
            continue
        order: Order = outcome.order
        verification = verify_draft(draft)
        same = (order.province, order.city, order.district, order.address_detail, order.recipient_phone) == (
            verification.province,
            verification.city,
            verification.district,
            verification.detail,
            verification.phone,
        )
        if same:
            continue
        if order.status not in (OrderStatus.READY, OrderStatus.NEEDS_REVIEW):
            report.held.append(
                Held(
                    order_id=order.platform_order_id,
                    reasons=["买家修改过地址，但此单已打单/发货：请拦截原包裹或作废面单后按新地址重打"],
                )
            )
            continue
        apply_verification(order=order, verification=verification, street=draft.street[:60])
        order.save()
        report.address_reverified.append(
            {"order_id": order.platform_order_id, "ok": verification.ok, "reasons": _messages(order)}
        )


# --- rows into order drafts ------------------------------------------------------------------------


@dataclass(slots=True)
class _Plan:
    drafts: list[OrderDraft]
    failed: list[_Row]
    skipped: list[Skip]


def _plan(layout: Layout, rows: list[_Row], *, per_line: bool) -> _Plan:
    """Group rows into orders and decide each 子订单's fate (ship, shipped elsewhere, skip)."""
    groups: dict[str, list[_Row]] = {}
    failed: list[_Row] = []
    for row in rows:
        if row.order_id:
            groups.setdefault(row.order_id, []).append(row)
        else:
            failed.append(row)
    plan = _Plan(drafts=[], failed=failed, skipped=[])
    for order_id, group in groups.items():
        bad = [r for r in group if not r.readable]
        if bad:
            # Hold the whole order back: importing part of it would make the fixed row a
            # "duplicate" on re-import, and its line would never arrive.
            where = "、".join(f"第 {r.number} 行" for r in bad)
            for r in group:
                r.error = r.error or f"订单 {order_id} 的{where}无法读取，整单未导入"
            failed.extend(group)
            continue
        kept = _unique_lines(group, failed)
        draft = _draft_for(layout, order_id, group, kept, plan.skipped, per_line=per_line)
        if draft is not None:
            plan.drafts.append(draft)
    failed.sort(key=lambda r: (r.file, r.number))
    return plan


def _unique_lines(group: list[_Row], failed: list[_Row]) -> list[_Row]:
    seen: dict[str, int] = {}
    kept: list[_Row] = []
    n = 0
    for r in group:
        for line in r.lines:
            n += 1
            line.line_id = line.line_id or str(n)
            if line.line_id in seen:
                r.error = f"子订单编号 {line.line_id} 与第 {seen[line.line_id]} 行重复，此行未导入"
                failed.append(r)
                break
            seen[line.line_id] = r.number
        else:
            kept.append(r)
    return kept


def _draft_for(
    layout: Layout, order_id: str, group: list[_Row], rows: list[_Row], skipped: list[Skip], *, per_line: bool
) -> OrderDraft | None:
    """The order's draft from its 子订单 to ship; those not to ship go to ``skipped`` with their reason."""
    fates: dict[str, list[_Row]] = {"ship": [], "elsewhere": [], "skip": []}
    reasons: dict[int, str] = {}
    for r in rows:
        fate, reason = exports.line_fate(
            status=r.values.get("platform_status", ""),
            after_sale=r.values.get("after_sale", ""),
            logistics=r.values.get("logistics", ""),
        )
        fates[fate].append(r)
        reasons[r.number] = reason
    if not rows:
        return None
    keep = fates["ship"] or fates["elsewhere"]
    if not keep:
        distinct = list(dict.fromkeys(reasons[r.number] for r in rows))
        skipped.append(Skip(order_id=order_id, rows=[r.number for r in rows], reason="；".join(distinct)))
        return None
    for r in rows:
        if r not in keep:
            for line in r.lines:
                skipped.append(
                    Skip(order_id=order_id, rows=[r.number], reason=reasons[r.number], line_id=line.line_id)
                )
    draft = _draft(layout, order_id, keep, all_rows=group, per_line=per_line)
    draft.shipped_elsewhere = not fates["ship"]
    return draft


def _draft(
    layout: Layout, order_id: str, rows: list[_Row], *, all_rows: list[_Row], per_line: bool
) -> OrderDraft:
    """One order from the rows of its 子订单 to ship; recipient and notes from the first row."""
    first = rows[0].values
    lines = [line for row in rows for line in row.lines]
    address = first.get("address", "")
    region_given = any(first.get(k) for k in ("province", "city", "district"))
    channel = CHANNELS.get(first.get("channel", "").lower(), "")
    if not channel and layout is DOUYIN:
        channel = "live" if first.get("influencer") else "shelf"
    total, freight = _amounts(rows, all_rows, per_line=per_line)
    name, phone, detail = first.get("name", ""), first.get("phone", ""), first.get("detail", "")
    withheld = exports.withheld(name=name, phone=phone, detail=detail)
    if withheld:
        name = phone = detail = address = ""
    draft = OrderDraft(
        platform_order_id=order_id,
        lines=lines,
        name=name,
        phone=phone,
        province=first.get("province", ""),
        city=first.get("city", ""),
        district=first.get("district", ""),
        street=first.get("street", ""),
        detail=detail or (address if region_given else ""),
        raw_address="" if region_given else address,
        buyer_note=_joined(r.values.get("buyer_note", "") for r in all_rows),
        seller_note=_joined(r.values.get("seller_note", "") for r in all_rows),
        total_fen=total,
        freight_fen=freight,
        ordered_at=parse_local_time(first.get("ordered_at", ""), "订单提交时间"),
        paid_at=parse_local_time(first.get("paid_at", ""), "支付完成时间"),
        promise_hours=parse_int(first.get("promise_hours", ""), "promise_hours"),
        door_delivery=parse_flag(first.get("door_delivery", "")),
        channel=channel,
        influencer=first.get("influencer", ""),
        withheld=withheld,
        address_changed=any(r.values.get("address_changed", "") == "是" for r in all_rows),
    )
    _deadline(draft, rows)
    return draft


def _deadline(draft: OrderDraft, rows: list[_Row]) -> None:
    """ship_by: 预约发货时间 (booked by the buyer) else the earliest 承诺发货时间 (the platform's own)."""
    scheduled = [t for r in rows if (t := parse_local_time(r.values.get("scheduled_at", ""), "预约发货时间"))]
    promised = [t for r in rows if (t := parse_local_time(r.values.get("promised_at", ""), "承诺发货时间"))]
    if scheduled:
        draft.ship_by = max(scheduled)
    elif promised:
        draft.ship_by = min(promised)
    elif any("预售" in r.values.get("order_type", "") for r in rows):
        draft.reasons.append({"code": "presale", "message": exports.PRESALE_REASON})


def _amounts(rows: list[_Row], all_rows: list[_Row], *, per_line: bool) -> tuple[int | None, int]:
    """(total, freight) in fen over the 子订单 shipped.

    A full 抖店 export (``per_line``) puts each 子订单's own 订单应付金额 and 运费 on its row: the
    order's are their sums. Smaller files (other tools, older samples) repeat one order total on every
    row: the same value on every row is read as that total.
    """
    totals = [r.values.get("order_total", "") for r in all_rows]
    if not per_line and len(all_rows) > 1 and totals[0] and len(set(totals)) == 1:
        freight = parse_yuan(all_rows[0].values.get("freight", ""), "运费", default=0)
        if len(rows) == len(all_rows):
            return parse_yuan(totals[0], "订单应付金额"), freight
        return sum(line.quantity * line.unit_price_fen for r in rows for line in r.lines) + freight, freight
    freights = [parse_yuan(r.values.get("freight", ""), "运费", default=0) for r in rows]
    if not any(r.values.get("order_total", "") for r in rows):
        return None, sum(freights)
    total = 0
    for r, freight in zip(rows, freights, strict=True):
        text = r.values.get("order_total", "")
        goods = sum(line.quantity * line.unit_price_fen for line in r.lines)
        total += parse_yuan(text, "订单应付金额") if text else goods + freight
    return total, sum(freights)


def _joined(notes: Iterable[str]) -> str:
    """The distinct non-empty notes of an order's rows (抖店 repeats or splits them per 子订单)."""
    seen: list[str] = []
    for note in notes:
        note = note.strip()
        if note and note not in ("-", "--") and note not in seen:
            seen.append(note)
    return "；".join(seen)


# --- one row ---------------------------------------------------------------------------------------


class _At(CellError):
    def __init__(self, message: str, field_name: str) -> None:
        super().__init__(message)
        self.field_name = field_name


def _at(field_name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except CellError as exc:
        raise _At(str(exc), field_name) from None


def _read_row(
    layout: Layout,
    positions: dict[str, int],
    titles: dict[str, str],
    file: str,
    number: int,
    cells: list[str],
) -> _Row:
    values = {f: (exports.clean(cells[i]) if i < len(cells) else "") for f, i in positions.items()}
    row = _Row(file=file, number=number, values=values, cells=cells)
    order_label = next(c.label for c in layout.columns if c.field == "order_id")
    try:
        row.order_id = _at("order_id", parse_id, values.get("order_id", ""), order_label)
        if not row.order_id:
            raise _At(f"{order_label}为空", "order_id")
        row.lines = _read_lines(layout, values)
    except _At as exc:
        row.readable = False
        row.error = str(exc)
        row.column = titles.get(exc.field_name, "")
    except CellError as exc:
        row.readable = False
        row.error = str(exc)
    return row


def _read_lines(layout: Layout, values: dict[str, str]) -> list[LineDraft]:
    title = values.get("title", "")
    if not title and not values.get("sku_code"):
        raise _At("商品名称为空", "title")
    joined = exports.split_joined(
        line_ids=values.get("line_id", ""),
        titles=title,
        sku_codes=values.get("sku_code", ""),
        prices=values.get("unit_price", ""),
        quantity=values.get("quantity", ""),
    )
    if joined.error:
        raise _At(joined.error, "line_id")
    price_default = None if layout is DOUYIN else 0
    lines: list[LineDraft] = []
    if len(joined.line_ids) > 1:
        for line_id, name, code, price in zip(
            joined.line_ids, joined.titles, joined.sku_codes, joined.prices, strict=True
        ):
            lines.append(
                LineDraft(
                    line_id=_at("line_id", parse_id, line_id, "子订单编号"),
                    sku_code=code[:64],
                    title=name or code,
                    quantity=1,
                    unit_price_fen=_at("unit_price", parse_yuan, price, "商品金额", default=price_default),
                    after_sale=values.get("after_sale", ""),
                )
            )
    else:
        lines.append(
            LineDraft(
                line_id=_at("line_id", parse_id, values.get("line_id", ""), "子订单编号"),
                sku_code=values.get("sku_code", "")[:64],
                title=title or values.get("sku_code", ""),
                spec=values.get("spec", ""),
                quantity=_at("quantity", parse_quantity, values.get("quantity", "")),
                unit_price_fen=_at(
                    "unit_price", parse_yuan, values.get("unit_price", ""), "商品单价", default=price_default
                ),
                product_id=values.get("product_id", ""),
                after_sale=values.get("after_sale", ""),
            )
        )
    # Order-level cells: checking them on each row names the right row and column.
    for key, what in (("order_total", "订单应付金额"), ("freight", "运费")):
        _at(key, parse_yuan, values.get(key, ""), what, default=0)
    for key, what in (
        ("ordered_at", "订单提交时间"),
        ("paid_at", "支付完成时间"),
        ("promised_at", "承诺发货时间"),
        ("scheduled_at", "预约发货时间"),
    ):
        _at(key, parse_local_time, values.get(key, ""), what)
    _at("promise_hours", parse_int, values.get("promise_hours", ""), "promise_hours（承诺发货小时）")
    channel = values.get("channel", "").lower()
    if channel and channel not in CHANNELS:
        raise _At(f"渠道「{channel[:10]}」无效（应为 live / private / shelf）", "channel")
    return lines


# --- corrections -----------------------------------------------------------------------------------


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
            value = exports.clean(str(raw.get(title, ""))) if isinstance(raw, dict) else ""
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
