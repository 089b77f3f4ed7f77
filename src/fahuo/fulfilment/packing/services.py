"""Packing: packaging rules per product trait, carton choice and weights, brand inserts, and the
scan-to-verify station (验货) that marks a parcel packed.

Rules and inserts are data the seller edits; the defaults follow common 抖店 packing practice
(易碎 → 气泡膜/珍珠棉 + 硬纸箱, 液体 → 密封袋 + 防漏胶带 …). Carton choice itself is pure and lives
in :mod:`fahuo.fulfilment.packing.cartons`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from fahuo.accounts.selectors import visible
from fahuo.accounts.services import audit
from fahuo.catalog.models import Sku, Trait
from fahuo.fulfilment.labels.render import scrub_phones
from fahuo.fulfilment.models import (
    BrandInsert,
    Carton,
    PackagingRule,
    Parcel,
    ParcelStatus,
    VoidedWaybill,
    Waybill,
)
from fahuo.fulfilment.packing.cartons import CartonChoice, choose_carton
from fahuo.kit.errors import Conflict, InvalidInput, NotFound
from fahuo.orders.models import Order, OrderLine, OrderStatus

__all__ = [
    "DEFAULT_CARTONS",
    "DEFAULT_RULES",
    "INSERT_KINDS",
    "MULTI_SKU",
    "TRAIT_LABELS",
    "CartonChoice",
    "ScanResult",
    "active_rules",
    "carton_for_order",
    "cartons_by_warehouse",
    "chargeable_weight_g",
    "choose_carton",
    "ensure_default_cartons",
    "ensure_default_packaging_rules",
    "goods_weight_g",
    "inserts_by_shop",
    "inserts_for",
    "instructions_for",
    "mark_packed",
    "order_traits",
    "pack_parcels",
    "render_rule",
    "rule_matches",
    "scan",
    "trait_label",
]

MULTI_SKU = "multi_sku"
DEFAULT = "default"
FRAGILE_PADDING_MM = 10  # room for filling on every side of fragile goods

TRAIT_LABELS: dict[str, str] = {
    **{str(value): str(label) for value, label in Trait.choices},
    MULTI_SKU: "多商品",
    DEFAULT: "通用",
}

# (trait, instructions, materials, eco alternative, priority)
DEFAULT_RULES: tuple[tuple[str, str, str, str, int], ...] = (
    (Trait.COLD, "装保温箱并放冰袋，封箱后当天发出", "保温箱、冰袋", "可回收纸质保温箱、可重复使用冰袋", 10),
    (
        Trait.FRAGILE,
        "单独包裹后装硬纸箱，四周填充不留空隙，外箱贴“易碎”",
        "气泡膜/珍珠棉、硬纸箱",
        "可降解填充（蜂窝纸/纸浆模塑）、硬纸箱",
        20,
    ),
    (
        Trait.LIQUID,
        "装密封袋，瓶口缠防漏胶带，瓶口朝上放置",
        "密封袋、防漏胶带",
        "可降解密封袋、防漏胶带",
        30,
    ),
    (Trait.POWDER, "双层密封袋分装，封口压紧防撒漏", "双层密封袋", "可降解密封袋（双层）", 40),
    (Trait.LIGHT_SENSITIVE, "装避光袋，避免阳光直射", "避光袋（铝箔袋）", "", 50),
    (
        Trait.IRREGULAR,
        "用定制内衬或填充物固定，箱内不留晃动空间",
        "定制内衬/填充物",
        "纸浆内衬、纸质填充",
        60,
    ),
    (MULTI_SKU, "不同商品分装内袋，防串味/串色", "分装内袋", "可降解内袋", 70),
    (Trait.VALUABLE, "封口贴/防拆贴封箱，外箱不标注商品名", "防拆封口贴", "", 80),
)

# (code, name, inner L, W, H mm, empty weight g, cost fen, rigid, insulated): the 邮政 standard
# boxes (1号 … 12号), a soft mailer, a long box and two foam boxes for cold goods.
DEFAULT_CARTONS: tuple[tuple[str, str, int, int, int, int, int, bool, bool], ...] = (
    ("BAG-M", "快递袋（中）", 350, 250, 40, 15, 20, False, False),
    ("B12", "12号纸箱", 130, 80, 90, 40, 30, True, False),
    ("B11", "11号纸箱", 145, 85, 105, 50, 35, True, False),
    ("B10", "10号纸箱", 175, 95, 115, 60, 40, True, False),
    ("B9", "9号纸箱", 195, 105, 135, 70, 45, True, False),
    ("B8", "8号纸箱", 210, 110, 140, 80, 50, True, False),
    ("B7", "7号纸箱", 230, 130, 160, 100, 60, True, False),
    ("B6", "6号纸箱", 260, 150, 180, 120, 70, True, False),
    ("B5", "5号纸箱", 290, 170, 190, 150, 80, True, False),
    ("B4", "4号纸箱", 350, 190, 230, 200, 100, True, False),
    ("B3", "3号纸箱", 430, 210, 270, 280, 130, True, False),
    ("B2", "2号纸箱", 530, 230, 290, 350, 160, True, False),
    ("B1", "1号纸箱", 530, 290, 370, 450, 200, True, False),
    ("LONG", "长条箱", 700, 200, 200, 400, 180, True, False),
    ("COLD-S", "保温箱（小）+冰袋", 300, 200, 180, 350, 600, True, True),
    ("COLD-L", "保温箱（大）+冰袋", 400, 300, 250, 600, 900, True, True),
)

INSERT_KINDS: dict[str, str] = {
    "thank_you": "感谢卡",
    "gift": "小赠品",
    "tips": "使用小贴士",
    "flyer": "宣传单",
}


def trait_label(trait: str) -> str:
    return TRAIT_LABELS.get(trait, trait)


# --- defaults ------------------------------------------------------------------------------------


def ensure_default_packaging_rules() -> int:
    """Create the default rule for every trait that has none yet; seller edits are kept. Returns
    the number created."""
    have = set(PackagingRule.objects.values_list("trait", flat=True))
    new = [
        PackagingRule(
            trait=str(trait), instructions=text, materials=materials, eco_alternative=eco, priority=prio
        )
        for trait, text, materials, eco, prio in DEFAULT_RULES
        if str(trait) not in have
    ]
    PackagingRule.objects.bulk_create(new)
    return len(new)


def ensure_default_cartons(*, warehouse: Any = None) -> int:
    """The standard carton sizes for a warehouse (or the global list); existing codes are kept."""
    have = set(Carton.objects.filter(warehouse=warehouse).values_list("code", flat=True))
    new = [
        Carton(
            warehouse=warehouse,
            code=code,
            name=name,
            length_mm=length,
            width_mm=width,
            height_mm=height,
            weight_g=weight,
            cost_fen=cost,
            rigid=rigid,
            insulated=insulated,
        )
        for code, name, length, width, height, weight, cost, rigid, insulated in DEFAULT_CARTONS
        if code not in have
    ]
    Carton.objects.bulk_create(new)
    return len(new)


# --- rules ---------------------------------------------------------------------------------------


def _line_key(line: OrderLine) -> str:
    if line.sku_id is not None:
        return f"sku:{line.sku_id}"
    return f"code:{line.sku_code}" if line.sku_code else f"title:{line.title}|{line.spec}"


def _lines(order: Order) -> list[OrderLine]:
    return [line for line in order.lines.all() if line.quantity > 0]


def order_traits(order: Order) -> set[str]:
    """The product traits of an order's SKUs, plus ``multi_sku`` when it holds more than one SKU."""
    lines = _lines(order)
    traits = {str(t) for line in lines if line.sku is not None for t in (line.sku.traits or [])}
    if len({_line_key(line) for line in lines}) > 1:
        traits.add(MULTI_SKU)
    return traits


