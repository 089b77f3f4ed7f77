"""Waybill providers for a run: one adapter per provider account, chosen per carrier and shop."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from types import TracebackType

from fahuo.carriers.models import ProviderAccount
from fahuo.integrations.base import WaybillProvider, WaybillRequest, WaybillResult
from fahuo.integrations.registry import ACCOUNT_FALLBACK, waybill_provider
from fahuo.kit.errors import NotSupported

SANDBOX = "sandbox"
PROVIDER_NAMES = {
    "sandbox": "沙箱",
    "kdniao": "快递鸟",
    "kuaidi100": "快递100",
    "douyin_waybill": "抖音电子面单",
}


class ProviderPool:
    """Waybill adapters per provider account, built once per run and closed at the end.

    The account for a parcel is the active ``ProviderAccount`` of the carrier's provider that fits
    best: one for this carrier and shop, then this carrier, then this shop, then a general one.
    The sandbox needs no account.
    """

    def __init__(self) -> None:
        self._accounts: dict[str, list[ProviderAccount]] = {}
        self._adapters: dict[tuple[str, int | None], WaybillProvider] = {}

    def account_for(self, *, provider: str, carrier_id: int, shop_id: int | None) -> ProviderAccount | None:
        if provider == SANDBOX:
            return None
        if provider not in self._accounts:
            # own accounts first; a provider that runs on another's account (ACCOUNT_FALLBACK) after
            keys = [provider, *([ACCOUNT_FALLBACK[provider]] if provider in ACCOUNT_FALLBACK else [])]
            found = ProviderAccount.objects.filter(provider__in=keys, active=True).order_by("pk")
            self._accounts[provider] = sorted(found, key=lambda a: a.provider != provider)
        fits = [
            a
            for a in self._accounts[provider]
            if a.carrier_id in (None, carrier_id) and a.shop_id in (None, shop_id)
        ]
        if not fits:
            name = PROVIDER_NAMES.get(provider, provider)
            raise NotSupported(f"没有可用的{name}电子面单账号，请先在设置中添加")
        return min(
            fits, key=lambda a: (a.provider != provider, a.carrier_id is None, a.shop_id is None, a.pk)
        )

    def adapter(self, *, provider: str, carrier_id: int, shop_id: int | None) -> WaybillProvider:
        account = self.account_for(provider=provider, carrier_id=carrier_id, shop_id=shop_id)
        key = (provider, account.pk if account is not None else None)
        if key not in self._adapters:
            adapter = waybill_provider(provider, account)
            delay_ms = int(os.environ.get("FAHUO_SANDBOX_DELAY_MS") or 0)
            if provider == SANDBOX and delay_ms > 0:
                adapter = _Slowed(adapter, delay_ms / 1000)
            self._adapters[key] = adapter
        return self._adapters[key]

    def close(self) -> None:
        for adapter in self._adapters.values():
            close = getattr(adapter, "close", None)
            if callable(close):
                close()
        self._adapters.clear()

    def __enter__(self) -> ProviderPool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class _Slowed:
    """Test-only (env ``FAHUO_SANDBOX_DELAY_MS``): a sandbox that answers like a provider far away,
    so a browser test can watch a batch's progress and a process test can kill a worker mid-batch."""

    def __init__(self, inner: WaybillProvider, seconds: float) -> None:
        self.inner, self.seconds, self.key = inner, seconds, inner.key

    def issue(self, requests: Sequence[WaybillRequest]) -> list[WaybillResult]:
        time.sleep(self.seconds * len(requests))
        return self.inner.issue(requests)

    def cancel(
        self, *, carrier_code: str, tracking_no: str, request_id: str = "", provider_ref: str = ""
    ) -> None:
        self.inner.cancel(
            carrier_code=carrier_code,
            tracking_no=tracking_no,
            request_id=request_id,
            provider_ref=provider_ref,
        )
