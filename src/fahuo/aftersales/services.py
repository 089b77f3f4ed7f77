"""After-sales use cases: RMAs from 抖店 messages and manual requests, approve/reject, the policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone

from fahuo.aftersales.douyin import TAG_STATUS, TAG_TIME, kind_for
from fahuo.aftersales.models import (
    FINAL_RANK,
    STATUS_RANK,
    AfterSalePolicy,
    Condition,
    Disposition,
    FreightPayer,
    RestockRule,
    Rma,
    RmaKind,
    RmaSource,
    RmaStatus,
    RmaStep,
)
from fahuo.kit.errors import FahuoError, InvalidInput
from fahuo.orders.models import Order, Platform, Shop

DEFAULT_PICKUP_HOURS = 24


class RmaStateError(FahuoError):
    status = 409


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _event_time(tag: str, data: Mapping[str, Any]) -> dt.datetime:
    from fahuo.tracking.shop_messages import parse_time

    for key in (TAG_TIME.get(tag, ""), "update_time", "create_time"):
        if key and data.get(key) not in (None, "", 0):
            try:
                return parse_time(data[key])
            except ValueError:
                continue
    return timezone.now()


def _find_order(shop: Shop | None, order_no: str) -> Order | None:
    if not order_no:
        return None
    qs = Order.objects.filter(platform_order_id=order_no)
    if shop is not None:
        qs = qs.filter(shop=shop)
    return qs.first()


def record_platform_event(
    *, shop: Shop | None, order_no: str, tag: str, data: Mapping[str, Any], msg_id: str = ""
) -> tuple[Rma, bool]:
    """Create or move the RMA of one 抖店 refund message; returns (rma, whether its status moved).
    Idempotent on aftersale_id; a message older than the RMA's state is kept as a step only."""
    aftersale_id = _text(data.get("aftersale_id"))
    if not aftersale_id:
        raise InvalidInput("售后消息缺少 aftersale_id")
    if tag not in TAG_STATUS:
        raise InvalidInput(f"不是售后消息 (tag {tag})")
    at = _event_time(tag, data)
    target = TAG_STATUS[tag]
    rma = Rma.objects.select_for_update().filter(source=RmaSource.DOUYIN, aftersale_id=aftersale_id).first()
    if rma is None:
        order = _find_order(shop, order_no)
        rma = Rma(
            source=RmaSource.DOUYIN,
            aftersale_id=aftersale_id[:64],
            shop=shop or (order.shop if order else None),
            order=order,
            platform_order_id=order_no[:64],
            platform_line_id=_text(data.get("s_id"))[:64],
            kind=kind_for(data.get("aftersale_type")),
            status=target or RmaStatus.REQUESTED,
        )
        _apply_data(rma, data)
        rma.last_event_at = at
        try:
            with transaction.atomic():
                rma.save()
        except IntegrityError:  # the same after-sale created at once by another delivery
            rma = Rma.objects.get(source=RmaSource.DOUYIN, aftersale_id=aftersale_id)
            return _move(rma, tag=tag, target=target, at=at, data=data, msg_id=msg_id)
        _step(rma, status=rma.status, tag=tag, at=at, data=data, msg_id=msg_id, applied=True)
        return rma, True
    return _move(rma, tag=tag, target=target, at=at, data=data, msg_id=msg_id)


def _move(
    rma: Rma, *, tag: str, target: str | None, at: dt.datetime, data: Mapping[str, Any], msg_id: str
) -> tuple[Rma, bool]:
    if rma.order_id is None and rma.platform_order_id:
        rma.order = _find_order(rma.shop, rma.platform_order_id)
    new_rank = STATUS_RANK[target] if target else -1
    old_rank = STATUS_RANK[rma.status]
    newer = rma.last_event_at is None or at >= rma.last_event_at
    applied = target is not None and (
        new_rank > old_rank or (new_rank == old_rank and newer and old_rank < FINAL_RANK)
    )
    if target is None and newer and old_rank < FINAL_RANK:
        _apply_data(rma, data)  # 208: the buyer changed amount or reason
    if applied:
        assert target is not None
        rma.status = target
        _apply_data(rma, data)
    if newer:
        rma.last_event_at = at
    rma.save()
    _step(rma, status=target or rma.status, tag=tag, at=at, data=data, msg_id=msg_id, applied=applied)
    return rma, applied


