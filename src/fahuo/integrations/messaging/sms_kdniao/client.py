"""The Kdniao SMS channel: one signed 8101 call per message over the shared Kdniao client."""

from __future__ import annotations

from collections.abc import Mapping

from fahuo.integrations.kdniao.client import KdniaoClient
from fahuo.integrations.messaging.base import ProviderChannel, SendResult
from fahuo.integrations.messaging.sms_kdniao import mapper
from fahuo.integrations.messaging.sms_kdniao.codes import FailureKind
from fahuo.integrations.messaging.sms_kdniao.settings import KdniaoSmsSettings
from fahuo.kit.privacy import scrub

CHANNEL_KEY = "sms"


class KdniaoSmsChannel(ProviderChannel):
    """fahuo's MessageChannel for SMS. Signing and form encoding are Kdniao's usual ones
    (``fahuo.integrations.kdniao.client``)."""

    key = CHANNEL_KEY

    def __init__(self, settings: KdniaoSmsSettings, *, client: KdniaoClient | None = None) -> None:
        self.settings = settings
        self.client = client or KdniaoClient(settings.kdniao())

    def deliver(
        self, to: str, body: str, template_code: str | None, params: Mapping[str, str] | None
    ) -> SendResult:
        try:
            data = mapper.send_request_data(to=to, body=body, params=params, settings=self.settings)
        except mapper.MappingError as exc:
            return SendResult.failed(exc.message, retryable=False, code=str(exc.kind))
        answer = self.client.call(mapper.REQUEST_SEND, data)
        outcome = mapper.parse_send_response(answer)
        if outcome.ok:
            return SendResult.sent(outcome.msg_id, code=outcome.code)
        return SendResult.failed(
            scrub(outcome.message),
            retryable=outcome.retryable,
            code=outcome.code,
            throttled=outcome.kind is FailureKind.RATE_LIMITED,
        )
