"""Provider key -> adapter. A capability a provider lacks raises NotSupported."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from fahuo.integrations.base import ParsedPush, ShopPlatform, TraceEvent, WaybillProvider
from fahuo.kit.errors import NotSupported

if TYPE_CHECKING:
    from fahuo.integrations.credentials.models import ProviderAccount


def _sandbox(account: ProviderAccount | None) -> WaybillProvider:
    from fahuo.integrations.sandbox.client import SandboxWaybillProvider

    return SandboxWaybillProvider()


# Each factory takes the (optional) account with credentials and returns a ready adapter.
WAYBILL_PROVIDERS: dict[str, Callable[[ProviderAccount | None], WaybillProvider]] = {"sandbox": _sandbox}


T = TypeVar("T")


def capability(table: Mapping[str, T], key: str, refusal: str) -> T:
    """``table[key]``; a key the table lacks is ``NotSupported`` with ``refusal`` (for the seller)."""
    try:
        return table[key]
    except KeyError:
        raise NotSupported(f"{refusal}: {key}") from None


def waybill_provider(key: str, account: ProviderAccount | None = None) -> WaybillProvider:
    return capability(WAYBILL_PROVIDERS, key, "没有可用的电子面单服务")(account)


def _kdniao(account: ProviderAccount | None) -> WaybillProvider:
    from fahuo.integrations.kdniao.client import KdniaoWaybillProvider
    from fahuo.integrations.kdniao.settings import KdniaoSettings

    return KdniaoWaybillProvider(KdniaoSettings.for_account(account))


WAYBILL_PROVIDERS["kdniao"] = _kdniao


def _kuaidi100(account: ProviderAccount | None) -> WaybillProvider:
    from fahuo.integrations.kuaidi100.client import provider_for_account

    return provider_for_account(account)


WAYBILL_PROVIDERS["kuaidi100"] = _kuaidi100


def _douyin_waybill(account: ProviderAccount | None) -> WaybillProvider:
    from fahuo.integrations.douyin.waybill import DouyinWaybillProvider, WaybillSettings

    return DouyinWaybillProvider(WaybillSettings.from_account(account))


WAYBILL_PROVIDERS["douyin_waybill"] = _douyin_waybill

# Providers that can ship an order whose receiver fahuo holds only as platform ciphertext (or not
# at all): the platform decrypts inside itself and its print component prints the label. Routing
# offers encrypted orders only carriers whose waybill provider is listed here.
PRINTS_ENCRYPTED: frozenset[str] = frozenset({"douyin_waybill"})


# A provider that may use another provider's account when it has none of its own: 抖音电子面单 runs on
# the shop's 抖店 app (the same app_key/app_secret/access_token).
ACCOUNT_FALLBACK: dict[str, str] = {"douyin_waybill": "douyin"}


def prints_encrypted(key: str) -> bool:
    """Whether the waybill provider ``key`` can ship an order with an encrypted receiver."""
    return key in PRINTS_ENCRYPTED


# Shop platforms (ship-back): Shop.platform -> factory taking the shop's account (or None).
SHOP_PLATFORMS: dict[str, Callable[[ProviderAccount | None], ShopPlatform]] = {}


def shop_platform(key: str, account: ProviderAccount | None = None) -> ShopPlatform:
    return capability(SHOP_PLATFORMS, key, "不支持向该平台回传发货")(account)


def _douyin(account: ProviderAccount | None) -> ShopPlatform:
    from fahuo.integrations.douyin.client import DouyinShopPlatform
    from fahuo.integrations.douyin.settings import settings_for

    return DouyinShopPlatform(settings_for(account))


SHOP_PLATFORMS["douyin"] = _douyin


# --- after-sales: send a seller's approve/reject back to the shop platform ------------------------
AFTERSALE_PLATFORMS: dict[str, Callable[[ProviderAccount | None], Any]] = {}


def aftersale_platform(key: str, account: ProviderAccount | None = None) -> Any:
    """An adapter with ``decide(Decision)`` for the platform ``key``; NotSupported when it has none."""
    return capability(AFTERSALE_PLATFORMS, key, "不支持向该平台回传售后审核")(account)


def _douyin_aftersale(account: ProviderAccount | None) -> Any:
    from fahuo.integrations.douyin.aftersale import DouyinAfterSale
    from fahuo.integrations.douyin.settings import settings_for

    return DouyinAfterSale(settings_for(account))


AFTERSALE_PLATFORMS["douyin"] = _douyin_aftersale


# --- reverse pickup (上门取件): book a courier to collect a return from the buyer -------------------
PICKUP_PROVIDERS: dict[str, Callable[[ProviderAccount | None], Any]] = {}


def pickup_provider(key: str, account: ProviderAccount | None = None) -> Any:
    """An adapter with ``book(PickupRequest) -> PickupBooking``; NotSupported when ``key`` has none."""
    return capability(PICKUP_PROVIDERS, key, "该服务商不支持预约上门取件")(account)


def _kdniao_pickup(account: ProviderAccount | None) -> Any:
    from fahuo.integrations.kdniao.pickup import KdniaoPickup
    from fahuo.integrations.kdniao.settings import KdniaoSettings

    return KdniaoPickup(KdniaoSettings.for_account(account))


PICKUP_PROVIDERS["kdniao"] = _kdniao_pickup


def _kuaidi100_pickup(account: ProviderAccount | None) -> Any:
    from fahuo.integrations.kuaidi100.pickup import Kuaidi100Pickup
    from fahuo.integrations.kuaidi100.settings import Kuaidi100Settings

    if account is None:
        raise NotSupported("快递100 上门取件需要服务商账号（key/secret）")
    return Kuaidi100Pickup(Kuaidi100Settings.from_account(account))


PICKUP_PROVIDERS["kuaidi100"] = _kuaidi100_pickup


# --- tracking: poll (query a parcel's trace now) and subscribe (ask the provider to push) ---------
#
# Tracking looks these up by the account's provider key and never names a provider itself. A new
# tracking provider adds its factories here (and its push parser to TRACK_PUSHES).

# query(tracking_no=, carrier_code=, phone=) -> the parcel's trace, newest state included
TrackQuery = Callable[..., list[TraceEvent]]
# subscribe(tracking_no=, carrier_code=, phone=, callback_base=) -> None (ProviderError when refused)
TrackSubscribe = Callable[..., None]


@dataclass(frozen=True, slots=True)
class TrackPoller:
    # None when this account can push but not query (e.g. Kuaidi100 without its 授权码 customer)
    factory: Callable[[ProviderAccount], TrackQuery | None]
    default_rate: float  # queries per second when the account sets no poll_rate


TRACK_POLLERS: dict[str, TrackPoller] = {}
TRACK_SUBSCRIBERS: dict[str, Callable[[ProviderAccount], TrackSubscribe]] = {}


def tracking_providers() -> tuple[str, ...]:
    """The provider keys that track parcels (poll or subscribe), in registration order."""
    return tuple(dict.fromkeys([*TRACK_SUBSCRIBERS, *TRACK_POLLERS]))


def track_poller(key: str) -> TrackPoller:
    return capability(TRACK_POLLERS, key, "该服务不支持查询物流轨迹")


def track_subscriber(key: str, account: ProviderAccount) -> TrackSubscribe:
    return capability(TRACK_SUBSCRIBERS, key, "该服务不支持订阅物流推送")(account)


def _kdniao_query(account: ProviderAccount) -> TrackQuery | None:
    from fahuo.integrations.kdniao import tracking
    from fahuo.integrations.kdniao.settings import KdniaoSettings

    return partial(tracking.query, KdniaoSettings.from_account(account))


def _kdniao_subscribe(account: ProviderAccount) -> TrackSubscribe:
    from fahuo.integrations.kdniao import tracking
    from fahuo.integrations.kdniao.settings import KdniaoSettings

    settings = KdniaoSettings.from_account(account)

    def subscribe(*, tracking_no: str, carrier_code: str, phone: str, callback_base: str) -> None:
        # Kdniao pushes to the address set in its console, not one given per call.
        tracking.subscribe(settings, tracking_no=tracking_no, carrier_code=carrier_code, phone=phone)

    return subscribe


def _kuaidi100_query(account: ProviderAccount) -> TrackQuery | None:
    from fahuo.integrations.kuaidi100 import tracking
    from fahuo.integrations.kuaidi100.settings import Kuaidi100Settings

    settings = Kuaidi100Settings.from_account(account)
    if not settings.customer:
        return None  # no 授权码 "customer": this account can subscribe but not query
    return partial(tracking.query, settings)


def _kuaidi100_subscribe(account: ProviderAccount) -> TrackSubscribe:
    from fahuo.integrations.kuaidi100 import tracking
    from fahuo.integrations.kuaidi100.settings import Kuaidi100Settings, callback_salt

    settings, salt = Kuaidi100Settings.from_account(account), callback_salt(account)

    def subscribe(*, tracking_no: str, carrier_code: str, phone: str, callback_base: str) -> None:
        if not callback_base:
            raise NotSupported("未设置 FAHUO_PUBLIC_URL，快递100 无法回调推送轨迹")
        tracking.subscribe(
            settings,
            tracking_no=tracking_no,
            carrier_code=carrier_code,
            callback_url=f"{callback_base}/hooks/kuaidi100",
            salt=salt,
            phone=phone,
        )

    return subscribe


TRACK_SUBSCRIBERS["kdniao"] = _kdniao_subscribe
# Default rates are fahuo's own choice: neither provider publishes a per-second limit for its
# instant query, and Kuaidi100 asks that one number is queried at most every half hour (polling's
# ``every_minutes`` covers that).
TRACK_POLLERS["kdniao"] = TrackPoller(_kdniao_query, default_rate=5.0)
TRACK_SUBSCRIBERS["kuaidi100"] = _kuaidi100_subscribe
TRACK_POLLERS["kuaidi100"] = TrackPoller(_kuaidi100_query, default_rate=2.0)


# --- tracking pushes: verify and decode what a provider POSTs to /hooks/<key>, or a logged payload --
#
# Both take the provider's active accounts, oldest first (tracking looks them up by key). ``parse``
# raises SignatureInvalid / MalformedPush, or a FahuoError when no account can verify the push.


@dataclass(frozen=True, slots=True)
class TrackPush:
    # (POSTed form fields, accounts) -> the verified push
    parse: Callable[[Mapping[str, str], Sequence[ProviderAccount]], ParsedPush]
    # (the decoded payload as logged, accounts) -> (events, per-item errors); MalformedPush when unreadable
    replay: Callable[[Mapping[str, Any], Sequence[ProviderAccount]], tuple[list[TraceEvent], list[str]]]


TRACK_PUSHES: dict[str, TrackPush] = {}


def track_push(key: str) -> TrackPush:
    return capability(TRACK_PUSHES, key, "该服务不支持推送物流轨迹")


def _kdniao_push(form: Mapping[str, str], accounts: Sequence[ProviderAccount]) -> ParsedPush:
    from fahuo.integrations.kdniao import tracking

    return tracking.parse_push(form, tracking.settings_for_push(form, accounts))


def _kdniao_replay(
    payload: Mapping[str, Any], accounts: Sequence[ProviderAccount]
) -> tuple[list[TraceEvent], list[str]]:
    from fahuo.integrations.kdniao import tracking

    return tracking.replay_events(payload, tracking.replay_settings(accounts))


def _kuaidi100_push(form: Mapping[str, str], accounts: Sequence[ProviderAccount]) -> ParsedPush:
    from fahuo.integrations.kuaidi100 import tracking
    from fahuo.integrations.kuaidi100.settings import Kuaidi100Settings, callback_salt

    if not accounts:
        raise NotSupported("没有可用的快递100账号，无法校验推送签名")
    # The salt is the one subscriptions were made with: the first active account's.
    settings = Kuaidi100Settings.from_account(accounts[0])
    return tracking.parse_callback(
        form, salt=callback_salt(accounts[0]), carrier_codes=settings.carrier_code_map
    )


def _kuaidi100_replay(
    payload: Mapping[str, Any], accounts: Sequence[ProviderAccount]
) -> tuple[list[TraceEvent], list[str]]:
    from fahuo.integrations.kuaidi100 import tracking

    return tracking.replay_events(payload)


TRACK_PUSHES["kdniao"] = TrackPush(parse=_kdniao_push, replay=_kdniao_replay)
TRACK_PUSHES["kuaidi100"] = TrackPush(parse=_kuaidi100_push, replay=_kuaidi100_replay)