def _apply_data(rma: Rma, data: Mapping[str, Any]) -> None:
    for field, key in (("platform_type", "aftersale_type"), ("platform_status", "aftersale_status")):
        value = _int(data.get(key))
        if value is not None:
            setattr(rma, field, value)
    if data.get("aftersale_type") not in (None, ""):
        rma.kind = kind_for(data.get("aftersale_type"))
    amount = _int(data.get("refund_amount"))
    if amount is not None and amount >= 0:
        rma.refund_amount_fen = amount
    post = _int(data.get("refund_post_amount"))
    if post is not None and post >= 0:
        rma.refund_post_amount_fen = post
    if data.get("reason_code") not in (None, ""):
        rma.reason_code = _text(data.get("reason_code"))[:20]
    if data.get("logistics") not in (None, "", 0):
        rma.return_tracking_no = _text(data.get("logistics"))[:40]


def _step(
    rma: Rma,
    *,
    status: str,
    tag: str,
    at: dt.datetime,
    data: Mapping[str, Any],
    msg_id: str,
    applied: bool,
) -> None:
    record = _text(data.get("latest_record"))
    note = " ".join(p for p in (f"msg {msg_id}" if msg_id else "", record) if p)
    RmaStep.objects.create(rma=rma, status=status, tag=tag[:10], at=at, note=note[:300], applied=applied)


def policy_for(*, shop: Shop) -> AfterSalePolicy:
    """The shop's after-sale policy (created with the defaults the first time)."""
    policy, _ = AfterSalePolicy.objects.get_or_create(shop=shop)
    return policy


def save_policy(
    *,
    shop: Shop,
    no_reason_days: int,
    reasons: list[str],
    freight_payer: str,
    restock: str,
    return_address: str = "",
) -> AfterSalePolicy:
    """Change the shop's after-sale policy (validated here so the desk, API and CLI agree)."""
    if not 0 <= no_reason_days <= 30:
        raise InvalidInput("无理由退货天数须在 0–30 天之间")
    cleaned = list(dict.fromkeys(r.strip()[:40] for r in reasons if r and r.strip()))
    if not cleaned:
        raise InvalidInput("至少保留一个售后原因")
    if len(cleaned) > 30:
        raise InvalidInput("售后原因最多 30 个")
    if freight_payer not in FreightPayer.values:
        raise InvalidInput(f"未知的退货运费承担方 {freight_payer!r}")
    if restock not in RestockRule.values:
        raise InvalidInput(f"未知的入库规则 {restock!r}")
    policy = policy_for(shop=shop)
    policy.no_reason_days = no_reason_days
    policy.reasons = cleaned
    policy.freight_payer = freight_payer
    policy.restock = restock
    policy.return_address = return_address.strip()[:200]
    policy.save()
    return policy


def create_manual(
    *, order: Order, kind: str, reason: str, refund_amount_fen: int = 0, user: Any = None
) -> Rma:
    """A manual RMA, for private-domain (私域) orders the platform does not send after-sales for."""
    if kind not in RmaKind.values:
        raise InvalidInput(f"未知的售后类型 {kind!r}")
    if refund_amount_fen < 0 or (order.total_fen > 0 and refund_amount_fen > order.total_fen):
        raise InvalidInput("退款金额不能为负，也不能超过订单金额")
    if not reason.strip():
        raise InvalidInput("请填写售后原因")
    if order.shop.platform == Platform.DOUYIN and order.channel != "private":
        raise InvalidInput("抖店订单的售后由抖店推送，请在抖店发起；手工登记仅限私域订单")
    policy = policy_for(shop=order.shop)
    if reason.strip() == "七天无理由" and policy.no_reason_days == 0:
        raise InvalidInput("本店未开通七天无理由退货")
    now = timezone.now()
    rma = Rma.objects.create(
        source=RmaSource.MANUAL,
        shop=order.shop,
        order=order,
        platform_order_id=order.platform_order_id,
        kind=kind,
        reason=reason.strip()[:200],
        refund_amount_fen=refund_amount_fen,
        last_event_at=now,
    )
    RmaStep.objects.create(
        rma=rma, status=RmaStatus.REQUESTED, source="desk", note=rma.reason, at=now, created_by=_user(user)
    )
    return rma


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def pickup_hours(*, rma: Rma) -> int:
    """The return pickup clock: the order's carrier contract terms (returns_pickup_hours), else 24 h."""
    carrier_id = rma.order.carrier_id if rma.order is not None else None
    if carrier_id is None or not apps.is_installed("fahuo.contracts"):
        return DEFAULT_PICKUP_HOURS
    terms_model = apps.get_model("contracts", "ContractTerms")
    terms = (
        terms_model.objects.filter(contract__carrier_id=carrier_id, effective_from__lte=timezone.localdate())
        .order_by("-effective_from", "-version")
        .values_list("returns_pickup_hours", flat=True)
        .first()
    )
    return int(terms) if terms else DEFAULT_PICKUP_HOURS


