"""The demo's offline world: provider simulators on loopback, accounts pointing at them, and parcels
that move (揽收 → 运输 → 派送 → 签收, with some stalls, lockers and problems) through Kdniao pushes.

``fahuo demo`` starts this next to the desk, so a seller sees the
whole flow — waybills from 快递鸟/快递100 simulators, ship-back to a 抖店 simulator, tracking pushes
arriving at /hooks/kdniao and alerts appearing — without any network.

快递100 parcels move too, but without pushes (the demo has no public URL for Kuaidi100 to call
back): the worker's polling fallback (``tracking.polling``) queries them. Now and then a new paid
抖店 order is pushed to /hooks/douyin; the worker fetches it (``tracking.shop_fetch``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from fahuo.demo import platform_waybill
from fahuo.integrations.simserver import RunningSimulator

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")

# Which demo carriers go through which simulated provider; the rest stay on the sandbox.
KDNIAO_CARRIERS = ("ZTO", "YTO", "YD")
KUAIDI100_CARRIERS = ("SF", "JD")

# (minutes after the waybill, Kdniao StateEx, station text) — one parcel's normal life, compressed.
NORMAL_STEPS: tuple[tuple[int, str, str], ...] = (
    (2, "1", "【{city}】快递员已揽收"),
    (5, "2", "快件已发往【{dest}转运中心】"),
    (9, "201", "快件已到达【{dest}】"),
    (12, "202", "【{dest}】派件员正在为您派件"),
    (16, "301", "已签收，签收人：本人"),
)


@dataclass
class DemoWorld:
    urls: dict[str, str] = field(default_factory=dict)
    sims: list[RunningSimulator] = field(default_factory=list)
    kdniao: Any = None
    kuaidi100: Any = None  # the Kuaidi100 simulator's state (traces for polling)
    douyin: Any = None
    # buyer-message simulators: what they received is what the buyers got
    sms: Any = None
    douyin_im: Any = None
    wechat: Any = None
    consumer: Any = None  # the in-process Huey consumer, when one runs
    stop_event: threading.Event = field(default_factory=threading.Event)
    mover: threading.Thread | None = None

    def stop(self) -> None:
        self.stop_event.set()
        if self.consumer is not None:
            self.consumer.stop(graceful=False)
        # each simulator's server notices a shutdown within its 0.5 s poll: stop them side by side
        stoppers = [threading.Thread(target=sim.stop) for sim in self.sims]
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join(timeout=10)
        if self.mover is not None:
            self.mover.join(timeout=10)


class _DouyinGateway:
    """One 抖店 open-platform address for the shop's account, as on the real gateway: the IM send
    method goes to the IM simulator, every other method to the order/logistics simulator."""

    def __init__(self, shop: Any, im: Any) -> None:
        self.shop, self.im = shop, im

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "") == self.im.path:
            return self.im(environ, start_response)
        return self.shop(environ, start_response)


def start_world(*, desk_url: str, move_every_s: float = 15.0) -> DemoWorld:
    """Serve the simulators, point the demo accounts and carriers at them, start parcel movement."""
    from fahuo.integrations.douyin import simulator as douyin_sim
    from fahuo.integrations.kdniao import simulator as kdniao_sim
    from fahuo.integrations.kuaidi100 import simulator as kuaidi100_sim
    from fahuo.integrations.messaging.douyin_im.simulator import DouyinImSimulator
    from fahuo.integrations.messaging.sms_kdniao.simulator import KdniaoSmsSimulator
    from fahuo.integrations.messaging.wechat.simulator import WechatSimulator

    world = DemoWorld()
    world.kdniao = kdniao_sim.make_app()
    world.kuaidi100 = kuaidi100_sim.SimulatorState()
    world.douyin = douyin_sim.make_app()
    platform_waybill.prepare_simulator(world.douyin)  # the encrypted demo orders and the outlet's stock
    world.sms = KdniaoSmsSimulator.with_account()
    world.douyin_im = DouyinImSimulator(accept_unknown_orders=True)
    world.wechat = WechatSimulator.with_app(accept_any_openid=True)
    for key, app in (
        ("kdniao", world.kdniao),
        ("kuaidi100", kuaidi100_sim.make_app(world.kuaidi100)),
        ("douyin", _DouyinGateway(world.douyin, world.douyin_im)),
        ("kdniao_sms", world.sms),
        ("wechat", world.wechat),
    ):
        sim = RunningSimulator(app).start()
        world.sims.append(sim)
        world.urls[key] = sim.base_url
    configure_accounts(world.urls)
    world.consumer = _start_consumer()
    world.mover = threading.Thread(
        target=_move_forever, args=(world, desk_url, move_every_s), name="fahuo-demo-movement", daemon=True
    )
    world.mover.start()
    return world


def _start_consumer() -> Any:
    """Run the Huey consumer (thread workers) inside the demo process, so queued jobs and periodic
    tasks (ship-back, alert sweeps, batches, buyer messages) run without a separate ``fahuo worker``.
    Returns it (None when Huey runs tasks inline)."""
    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    if HUEY.immediate:
        return None
    autodiscover_modules("tasks")  # register every app's tasks, as `fahuo worker` does
    consumer = HUEY.create_consumer(workers=2, worker_type="thread", periodic=True)
    # start() installs handlers that only flag the consumer's own run loop, which this process does
    # not run: Ctrl-C and SIGTERM would be swallowed. Keep the process's handlers.
    kept = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer.start()
    for sig, handler in kept.items():
        signal.signal(sig, handler)
    return consumer


def configure_accounts(urls: dict[str, str]) -> None:
    """Create (or update) the demo's provider accounts and switch demo carriers to those providers."""
    from fahuo.carriers.models import Carrier, ProviderAccount

    with transaction.atomic():
        for provider, name, creds, shop in _demo_accounts():
            ProviderAccount.objects.update_or_create(
                provider=provider,
                name=name,
                defaults={
                    "base_url": urls["douyin" if provider == "douyin_waybill" else provider],
                    "credentials": json.dumps(creds),
                    "active": True,
                    "shop": shop,
                },
            )
        Carrier.objects.filter(code__in=KDNIAO_CARRIERS).update(provider="kdniao")
        Carrier.objects.filter(code__in=KUAIDI100_CARRIERS).update(provider="kuaidi100")
        _subscribe_private_buyers()


