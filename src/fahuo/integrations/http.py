"""The one retrying HTTP call every provider client makes (httpx + tenacity).

A provider client builds and signs its request; :func:`call_json` sends it, retries transport
errors and the provider's retryable HTTP statuses with exponential back-off, and returns the JSON
object of the answer — or raises ``ProviderError`` with the provider's own wording for "cannot
connect", "temporarily unavailable", "refused" and "unreadable". A business refusal inside a 200
answer is never retried here: that is for the provider's ``codes.py`` to judge.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from fahuo.kit.errors import ProviderError

# Gateway and overload answers worth sending the same request again for.
RETRYABLE_HTTP_STATUSES = frozenset({500, 502, 503, 504})


class ServerError(Exception):
    """A retryable HTTP status (a gateway 5xx): tried again like a transport error."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


@dataclass(frozen=True, slots=True)
class Wording:
    """What the seller reads when a call fails, in the provider's name ({error}: the exception's
    class name, {status}: the HTTP status)."""

    unreachable: str
    unavailable: str
    refused: str
    unreadable: str


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 3
    backoff_s: float = 0.5  # first wait; doubles each attempt
    max_wait_s: float = 8.0


def send_with_retries(
    send: Callable[[], httpx.Response],
    *,
    policy: RetryPolicy,
    retry_statuses: Collection[int] = RETRYABLE_HTTP_STATUSES,
) -> httpx.Response:
    """``send()`` until it answers with a status outside ``retry_statuses``; raises the last
    ``httpx.TransportError`` or :class:`ServerError` when the attempts run out."""

    def attempt() -> httpx.Response:
        response = send()
        if response.status_code in retry_statuses:
            raise ServerError(response.status_code)
        return response

    retrying = Retrying(
        stop=stop_after_attempt(max(policy.attempts, 1)),
        wait=wait_exponential(multiplier=policy.backoff_s, max=max(policy.max_wait_s, 0.0)),
        retry=retry_if_exception_type((httpx.TransportError, ServerError)),
        reraise=True,
    )
    return retrying(attempt)


def call_json(
    send: Callable[[], httpx.Response],
    *,
    policy: RetryPolicy,
    wording: Wording,
    retry_statuses: Collection[int] = RETRYABLE_HTTP_STATUSES,
    detail: object | None = None,
) -> dict[str, Any]:
    """Send with retries and return the answer's JSON object; ProviderError (carrying ``detail``)
    for anything else."""
    try:
        response = send_with_retries(send, policy=policy, retry_statuses=retry_statuses)
    except httpx.TransportError as exc:
        raise ProviderError(wording.unreachable.format(error=type(exc).__name__), detail=detail) from exc
    except ServerError as exc:
        raise ProviderError(wording.unavailable.format(status=exc.status), detail=detail) from exc
    if response.status_code != 200:
        raise ProviderError(wording.refused.format(status=response.status_code), detail=detail)
    try:
        body = response.json()
    except ValueError:
        raise ProviderError(wording.unreadable, detail=detail) from None
    if not isinstance(body, dict):
        raise ProviderError(wording.unreadable, detail=detail)
    return body


class Closable:
    """``close()`` and ``with`` for a provider client or adapter; subclasses say what close does."""

    def close(self) -> None:
        return None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class OwnedClient(Closable):
    """An httpx client given by the caller (shared, or a test's) or made here and then closed here."""

    def __init__(self, http: httpx.Client | None, make: Callable[[], httpx.Client]) -> None:
        self._own_http = http is None
        self._http = http if http is not None else make()

    def close(self) -> None:
        if self._own_http:
            self._http.close()


C = TypeVar("C", bound=Closable)


class ClientAdapter(Closable, Generic[C]):
    """An adapter (WaybillProvider, ShopPlatform …) over one provider client in ``self.client``:
    closing the adapter closes the client."""

    client: C

    def close(self) -> None:
        self.client.close()