def decide(*, rma: Rma, approve: bool, note: str = "", user: Any = None) -> Rma:
    """Approve or reject a requested RMA; an approved return/exchange starts the pickup clock."""
    if rma.status != RmaStatus.REQUESTED:
        raise RmaStateError(f"售后单当前状态为「{rma.get_status_display()}」，不能再审核")
    if not approve and not note.strip():
        raise InvalidInput("拒绝售后必须填写原因")
    if rma.source == RmaSource.DOUYIN:
        tell_platform(rma=rma, approve=approve, note=note.strip())
    now = timezone.now()
    rma.status = RmaStatus.APPROVED if approve else RmaStatus.REJECTED
    rma.decision_note = note.strip()[:200]
    if approve and rma.kind != RmaKind.REFUND_ONLY:
        rma.pickup_due_at = now + dt.timedelta(hours=pickup_hours(rma=rma))
    rma.last_event_at = now
    rma.save()
    RmaStep.objects.create(
        rma=rma, status=rma.status, source="desk", note=rma.decision_note, at=now, created_by=_user(user)
    )
    return rma


def tell_platform(*, rma: Rma, approve: bool, note: str) -> None:
    """Send the decision to 抖店 (afterSale.operate) before recording it: when the platform refuses
    or cannot be reached, the RMA stays as it was and the error (502/424 with its message) says why."""
    from fahuo.integrations.douyin.aftersale import Decision
    from fahuo.integrations.douyin.settings import account_for_shop
    from fahuo.integrations.registry import aftersale_platform

    if rma.shop is None:
        raise InvalidInput("售后单未匹配到店铺，无法回传抖店")
    account = account_for_shop(rma.shop)
    adapter = aftersale_platform("douyin", account)
    with adapter:
        adapter.decide(Decision(aftersale_id=rma.aftersale_id, kind=rma.kind, approve=approve, remark=note))


def receive(
    *, rma: Rma, condition: str, note: str = "", restock: bool | None = None, user: Any = None
) -> Rma:
    """Record the returned parcel at the warehouse with its inspection, then restock the returned
    lines (one stock movement per SKU through inventory) or write them off. ``restock=None``
    follows the shop's policy: inspect → only goods in good condition, always, never."""
    from fahuo.catalog.models import Sku
    from fahuo.inventory.services import adjust_stock

    if rma.kind == RmaKind.REFUND_ONLY:
        raise RmaStateError("仅退款的售后单没有退货可收")
    if rma.status not in (RmaStatus.APPROVED, RmaStatus.RETURNING):
        raise RmaStateError(f"售后单当前状态为「{rma.get_status_display()}」，不能登记收货")
    if condition not in Condition.values:
        raise InvalidInput(f"未知的验货结果 {condition!r}")
    if rma.order is None:
        raise InvalidInput("售后单的订单不在本系统，无法按订单行入库")
    if restock is None:
        rule = policy_for(shop=rma.order.shop).restock
        restock = rule == RestockRule.ALWAYS or (rule == RestockRule.INSPECT and condition == Condition.GOOD)
    lines = list(rma.order.lines.all())
    if rma.platform_line_id:
        lines = [ln for ln in lines if ln.platform_line_id == rma.platform_line_id] or lines
    moved = []
    if restock:
        warehouse = rma.order.warehouse
        if warehouse is None:
            raise InvalidInput("订单没有发货仓，无法退货入库；请选择报损或先为订单指定仓库")
        for line in lines:
            sku = line.sku
            if sku is None and line.sku_code:
                sku = Sku.objects.filter(code=line.sku_code).first()
            if sku is None:
                raise InvalidInput(f"订单行「{line.title}」没有对应的商品资料，无法入库")
            adjust_stock(
                warehouse=warehouse,
                sku=sku,
                delta=line.quantity,
                note=f"退货入库 售后单 #{rma.pk}",
                user=user,
            )
            moved.append(f"{sku.code}×{line.quantity}")
    now = timezone.now()
    rma.status = RmaStatus.RECEIVED
    rma.received_at = now
    rma.condition = condition
    rma.inspection_note = note.strip()[:300]
    rma.disposition = Disposition.RESTOCKED if restock else Disposition.WRITTEN_OFF
    rma.last_event_at = now
    rma.save()
    what = f"入库 {'、'.join(moved)}" if restock else "报损，不入库"
    step_note = f"{Condition(condition).label}；{what}" + (
        f"；{rma.inspection_note}" if rma.inspection_note else ""
    )
    RmaStep.objects.create(
        rma=rma, status=rma.status, source="warehouse", note=step_note[:300], at=now, created_by=_user(user)
    )
    return rma


