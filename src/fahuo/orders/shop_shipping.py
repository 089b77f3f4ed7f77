"""A shop's shipping settings: default ship-from warehouse, ship-back moment (回传时机), unpacked alert.

- ``default_warehouse``: where the shop's orders are reserved and allocated when an order names no
  warehouse itself (``inventory.reservations``, ``routing.candidates``);
- ``shipback_at``: ``issue`` / ``print`` / ``pack`` — when the number goes back to the platform and
  the goods leave the stock books (``fulfilment.ship_moment``);
- ``unpacked_alert_hours``: a printed parcel not packed this many hours before the promised ship
  time raises the 已打单未打包 alert (``tracking.unpacked``).
"""

from __future__ import annotations

from typing import Any

from fahuo.kit.errors import InvalidInput, NotFound
from fahuo.orders.models import ShipBackMoment, Shop

MOMENTS = [str(m) for m in ShipBackMoment.values]
MAX_ALERT_HOURS = 168


def shipping_dict(shop: Shop) -> dict[str, Any]:
    warehouse = shop.default_warehouse
    return {
        "shop": shop.code,
        "default_warehouse": warehouse.code if warehouse is not None else None,
        "ship_back_at": shop.shipback_at,
        "unpacked_alert_hours": shop.unpacked_alert_hours,
    }


def set_shipping(
    *,
    shop: Shop,
    warehouse: str | None = None,
    ship_back_at: str | None = None,
    unpacked_alert_hours: int | None = None,
    user: Any = None,
) -> Shop:
    """Change what is given (``warehouse=""`` clears the default); audited. ``InvalidInput`` with a
    sentence for an unknown warehouse or moment, or hours out of range; nothing half-saved."""
    from fahuo.accounts.services import audit
    from fahuo.inventory.models import Warehouse

    changed: dict[str, Any] = {}
    if warehouse is not None:
        code = warehouse.strip()
        if not code:
            shop.default_warehouse = None
        else:
            found = Warehouse.objects.filter(code=code, active=True).first()
            if found is None:
                raise InvalidInput(f"仓库不存在或已停用：{code}")
            shop.default_warehouse = found
        changed["default_warehouse"] = code or None
    if ship_back_at is not None:
        if ship_back_at not in MOMENTS:
            raise InvalidInput(f"回传时机无效：{ship_back_at}（issue 取号后 / print 打印后 / pack 打包后）")
        shop.shipback_at = ship_back_at
        changed["ship_back_at"] = ship_back_at
    if unpacked_alert_hours is not None:
        if not 0 <= unpacked_alert_hours <= MAX_ALERT_HOURS:
            raise InvalidInput(f"提醒提前小时数须在 0 到 {MAX_ALERT_HOURS} 之间")
        shop.unpacked_alert_hours = unpacked_alert_hours
        changed["unpacked_alert_hours"] = unpacked_alert_hours
    if changed:
        shop.save(update_fields=["default_warehouse", "shipback_at", "unpacked_alert_hours"])
        audit(user=user, action="shop.shipping", object_type="shop", object_id=shop.pk, detail=changed)
    return shop


def get_shop(*, code: str) -> Shop:
    shop = Shop.objects.select_related("default_warehouse").filter(code=code.strip()).first()
    if shop is None:
        raise NotFound(f"店铺不存在：{code}")
    return shop
