"""Set-up API (owners): the same operations as the set-up commands, with the same JSON shapes."""

from __future__ import annotations

from typing import Any, BinaryIO, cast

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from fahuo.accounts.services import role_of
from fahuo.kit.errors import PermissionDenied

router = Router()


def _owner(request: HttpRequest) -> None:
    if role_of(request.user) != "owner":
        raise PermissionDenied(_("Only the owner can change settings."))


class ShopIn(Schema):
    code: str
    name: str
    platform: str
    sender_name: str = ""
    sender_phone: str = ""
    sender_address: str = ""
    brand_note: str = ""


class WarehouseIn(Schema):
    code: str
    name: str
    province: str
    city: str
    district: str = ""
    address: str = ""
    pickup_hours: str = ""
    packers: int = 0
    packing_rate: int = 0


class CarrierIn(Schema):
    code: str
    name: str = ""
    provider: str
    test: bool = False


class CapacityIn(Schema):
    carrier: str
    warehouse: str
    max_parcels: int
    per_hour: int | None = None


class AdjustIn(Schema):
    warehouse: str
    sku_code: str
    delta: int
    reason: str


@router.post("/shops", response={201: dict[str, Any]})
def add_shop(request: HttpRequest, payload: ShopIn) -> tuple[int, dict[str, Any]]:
    from fahuo.orders.shops import create_shop, shop_dict

    _owner(request)
    with transaction.atomic():
        shop = create_shop(user=request.user, **payload.dict())
    return 201, shop_dict(shop)


@router.post("/warehouses", response={201: dict[str, Any]})
def add_warehouse(request: HttpRequest, payload: WarehouseIn) -> tuple[int, dict[str, Any]]:
    from fahuo.inventory.cli_warehouses import warehouse_dict
    from fahuo.inventory.services import create_warehouse

    _owner(request)
    with transaction.atomic():
        warehouse = create_warehouse(**payload.dict())
    return 201, warehouse_dict(warehouse)


@router.post("/skus/import", response={200: dict[str, Any], 422: dict[str, Any]})
def import_skus(request: HttpRequest, file: UploadedFile = File(...)) -> tuple[int, dict[str, Any]]:  # noqa: B008
    """All rows or none: 422 with ``errors: [{row, reason}]`` when any row is wrong."""
    from fahuo.catalog.services import import_skus as run

    _owner(request)
    with transaction.atomic():
        report = run(fileobj=cast(BinaryIO, file), filename=file.name or "skus.csv")
    return (422 if report.errors else 200), report.as_dict()


@router.post("/stock/import", response={200: dict[str, Any], 422: dict[str, Any]})
def import_stock(
    request: HttpRequest,
    warehouse: str,
    file: UploadedFile = File(...),  # noqa: B008
) -> tuple[int, dict[str, Any]]:
    from fahuo.inventory.services import get_warehouse
    from fahuo.inventory.services import import_stock as run

    _owner(request)
    with transaction.atomic():
        report = run(
            fileobj=cast(BinaryIO, file),
            filename=file.name or "stock.csv",
            warehouse=get_warehouse(code=warehouse),
            user=request.user,
        )
    return (422 if report.errors else 200), report.as_dict()


@router.get("/stock", response=list[dict[str, Any]])
def stock(request: HttpRequest, warehouse: str | None = None) -> list[dict[str, Any]]:
    from fahuo.accounts.services import require
    from fahuo.inventory.services import stock_levels

    require(request, "orders.view_order")
    return stock_levels(warehouse_code=warehouse)


@router.post("/stock/adjust", response=dict[str, Any])
def adjust(request: HttpRequest, payload: AdjustIn) -> dict[str, Any]:
    from fahuo.catalog.services import get_sku
    from fahuo.inventory.services import adjust_stock, get_warehouse

    _owner(request)
    with transaction.atomic():
        movement = adjust_stock(
            warehouse=get_warehouse(code=payload.warehouse),
            sku=get_sku(code=payload.sku_code),
            delta=payload.delta,
            note=payload.reason,
            user=request.user,
        )
    return {
        "warehouse": payload.warehouse,
        "sku_code": payload.sku_code,
        "delta": movement.on_hand_delta,
        "reason": movement.note,
    }


@router.post("/carriers", response={201: dict[str, Any]})
def add_carrier(request: HttpRequest, payload: CarrierIn) -> tuple[int, dict[str, Any]]:
    from fahuo.carriers.setup import add_carrier as run

    _owner(request)
    with transaction.atomic():
        carrier = run(**payload.dict())
    return 201, {
        "code": carrier.code,
        "name": carrier.name,
        "provider": carrier.provider,
        "test": carrier.test_mode,
    }