def _demo_accounts() -> list[tuple[str, str, dict[str, Any], Any]]:
    """(provider, account name, credentials, shop or None) of every simulator the demo talks to."""
    from fahuo.integrations.douyin import simulator as douyin_sim
    from fahuo.integrations.kdniao import simulator as kdniao_sim
    from fahuo.integrations.kuaidi100 import simulator as kuaidi100_sim
    from fahuo.integrations.messaging.sms_kdniao import simulator as sms_sim
    from fahuo.integrations.messaging.wechat import simulator as wechat_sim
    from fahuo.orders.models import Shop

    douyin = {
        "app_key": douyin_sim.DEMO_APP_KEY,
        "app_secret": douyin_sim.DEMO_APP_SECRET,
        "access_token": douyin_sim.DEMO_ACCESS_TOKEN,
    }
    return [
        (
            "kdniao",
            "快递鸟（模拟器）",
            {
                "ebusiness_id": kdniao_sim.DEMO_EBUSINESS_ID,
                "app_key": kdniao_sim.DEMO_APP_KEY,
                # the outlets' e-waybill accounts (电子面单客户号), one per demo carrier
                "customer_name": "DEMO-HZ-0001",
                "customer_pwd": "demo",
            },
            None,
        ),
        (
            "kuaidi100",
            "快递100（模拟器）",
            {
                "key": kuaidi100_sim.DEMO_KEY,
                "secret": kuaidi100_sim.DEMO_SECRET,
                "partner_id": kuaidi100_sim.DEMO_PARTNER_ID,
                "customer": kuaidi100_sim.DEMO_CUSTOMER,
            },
            None,
        ),
        (
            "douyin",
            "抖店开放平台（模拟器）",
            dict(douyin),
            Shop.objects.filter(code="demo").first(),
        ),
        (
            "douyin_waybill",
            "抖音电子面单（模拟器）",
            platform_waybill.account_credentials(dict(douyin)),
            Shop.objects.filter(code="demo").first(),
        ),
        (
            "kdniao_sms",
            "快递鸟短信（模拟器）",
            {
                "ebusiness_id": sms_sim.DEMO_EBUSINESS_ID,
                "app_key": sms_sim.DEMO_APP_KEY,
                "sign_name": "小雨好物",
            },
            None,
        ),
        (
            "wechat",
            "微信小程序（模拟器）",
            {
                "appid": wechat_sim.DEMO_APPID,
                "secret": wechat_sim.DEMO_SECRET,
                "templates": {"*": wechat_sim.DEMO_TEMPLATE_ID},
            },
            Shop.objects.filter(code="siyu").first(),
        ),
    ]


WECHAT_SHARE = 70  # percent of the private-domain buyers who subscribed in the mini-program


def _subscribe_private_buyers() -> None:
    """Most private-domain (私域) buyers get a WeChat openid, as the seller's mini-program would post
    it when they subscribe; the others are reached by SMS."""
    from fahuo.notify.models import BuyerContact, Channel
    from fahuo.orders.models import Customer

    hashes = Customer.objects.filter(shop__code="siyu").values_list("shop_id", "phone_hash")
    BuyerContact.objects.bulk_create(
        [
            BuyerContact(shop_id=shop_id, phone_hash=h, channel=Channel.WECHAT, address=f"o-demo-{h[:24]}")
            for shop_id, h in hashes
            if int(h[:6], 16) % 100 < WECHAT_SHARE
        ],
        ignore_conflicts=True,
        batch_size=500,
    )


