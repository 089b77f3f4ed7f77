"""Out of stock (缺货) handled with the buyer: the seller offers choices for an order the oversell
guard flagged — wait until the restock date, swap to another SKU, or refund (+ a coupon code) — and
the buyer answers through a link. The answer is acted on at once:

- wait: the order stays flagged and is released by the stock guard as soon as stock arrives;
- swap: the short lines are changed to the chosen SKU and the order is reserved again (ready when
  covered, still 缺货 with the new shortfall otherwise);
- refund: the order is cancelled (its reservations released) and a refund-only RMA records the money
  owed, with the coupon code in its note.

No answer by the deadline: the offer's default applies (``apply_defaults``, a Huey periodic task).
A link used twice or after its deadline answers with what was already done.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from fahuo.aftersales.models import (
    Rma,
    RmaKind,
    RmaSource,
    RmaStatus,
    RmaStep,
    StockChoice,
    StockChoiceAction,
    StockChoiceStatus,
)
from fahuo.catalog.models import Sku
from fahuo.inventory.reservations import OUT_OF_STOCK, cancel_order, is_short, reserve_orders
from fahuo.kit.errors import Conflict, FahuoError, InvalidInput, NotFound
from fahuo.orders.models import Order, OrderStatus, Platform
from fahuo.tracking import events

MAX_DEADLINE = dt.timedelta(days=15)
STOCK_CHOICE_MESSAGE = "stock_choice"  # the 话术库 key (notify's MessageKey.STOCK_CHOICE)


class ChoiceClosed(FahuoError):
    """The link was used already, withdrawn, or its deadline passed: what was done instead."""

    status = 410
    code = "closed"


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def short_skus(order: Order) -> list[str]:
    """The SKU codes the order lacks, from the stock guard's out_of_stock reason."""
    for reason in order.review_reasons or []:
        if reason.get("code") == OUT_OF_STOCK:
            return [str(s.get("sku_code", "")) for s in reason.get("shortfall") or [] if s.get("sku_code")]
    return []