def mark_refunded(*, rma: Rma, user: Any = None) -> Rma:
    """Close a manual (私域) RMA as refunded; 抖店 RMAs are refunded by the platform (message 206)."""
    if rma.source != RmaSource.MANUAL:
        raise RmaStateError("抖店售后的退款由抖店完成，收到退款成功消息后自动更新")
    ready = RmaStatus.APPROVED if rma.kind == RmaKind.REFUND_ONLY else RmaStatus.RECEIVED
    if rma.status != ready:
        raise RmaStateError(f"售后单需为「{ready.label}」才能标记退款，当前为「{rma.get_status_display()}」")
    now = timezone.now()
    rma.status, rma.last_event_at = RmaStatus.REFUNDED, now
    rma.save()
    RmaStep.objects.create(
        rma=rma, status=rma.status, source="desk", note="已退款", at=now, created_by=_user(user)
    )
    return rma


def ship_exchange(*, rma: Rma, user: Any = None) -> Order:
    """The replacement order of an exchange: the original's recipient, lines, carrier and warehouse,
    zero price, through the normal intake (verification, stock guard) — ready for a print batch."""
    from fahuo.orders.importing import LineDraft, OrderDraft, create_orders

    if rma.kind != RmaKind.EXCHANGE:
        raise RmaStateError("只有换货售后单可以发出换货")
    if rma.exchange_order_id is not None:
        raise RmaStateError(
            f"换货已创建：订单 {rma.exchange_order.platform_order_id if rma.exchange_order else ''}"
        )
    if rma.status not in (RmaStatus.APPROVED, RmaStatus.RETURNING, RmaStatus.RECEIVED):
        raise RmaStateError(f"售后单当前状态为「{rma.get_status_display()}」，不能发出换货")
    original = rma.order
    if original is None:
        raise InvalidInput("原订单不在本系统，无法创建换货订单")
    lines = list(original.lines.all())
    if rma.platform_line_id:
        lines = [ln for ln in lines if ln.platform_line_id == rma.platform_line_id] or lines
    number = f"{original.platform_order_id}-HH{rma.pk}"[:64]
    draft = OrderDraft(
        platform_order_id=number,
        lines=[
            LineDraft(
                line_id=f"{ln.platform_line_id or ln.pk}-HH",
                sku_code=ln.sku_code,
                title=ln.title,
                spec=ln.spec,
                quantity=ln.quantity,
                unit_price_fen=0,
            )
            for ln in lines
        ],
        name=original.recipient_name,
        phone=original.recipient_phone,
        province=original.province,
        city=original.city,
        district=original.district,
        street=original.street,
        detail=original.address_detail,
        seller_note=f"换货：原订单 {original.platform_order_id}，售后单 #{rma.pk}",
        total_fen=0,
        channel=original.channel,
    )
    result = create_orders(shop=original.shop, drafts=[draft], source="exchange")
    order = result.outcomes[0].order
    fields = []
    if order.carrier_id is None and original.carrier_id is not None:
        order.carrier_id = original.carrier_id
        fields.append("carrier")
    if order.warehouse_id is None and original.warehouse_id is not None:
        order.warehouse_id = original.warehouse_id
        fields.append("warehouse")
    if fields:
        order.save(update_fields=[*fields, "updated_at"])
    now = timezone.now()
    rma.exchange_order = order
    rma.last_event_at = now
    rma.save()
    RmaStep.objects.create(
        rma=rma, status=rma.status, source="desk", note=f"换货订单 {number}", at=now, created_by=_user(user)
    )
    return order


