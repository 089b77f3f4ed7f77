"""The Kdniao SMS channel: one signed 8101 call per message over the shared Kdniao client."""

from __future__ import annotations

from collections.abc import Mapping

from fahuo.integrations.kdniao.client import KdniaoClient
from fahuo.integrations.messaging.base import SendResult
from fahuo.integrations.messaging.sms_kdniao import mapper
from fahuo.integrations.messaging.sms_kdniao.codes import FailureKind
from fahuo.integrations.messaging.sms_kdniao.settings import KdniaoSmsSettings
from fahuo.kit.errors import ProviderError
from fahuo.kit.privacy import scrub

CHANNEL_KEY = "sms"


class KdniaoSmsChannel:
    """fahuo's MessageChannel for SMS. Signing and form encoding are Kdniao's usual ones
    (``fahuo.integrations.kdniao.client``)."""

    key = CHANNEL_KEY

    def __init__(self, settings: KdniaoSmsSettings, *, client: KdniaoClient | None = None) -> None:
        self.settings = settings
        self.client = client or KdniaoClient(settings.kdniao())

    def send(
        self,
        to: str,
        body: str,
        *,
        template_code: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> SendResult:
        try:
            data = mapper.send_request_data(to=to, body=body, params=params, settings=self.settings)
        except mapper.MappingError as exc:
            return SendResult.failed(exc.message, retryable=False, code=str(exc.kind))
        try:
            answer = self.client.call(mapper.REQUEST_SEND, data)
        except ProviderError as exc:  # no usable answer (network, HTTP 5xx): try again later
            return SendResult.failed(scrub(exc.message), retryable=True)
        outcome = mapper.parse_send_response(answer)
        if outcome.ok:
            return SendResult.sent(outcome.msg_id, code=outcome.code)
        return SendResult.failed(
            scrub(outcome.message),
            retryable=outcome.retryable,
            code=outcome.code,
            throttled=outcome.kind is FailureKind.RATE_LIMITED,
        )

    def close(self) -> None:
        self.client.close()