def offer(
    *,
    order: Order,
    deadline: dt.datetime,
    wait_until: dt.date | None = None,
    swap_skus: Sequence[str] = (),
    coupon_code: str = "",
    default_action: str = StockChoiceAction.WAIT,
    user: Any = None,
    now: dt.datetime | None = None,
) -> StockChoice:
    """Offer the buyer of a 缺货 order the choices; returns the offer with its link token."""
    now = now or timezone.now()
    if not is_short(order) or order.status != OrderStatus.NEEDS_REVIEW:
        raise Conflict("订单没有缺货，不需要让买家选择")
    if deadline <= now:
        raise InvalidInput("选择截止时间必须晚于现在")
    if deadline > now + MAX_DEADLINE:
        raise InvalidInput("选择截止时间最多 15 天")
    if wait_until is not None and wait_until < timezone.localdate(now):
        raise InvalidInput("预计到货日期不能早于今天")
    codes = [c.strip() for c in swap_skus if c and c.strip()]
    short = short_skus(order)
    known = set(Sku.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InvalidInput(f"商家编码不存在：{'、'.join(unknown)}")
    if any(c in short for c in codes):
        raise InvalidInput("可换的款不能是缺货的款本身")
    if default_action not in StockChoiceAction.values:
        raise InvalidInput(f"未知的默认处理 {default_action!r}")
    if default_action == StockChoiceAction.SWAP and len(codes) != 1:
        raise InvalidInput("默认换款时只能列出一个可换的款")
    if default_action == StockChoiceAction.WAIT and wait_until is None:
        raise InvalidInput("默认等待时请填写预计到货日期")
    choice = StockChoice(
        shop=order.shop,
        order=order,
        token=secrets.token_urlsafe(16)[:22],
        short_skus=short,
        wait_until=wait_until,
        swap_skus=list(dict.fromkeys(codes)),
        coupon_code=coupon_code.strip()[:40],
        deadline=deadline,
        default_action=default_action,
        created_by=_user(user),
    )
    try:
        with transaction.atomic():
            choice.save()
    except IntegrityError as exc:
        raise Conflict("这个订单已有待买家选择的缺货方案，请先撤回") from exc
    choice.outcome = send_link(choice=choice, user=_user(user))
    choice.save(update_fields=["outcome"])
    return choice


def send_link(*, choice: StockChoice, user: Any = None) -> str:
    """Queue the 话术库's 缺货选择 message with the choice link to the buyer on the order's channel
    (notify, through tracking's hook); returns what happened, in the seller's words."""
    send = events.order_message.get()
    message = None
    if send is not None:
        path = reverse("buyer:stock_choice", args=[choice.token])
        message = send(
            order=choice.order, key=STOCK_CHOICE_MESSAGE, path=path, ref=f"c{choice.pk}", user=user
        )
    if message is None:
        return "话术库的「缺货选择」消息已停用，请把链接发给买家"
    channel = message.get_channel_display()
    if message.last_error:
        return f"没能通过{channel}发给买家：{message.last_error}；请把链接发给买家"[:300]
    return f"选择链接已通过{channel}发给买家"


def withdraw(*, choice: StockChoice, user: Any = None) -> StockChoice:
    """Take an unanswered offer back (e.g. stock arrived)."""
    if choice.status != StockChoiceStatus.OFFERED:
        raise Conflict(f"缺货方案已是「{choice.get_status_display()}」")
    choice.status, choice.outcome = StockChoiceStatus.WITHDRAWN, "商家已撤回"
    choice.save(update_fields=["status", "outcome"])
    return choice


def by_token(token: str) -> StockChoice:
    choice = (
        StockChoice.objects.select_related("order__shop").filter(token=token).first()
        if token and len(token) <= 32
        else None
    )
    if choice is None:
        raise NotFound("链接无效")
    return choice


def answer(*, token: str, action: str, swap_to: str = "", now: dt.datetime | None = None) -> StockChoice:
    """The buyer's answer through the link; ChoiceClosed when answered before, withdrawn or late."""
    now = now or timezone.now()
    choice = StockChoice.objects.select_for_update().filter(pk=by_token(token).pk).get()
    if choice.status != StockChoiceStatus.OFFERED:
        raise ChoiceClosed(_closed_text(choice))
    if choice.deadline <= now:
        raise ChoiceClosed(f"已过选择截止时间，将按店铺默认处理：{choice.get_default_action_display()}")
    if action not in StockChoiceAction.values:
        raise InvalidInput("请选择一种处理方式")
    if action == StockChoiceAction.WAIT and choice.wait_until is None:
        raise InvalidInput("商家没有提供等待补货")
    if action == StockChoiceAction.SWAP and swap_to not in choice.swap_skus:
        raise InvalidInput("请选择要换的款")
    _apply(choice, action=action, swap_to=swap_to, now=now, default=False)
    return choice


def _default_swap(choice: StockChoice) -> str:
    return choice.swap_skus[0] if choice.swap_skus else ""


def _closed_text(choice: StockChoice) -> str:
    if choice.status == StockChoiceStatus.WITHDRAWN:
        return "商家已撤回这个缺货方案"
    what = choice.get_action_display() if choice.action else ""
    if choice.status == StockChoiceStatus.DEFAULTED:
        return f"已过选择截止时间，已按店铺默认处理：{what}"
    return f"已经选择过：{what}"


def _apply(choice: StockChoice, *, action: str, swap_to: str, now: dt.datetime, default: bool) -> None:
    order = Order.objects.select_for_update().get(pk=choice.order_id)
    if action == StockChoiceAction.SWAP:
        outcome = _swap(order, choice, swap_to)
    elif action == StockChoiceAction.REFUND:
        outcome = _refund(order, choice, now)
    else:
        day = f"{choice.wait_until:%Y-%m-%d}" if choice.wait_until else ""
        outcome = f"等待补货（预计 {day}），到货后自动释放发货" if day else "等待补货，到货后自动释放发货"
    choice.action, choice.swap_to = action, swap_to if action == StockChoiceAction.SWAP else ""
    choice.status = StockChoiceStatus.DEFAULTED if default else StockChoiceStatus.ANSWERED
    choice.answered_at, choice.outcome = now, outcome[:300]
    choice.save()


def _swap(order: Order, choice: StockChoice, code: str) -> str:
    sku = Sku.objects.filter(code=code).first()
    if sku is None:
        raise InvalidInput(f"商家编码不存在：{code}")
    lines = [ln for ln in order.lines.all() if (ln.sku.code if ln.sku else ln.sku_code) in choice.short_skus]
    for line in lines:
        line.sku, line.sku_code, line.title, line.spec = sku, sku.code, sku.name, sku.spec
        line.save(update_fields=["sku", "sku_code", "title", "spec"])
    short = reserve_orders(orders=[order])
    order.refresh_from_db(fields=["status", "review_reasons"])
    covered = order.pk not in short
    return f"换成 {sku.name}{(' ' + sku.spec) if sku.spec else ''}（{sku.code}），" + (
        "库存已锁定，可以打单" if covered else "新款仍缺货，继续等待到货"
    )


def _refund(order: Order, choice: StockChoice, now: dt.datetime) -> str:
    cancel_order(order=order)
    note = "缺货：买家选择退款" + (f"，补偿优惠券 {choice.coupon_code}" if choice.coupon_code else "")
    rmas = [_refund_rma(order, line_id, amount, aftersale_id, error, note=note, now=now)
            for line_id, amount, aftersale_id, error in _platform_refunds(order)]  # fmt: skip
    choice.rma = rmas[0]
    sent = (
        "，已提交抖店退款" if all(r.aftersale_id for r in rmas) and rmas[0].source == RmaSource.DOUYIN else ""
    )
    failed = next((r.decision_note for r in rmas if r.status == RmaStatus.REQUESTED), "")
    return (
        f"订单已取消，退款 售后单 #{rmas[0].pk}{sent}"
        + (f"，优惠券 {choice.coupon_code}" if choice.coupon_code else "")
        + (f"；{failed}" if failed else "")
    )


def _refund_rma(
    order: Order, line_id: str, amount: int, aftersale_id: str, error: str, *, note: str, now: dt.datetime
) -> Rma:
    status = RmaStatus.REQUESTED if error else RmaStatus.APPROVED
    decision = f"未能提交抖店退款（{error}），请在抖店后台为买家退款" if error else note
    rma = Rma.objects.create(
        source=RmaSource.DOUYIN if aftersale_id else RmaSource.MANUAL,
        aftersale_id=aftersale_id[:64],
        shop=order.shop,
        order=order,
        platform_order_id=order.platform_order_id,
        platform_line_id=line_id[:64],
        kind=RmaKind.REFUND_ONLY,
        status=status,
        reason="缺货退款",
        refund_amount_fen=amount,
        decision_note=decision[:200],
        last_event_at=now,
    )
    RmaStep.objects.create(rma=rma, status=status, source="desk", note=f"{note}；{decision}" if error else note,
                           at=now)  # fmt: skip
    return rma


def _platform_refunds(order: Order) -> list[tuple[str, int, str, str]]:
    """(sku order, amount, 抖店 after_sale_id, error) per refund: a 抖店 order's sku orders each get
    the platform's 缺货 refund (afterSale.ApplyMarketAfterSale); other orders one local refund."""
    if order.shop.platform != Platform.DOUYIN or order.channel == "private":
        return [("", order.total_fen, "", "")]
    from fahuo.integrations.douyin.settings import account_for_shop
    from fahuo.integrations.registry import aftersale_platform

    lines = list(order.lines.all())
    rows: list[tuple[str, int, str, str]] = []
    try:
        adapter = aftersale_platform("douyin", account_for_shop(order.shop))
    except FahuoError as exc:
        return [(ln.platform_line_id, _amount(order, ln, lines), "", exc.message) for ln in lines]
    with adapter:
        for ln in lines:
            try:
                rows.append((ln.platform_line_id, _amount(order, ln, lines),
                             adapter.refund_out_of_stock(ln.platform_line_id), ""))  # fmt: skip
            except FahuoError as exc:
                rows.append((ln.platform_line_id, _amount(order, ln, lines), "", exc.message))
    return rows or [("", order.total_fen, "", "抖店订单没有商品单")]


def _amount(order: Order, line: Any, lines: Sequence[Any]) -> int:
    return order.total_fen if len(lines) == 1 else int(line.unit_price_fen) * int(line.quantity)


def apply_defaults(*, now: dt.datetime | None = None, token: str = "") -> int:
    """Apply the default of every offer whose deadline passed unanswered (only the one behind
    ``token`` when given: the choice page settles a late link before answering); returns how many."""
    now = now or timezone.now()
    done = 0
    due = StockChoice.objects.filter(status=StockChoiceStatus.OFFERED, deadline__lte=now)
    if token:
        due = due.filter(token=token)
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            choice = StockChoice.objects.select_for_update().filter(pk=pk).first()
            if choice is None or choice.status != StockChoiceStatus.OFFERED:
                continue
            _apply(choice, action=choice.default_action, swap_to=_default_swap(choice), now=now, default=True)
            done += 1
    return done


def buyer_view(choice: StockChoice) -> dict[str, Any]:
    """What the choice page shows: the shop, the lacking items and the options (no personal data)."""
    skus = {s.code: s for s in Sku.objects.filter(code__in=[*choice.short_skus, *choice.swap_skus])}
    lines = [
        {"title": ln.title, "spec": ln.spec, "quantity": ln.quantity}
        for ln in choice.order.lines.all()
        if (ln.sku_code or "") in choice.short_skus
    ]
    return {
        "shop_name": choice.order.shop.name,
        "lines": lines,
        "swaps": [
            {"code": c, "name": skus[c].name, "spec": skus[c].spec} for c in choice.swap_skus if c in skus
        ],
    }
