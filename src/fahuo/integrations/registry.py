"""Provider key -> adapter. A capability a provider lacks raises NotSupported."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fahuo.integrations.base import ShopPlatform, WaybillProvider
from fahuo.kit.errors import NotSupported

if TYPE_CHECKING:
    from fahuo.carriers.models import ProviderAccount


def _sandbox(account: ProviderAccount | None) -> WaybillProvider:
    from fahuo.integrations.sandbox.client import SandboxWaybillProvider

    return SandboxWaybillProvider()


# Each factory takes the (optional) account with credentials and returns a ready adapter.
WAYBILL_PROVIDERS: dict[str, Callable[[ProviderAccount | None], WaybillProvider]] = {"sandbox": _sandbox}


def waybill_provider(key: str, account: ProviderAccount | None = None) -> WaybillProvider:
    try:
        factory = WAYBILL_PROVIDERS[key]
    except KeyError:
        raise NotSupported(f"没有可用的电子面单服务: {key}") from None
    return factory(account)


def _kdniao(account: ProviderAccount | None) -> WaybillProvider:
    from fahuo.integrations.kdniao.client import KdniaoWaybillProvider
    from fahuo.integrations.kdniao.settings import KdniaoSettings

    return KdniaoWaybillProvider(KdniaoSettings.for_account(account))


WAYBILL_PROVIDERS["kdniao"] = _kdniao


def _kuaidi100(account: ProviderAccount | None) -> WaybillProvider:
    from fahuo.integrations.kuaidi100.client import provider_for_account

    return provider_for_account(account)


WAYBILL_PROVIDERS["kuaidi100"] = _kuaidi100


# Shop platforms (ship-back): Shop.platform -> factory taking the shop's account (or None).
SHOP_PLATFORMS: dict[str, Callable[[ProviderAccount | None], ShopPlatform]] = {}


def shop_platform(key: str, account: ProviderAccount | None = None) -> ShopPlatform:
    try:
        factory = SHOP_PLATFORMS[key]
    except KeyError:
        raise NotSupported(f"不支持向该平台回传发货: {key}") from None
    return factory(account)


def _douyin(account: ProviderAccount | None) -> ShopPlatform:
    from fahuo.integrations.douyin.client import DouyinShopPlatform
    from fahuo.integrations.douyin.settings import settings_for

    return DouyinShopPlatform(settings_for(account))


SHOP_PLATFORMS["douyin"] = _douyin
