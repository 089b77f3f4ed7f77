"""Which channel reaches an order's buyer, and the buyer's address on it — decided for a batch at once.

* a private-domain order (``Order.channel == "private"`` or a WeChat shop) goes by WeChat when the
  buyer's openid is known (``BuyerContact``), else by SMS;
* a 抖店 order goes by 抖店 IM when the shop has a 抖店 open-platform account (抖店 phone numbers
  are often privacy numbers an SMS cannot reach), else by SMS;
* anything else by SMS.

A channel without an account is skipped when another is possible; SMS is the last resort even
without an account (the message then waits in the outbox, with the reason, until one is added).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from fahuo.carriers.models import ProviderAccount
from fahuo.kit.privacy import lookup_hash
from fahuo.notify.models import BuyerContact, Channel
from fahuo.orders.models import Order, Platform

# channel -> provider keys of the accounts that can serve it
CHANNEL_PROVIDERS: dict[str, tuple[str, ...]] = {
    Channel.SMS: ("kdniao_sms", "kdniao"),
    Channel.DOUYIN_IM: ("douyin",),
    Channel.WECHAT: ("wechat",),
}


@dataclass(slots=True)
class Directory:
    """Accounts and WeChat contacts of a batch of orders, read in two queries."""

    accounts: set[tuple[str, int | None]] = field(default_factory=set)  # (provider, shop id or None)
    openids: dict[tuple[int, str], str] = field(default_factory=dict)  # (shop id, phone hash) -> openid
    phone_hashes: dict[int, str] = field(default_factory=dict)  # order id -> phone hash

    @classmethod
    def for_orders(cls, orders: Iterable[Order]) -> Directory:
        orders = list(orders)
        directory = cls()
        shop_ids = {o.shop_id for o in orders}
        providers = {p for keys in CHANNEL_PROVIDERS.values() for p in keys}
        rows = ProviderAccount.objects.filter(provider__in=providers, active=True).filter(
            Q(shop_id__in=shop_ids) | Q(shop__isnull=True)
        )
        directory.accounts = set(rows.values_list("provider", "shop_id"))
        wanted = [o for o in orders if _private(o) and o.recipient_phone]
        for o in wanted:
            directory.phone_hashes[o.pk] = lookup_hash(o.recipient_phone)
        if wanted:
            contacts = BuyerContact.objects.filter(
                channel=Channel.WECHAT,
                shop_id__in={o.shop_id for o in wanted},
                phone_hash__in=set(directory.phone_hashes.values()),
            )
            directory.openids = {(c.shop_id, c.phone_hash): c.address for c in contacts}
        return directory

    def has_account(self, channel: str, shop_id: int) -> bool:
        return any(
            (p, shop_id) in self.accounts or (p, None) in self.accounts for p in CHANNEL_PROVIDERS[channel]
        )

    def openid(self, order: Order) -> str:
        key = self.phone_hashes.get(order.pk)
        return self.openids.get((order.shop_id, key), "") if key else ""

    def choose(self, order: Order) -> str:
        if _private(order):
            preferred = [Channel.WECHAT] if self.openid(order) else []
        elif order.shop.platform == Platform.DOUYIN:
            preferred = [Channel.DOUYIN_IM]
        else:
            preferred = []
        for channel in preferred:
            if self.has_account(channel, order.shop_id):
                return channel
        return Channel.SMS

    def address(self, order: Order, channel: str) -> str:
        """The buyer's address on ``channel`` ("" when fahuo does not know one)."""
        if channel == Channel.SMS:
            return order.recipient_phone or ""
        if channel == Channel.DOUYIN_IM:
            return order.platform_order_id
        if channel == Channel.WECHAT:
            if order.pk not in self.phone_hashes and order.recipient_phone:
                self.phone_hashes[order.pk] = lookup_hash(order.recipient_phone)
                contact = BuyerContact.objects.filter(
                    shop_id=order.shop_id, channel=Channel.WECHAT, phone_hash=self.phone_hashes[order.pk]
                ).first()
                if contact is not None:
                    self.openids[(order.shop_id, contact.phone_hash)] = contact.address
            return self.openid(order)
        return ""


def _private(order: Order) -> bool:
    return order.channel == "private" or order.shop.platform == Platform.WECHAT