@router.put("/capacity", response=dict[str, Any])
def capacity(request: HttpRequest, payload: CapacityIn) -> dict[str, Any]:
    from fahuo.carriers.setup import set_capacity

    _owner(request)
    with transaction.atomic():
        cap = set_capacity(
            carrier_code=payload.carrier,
            warehouse_code=payload.warehouse,
            max_parcels=payload.max_parcels,
            per_hour=payload.per_hour,
        )
    return {
        "carrier": cap.carrier.code,
        "warehouse": cap.warehouse.code,
        "max_parcels": cap.max_parcels,
        "per_hour": cap.max_parcels_per_hour,
    }


# --- 抖店 authorisation per shop -----------------------------------------------------------------


class DouyinConnectIn(Schema):
    app_key: str
    app_secret: str
    code: str = ""  # the authorisation code (tool app)
    shop_id: str = ""  # or a self-use app's 抖店 shop id
    base_url: str = ""


class DouyinSwitchesIn(Schema):
    fetch_orders: bool | None = None
    ship_back: bool | None = None


def _managed_shop(request: HttpRequest, code: str) -> Any:
    from fahuo.accounts.selectors import managed_shops
    from fahuo.orders.platform_auth import get_shop

    _owner(request)
    return get_shop(code=code, shops=managed_shops(request.user))


@router.get("/shops/{code}/douyin", response=dict[str, Any], summary="A 抖店 shop's connection status")
def douyin_status(request: HttpRequest, code: str) -> dict[str, Any]:
    """state (connected / expired / error / not_connected), 抖店 shop, expires_at, last_error, switches."""
    from fahuo.orders.platform_auth import connection_status

    return connection_status(_managed_shop(request, code))


@router.post("/shops/{code}/douyin", response=dict[str, Any], summary="Authorise a 抖店 shop")
def douyin_connect(request: HttpRequest, code: str, payload: DouyinConnectIn) -> dict[str, Any]:
    """token.create with the code (or authorization_self with shop_id); the pair is stored encrypted
    and renewed before it expires. A platform refusal is a 502 with the platform's message."""
    from fahuo.orders.platform_auth import connect_douyin, connection_status

    shop = _managed_shop(request, code)
    connect_douyin(shop=shop, **payload.dict())
    return connection_status(shop)


@router.patch(
    "/shops/{code}/douyin", response=dict[str, Any], summary="Turn 抖店 order fetch/ship-back on or off"
)
def douyin_switches(request: HttpRequest, code: str, payload: DouyinSwitchesIn) -> dict[str, Any]:
    from fahuo.orders.platform_auth import connection_status, set_switches

    shop = _managed_shop(request, code)
    with transaction.atomic():
        set_switches(shop=shop, fetch_orders=payload.fetch_orders, ship_back=payload.ship_back)
    return connection_status(shop)


@router.post("/shops/{code}/douyin/refresh", response=dict[str, Any], summary="Renew a 抖店 shop's token now")
def douyin_refresh(request: HttpRequest, code: str) -> dict[str, Any]:
    from fahuo.orders.platform_auth import connection_status, refresh_shop

    shop = _managed_shop(request, code)
    refresh_shop(shop=shop)
    return connection_status(shop)


class BranchIn(Schema):
    name: str = ""
    code: str = ""
    contact: str = ""
    pickup_address: str = ""
    pickup_hours: str = ""


@router.put("/carriers/{code}/branch", response=dict[str, Any], summary="Save a carrier's 网点 details")
def carrier_branch(request: HttpRequest, code: str, payload: BranchIn) -> dict[str, Any]:
    """Name, code, contact (stored encrypted, answered masked), pickup address and hours."""
    from fahuo.carriers.setup import branch_dict, set_branch

    _owner(request)
    with transaction.atomic():
        carrier = set_branch(carrier_code=code, **payload.dict())
    return branch_dict(carrier)


class ShippingIn(Schema):
    default_warehouse: str | None = None  # a warehouse code; "" clears the default
    ship_back_at: str | None = None  # issue / print / pack
    unpacked_alert_hours: int | None = None


@router.get("/shops/{code}/shipping", response=dict[str, Any], summary="A shop's shipping settings")
def shipping(request: HttpRequest, code: str) -> dict[str, Any]:
    """default_warehouse, ship_back_at (issue / print / pack), unpacked_alert_hours."""
    from fahuo.orders.shop_shipping import shipping_dict

    return shipping_dict(_managed_shop(request, code))


@router.put("/shops/{code}/shipping", response=dict[str, Any], summary="Change a shop's shipping settings")
def set_shipping(request: HttpRequest, code: str, payload: ShippingIn) -> dict[str, Any]:
    """Only the fields given change; an unknown warehouse or moment is a 422 with a sentence."""
    from fahuo.orders import shop_shipping

    shop = _managed_shop(request, code)
    with transaction.atomic():
        shop_shipping.set_shipping(
            shop=shop,
            warehouse=payload.default_warehouse,
            ship_back_at=payload.ship_back_at,
            unpacked_alert_hours=payload.unpacked_alert_hours,
            user=request.user,
        )
    return shop_shipping.shipping_dict(shop)
