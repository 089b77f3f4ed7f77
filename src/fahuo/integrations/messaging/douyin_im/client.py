"""The 抖店 IM channel: one signed open-API call per message, over the shared 抖店 client."""

from __future__ import annotations

from collections.abc import Mapping

from fahuo.integrations.douyin.client import DouyinClient
from fahuo.integrations.douyin.codes import FailureKind
from fahuo.integrations.messaging.base import ProviderChannel, SendResult
from fahuo.integrations.messaging.douyin_im import mapper
from fahuo.integrations.messaging.douyin_im.settings import DouyinImSettings
from fahuo.kit.privacy import scrub

CHANNEL_KEY = "douyin_im"


class DouyinImChannel(ProviderChannel):
    """fahuo's MessageChannel for 抖店 IM; ``to`` is the 抖店 order id (the platform knows its buyer,
    so no personal data leaves fahuo). Signing is ``fahuo.integrations.douyin.client.sign``."""

    key = CHANNEL_KEY

    def __init__(self, settings: DouyinImSettings, *, client: DouyinClient | None = None) -> None:
        self.settings = settings
        self.client = client or DouyinClient(settings.douyin)

    def deliver(
        self, to: str, body: str, template_code: str | None, params: Mapping[str, str] | None
    ) -> SendResult:
        try:
            call_params = mapper.send_params(order_id=to, body=body, params=params)
        except mapper.MappingError as exc:
            return SendResult.failed(exc.message, retryable=False, code="invalid")
        answer = self.client.call(self.settings.method, call_params)
        outcome, msg_id = mapper.parse_send_response(answer)
        if outcome.ok:
            return SendResult.sent(msg_id or outcome.log_id, code=str(outcome.code))
        code = outcome.sub_code or str(outcome.code)
        return SendResult.failed(
            scrub(outcome.message),
            retryable=outcome.retryable,
            code=code,
            throttled=outcome.kind is FailureKind.RATE_LIMITED,
        )