def active_rules() -> list[PackagingRule]:
    return list(
        PackagingRule.objects.filter(active=True).select_related("carton").order_by("priority", "trait", "pk")
    )


def rule_matches(rule: PackagingRule, order: Order) -> bool:
    """Every condition set on the rule holds for the order: shop, trait ("" = any), SKU, units (of
    the SKU when one is set, else of the order) and the goods' weight (unknown weight: no match)."""
    if rule.shop_id is not None and rule.shop_id != order.shop_id:
        return False
    if rule.trait and rule.trait not in order_traits(order) | {DEFAULT}:
        return False
    lines = _lines(order)
    if rule.sku_id is not None:
        units = sum(line.quantity for line in lines if line.sku_id == rule.sku_id)
        if not units:
            return False
    else:
        units = sum(line.quantity for line in lines)
    if rule.min_quantity is not None and units < rule.min_quantity:
        return False
    if rule.max_quantity is not None and units > rule.max_quantity:
        return False
    if rule.max_weight_g is not None:
        weight = goods_weight_g(order)
        if weight is None or weight > rule.max_weight_g:
            return False
    return True


def render_rule(rule: PackagingRule, *, eco: bool | None = None) -> str:
    """One instruction line: 易碎：<instructions>（<materials or 环保 alternative>）."""
    use_eco = rule.eco if eco is None else eco
    if use_eco and rule.eco_alternative:
        materials = f"环保：{rule.eco_alternative}"
    else:
        materials = rule.materials
    # a rule for any trait (conditions on shop/SKU/units/weight only) reads as its instructions alone
    text = (
        f"{trait_label(rule.trait)}：{rule.instructions.strip()}" if rule.trait else rule.instructions.strip()
    )
    return f"{text}（{materials.strip()}）" if materials.strip() else text