def _fate(number: str) -> str:
    """A parcel's scripted fate, stable per number: mostly normal, some lockers, stalls, problems."""
    bucket = int(hashlib.sha256(number.encode()).hexdigest()[:4], 16) % 100
    if bucket < 6:
        return "stall"  # stops after leaving the origin: the sweep flags it as stalled
    if bucket < 9:
        return "problem"  # 疑难件: address unclear
    if bucket < 11:
        return "refused"
    if bucket < 20:
        return "locker"
    return "normal"


def steps_for(number: str) -> list[tuple[int, str, str]]:
    fate = _fate(number)
    steps = list(NORMAL_STEPS)
    if fate == "stall":
        return steps[:2]
    if fate == "problem":
        return [*steps[:3], (12, "420", "收件地址不详细，派件员正在联系收件人")]
    if fate == "refused":
        return [*steps[:4], (15, "404", "收件人拒收，快件将退回")]
    if fate == "locker":
        return [
            *steps[:4],
            (15, "211", "快件已放入【丰巢智能柜】，请凭取件码取件"),
            (20, "311", "已从快递柜取件签收"),
        ]
    return steps


_pushed: dict[str, int] = {}  # tracking number -> steps already pushed (process-local)
# Kdniao action -> Kuaidi100 statusCode (resultv2=4), for parcels that move at Kuaidi100.
K100_CODES = {"1": "1", "2": "0", "201": "1001", "202": "5", "301": "301", "420": "2", "404": "14"}
K100_CODES |= {"211": "501", "311": "304"}
K100_COMPANIES = {"SF": "shunfeng", "JD": "jd"}


def move_once(world: DemoWorld, desk_url: str, *, now: datetime | None = None) -> int:
    """Add the trace lines that are due for Kdniao parcels and push them to the desk; returns lines."""
    from fahuo.fulfilment.models import Waybill

    now = now or timezone.now()
    rows = list(
        Waybill.objects.filter(provider__in=("kdniao", "kuaidi100"), issued_at__gte=now - timedelta(days=2))
        .select_related("carrier", "parcel__order")
        .order_by("issued_at")[:5000]
    )
    due: list[tuple[str, str]] = []
    added = 0
    for waybill in rows:
        steps = steps_for(waybill.tracking_no)
        done = _pushed.get(waybill.tracking_no, 0)
        order = waybill.parcel.order
        for minutes, action, text in steps[done:]:
            at = waybill.issued_at + timedelta(minutes=minutes)
            if at > now:
                break
            stamp = at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
            station = text.format(city="杭州", dest=(order.city or order.province or "")[:6])
            if waybill.provider == "kuaidi100":  # no push: the polling fallback picks these up
                world.kuaidi100.add_trace(
                    K100_COMPANIES.get(waybill.carrier.code, waybill.carrier.code.lower()),
                    waybill.tracking_no,
                    time=stamp,
                    context=station,
                    status_code=K100_CODES.get(action, "0"),
                    area_name=order.city or order.province,
                )
            else:
                world.kdniao.add_trace(
                    waybill.carrier.code,
                    waybill.tracking_no,
                    at=stamp,
                    station=station,
                    action=action,
                    location=order.city or order.province,
                )
            done += 1
            added += 1
        if done != _pushed.get(waybill.tracking_no, 0):
            _pushed[waybill.tracking_no] = done
            if waybill.provider == "kdniao":
                due.append((waybill.carrier.code, waybill.tracking_no))
    for start in range(0, len(due), 100):
        try:
            world.kdniao.push_to(f"{desk_url}/hooks/kdniao", numbers=due[start : start + 100], timeout=30.0)
        except Exception as exc:  # the desk may still be starting; the next round pushes again
            log.warning("demo movement push failed: %s", exc)
            for number in due[start:]:
                _pushed.pop(number[1], None)
            break
    return added


_shop_orders = [0]  # new 抖店 orders pushed by this process
SHOP_ORDER_EVERY = 8  # movement rounds between two new 抖店 orders
SHOP_ORDERS_MAX = 30


def push_shop_order(world: DemoWorld, desk_url: str) -> str:
    """A buyer pays a new 抖店 order: seed it in the simulator and push the paid message (tag 101) to
    the desk, which fetches the order (orderDetail + batchDecrypt) in the worker. Returns its id."""
    _shop_orders[0] += 1
    order_id = f"69{int(time.time()) % 10**9:09d}{_shop_orders[0]:06d}"[:19]
    world.douyin.add_synthetic_order(order_id, lines=1 + _shop_orders[0] % 2)
    world.douyin.push_paid(f"{desk_url}/hooks/douyin", order_id, timeout=30.0)
    return order_id


def _move_forever(world: DemoWorld, desk_url: str, every_s: float) -> None:
    from django.db import close_old_connections

    rounds = 0
    while not world.stop_event.wait(every_s):
        rounds += 1
        try:
            close_old_connections()
            move_once(world, desk_url)
            if rounds % SHOP_ORDER_EVERY == 0 and _shop_orders[0] < SHOP_ORDERS_MAX:
                push_shop_order(world, desk_url)
        except Exception:  # keep the demo alive; the log says what went wrong
            log.exception("demo movement round failed")
        finally:
            close_old_connections()
    time.sleep(0)
