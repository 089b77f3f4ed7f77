"""Order verification, correction and the audited reveal of personal data."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F
from django.http import HttpRequest

from fahuo.accounts.selectors import can
from fahuo.accounts.services import REVEAL_PERMISSION, audit
from fahuo.kit.address import normalize_phone, parse_address, resolve_region
from fahuo.kit.addressee import Addressee
from fahuo.kit.bulk import bulk_insert, chunked
from fahuo.kit.errors import Conflict, PermissionDenied
from fahuo.kit.privacy import lookup_hash
from fahuo.orders.models import Customer, Order, OrderStatus, Shop

# Reasons a new recipient replaces; "encrypted"/"masked": the export held no usable receiver.
RECIPIENT_REASON_CODES = frozenset({"name", "phone", "address", "encrypted", "masked", "platform_waybill"})
# Who and where an edge gives a recipient by: verify_recipient's (and OrderDraft's) arguments.
RECIPIENT_FIELDS = ("name", "phone", "province", "city", "district", "street", "detail")


@dataclass(frozen=True, slots=True)
class Verification(Addressee):
    """The result of checking one recipient: normalised values and the reasons it needs review."""

    adcode: str
    reasons: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.reasons


def recipient_fields(source: Any) -> dict[str, Any]:
    """A recipient's ``RECIPIENT_FIELDS`` (a draft, a platform's decrypted receiver, a demo buyer) as
    keyword arguments for ``verify_recipient`` or ``OrderDraft``."""
    return {name: getattr(source, name) for name in RECIPIENT_FIELDS}


def verify_recipient(
    *,
    name: str,
    phone: str,
    province: str = "",
    city: str = "",
    district: str = "",
    street: str = "",
    detail: str = "",
    raw_address: str = "",
) -> Verification:
    """Check a recipient's phone and address; never raises for bad data, returns reasons instead."""
    reasons: list[dict[str, str]] = []
    if raw_address and not (province or city or district):
        parsed = parse_address(raw_address)
        name = name or parsed.name
        phone = phone or parsed.phone
    else:
        parsed = resolve_region(
            province=province, city=city, district=district, detail=f"{street}{detail}".strip()
        )
    if not (name or "").strip():
        reasons.append({"code": "name", "message": "收件人姓名为空"})
    norm_phone, phone_error = normalize_phone(phone or "")
    pasted_phone_errors = [err for err in parsed.errors if err.startswith("手机号")]
    if phone_error and not (phone or "").strip() and pasted_phone_errors:
        # no phone column, and the pasted line had something where the phone goes that is not one
        phone_error = pasted_phone_errors[0]
    if phone_error:
        reasons.append({"code": "phone", "message": phone_error})
    for err in parsed.errors:
        if err.startswith("手机号"):
            continue  # the phone was checked above, from its own column
        reasons.append({"code": "address", "message": err})
    detail_out = parsed.detail if (raw_address and not (province or city or district)) else detail
    if not (detail_out or street or "").strip():
        reasons.append({"code": "address", "message": "详细地址为空"})
    return Verification(
        name=(name or "").strip(),
        phone=norm_phone or (phone or "").strip(),
        province=parsed.province,
        city=parsed.city,
        district=parsed.district,
        detail=(detail_out or "").strip(),
        adcode=parsed.adcode,
        reasons=reasons,
    )


def apply_verification(*, order: Order, verification: Verification, street: str = "") -> None:
    """Copy a verification onto an order (not saved) and set its status."""
    order.recipient_name = verification.name
    order.recipient_phone = verification.phone
    order.province = verification.province
    order.city = verification.city
    order.district = verification.district
    order.street = street
    order.address_detail = verification.detail
    order.adcode = verification.adcode
    # Reasons that are not about the recipient (e.g. an after-sale in progress) stay until resolved.
    kept = [r for r in order.review_reasons or [] if r.get("code") not in RECIPIENT_REASON_CODES]
    order.review_reasons = kept + verification.reasons
    if order.status in (OrderStatus.NEEDS_REVIEW, OrderStatus.READY):
        order.status = OrderStatus.NEEDS_REVIEW if order.review_reasons else OrderStatus.READY


def customer_for(
    *, shop: Shop, name: str, phone: str, cache: dict[str, Customer] | None = None
) -> Customer | None:
    """Find or create the shop's customer with this phone (matched by keyed hash)."""
    if not phone:
        return None
    key = lookup_hash(phone)
    if cache is not None and key in cache:
        return cache[key]
    customer, _ = Customer.objects.get_or_create(
        shop=shop, phone_hash=key, defaults={"name": name, "phone": phone}
    )
    if cache is not None:
        cache[key] = customer
    return customer


def attach_customers(*, shop: Shop, orders: list[Order]) -> None:
    """Link new orders to the shop's customers, one per phone hash (the known ones fetched, the rest
    bulk-created), and count the orders on them (``orders_count``); the orders are not saved."""
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
    bulk_insert(missing)
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


def update_recipient(
    *,
    order: Order,
    name: str,
    phone: str,
    province: str,
    city: str,
    district: str,
    detail: str,
    user: Any = None,
) -> Verification:
    """Correct a flagged order's recipient and verify again; the order becomes ready when it passes."""
    if order.status not in (OrderStatus.NEEDS_REVIEW, OrderStatus.READY):
        raise Conflict(f"订单 {order.platform_order_id} 已打单，不能修改收件信息（请先取消面单）")
    verification = verify_recipient(
        name=name, phone=phone, province=province, city=city, district=district, detail=detail
    )
    apply_verification(order=order, verification=verification, street="")
    order.customer = customer_for(shop=order.shop, name=verification.name, phone=verification.phone)
    order.save()
    audit(
        user=user,
        action="order.edit_recipient",
        object_type="order",
        object_id=order.pk,
        detail={"ok": verification.ok, "reasons": [r["code"] for r in verification.reasons]},
    )
    return verification


def reveal_recipient(*, order: Order, user: Any, request: HttpRequest | None = None) -> dict[str, str]:
    """Return the clear recipient data of one order; needs the reveal permission in the order's
    shop; always audited."""
    if not can(user, REVEAL_PERMISSION, order.shop_id):
        audit(
            user=user, action="order.reveal_denied", object_type="order", object_id=order.pk, request=request
        )
        raise PermissionDenied("没有查看完整收件信息的权限")
    audit(user=user, action="order.reveal", object_type="order", object_id=order.pk, request=request)
    return {
        "name": order.recipient_name,
        "phone": order.recipient_phone,
        "province": order.province,
        "city": order.city,
        "district": order.district,
        "detail": order.address_detail,
    }
