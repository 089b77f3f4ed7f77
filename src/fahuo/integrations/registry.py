"""Provider key -> adapter. A capability a provider lacks raises NotSupported."""

from __future__ import annotations

from collections.abc import Callable

from fahuo.integrations.base import WaybillProvider
from fahuo.kit.errors import NotSupported


def _sandbox() -> WaybillProvider:
    from fahuo.integrations.sandbox.client import SandboxWaybillProvider

    return SandboxWaybillProvider()


WAYBILL_PROVIDERS: dict[str, Callable[[], WaybillProvider]] = {"sandbox": _sandbox}


def waybill_provider(key: str) -> WaybillProvider:
    try:
        factory = WAYBILL_PROVIDERS[key]
    except KeyError:
        raise NotSupported(f"没有可用的电子面单服务: {key}") from None
    return factory()