def book_pickup(*, rma: Rma, user: Any = None) -> Rma:
    """Book the reverse pickup (上门取件) of an approved return/exchange with the provider of the
    order's carrier (capability ``registry.pickup_provider``), to be collected before the pickup
    clock runs out; the booking's number becomes the return tracking number. Idempotent: booking
    again asks the provider with the same order code (RMA<id>) and gets the same booking back."""
    from fahuo.aftersales.pickup_hook import callback_for
    from fahuo.carriers.models import ProviderAccount
    from fahuo.integrations.base import Party
    from fahuo.integrations.kdniao.pickup import PickupRequest
    from fahuo.integrations.registry import pickup_provider

    if rma.kind == RmaKind.REFUND_ONLY:
        raise RmaStateError("仅退款的售后单不需要上门取件")
    if rma.status != RmaStatus.APPROVED:
        raise RmaStateError(f"售后单当前状态为「{rma.get_status_display()}」，同意后才能预约取件")
    order = rma.order
    if order is None or order.carrier is None:
        raise InvalidInput("订单没有快递公司，无法预约上门取件")
    provider = order.carrier.provider
    accounts = ProviderAccount.objects.filter(provider=provider, active=True)
    account = accounts.filter(shop=order.shop).first() or accounts.filter(shop__isnull=True).first()
    shop = order.shop
    policy = policy_for(shop=shop)
    warehouse = order.warehouse
    back_to = policy.return_address or (
        " ".join(p for p in (warehouse.province, warehouse.city, warehouse.district, warehouse.address) if p)
        if warehouse is not None
        else shop.sender_address
    )
    if not back_to:
        raise InvalidInput("请先在售后政策里填写退货地址（或为订单指定发货仓）")
    now = timezone.now()
    due = rma.pickup_due_at or now + dt.timedelta(hours=pickup_hours(rma=rma))
    callback_url, callback_salt = callback_for(provider, account)
    request = PickupRequest(
        order_code=f"RMA{rma.pk}",
        carrier_code=order.carrier.code,
        sender=Party(
            name=order.recipient_name,
            phone=order.recipient_phone,
            province=order.province,
            city=order.city,
            district=order.district,
            detail=order.address_detail,
        ),
        receiver=Party(
            name=shop.sender_name or shop.name,
            phone=shop.sender_phone,
            province="",
            city="",
            district="",
            detail=back_to,
        ),
        start=now,
        end=max(due, now + dt.timedelta(hours=1)),
        goods="、".join(ln.title for ln in order.lines.all())[:50] or "退货商品",
        seller_pays=policy.freight_payer != FreightPayer.BUYER,
        callback_url=callback_url,
        callback_salt=callback_salt,
    )
    with pickup_provider(provider, account) as adapter:
        if rma.pickup_order and not getattr(adapter, "rebook_safe", True):
            # Kuaidi100 has no client order code: booking again would send a second courier.
            raise RmaStateError(f"已预约上门取件（{rma.pickup_order}），请勿重复预约")
        booking = adapter.book(request)
    rma.pickup_booked_at, rma.pickup_provider, rma.pickup_order = now, provider, booking.provider_order[:64]
    rma.pickup_due_at = due
    if booking.tracking_no:
        rma.return_tracking_no = booking.tracking_no[:40]
    rma.save()
    RmaStep.objects.create(
        rma=rma,
        status=rma.status,
        source="desk",
        note=f"已预约上门取件（{order.carrier.name}，{booking.tracking_no or booking.provider_order}）",
        at=now,
        created_by=_user(user),
    )
    return rma
