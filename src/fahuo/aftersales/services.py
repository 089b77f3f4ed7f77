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
    STATUS_RANK,
    AfterSalePolicy,
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
        new_rank > old_rank or (new_rank == old_rank and newer and old_rank < 3)
    )
    if target is None and newer and old_rank < 3:
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
