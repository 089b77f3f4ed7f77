"""The demo's 抖音电子面单: a carrier whose e-waybill service is the 抖店 platform's own, an account
on the demo 抖店 simulator, and a few orders whose receivers the export gave only as ciphertext —
two released to ship the platform's way (ready, allocated to that carrier) and one still held.

They print through the print component: a print batch (or 打印面单) draws their numbers from the
simulator with no decryption, and the desk's 用抖音打印组件打印 page sends the labels to the print
component on the PC (``fahuo demo`` cannot start one for you: point the page at a running
component, or at ``python -m fahuo.integrations.douyin.print_component``'s simulator).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fahuo.carriers.models import Capacity, Carrier, RateLine
from fahuo.catalog.models import Sku
from fahuo.inventory.models import Warehouse
from fahuo.orders.models import Order, OrderLine, OrderStatus, Shop
from fahuo.orders.platform_waybill import PLATFORM_WAYBILL, PLATFORM_WAYBILL_MESSAGE

CARRIER = "ZTO-DY"
COMPANY = "zhongtong"  # the 抖店 logistics code the carrier draws numbers for
NET_CODE = "57101"
LIKE = "ZTO"  # the carrier whose rate card and pick-up capacity it shares (same outlet)
ENCRYPTED_HOLD = "收件信息为平台密文，请从抖店补全收件信息或用抖音电子面单发货"
# (platform order id, released to 抖音电子面单?, receiver known only to the simulator)
ORDERS: tuple[tuple[str, bool, dict[str, str]], ...] = (
    (
        "6930000000000091001",
        True,
        {
            "name": "欧阳明月",
            "phone": "13712345678",
            "province": "广东省",
            "city": "广州市",
            "town": "天河区",
            "street": "林和街道",
            "detail": "天河北路 233 号中信广场 5208",
        },
    ),
    (
        "6930000000000091002",
        True,
        {
            "name": "司马青云",
            "phone": "13987654321",
            "province": "浙江省",
            "city": "宁波市",
            "town": "鄞州区",
            "street": "首南街道",
            "detail": "天童南路 588 号 1702",
        },
    ),
    (
        "6930000000000091003",
        False,
        {
            "name": "诸葛小雨",
            "phone": "13611112222",
            "province": "江苏省",
            "city": "苏州市",
            "town": "姑苏区",
            "street": "平江街道",
            "detail": "平江路 18 号",
        },
    ),
)


def seed_demo(*, now: datetime | None = None) -> Carrier | None:
    """What ``fahuo demo`` adds after building the data set, idempotent: None without the demo data."""
    from django.utils import timezone

    shop = Shop.objects.filter(code="demo").first()
    warehouse = Warehouse.objects.filter(code="HZ").first()
    sku = Sku.objects.filter(code="SKU-3510").first()
    if shop is None or warehouse is None or sku is None or not Carrier.objects.filter(code=LIKE).exists():
        return None
    return seed(shop=shop, warehouse=warehouse, sku=sku, now=now or timezone.now())


def seed(*, shop: Shop, warehouse: Warehouse, sku: Sku, now: datetime) -> Carrier:
    """The carrier (with ZTO's rates and capacity) and the encrypted orders (no receiver stored);
    orders already there are left as they are."""
    like = Carrier.objects.get(code=LIKE)
    carrier, _ = Carrier.objects.update_or_create(
        code=CARRIER,
        defaults={
            "name": "中通快递（抖音电子面单）",
            "provider": "douyin_waybill",
            "service_name": like.service_name,
            "volumetric_divisor": like.volumetric_divisor,
            "max_weight_g": like.max_weight_g,
            "privacy_waybill": True,
            "active": True,
        },
    )
    RateLine.objects.filter(carrier=carrier).delete()
    Capacity.objects.filter(carrier=carrier).delete()
    rates = list(RateLine.objects.filter(carrier=like))
    for rate in rates:
        rate.pk, rate.carrier = None, carrier
    RateLine.objects.bulk_create(rates)
    caps = list(Capacity.objects.filter(carrier=like))
    for cap in caps:
        cap.pk, cap.carrier = None, carrier
    Capacity.objects.bulk_create(caps)
    have = set(
        Order.objects.filter(shop=shop, platform_order_id__in=[o for o, _, _ in ORDERS]).values_list(
            "platform_order_id", flat=True
        )
    )
    for i, (oid, released, person) in enumerate(ORDERS):
        if oid in have:
            continue
        paid = now - timedelta(minutes=30 + 7 * i)
        reasons: list[dict[str, Any]] = (
            [{"code": PLATFORM_WAYBILL, "message": PLATFORM_WAYBILL_MESSAGE}]
            if released
            else [{"code": "encrypted", "message": ENCRYPTED_HOLD}]
        )
        order = Order.objects.create(
            shop=shop,
            platform_order_id=oid,
            status=OrderStatus.READY if released else OrderStatus.NEEDS_REVIEW,
            source="demo",
            channel="shelf",
            total_fen=sku.declared_value_fen,
            ordered_at=paid - timedelta(seconds=40),
            paid_at=paid,
            ship_by=paid + timedelta(hours=shop.default_ship_hours),
            province=person["province"],
            city=person["city"],
            district=person["town"],
            street=person["street"],
            review_reasons=reasons,
            carrier=carrier if released else None,
            warehouse=warehouse if released else None,
        )
        OrderLine.objects.create(
            order=order,
            platform_line_id=oid,
            sku=sku,
            sku_code=sku.code,
            title=sku.name,
            spec=sku.spec,
            quantity=1,
            unit_price_fen=sku.declared_value_fen,
        )
    return carrier


def account_credentials(creds: dict[str, Any]) -> dict[str, Any]:
    """The 抖音电子面单 account: the demo shop's 抖店 app plus the waybill choices."""
    return {
        **creds,
        "net_code": NET_CODE,
        "company_codes": {CARRIER: COMPANY},
        "print_component_url": "ws://127.0.0.1:13888",
    }


def prepare_simulator(sim: Any) -> None:
    """The demo 抖店 simulator knows the encrypted orders' receivers and has the outlet's stock."""
    sim.add_netsite(COMPANY, amount=500)
    for oid, _released, person in ORDERS:
        sim.add_synthetic_order(oid, recipient=person)