def instructions_for(
    order: Order, *, rules: Sequence[PackagingRule] | None = None, eco: bool | None = None
) -> list[str]:
    """The packing instructions for an order: the active rules of its traits (and ``multi_sku``,
    ``default``) by priority, de-duplicated. ``eco`` overrides each rule's own eco setting."""
    chosen = [
        r
        for r in (active_rules() if rules is None else rules)
        if r.active and r.instructions.strip() and rule_matches(r, order)
    ]
    chosen.sort(key=lambda r: (r.priority, r.trait, r.pk or 0))
    out: list[str] = []
    for rule in chosen:
        text = render_rule(rule, eco=eco)
        if text not in out:
            out.append(text)
    return out


# --- cartons and weights -------------------------------------------------------------------------


def cartons_by_warehouse(warehouse_ids: Iterable[int | None]) -> dict[int | None, list[Carton]]:
    """Active cartons per warehouse: the warehouse's own when it has any, else the global ones."""
    wanted = set(warehouse_ids)
    own: dict[int | None, list[Carton]] = defaultdict(list)
    query = Q(warehouse__isnull=True)
    ids = [w for w in wanted if w is not None]
    if ids:
        query |= Q(warehouse_id__in=ids)
    for carton in Carton.objects.filter(query, active=True):
        own[carton.warehouse_id].append(carton)
    return {w: own.get(w) or own.get(None, []) for w in wanted | {None}}


def carton_for_order(
    order: Order, *, cartons: Sequence[Carton], rules: Sequence[PackagingRule] | None = None
) -> CartonChoice:
    """The carton for all of an order's goods: the first matching rule's carton (by priority) when
    ``rules`` name one, else chosen by size (rigid for fragile, insulated for cold goods)."""
    for rule in sorted(rules or (), key=lambda r: (r.priority, r.trait, r.pk or 0)):
        if (
            rule.active
            and rule.carton_id is not None
            and rule.carton is not None
            and rule_matches(rule, order)
        ):
            return CartonChoice(rule.carton)
    lines = _lines(order)
    missing = [
        line.sku.code if line.sku is not None else (line.sku_code or line.title)
        for line in lines
        if line.sku is None or not (line.sku.length_mm and line.sku.width_mm and line.sku.height_mm)
    ]
    if missing:
        return CartonChoice(None, "missing_size", "商品缺少尺寸，无法选箱：" + "、".join(missing[:5]))
    traits = order_traits(order)
    items = [
        (line.sku.length_mm, line.sku.width_mm, line.sku.height_mm, line.quantity)
        for line in lines
        if line.sku is not None
    ]
    fragile = Trait.FRAGILE in traits
    return choose_carton(
        items=items,
        cartons=cartons,
        needs_rigid=fragile,
        needs_insulated=Trait.COLD in traits,
        padding_mm=FRAGILE_PADDING_MM if fragile else 0,
    )


