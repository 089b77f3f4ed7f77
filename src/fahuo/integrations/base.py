"""The small adapter protocols every integration implements (karrio's shape: mapper/client/settings/codes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    phone: str
    province: str
    city: str
    district: str
    detail: str


@dataclass(frozen=True, slots=True)
class WaybillRequest:
    """One parcel to get an e-waybill for. ``request_id`` is stable per parcel: a provider given the
    same id again returns the same waybill instead of a new one (Kdniao's OrderCode works so)."""

    request_id: str
    carrier_code: str
    sender: Party
    recipient: Party
    weight_g: int | None = None
    quantity: int = 1
    goods: str = ""
    privacy: bool = True


@dataclass(frozen=True, slots=True)
class WaybillResult:
    request_id: str
    tracking_no: str = ""
    sort_code: str = ""
    mark_destination: str = ""
    error: str = ""  # the provider's own message (Chinese) when this parcel failed
    children: tuple[str, ...] = ()  # child waybill numbers of a multi-parcel shipment (子母件)
    provider_ref: str = ""  # the provider's own order reference, needed by some to cancel

    @property
    def ok(self) -> bool:
        return bool(self.tracking_no) and not self.error


class WaybillProvider(Protocol):
    key: str

    def issue(self, requests: Sequence[WaybillRequest]) -> list[WaybillResult]:
        """Issue waybills; one result per request, in order. A per-parcel failure is a result with
        ``error`` set; a failure of the whole call raises ``fahuo.kit.errors.ProviderError``."""
        ...

    def cancel(
        self, *, carrier_code: str, tracking_no: str, request_id: str = "", provider_ref: str = ""
    ) -> None:
        """Cancel an issued waybill; raises ``ProviderError`` with the provider's message on refusal."""
        ...
