"""The small adapter protocols every integration implements (karrio's shape: mapper/client/settings/codes)."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar, runtime_checkable
from zoneinfo import ZoneInfo

from fahuo.kit.addressee import Addressee

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the providers' times are Beijing time without an offset
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S")
K = TypeVar("K")


def first_hint(text: str, hints: Sequence[tuple[K, Sequence[str]]]) -> K | None:
    """The value of the first ``(value, words)`` row with one of its words in ``text`` (a provider's
    free-text reason or trace line); None when no row's words appear."""
    for value, words in hints:
        if any(w in text for w in words):
            return value
    return None


def parse_provider_time(value: object, error: type[ValueError] = ValueError) -> datetime:
    """A provider's trace time ("2024-05-02 08:03:11", Beijing time) as an aware datetime; ``error``
    (the caller's per-row error) when it is in none of ``TIME_FORMATS``."""
    text = str(value or "").strip()
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=SHANGHAI)
        except ValueError:
            continue
    raise error(f"无法识别的时间 {text!r}")


@dataclass(frozen=True, slots=True)
class Party(Addressee):
    """A sender or recipient in a waybill request."""


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
    # The platform's order id: platform waybills (抖音电子面单) draw the number from the order's own
    # encrypted receiver, so ``recipient`` may be empty for them.
    order_id: str = ""


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


@runtime_checkable
class PlatformLabelPrinter(Protocol):
    """A waybill provider whose labels the platform prints itself (its print component renders the
    encrypted print data), so fahuo never holds the receiver in clear: 抖音电子面单."""

    @property
    def component_url(self) -> str:
        """Where the print component listens on the desk PC (the browser connects there)."""
        ...

    def print_task(
        self, items: Sequence[tuple[str, str]], *, task_id: str
    ) -> tuple[dict[str, Any] | None, dict[str, str]]:
        """The component's print task for (carrier_code, tracking_no) labels (None when none has
        print data) and tracking_no -> why a label has none; nothing is sent."""
        ...

    def print_labels(self, items: Sequence[tuple[str, str]], *, task_id: str) -> dict[str, str]:
        """Print (carrier_code, tracking_no) labels as one task from this server; tracking_no ->
        error for those that could not be printed. Raises ``ProviderError`` when the whole task fails."""
        ...


# --- tracking (waybill/tracking providers) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One trace line from a tracking provider, already mapped to fahuo's status set
    (``fahuo.tracking.models.TrackStatus`` values) by the provider's ``codes.py``."""

    tracking_no: str
    carrier_code: str  # fahuo carrier code (ZTO, YTO, SF …)
    at: datetime  # aware
    status: str
    provider: str  # kdniao, kuaidi100 …
    provider_code: str  # the raw State/StateEx or state code
    description: str
    location: str = ""
    signed_by_proxy: bool = False  # 代签 / 快递柜 / 驿站 signature


@dataclass(slots=True)
class ParsedPush:
    """A push decoded and verified: its events, per-item errors that did not stop the rest, and the
    exact body the provider expects as the acknowledgement."""

    events: list[TraceEvent]
    errors: list[str]
    ack_body: str
    ack_content_type: str = "application/json"


class MappingError(ValueError):
    """fahuo's data cannot be said in a provider's terms; ``message`` is shown to the seller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SignatureInvalid(Exception):
    """A push whose signature does not verify: answer 401 and log it."""


class MalformedPush(Exception):
    """A push body that cannot be decoded: answer 400 and log it."""


def signatures_match(expected: str, given: str) -> bool:
    """Constant-time comparison of a computed signature with the one a push carries.

    The pushed text is attacker-controlled: compared as UTF-8 bytes, so a non-ASCII value is simply
    a wrong signature (``hmac.compare_digest`` refuses non-ASCII ``str`` with a TypeError -> 500).
    """
    return hmac.compare_digest(expected.encode("utf-8", "replace"), given.encode("utf-8", "replace"))


# --- shop platforms (ship-back of tracking numbers) -----------------------------------------


class ShopPlatform(Protocol):
    key: str

    def ship(
        self, *, order_id: str, company_code: str, logistics_code: str, line_ids: Sequence[str] = ()
    ) -> None:
        """Tell the platform the order shipped with this number (发货回传): the whole order, or only
        the sub-orders in ``line_ids``. Raises ``ProviderError`` with the platform's own message on
        refusal; ``detail["retryable"]`` says whether the same call may succeed later unchanged."""
        ...