def goods_weight_g(order: Order) -> int | None:
    """The goods' weight, or ``None`` when a SKU's weight is unknown."""
    total = 0
    for line in _lines(order):
        if line.sku is None or line.sku.weight_g is None:
            return None
        total += line.sku.weight_g * line.quantity
    return total


def chargeable_weight_g(parcel: Parcel) -> int | None:
    """计费重: the larger of the packed and the volumetric weight (``None`` before packing)."""
    weights = [w for w in (parcel.packed_weight_g, parcel.volumetric_weight_g) if w is not None]
    return max(weights) if weights else None


def _packing_queryset(ids: Iterable[int]) -> QuerySet[Parcel]:
    lines = OrderLine.objects.select_related("sku")
    return (
        Parcel.objects.filter(pk__in=list(ids))
        .select_related("carrier", "order")
        .prefetch_related(Prefetch("order__lines", queryset=lines))
    )


def pack_parcels(*, parcels: Iterable[Parcel] | QuerySet[Parcel]) -> dict[int, CartonChoice]:
    """Choose each parcel's carton and store it with the packed and volumetric weights.

    Set-based: four queries whatever the number of parcels (parcels, lines, cartons, update).
    An order's goods all go into its parcel (splitting lines over parcels is not modelled).
    Returns parcel id -> choice.
    """
    if isinstance(parcels, QuerySet):
        ids = list(parcels.values_list("pk", flat=True))
    else:
        ids = [p.pk for p in parcels]
    rows = list(_packing_queryset(ids))
    cartons = cartons_by_warehouse({p.warehouse_id or p.order.warehouse_id for p in rows})
    rules = [r for r in active_rules() if r.carton_id is not None]
    choices: dict[int, CartonChoice] = {}
    for parcel in rows:
        warehouse_id = parcel.warehouse_id or parcel.order.warehouse_id
        choice = carton_for_order(parcel.order, cartons=cartons.get(warehouse_id, cartons[None]), rules=rules)
        goods = goods_weight_g(parcel.order)
        carton_weight = choice.carton.weight_g if choice.carton is not None else 0
        parcel.carton = choice.carton
        parcel.packed_weight_g = goods + carton_weight if goods is not None else None
        parcel.volumetric_weight_g = choice.volumetric_weight_g(parcel.carrier.volumetric_divisor)
        choices[parcel.pk] = choice
    Parcel.objects.bulk_update(rows, ["carton", "packed_weight_g", "volumetric_weight_g"], batch_size=500)
    return choices


# --- brand inserts -------------------------------------------------------------------------------


def inserts_by_shop(shop_ids: Iterable[int]) -> dict[int, list[BrandInsert]]:
    out: dict[int, list[BrandInsert]] = defaultdict(list)
    for insert in BrandInsert.objects.filter(shop_id__in=set(shop_ids), active=True).order_by("pk"):
        out[insert.shop_id].append(insert)
    return out


