"""The 抖店 IM channel uses the shop's own 抖店 open-platform account (provider ``douyin``).

Credentials are those of ``fahuo.integrations.douyin.settings`` (app_key, app_secret,
access_token); one extra, optional key: ``im_method``, the open-API method that sends a
customer-service message (see ``mapper`` for why it is configurable).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fahuo.integrations.douyin.settings import DouyinSettings, account_credentials
from fahuo.integrations.douyin.settings import account_for_shop as account_for_shop  # the shop's 抖店 app

if TYPE_CHECKING:
    from fahuo.integrations.credentials.models import ProviderAccount

# fahuo's assumed method name (the send API is not in 抖店's public docs); ``im_method`` overrides it.
DEFAULT_METHOD = "im.sendMsg"


@dataclass(frozen=True, slots=True)
class DouyinImSettings:
    douyin: DouyinSettings
    method: str = DEFAULT_METHOD

    @classmethod
    def from_account(cls, account: ProviderAccount) -> DouyinImSettings:
        creds = account_credentials(account)
        douyin = DouyinSettings.from_credentials(creds, base_url=account.base_url)
        # One attempt per call: the outbox retries with backoff, never twice at once.
        douyin = dataclasses.replace(douyin, max_attempts=1)
        method = str(creds.get("im_method") or "").strip() or DEFAULT_METHOD
        return cls(douyin=douyin, method=method)
