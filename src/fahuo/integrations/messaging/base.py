"""The protocol every buyer-message channel implements, and what a send answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from fahuo.kit.errors import ProviderError
from fahuo.kit.privacy import scrub


@dataclass(frozen=True, slots=True)
class SendResult:
    """One send: ``ok`` with the provider's message id, or the provider's own error text.

    ``retryable`` says whether the same message may go through later unchanged (rate limit, busy,
    network); a refusal of the recipient or the content is final. ``error`` never holds the
    recipient's number or openid.
    """

    ok: bool
    provider_msg_id: str = ""
    error: str = ""
    retryable: bool = False
    code: str = ""  # the provider's own answer code, for the record
    throttled: bool = False  # the provider said "too fast": stop sending on this channel for a while

    @classmethod
    def sent(cls, provider_msg_id: str, *, code: str = "") -> SendResult:
        return cls(ok=True, provider_msg_id=provider_msg_id, code=code)

    @classmethod
    def failed(cls, error: str, *, retryable: bool, code: str = "", throttled: bool = False) -> SendResult:
        return cls(ok=False, error=error, retryable=retryable or throttled, code=code, throttled=throttled)


class MessageChannel(Protocol):
    """Sends one text to one buyer. ``to`` is what the channel addresses: a mobile number (SMS), a
    抖店 order id (IM to that order's buyer) or an openid (WeChat). ``template_code`` and ``params``
    serve channels that send a pre-approved template with values (WeChat subscribe messages) instead
    of free text; the others ignore them."""

    key: str

    def send(
        self,
        to: str,
        body: str,
        *,
        template_code: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> SendResult: ...

    def close(self) -> None: ...


class ProviderChannel:
    """The shape the provider channels share: ``send`` checks nothing itself, it hands the message to
    ``deliver`` (the provider's mapping and call) and turns a ``ProviderError`` (network, HTTP 5xx,
    an unreadable answer) into a retryable failure without personal data; ``close`` closes the
    provider client."""

    key: str
    client: Any

    def send(self, to: str, body: str, **options: Any) -> SendResult:
        """``options``: the protocol's ``template_code`` and ``params`` (nothing else)."""
        if unknown := set(options) - {"template_code", "params"}:
            raise TypeError(f"send() got unexpected options {sorted(unknown)}")
        try:
            return self.deliver(to, body, options.get("template_code"), options.get("params"))
        except ProviderError as exc:  # no usable answer: try again later
            return SendResult.failed(scrub(exc.message), retryable=True)

    def deliver(
        self, to: str, body: str, template_code: str | None, params: Mapping[str, str] | None
    ) -> SendResult:
        raise NotImplementedError

    def close(self) -> None:
        self.client.close()