def inserts_for(order: Order, *, inserts: Sequence[BrandInsert] | None = None) -> list[tuple[str, str]]:
    """What goes in the box besides the goods, as (kind label, text): the shop's inserts and those
    of the order's SKUs, thank-you card first; the shop's brand note when it has no card."""
    if inserts is None:
        inserts = inserts_by_shop([order.shop_id]).get(order.shop_id, [])
    sku_ids = {line.sku_id for line in _lines(order) if line.sku_id is not None}
    chosen = [i for i in inserts if i.active and (i.sku_id is None or i.sku_id in sku_ids)]
    if any(i.repeat_only for i in chosen) and not _repeat_buyer(order):
        chosen = [i for i in chosen if not i.repeat_only]
    kinds = list(INSERT_KINDS)
    chosen.sort(key=lambda i: (kinds.index(i.kind) if i.kind in kinds else len(kinds), i.sku_id or 0, i.pk))
    out = [(INSERT_KINDS.get(i.kind, i.kind), i.text) for i in chosen]
    note = (order.shop.brand_note or "").strip()
    if note and not any(i.kind == "thank_you" for i in chosen):
        out.insert(0, (INSERT_KINDS["thank_you"], note))
    return out


def _repeat_buyer(order: Order) -> bool:
    """The buyer ordered from this shop before (复购: the customer has more than one order)."""
    customer = order.customer if order.customer_id is not None else None
    return customer is not None and customer.orders_count > 1


# --- scan-to-verify ------------------------------------------------------------------------------


@dataclass(slots=True)
class ScanResult:
    """What the station shows for a scanned number.

    ``state``: ``found`` (pack it), ``packed`` (already packed: warning), ``voided`` (waybill
    cancelled or order cancelled: do not ship), ``no_parcel`` (an order number without a parcel).
    """

    state: str
    code: str
    order: Order
    parcel: Parcel | None = None
    tracking_no: str = ""
    lines: list[OrderLine] = field(default_factory=list)
    instructions: list[str] = field(default_factory=list)
    carton: CartonChoice | None = None
    inserts: list[tuple[str, str]] = field(default_factory=list)
    void_reason: str = ""
    buyer_note: str = ""  # phone numbers masked


def _orders_with_lines() -> QuerySet[Order]:
    lines = OrderLine.objects.select_related("sku").order_by("pk")
    return Order.objects.select_related("shop", "warehouse").prefetch_related(
        Prefetch("lines", queryset=lines)
    )


def _unknown_code(code: str) -> NotFound:
    """What a scan that finds no parcel says: a product of another order is named as one."""
    if Sku.objects.filter(code__iexact=code).exists():
        return NotFound(f"商品 {code} 不在这个包裹的订单里：请把它放回，换包裹请先扫描面单号。")
    return NotFound(f"未找到面单号或订单号：{code}")


_Numbered = TypeVar("_Numbered", Waybill, VoidedWaybill)


def _newest_numbered(model: type[_Numbered], code: str, newest_first: str) -> _Numbered | None:
    """The newest ``model`` row (with its parcel's carrier and carton) numbered ``code`` as scanned or
    upper-cased."""
    return (
        model.objects.select_related("parcel__carrier", "parcel__carton")
        .filter(tracking_no__in={code, code.upper()})
        .order_by(newest_first)
        .first()
    )


