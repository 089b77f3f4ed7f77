"""Channel key -> a ready MessageChannel for a shop (from its provider account).

A channel with no account for the shop raises ``NotSupported`` with a message telling the seller
what to add; the outbox keeps the message and tries again later.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fahuo.integrations.messaging.base import MessageChannel
from fahuo.integrations.registry import capability
from fahuo.kit.errors import NotSupported

if TYPE_CHECKING:
    from fahuo.integrations.credentials.models import ProviderAccount
    from fahuo.orders.models import Shop


def _sms(shop: Shop) -> MessageChannel:
    from fahuo.integrations.messaging.sms_kdniao.client import KdniaoSmsChannel
    from fahuo.integrations.messaging.sms_kdniao.settings import KdniaoSmsSettings, account_for_shop

    return KdniaoSmsChannel(KdniaoSmsSettings.from_account(_need(account_for_shop(shop), "快递鸟短信")))


def _douyin_im(shop: Shop) -> MessageChannel:
    from fahuo.integrations.messaging.douyin_im.client import DouyinImChannel
    from fahuo.integrations.messaging.douyin_im.settings import DouyinImSettings, account_for_shop

    return DouyinImChannel(DouyinImSettings.from_account(_need(account_for_shop(shop), "抖店开放平台")))


def _wechat(shop: Shop) -> MessageChannel:
    from fahuo.integrations.messaging.wechat.client import WechatChannel
    from fahuo.integrations.messaging.wechat.settings import WechatSettings, account_for_shop

    return WechatChannel(WechatSettings.from_account(_need(account_for_shop(shop), "微信小程序")))


def _need(account: ProviderAccount | None, what: str) -> ProviderAccount:
    if account is None:
        raise NotSupported(f"没有可用的{what}账号，请先在设置中添加（消息会在添加后自动发出）")
    return account


CHANNELS: dict[str, Callable[[Shop], MessageChannel]] = {
    "sms": _sms,
    "douyin_im": _douyin_im,
    "wechat": _wechat,
}


def channel_for(key: str, shop: Shop) -> MessageChannel:
    return capability(CHANNELS, key, "不支持的消息渠道")(shop)