def scan(*, code: str, user: Any = None) -> ScanResult:
    """Look up a scanned waybill number (or order number): the order to pack and how.
    ``NotFound`` for a number fahuo does not know — or that belongs to a shop outside ``user``'s."""
    code = (code or "").strip()
    if not code:
        raise InvalidInput("请扫描面单号")
    orders = _orders_with_lines()
    if user is not None:
        orders = visible(orders, user)
    parcel: Parcel | None = None
    tracking = ""
    void_reason = ""
    waybill = _newest_numbered(Waybill, code, "-issued_at")
    if waybill is not None:
        parcel, tracking = waybill.parcel, waybill.tracking_no
    else:
        voided = _newest_numbered(VoidedWaybill, code, "-voided_at")
        if voided is not None:
            parcel, tracking, void_reason = voided.parcel, voided.tracking_no, voided.reason or "面单已作废"
    found = orders.filter(pk=parcel.order_id) if parcel is not None else orders.filter(platform_order_id=code)
    order = found.first()
    if order is None:
        raise _unknown_code(code)
    if parcel is None:
        parcel = (
            Parcel.objects.select_related("carrier", "carton").filter(order=order).order_by("seq").first()
        )
        if parcel is not None and hasattr(parcel, "waybill"):
            tracking = parcel.waybill.tracking_no
    if order.status == OrderStatus.CANCELLED:
        void_reason = void_reason or "订单已取消"
    elif parcel is not None and parcel.status == ParcelStatus.CANCELLED:
        void_reason = void_reason or "包裹已取消"
    if void_reason:
        state = "voided"
    elif parcel is None:
        state = "no_parcel"
    elif parcel.packed_at is not None:
        state = "packed"
    else:
        state = "found"
    carton: CartonChoice | None = None
    if parcel is not None and parcel.carton is not None:
        carton = CartonChoice(parcel.carton)
    elif state in ("found", "no_parcel"):
        warehouse_id = (parcel.warehouse_id if parcel is not None else None) or order.warehouse_id
        carton = carton_for_order(
            order, cartons=cartons_by_warehouse([warehouse_id])[warehouse_id], rules=active_rules()
        )
    return ScanResult(
        state=state,
        code=code,
        order=order,
        parcel=parcel,
        tracking_no=tracking,
        lines=_lines(order),
        instructions=instructions_for(order),
        carton=carton,
        inserts=[(kind, scrub_phones(text)) for kind, text in inserts_for(order)],
        void_reason=void_reason,
        buyer_note=scrub_phones(order.buyer_note or ""),
    )


def mark_packed(
    *, parcel_id: int, user: Any, verified_lines: Iterable[int], request: HttpRequest | None = None
) -> Parcel:
    """Record that a parcel was packed after every line was checked (packed_at/packed_by, audited).

    The carton and weights are chosen first if they were not yet. ``Conflict`` for a parcel that
    must not ship (cancelled order, voided waybill) or is already packed; ``InvalidInput`` when a
    line was not checked.
    """
    parcels = (
        Parcel.objects.all() if user is None else visible(Parcel.objects.all(), user, field="order__shop")
    )
    parcel = (
        parcels.select_for_update(of=("self",)).select_related("order", "carton").filter(pk=parcel_id).first()
    )
    if parcel is None:
        raise NotFound("包裹不存在")
    order = parcel.order
    has_waybill = Waybill.objects.filter(parcel=parcel).exists()
    voided = not has_waybill and VoidedWaybill.objects.filter(parcel=parcel).exists()
    if order.status == OrderStatus.CANCELLED or parcel.status == ParcelStatus.CANCELLED or voided:
        raise Conflict("面单已作废，请勿发出")
    if parcel.packed_at is not None:
        raise Conflict("该包裹已打包，请勿重复发货")
    lines = {line.pk: line for line in order.lines.filter(quantity__gt=0)}
    checked = {int(v) for v in verified_lines}
    unchecked = [line for pk, line in lines.items() if pk not in checked]
    if unchecked:
        names = "、".join(f"{line.title}{line.spec}" for line in unchecked[:3])
        raise InvalidInput(f"还有商品未核对：{names}")
    if parcel.carton_id is None:
        pack_parcels(parcels=[parcel])
        parcel.refresh_from_db()
    now = timezone.now()
    Parcel.objects.filter(pk=parcel.pk).update(packed_at=now, packed_by=user)
    parcel.packed_at, parcel.packed_by = now, user
    # The goods leave the shelf: the order's reserved units come off the books (ledger: 出库), and
    # for shops that ship back at pack scan the number goes to the platform now.
    from fahuo.fulfilment.shipback.moment import after_packed

    after_packed(order=order, parcel=parcel, user=user)
    audit(
        user=user,
        action="parcel.packed",
        object_type="parcel",
        object_id=parcel.pk,
        request=request,
        detail={
            "order_id": order.pk,
            "order_no": order.platform_order_id,
            "lines": len(lines),
            "units": sum(line.quantity for line in lines.values()),
            "carton": parcel.carton.code if parcel.carton is not None else "",
        },
    )
    return parcel
